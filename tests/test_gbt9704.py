"""The drafted DOCX, re-opened: each GB/T 9704-2012 layout property the office relies on."""

from __future__ import annotations

import json
import re

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.table import Table

from deptstats.reply.drafting import gb2312_warnings, reply_config
from deptstats.reply.notes import notes_from_json
from tests.drafts import draft, loaded_warehouse

pytestmark = pytest.mark.gx


EMU_PER_MM = 36000


@pytest.fixture(scope="module")
def drafted(tmp_path_factory, sample_dir, registry) -> dict:
    folder = tmp_path_factory.mktemp("gbt9704")
    url, _ = loaded_warehouse(folder, sample_dir, registry)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEPTSTATS_LANG", "zh_CN")  # the office's language: the review in Chinese
        result = draft(url, folder / "out", registry)
    docx = folder / "out" / "reply-2024-147.docx"
    return {
        "result": result,
        "docx": docx,
        "document": Document(str(docx)),
        "out": folder / "out",
        "url": url,
    }


def body_paragraphs(document) -> list:
    return [p for p in document.paragraphs if p.text.strip()]


def near(length, millimetres: float) -> bool:
    return abs(length / EMU_PER_MM - millimetres) < 0.05


def test_a4_page_with_the_standard_margins_and_text_block(drafted):
    section = drafted["document"].sections[0]
    assert near(section.page_width, 210) and near(section.page_height, 297)
    assert near(section.top_margin, 37) and near(section.left_margin, 28)
    assert near(section.page_width - section.left_margin - section.right_margin, 156)
    assert near(section.page_height - section.top_margin - section.bottom_margin, 225)
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579"  # 28.95 pt in twentieths


def test_every_run_names_its_east_asian_font(drafted):
    document = drafted["document"]
    section = document.sections[0]
    # every run but the one holding the 版记's text box: the body, the text box's own runs,
    # both page-number footers (their field runs too)
    runs = [
        r
        for part in (document.element.body, section.footer._element, section.even_page_footer._element)
        for r in part.iter(qn("w:r"))
        if r.find(qn("w:drawing")) is None
    ]
    assert len(runs) > 40
    assert any("抄送" in "".join(r.itertext()) for r in runs)
    for run in runs:
        fonts = run.rPr.rFonts
        assert fonts is not None and fonts.get(qn("w:eastAsia")), "".join(run.itertext())


def test_body_is_16pt_fangsong_at_exactly_28_95pt(drafted):
    document = drafted["document"]
    texts = [p for p in body_paragraphs(document) if p.text.startswith("您在")]
    assert texts
    for paragraph in body_paragraphs(document)[5:-3]:
        fmt = paragraph.paragraph_format
        assert fmt.line_spacing_rule == WD_LINE_SPACING.EXACTLY
        assert fmt.line_spacing == Pt(28.95)
        assert fmt.first_line_indent == Pt(32)
        for run in paragraph.runs:
            assert run.font.size == Pt(16)
            expected = "黑体" if re.match(r"[一二三四五六七八九十]+、", paragraph.text) else "仿宋_GB2312"
            assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == expected, paragraph.text


def test_red_masthead_number_line_with_signer_in_kaiti_and_red_rule(drafted):
    paragraphs = body_paragraphs(drafted["document"])
    mark, number = paragraphs[0], paragraphs[1]
    assert mark.text == "慈溪市卫生健康局文件"
    assert mark.alignment == WD_ALIGN_PARAGRAPH.CENTER
    for run in mark.runs:
        assert run.font.color.rgb == RGBColor(0xFF, 0, 0)
        assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert number.text.startswith("慈卫建〔2024〕7号") and "签发人：" in number.text
    signer = number.runs[-1]
    assert signer.text == "陈濛"
    assert signer._element.rPr.rFonts.get(qn("w:eastAsia")) == "楷体_GB2312"
    rule = number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert rule.get(qn("w:color")) == "FF0000" and rule.get(qn("w:val")) == "single"


