"""The drafted DOCX rendered by LibreOffice (fonts mapped to Noto CJK stand-ins for the render
only): A4 pages, 22 body lines on a full page, body text already on page 1, 版记 on the last."""

from __future__ import annotations

import re
import shutil
import subprocess
from itertools import pairwise

import pytest

from deptstats.reply.pdf_preview import render_pdf, soffice
from tests.drafts import draft, loaded_warehouse

pytestmark = [pytest.mark.gx, pytest.mark.external]

MM = 72 / 25.4
BODY_TOP, BODY_BOTTOM = 37 * MM, (37 + 225) * MM
LINE = re.compile(r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>', re.S)


@pytest.fixture(scope="module")
def pdf(tmp_path_factory, sample_dir, registry):
    if soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed: the PDF render is not checked")
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils (pdftotext, pdfinfo) is not installed")
    folder = tmp_path_factory.mktemp("render")
    url, _ = loaded_warehouse(folder, sample_dir, registry)
    draft(url, folder / "out", registry)
    return render_pdf(folder / "out" / "reply-2024-147.docx", folder / "pdf")


def page_count(pdf) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


def lines_of(pdf, page: int) -> list[tuple[float, str]]:
    """(top, text) of each text line of a page."""
    out = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-bbox-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [
        (float(m.group(2)), "".join(re.findall(r">([^<]*)</word>", m.group(5)))) for m in LINE.finditer(out)
    ]


def test_pages_are_a4(pdf):
    info = subprocess.run(
        ["pdfinfo", "-l", "99", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert len(sizes) == page_count(pdf) >= 2
    for width, height in sizes:
        assert float(width) == pytest.approx(595.3, abs=0.5)
        assert float(height) == pytest.approx(841.9, abs=0.5)


def test_a_full_page_holds_22_body_lines_28_95pt_apart(pdf):
    pages = page_count(pdf)
    full = [p for p in range(2, pages) if len(body_lines(pdf, p)) >= 20]
    assert full, "no full body page to count"
    for page in full:
        tops = [top for top, _ in body_lines(pdf, page)]
        assert len(tops) == 22, page
        pitches = [b - a for a, b in pairwise(tops)]
        assert sum(pitches) / len(pitches) == pytest.approx(28.95, abs=0.1)


def body_lines(pdf, page: int) -> list[tuple[float, str]]:
    return [(top, text) for top, text in lines_of(pdf, page) if BODY_TOP - 2 <= top < BODY_BOTTOM]


def test_page_one_shows_masthead_title_and_body_text(pdf):
    text = "".join(t for _, t in lines_of(pdf, 1))
    for expected in ("慈溪市卫生健康局文件", "签发人", "建议的答复", "应华惠代表：", "您在市十八届人大"):
        assert expected in text
    assert re.search(r"—\s*1\s*—", text)


def test_the_banji_is_at_the_foot_of_the_last_page(pdf):
    lines = lines_of(pdf, page_count(pdf))
    assert "抄送：" in "".join(t for _, t in lines)
    earlier = "".join(t for p in range(1, page_count(pdf)) for _, t in lines_of(pdf, p))
    assert "抄送：" not in earlier
    printed = next(top for top, text in lines if text.endswith("印发"))
    copy = next(top for top, text in lines if text.startswith("抄送："))
    note = next(top for top, text in lines if text.startswith("（联系人"))
    # the 印发 line is the last line of the 版心, and the 版记 is apart from the 附注
    assert BODY_BOTTOM - 28.95 - 4 < printed < BODY_BOTTOM
    assert copy > note + 28.95


def horizontal_rules(pdf, page: int) -> list[tuple[int, int, int]]:
    """(y, first x, last x) in points of each pixel row of the page, rasterised at 72 dpi, that
    is dark over more than half the 版心's width: the rules."""
    raster = subprocess.run(
        ["pdftoppm", "-r", "72", "-f", str(page), "-l", str(page), "-gray", str(pdf)],
        capture_output=True,
        check=True,
    ).stdout
    header, size, _depth, pixels = raster.split(b"\n", 3)
    assert header == b"P5"
    width, height = map(int, size.split())
    rules = []
    for y in range(height):
        dark = [x for x, value in enumerate(pixels[y * width : (y + 1) * width]) if value < 128]
        if len(dark) > 156 * MM / 2:
            rules.append((y, dark[0], dark[-1]))
    return rules


def test_the_banji_rules_run_the_full_width_of_the_text_block(pdf):
    rules = horizontal_rules(pdf, page_count(pdf))
    assert len(rules) >= 3  # above, between and below 抄送 and 印发
    for _, first, last in rules[-3:]:
        assert first == pytest.approx(28 * MM, abs=1.5)
        assert last == pytest.approx((28 + 156) * MM, abs=1.5)
