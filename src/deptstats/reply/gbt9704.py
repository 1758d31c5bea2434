"""The letter as a DOCX laid out per GB/T 9704-2012 (党政机关公文格式): A4, 版心 156 x 225 mm,
3号仿宋 body on a grid of 22 lines of 28 characters, red 发文机关标志 and separator rule, 2号小标宋
title, 版记 at the foot of the last page (a text box) and "— N —" page numbers, odd right and even left.

Fonts are named as offices have them (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312, 宋体) and set
for east-Asian and Latin text on every run, so Word never falls back to a Western font."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from deptstats.reply.docx_shapes import foot_box
from deptstats.reply.letter_text import addressee, copy_line, note_line, printed_line
from deptstats.reply.model import Letter, date_label

FANGSONG, XIAOBIAOSONG, HEITI, KAITI, SONGTI = (
    "仿宋_GB2312",
    "方正小标宋简体",
    "黑体",
    "楷体_GB2312",
    "宋体",
)
RED = RGBColor(0xFF, 0x00, 0x00)
PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
TOP_MM, LEFT_MM, TEXT_WIDTH_MM, TEXT_HEIGHT_MM = 37, 28, 156, 225
BODY_PT = 16  # 3号
TITLE_PT = 22  # 2号
SMALL_PT = 14  # 4号: 版记, page numbers
LINE_PT = 28.95  # 225 mm / 22 lines
MARK_PT = 40  # 发文机关标志: 10 characters fit in the 156 mm line
CHAR = Pt(BODY_PT)  # one character of body text, for 空一字 / 空二字
RULE_RED_EIGHTHS = 8  # 1 pt
BANJI_OUTER_EIGHTHS, BANJI_INNER_EIGHTHS = 8, 6  # 0.35 mm and 0.25 mm rules
COPY_LABEL_CHARS = 3  # 抄送：
# Elements that follow w:tblBorders in a table's properties (w:tblCellMar: from the 4th).
TBLPR_AFTER_BORDERS = (
    "w:shd",
    "w:tblLayout",
    "w:tblCellMar",
    "w:tblLook",
    "w:tblCaption",
    "w:tblDescription",
    "w:tblPrChange",
)
# Elements that follow w:pBdr in a paragraph's properties (the schema fixes their order).
PPR_AFTER_BORDERS = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def set_fonts(run, font: str) -> None:
    """The font for Latin, east-Asian and complex script text of one run."""
    run.font.name = font
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), font)


def add_run(
    paragraph: Paragraph,
    text: str,
    font: str = FANGSONG,
    size: float = BODY_PT,
    color: RGBColor | None = None,
):
    run = paragraph.add_run(text)
    set_fonts(run, font)
    run.font.size = Pt(size)
    if color is not None:
        run.font.color.rgb = color
    return run


def line_format(
    paragraph: Paragraph, line_pt: float = LINE_PT, before_pt: float = 0, align=WD_ALIGN_PARAGRAPH.JUSTIFY
) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(line_pt)
    fmt.space_before, fmt.space_after = Pt(before_pt), Pt(0)
    fmt.alignment = align
    fmt.widow_control = False  # the grid stays full: 22 lines on every page


def border(paragraph: Paragraph, side: str, eighths: int, color: str, space_pt: int) -> None:
    properties = paragraph._p.get_or_add_pPr()
    borders = properties.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        properties.insert_element_before(borders, *PPR_AFTER_BORDERS)
    edge = OxmlElement(f"w:{side}")
    for key, value in (
        ("w:val", "single"),
        ("w:sz", str(eighths)),
        ("w:space", str(space_pt)),
        ("w:color", color),
    ):
        edge.set(qn(key), value)
    borders.append(edge)


def page_setup(document) -> None:
    section = document.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.top_margin, section.left_margin = Mm(TOP_MM), Mm(LEFT_MM)
    section.right_margin = Mm(PAGE_WIDTH_MM - LEFT_MM - TEXT_WIDTH_MM)
    section.bottom_margin = Mm(PAGE_HEIGHT_MM - TOP_MM - TEXT_HEIGHT_MM)
    section.header_distance, section.footer_distance = Mm(15), Mm(22)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(LINE_PT * 20)))
    normal = document.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    normal.font.name = FANGSONG
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FANGSONG)


def page_number_footers(document) -> None:
    """ "— N —" in 4号宋体: odd pages right, even pages left, one character in from the edge."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    for footer, odd in ((section.footer, True), (section.even_page_footer, False)):
        paragraph = footer.paragraphs[0]
        line_format(
            paragraph, SMALL_PT * 1.5, 0, WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
        )
        indent = Pt(SMALL_PT)
        if odd:
            paragraph.paragraph_format.right_indent = indent
        else:
            paragraph.paragraph_format.left_indent = indent
        add_run(paragraph, "— ", SONGTI, SMALL_PT)
        page_field(paragraph)
        add_run(paragraph, " —", SONGTI, SMALL_PT)