def test_title_lines_are_22pt_and_at_most_20_characters_then_the_addressee(drafted):
    paragraphs = body_paragraphs(drafted["document"])
    title = paragraphs[2:4]
    assert "".join(p.text for p in title) == "对市十八届人大三次会议第147号建议的答复"
    for paragraph in title:
        assert len(paragraph.text) <= 20
        assert paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER
        assert all(r.font.size == Pt(22) for r in paragraph.runs)
        assert all(r._element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体" for r in paragraph.runs)
    assert paragraphs[4].text == "应华惠代表："
    assert paragraphs[4].alignment == WD_ALIGN_PARAGRAPH.LEFT


def test_signature_date_and_contact_note(drafted):
    paragraphs = body_paragraphs(drafted["document"])
    office, day, note = paragraphs[-3:]
    assert office.text == "慈溪市卫生健康局" and office.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert day.text == "2024年6月5日"  # Arabic numerals, no leading zero
    assert not re.search(r"年0|月0", day.text)
    # the date's first character two characters right of the signature's, counted from the
    # right edge: 8 characters of office name; 年月日 and six half-width digits make 6
    office_start = office.paragraph_format.right_indent.pt / 16 + 8
    day_start = day.paragraph_format.right_indent.pt / 16 + 6
    assert office_start - day_start == pytest.approx(2)
    assert note.text == "（联系人：蒋培娜，联系电话：63990829）"
    assert note.paragraph_format.first_line_indent == Pt(32)


WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"


def test_banji_with_copy_and_printing_lines_between_rules_at_the_foot(drafted):
    """The 版记 is a table in a text box anchored in the last paragraph, its bottom on the
    bottom margin: on the last page, at the foot of the 版心, whatever the body's length."""
    document = drafted["document"]
    body = document.element.body
    assert not body.findall(qn("w:tbl"))  # no table in the letter's flow
    last = [e for e in body if e.tag != qn("w:sectPr")][-1]
    anchors = list(last.iter(f"{WP}anchor"))
    assert len(anchors) == 1 and len(list(body.iter(f"{WP}anchor"))) == 1
    anchor = anchors[0]
    vertical, horizontal = anchor.find(f"{WP}positionV"), anchor.find(f"{WP}positionH")
    assert (vertical.get("relativeFrom"), vertical.find(f"{WP}align").text) == ("margin", "bottom")
    assert horizontal.find(f"{WP}align").text == "center"
    assert anchor.find(f"{WP}wrapTopAndBottom") is not None  # body text never runs under it
    assert near(int(anchor.find(f"{WP}extent").get("cx")), 156)
    tables = list(anchor.iter(qn("w:tbl")))
    assert len(tables) == 1
    table = Table(tables[0], document)
    copy_row, printed_row = (row.cells[0].text for row in table.rows)
    assert copy_row.startswith("抄送：市人大代表工委") and copy_row.endswith("。")
    assert printed_row.startswith("慈溪市卫生健康局办公室") and printed_row.endswith("2024年6月5日印发")
    rules = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert {side: rules.find(qn(f"w:{side}")).get(qn("w:sz")) for side in ("top", "insideH", "bottom")} == {
        "top": "8",
        "insideH": "6",
        "bottom": "8",
    }
    for row in table.rows:
        assert all(r.font.size == Pt(14) for p in row.cells[0].paragraphs for r in p.runs)
    # 抄送 continued lines start under the first name: 1 character in, then 抄送： hangs
    copy_format = table.rows[0].cells[0].paragraphs[0].paragraph_format
    assert copy_format.left_indent == Pt(4 * 14) and copy_format.first_line_indent == Pt(-3 * 14)


def test_page_numbers_odd_right_even_left_in_songti_4(drafted):
    document = drafted["document"]
    assert document.settings.odd_and_even_pages_header_footer
    section = document.sections[0]
    for footer, alignment in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        paragraph = footer.paragraphs[0]
        assert paragraph.alignment == alignment
        assert paragraph.text == "— 1 —"  # the PAGE field's cached result
        assert "PAGE" in "".join(paragraph._p.itertext())
        for run in paragraph.runs:
            assert run.font.size == Pt(14)
            assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"


def test_the_letter_carries_no_review_notes_or_provenance(drafted):
    out = drafted["out"]
    letter = "\n".join(p.text for p in drafted["document"].paragraphs)
    markdown = (out / "reply-2024-147.md").read_text(encoding="utf-8")
    for text in (letter, markdown):
        assert "sha256" not in text and "Provenance" not in text and "审核" not in text
    review = Document(str(out / "reply-2024-147.review.docx"))
    provenance = review.tables[0]
    assert len(provenance.rows) == 1 + 28
    assert any("health/prepregnancy_checks_2023.csv" in c.text for c in provenance.rows[1].cells)
    notes = "\n".join(p.text for p in review.paragraphs)  # in the default language, Chinese
    assert "较 2022（4158个）变动 58.6%" in notes
    assert "「濛」（U+6FDB）不在 GB2312 字符集内" in notes
    # the same notes as data, which read in any language
    kept = json.loads((out / "reply-2024-147.provenance.json").read_text(encoding="utf-8"))["notes"]
    english = "\n".join(note.text("en") for note in notes_from_json(kept))
    assert "moved 58.6% against 2022" in english
    assert "'濛' (U+6FDB) is outside GB2312" in english


def test_a_name_outside_gb2312_is_a_warning(drafted):
    assert any("陈濛" in w and "濛" in w for w in drafted["result"].warnings)
    config = dict(reply_config("reply-2024-147"), signer="陈蒙")
    assert gb2312_warnings(config) == []