def page_field(paragraph: Paragraph) -> None:
    for kind, text in (
        ("begin", None),
        ("instr", " PAGE "),
        ("separate", None),
        ("text", "1"),
        ("end", None),
    ):
        run = add_run(paragraph, "" if kind != "text" else text, SONGTI, SMALL_PT)
        if kind == "instr":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = text
            run._element.append(instruction)
        elif kind != "text":
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._element.append(char)


def masthead(document, letter: Letter) -> None:
    """发文机关标志, then 文号 and 签发人 on one line, the red rule under it."""
    config = letter.config
    mark = document.add_paragraph()
    line_format(mark, MARK_PT * 1.25, 0, WD_ALIGN_PARAGRAPH.CENTER)
    mark.paragraph_format.space_before = Mm(35) - Pt(MARK_PT * 1.25)
    add_run(mark, f"{config['office']}文件", XIAOBIAOSONG, MARK_PT, RED)

    number = document.add_paragraph()
    line_format(number, LINE_PT, 2 * LINE_PT, WD_ALIGN_PARAGRAPH.LEFT)
    number.paragraph_format.left_indent = CHAR
    stops = number.paragraph_format.tab_stops
    stops.add_tab_stop(Mm(TEXT_WIDTH_MM) - 2 * CHAR, WD_TAB_ALIGNMENT.RIGHT)
    add_run(number, config["document_number"] + "\t签发人：")
    add_run(number, config["signer"], KAITI)
    border(number, "bottom", RULE_RED_EIGHTHS, "FF0000", 11)  # about 4 mm under the line


def title_and_addressee(document, letter: Letter) -> None:
    for index, line in enumerate(letter.config["title_lines"]):
        title = document.add_paragraph()
        line_format(title, LINE_PT * 1.25, 2 * LINE_PT if index == 0 else 0, WD_ALIGN_PARAGRAPH.CENTER)
        add_run(title, line, XIAOBIAOSONG, TITLE_PT)
    to = document.add_paragraph()
    line_format(to, LINE_PT, LINE_PT, WD_ALIGN_PARAGRAPH.LEFT)
    add_run(to, addressee(letter))


def body(document, letter: Letter) -> None:
    for kind, text in letter.blocks:
        paragraph = document.add_paragraph()
        line_format(paragraph)
        paragraph.paragraph_format.first_line_indent = 2 * CHAR
        add_run(paragraph, text, HEITI if kind == "heading" else FANGSONG)


def text_width(text: str) -> float:
    """Width in characters: half-width digits and Latin letters count half."""
    return sum(0.5 if ord(char) < 0x2E80 else 1 for char in text)


def signature(document, letter: Letter) -> None:
    """发文机关署名 right 空二字, 成文日期 below, its first character two to the right of the
    署名's (GB/T 9704 7.3.5.2, unsealed); the longer line keeps 空二字 at the right."""
    office, day = letter.config["office"], date_label(letter.config["date"])
    office_width, day_width = text_width(office), text_width(day)
    if day_width + 2 > office_width:
        day_right, office_right = 2, 4 + day_width - office_width
    else:
        office_right, day_right = 2, office_width - day_width
    for text, right, before in ((office, office_right, LINE_PT), (day, day_right, 0)):
        paragraph = document.add_paragraph()
        line_format(paragraph, LINE_PT, before, WD_ALIGN_PARAGRAPH.RIGHT)
        paragraph.paragraph_format.right_indent = Pt(BODY_PT * right)
        add_run(paragraph, text)
    note = document.add_paragraph()
    line_format(note, LINE_PT, 0, WD_ALIGN_PARAGRAPH.LEFT)
    note.paragraph_format.first_line_indent = 2 * CHAR
    add_run(note, note_line(letter))


def banji(document, letter: Letter) -> None:
    """版记: 抄送 and 印发 between rules (0.35 mm outside, 0.25 mm between) as a table in a text
    box whose bottom sits on the foot of the 版心, anchored in the document's last paragraph:
    on the last page, at its foot."""
    # the table is built where python-docx can build it, on a page of the letter's size (so
    # its grid is the 版心's width), then moved into the text box
    scratch = Document()
    page_setup(scratch)
    table = scratch.add_table(rows=2, cols=1)
    properties = table._tbl.tblPr
    width = properties.find(qn("w:tblW"))  # python-docx writes one, "auto"
    width.set(qn("w:w"), str(round(TEXT_WIDTH_MM / 25.4 * 1440)))
    width.set(qn("w:type"), "dxa")
    properties.insert_element_before(table_rules(), *TBLPR_AFTER_BORDERS)
    # no cell margins: the rules run the 版心's full width; the text's 1-character indent is
    # the paragraphs'
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), "0")
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    properties.insert_element_before(margins, *TBLPR_AFTER_BORDERS[3:])
    printed_by, printed_on = printed_line(letter)
    banji_row(table.rows[0].cells[0].paragraphs[0], copy_line(letter), None)
    banji_row(table.rows[1].cells[0].paragraphs[0], printed_by, printed_on)
    for row in table.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    after_table = scratch.add_paragraph()  # a text box's content ends with a paragraph
    line_format(after_table, 1, 0)
    lines = banji_lines(copy_line(letter)) + 1
    anchor = document.add_paragraph()  # the document's last paragraph, 1 pt high
    line_format(anchor, 1, 0)
    anchor.add_run()._r.append(
        foot_box([table._tbl, after_table._p], TEXT_WIDTH_MM / 25.4 * 72, lines * LINE_PT + 2, 1, "版记")
    )


def banji_lines(copy: str) -> int:
    """Lines the 抄送 takes: 1 character in from each side, continued lines after the colon."""
    per_line = int(TEXT_WIDTH_MM / 25.4 * 72 / SMALL_PT) - 2
    rest = text_width(copy) - per_line
    return 1 + max(0, -(-rest // (per_line - COPY_LABEL_CHARS)))


def table_rules():
    rules = OxmlElement("w:tblBorders")
    for side, eighths in (
        ("top", BANJI_OUTER_EIGHTHS),
        ("left", 0),
        ("bottom", BANJI_OUTER_EIGHTHS),
        ("right", 0),
        ("insideH", BANJI_INNER_EIGHTHS),
        ("insideV", 0),
    ):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single" if eighths else "nil")
        if eighths:
            edge.set(qn("w:sz"), str(eighths))
            edge.set(qn("w:color"), "000000")
        rules.append(edge)
    return rules


def banji_row(paragraph: Paragraph, left: str, right: str | None) -> None:
    line_format(paragraph, LINE_PT, 0, WD_ALIGN_PARAGRAPH.LEFT)
    fmt = paragraph.paragraph_format
    fmt.left_indent, fmt.right_indent = Pt(SMALL_PT), Pt(SMALL_PT)
    if right is None:  # 抄送: a continued line starts under the first name (7.5.2)
        fmt.left_indent = Pt(SMALL_PT * (1 + COPY_LABEL_CHARS))
        fmt.first_line_indent = Pt(-SMALL_PT * COPY_LABEL_CHARS)
        add_run(paragraph, left, FANGSONG, SMALL_PT)
        return
    fmt.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM) - Pt(SMALL_PT) - Mm(4), WD_TAB_ALIGNMENT.RIGHT)
    add_run(paragraph, f"{left}\t{right}", FANGSONG, SMALL_PT)


def write_docx(letter: Letter, path: Path) -> Path:
    document = Document()
    page_setup(document)
    page_number_footers(document)
    masthead(document, letter)
    title_and_addressee(document, letter)
    body(document, letter)
    signature(document, letter)
    banji(document, letter)
    core = document.core_properties
    core.title = "".join(letter.config["title_lines"])
    core.author = letter.config["office"]
    document.save(path)
    return path
