"""Readers: every format and quirk departments send, and the refusals a steward can act on."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from deptstats.core.settings import TUNING
from deptstats.ingest.readers import (
    IrregularCsv,
    ReadError,
    iter_tables,
    normalize_cell,
    normalize_date,
    normalize_header,
    normalize_number,
    read_file,
)
from tests.corpus.cases import xlsx_sheets as workbook

HEADER = "镇街,目标人群数,检查人数\r\n"
ROWS = "浒山街道,100,90\r\n白沙路街道,200,150\r\n"


@pytest.fixture
def checks(registry):
    return registry.extract("prepregnancy_checks")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(tmp_path, checks, encoding):
    path = write(tmp_path, "prepregnancy_checks_2023.csv", (HEADER + ROWS).encode(encoding))
    table = read_file(path, checks)
    assert table.columns == ["area", "target_people", "checked_people"]
    assert [r["area"] for r in table.rows] == ["浒山街道", "白沙路街道"]
    assert table.row_numbers == [2, 3]


def test_undecodable_csv_names_encodings_and_offset(tmp_path, checks):
    data = (HEADER + ROWS).encode("utf-8") + b"\xff\xfe\x00\x81"
    path = write(tmp_path, "prepregnancy_checks_2023.csv", data)
    with pytest.raises(ReadError) as error:
        read_file(path, checks)
    message = str(error.value)
    assert "utf-8" in message and "gb18030" in message
    assert f"byte {len((HEADER + ROWS).encode())}" in message


def test_utf8_with_bom_cut_inside_a_character_is_a_read_error(tmp_path, checks):
    # a copy cut in the middle of 镇 (three bytes in UTF-8)
    data = ("\ufeff" + HEADER + ROWS).encode("utf-8")[: -len("街道,200,150\r\n".encode()) - 1]
    with pytest.raises(
        ReadError,
        match=r"starts as UTF-8 \(with a byte order mark\) but is not "
        r"UTF-8 at byte \d+",
    ):
        read_file(write(tmp_path, "checks_2023.csv", data), checks)


def test_headers_match_by_chinese_or_canonical_name_loosely(tmp_path, checks):
    data = " 镇 街 ,TARGET_PEOPLE,checked_people,备注\n浒山街道,１２３,1,x\n".encode()
    table = read_file(write(tmp_path, "p_2023.csv", data), checks)
    assert table.rows[0]["target_people"] == "１２３"
    assert [w.text("en") for w in table.warnings] == ["unknown column '备注' ignored"]
    assert [w.text("zh_CN") for w in table.warnings] == ["忽略未知列 '备注'"]


def test_full_width_parentheses_in_headers(registry, tmp_path):
    loans = registry.extract("multi_child_loans")
    header = "贷款编号,发放日期,镇街,子女数,贷款金额(万元),是否上浮\n"
    table = read_file(write(tmp_path, "l.csv", (header + "A1,2023-1-1,龙山镇,2,80,是\n").encode()), loans)
    assert table.rows[0]["amount_wan"] == "80"
    assert normalize_header("贷款金额（万元）") == normalize_header("贷款金额(万元)")


def test_missing_required_column_names_missing_and_found(tmp_path, checks):
    data = "镇街,检查人数\n浒山街道,1\n".encode()
    with pytest.raises(ReadError) as error:
        read_file(write(tmp_path, "p.csv", data), checks)
    assert "目标人群数 (target_people)" in str(error.value)
    assert "镇街, 检查人数" in str(error.value)


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "empty"),
        ("镇街,目标人群数,检查人数\n".encode(), "no data rows"),
    ],
)
def test_empty_and_header_only(tmp_path, checks, data, words):
    with pytest.raises(ReadError, match=words):
        read_file(write(tmp_path, "p.csv", data), checks)


def xlsx_bytes(rows: list[list[object]], merge_title: bool = True) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if merge_title:
        sheet.merge_cells("A1:C1")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_title_blank_total_and_footer_rows(tmp_path, checks):
    data = xlsx_bytes(
        [
            ["2023年孕前优生健康检查情况", None, None],  # row 1, merged title
            [None, None, None],  # row 2
            ["镇街", "目标人群数", "检查人数"],  # row 3
            ["浒山街道", 100, 90],  # row 4
            [None, None, None],  # row 5, blank
            ["白沙路街道", 200, 150],  # row 6
            ["合计", 300, 240],  # row 7
            ["填报单位：市卫生健康局"],  # row 8
            ["注：数据截至年末"],  # row 9
        ]
    )
    table = read_file(write(tmp_path, "p.xlsx", data), checks)
    assert table.row_numbers == [4, 6]
    assert table.rows[1] == {"area": "白沙路街道", "target_people": "200", "checked_people": "150"}
    assert table.total_row_number == 7
    assert table.total_row["target_people"] == "300"


def test_xlsx_dates_and_numbers_become_text(tmp_path, registry):
    stations = registry.extract("infant_care_stations")
    data = xlsx_bytes(
        [
            ["驿站编码", "驿站名称", "镇街", "建成日期", "年度活动场次"],
            ["YZ1", "一号", "龙山镇", datetime(2023, 5, 1), 12.0],
        ],
        merge_title=False,
    )
    table = read_file(write(tmp_path, "s.xlsx", data), stations)
    assert table.rows[0]["opened_on"] == "2023-05-01"
    assert table.rows[0]["activities"] == "12"


@pytest.mark.parametrize("data", [b"\x00\x01not a zip at all", b"PK\x03\x04truncated"])
def test_not_an_xlsx(tmp_path, checks, data):
    with pytest.raises(ReadError, match="not a readable XLSX"):
        read_file(write(tmp_path, "p.xlsx", data), checks)


@pytest.mark.parametrize("wrapped", [False, True])
def test_json_array_or_records(tmp_path, checks, wrapped):
    records = [
        {"镇街": "浒山街道", "目标人群数": 10, "检查人数": 9},
        {"area": "龙山镇", "target_people": 20, "checked_people": 19},
    ]
    document = {"records": records} if wrapped else records
    table = read_file(write(tmp_path, "p.json", json.dumps(document).encode()), checks)
    assert table.row_label == "record"
    assert table.row_numbers == [1, 2]
    assert table.rows[1] == {"area": "龙山镇", "target_people": "20", "checked_people": "19"}


def test_json_of_the_wrong_shape(tmp_path, checks):
    with pytest.raises(ReadError, match="array of objects"):
        read_file(write(tmp_path, "p.json", b'{"rows": []}'), checks)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("6,595", "6595"),
        ("１２３", "123"),
        (" 42 ", "42"),
        ("1,234.50", "1234.50"),
        ("12,34", "12,34"),
        ("abc", "abc"),
    ],
)
def test_normalize_number(text, expected):
    assert normalize_number(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2023-05-01", "2023-05-01"),
        ("2023/5/1", "2023-05-01"),
        ("2023年5月1日", "2023-05-01"),
        ("45047", "2023-05-01"),
        ("２０２３-０５-０１", "2023-05-01"),
        ("2023-02-30", "2023-02-30"),
        ("5/1/2023", "5/1/2023"),
    ],
)
def test_normalize_date(text, expected):
    assert normalize_date(text) == expected


def test_normalize_cell_by_type():
    assert normalize_cell("yesno", " 是 ") == "是"
    assert normalize_cell("enum", "５Ａ") == "5A"
    assert normalize_cell("area", " 龙山镇\u3000") == "龙山镇"
    assert normalize_cell("count", None) is None


def test_xlsx_with_a_wrong_stored_size_is_read_whole(tmp_path, checks):
    data = xlsx_bytes(
        [["镇街", "目标人群数", "检查人数"]] + [["浒山街道", i, i] for i in range(1, 18)], merge_title=False
    )
    import re
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:C10"', content)
            target.writestr(info, content)
    table = read_file(write(tmp_path, "p.xlsx", out.getvalue()), checks)
    assert len(table.rows) == 17 and table.row_numbers[-1] == 18


def test_excel_float_noise_is_dropped(tmp_path, checks):
    data = xlsx_bytes(
        [["镇街", "目标人群数", "检查人数"], ["浒山街道", 30.000000000000004, 0.1 + 0.2]], merge_title=False
    )
    table = read_file(write(tmp_path, "p.xlsx", data), checks)
    assert table.rows[0]["target_people"] == "30"
    assert table.rows[0]["checked_people"] == "0.3"


def test_unbalanced_quote_is_a_read_error(tmp_path, checks):
    data = ("镇街,目标人群数,检查人数\n" + '浒山街道,"1,2\n' + "x" * 200_000 + "\n").encode()
    with pytest.raises(ReadError, match="unbalanced quote"):
        read_file(write(tmp_path, "p.csv", data), checks)


def test_spaced_total_and_any_footer_line(tmp_path, checks):
    data = xlsx_bytes(
        [
            ["镇街", "目标人群数", "检查人数"],
            ["浒山街道", 10, 9],
            ["合  计", 10, 9],
            ["填报日期：2024年1月5日"],
            ["审核：李四"],
        ],
        merge_title=False,
    )
    table = read_file(write(tmp_path, "p.xlsx", data), checks)
    assert table.row_numbers == [2] and table.total_row_number == 3


def test_a_column_named_twice_is_refused(tmp_path, checks):
    data = "镇街,目标人群数,检查人数,检查人数\n浒山街道,1,1,1\n".encode()
    with pytest.raises(ReadError, match=r"names 检查人数 \(checked_people\) more than once"):
        read_file(write(tmp_path, "p.csv", data), checks)
    both = b'[{"area": "a", "\xe9\x95\x87\xe8\xa1\x97": "b", "target_people": 1, "checked_people": 1}]'
    with pytest.raises(ReadError, match="record 1 names column area twice"):
        read_file(write(tmp_path, "p.json", both), checks)


def test_csv_rows_are_numbered_as_a_spreadsheet_shows_them(tmp_path, registry):
    kindergartens = registry.extract("kindergartens")
    data = (
        "幼儿园编码,幼儿园名称,镇街,办园性质,在园幼儿数\n"
        'K1,"甲园\n(分园)",龙山镇,公办,1\nK2,乙园,龙山镇,公办,2\n'
    ).encode()
    table = read_file(write(tmp_path, "k.csv", data), kindergartens)
    assert table.row_numbers == [2, 3]


@pytest.fixture
def columnar(monkeypatch):
    """Every CSV through the column-wise reader that large files take."""

    monkeypatch.setattr(TUNING, "fast_csv_bytes", 0)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_column_wise_reader_gives_what_the_row_reader_gives(
    tmp_path, registry, sample_dir, encoding, monkeypatch
):
    from deptstats.ingest import readers

    used: list = []
    real = readers.read_csv_columnar
    monkeypatch.setattr(readers, "read_csv_columnar", lambda *a: used.append(real(*a)) or used[-1])
    for path in sorted(sample_dir.rglob("*.csv")):
        extract = registry.extract(path.stem.rsplit("_", 1)[0])
        data = path.read_bytes().decode(
            "utf-8-sig"
            if path.read_bytes()[:3] == b"\xef\xbb\xbf"
            else ("utf-8" if _utf8(path) else "gb18030")
        )
        pad = "," * (len(extract.columns) - 1)  # Excel pads every CSV row to the width
        data = (data + f"\u3000{pad}\r\n{pad}\r\n合  计{pad}\r\n填报单位：市卫生健康局{pad}\r\n").encode(
            encoding
        )
        monkeypatch.setattr(TUNING, "fast_csv_bytes", 1 << 40)
        slow = read_file(write(tmp_path, path.name, data), extract)
        monkeypatch.setattr(TUNING, "fast_csv_bytes", 0)
        used.clear()
        fast = read_file(write(tmp_path, path.name, data), extract)
        assert used and used[-1] is not None, f"{path.name}: the column-wise reader declined"
        assert fast.rows == slow.rows, path.name
        assert list(fast.row_numbers) == list(slow.row_numbers), path.name
        assert fast.total_row_number == slow.total_row_number, path.name
        assert fast.warnings == slow.warnings


def _utf8(path):
    try:
        path.read_bytes().decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def test_column_wise_reader_leaves_odd_files_to_the_row_reader(tmp_path, checks, columnar):
    title = "2023年孕前优生健康检查\n镇街,目标人群数,检查人数\n浒山街道,10,9\n".encode()
    assert read_file(write(tmp_path, "p.csv", title), checks).row_numbers == [3]
    ragged = "镇街,目标人群数,检查人数\n浒山街道,10\n".encode()
    table = read_file(write(tmp_path, "p.csv", ragged), checks)
    assert table.rows == [{"area": "浒山街道", "target_people": "10", "checked_people": None}]


# ------------------------------------------------------------------ sheets nobody sees


REAL = [["镇街", "目标人群数", "检查人数"], ["浒山街道", 100, 90], ["白沙路街道", 200, 150]]
FORGED = [["镇街", "目标人群数", "检查人数"], ["浒山街道", 100, 99], ["白沙路街道", 200, 141]]


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_copy_beside_the_visible_sheet_is_refused_unread(tmp_path, checks, state):
    data = workbook([("Sheet2", FORGED, state), ("Sheet1", REAL, "visible")])
    with pytest.raises(ReadError) as error:
        read_file(write(tmp_path, "p.xlsx", data), checks)
    message = str(error.value)
    assert "also on" in message and "sheet 'Sheet2'" in message
    assert "visible sheet 'Sheet1'" in message and "delete the hidden sheet" in message


def test_the_header_only_on_a_hidden_sheet_is_refused(tmp_path, checks):
    data = workbook([("说明", [["本表数据见下页"]], "visible"), ("Sheet2", REAL, "hidden")])
    with pytest.raises(
        ReadError,
        match=r"the header is only on hidden sheet 'Sheet2'; hidden "
        r"sheets are never read.*unhide it or move the data to a visible sheet",
    ):
        read_file(write(tmp_path, "p.xlsx", data), checks)


def test_the_header_on_two_visible_sheets_is_refused(tmp_path, checks):
    data = workbook([("2023", REAL, "visible"), ("副本", [["标题"], *FORGED], "visible")])
    with pytest.raises(
        ReadError,
        match=r"the header is on more than one visible sheet "
        r"\('2023' row 1, '副本' row 2\)",
    ):
        read_file(write(tmp_path, "p.xlsx", data), checks)


def test_the_visible_sheet_holding_the_header_is_read_wherever_it_is(tmp_path, checks):
    data = workbook(
        [
            ("说明", [["填表说明"], ["本表数据见下页"]], "visible"),
            ("数据", REAL, "visible"),
            ("空白", [], "hidden"),
        ]
    )
    table = read_file(write(tmp_path, "p.xlsx", data), checks)
    assert [r["checked_people"] for r in table.rows] == ["90", "150"]
    assert table.warnings == []


def test_hidden_rows_and_columns_of_the_data_are_read_and_said(tmp_path, checks):
    rows = [
        ["2023年孕前优生健康检查"],
        ["镇街", "目标人群数", "检查人数"],
        ["浒山街道", 100, 90],
        ["白沙路街道", 200, 150],
        ["龙山镇", 50, 40],
    ]
    data = workbook([("Sheet1", rows, "visible")], hidden_rows=(1, 4), hidden_columns=("C",))
    table = read_file(write(tmp_path, "p.xlsx", data), checks)
    assert [r["checked_people"] for r in table.rows] == ["90", "150", "40"]  # still published
    assert [w.text("en") for w in table.warnings] == [
        "row 4 of sheet 'Sheet1' is hidden; its data is read and published all the "
        "same: unhide it to see what was sent",
        "column C (检查人数) of sheet 'Sheet1' is hidden; its data is read and "
        "published all the same: unhide it to see what was sent",
    ]


def test_many_hidden_rows_are_counted_not_all_named(tmp_path, checks):
    rows = [["镇街", "目标人群数", "检查人数"]] + [["浒山街道", i, i] for i in range(1, 31)]
    data = workbook([("Sheet1", rows, "visible")], hidden_rows=tuple(range(2, 32)))
    [warning] = read_file(write(tmp_path, "p.xlsx", data), checks).warnings
    assert "rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 20 more of sheet 'Sheet1' are hidden" in warning.text(
        "en"
    )


# ------------------------------------------------------------------ JSON keys given twice


def test_a_json_key_given_twice_in_a_record_is_refused(tmp_path, registry):
    newborn = registry.extract("newborn_screening")
    data = (
        '[{"镇街": "浒山街道", "活产数": 10, "遗传代谢病筛查数": 1, "听力筛查数": 1, '
        '"先心病筛查数": 1, "严重致畸致残出生缺陷数": 0},'
        '{"镇街": "龙山镇", "活产数": 378, "遗传代谢病筛查数": 1, "听力筛查数": 1, '
        '"先心病筛查数": 1, "严重致畸致残出生缺陷数": 0, "活产数": 3780}]'
    ).encode()
    with pytest.raises(ReadError) as error:
        read_file(write(tmp_path, "n.json", data), newborn)
    assert str(error.value) == (
        "n.json: record 2 gives the key '活产数' twice (378, then 3780); "
        "a key given twice loses one of its values: keep one"
    )


@pytest.mark.parametrize(
    "document, where",
    [
        (
            '{"records": [{"area": "a", "target_people": 1, "checked_people": 1}], "records": []}',
            "the top-level object gives the key 'records' twice",
        ),
        (
            '[{"area": "a", "target_people": 1, "checked_people": 1, "备注": {"x": 1, "x": 2}}]',
            "the object at record 1, inside '备注' gives the key 'x' twice (1, then 2)",
        ),
    ],
)
def test_a_json_key_given_twice_anywhere_is_refused(tmp_path, checks, document, where):
    with pytest.raises(ReadError, match=re.escape(where)):
        read_file(write(tmp_path, "p.json", document.encode()), checks)


# ------------------------------------------------------------------ messages a steward can act on


def test_a_header_below_the_rows_searched_says_how_far_it_looked(tmp_path, checks, monkeypatch):
    lines = ["2023年孕前优生健康检查"] + [""] * 48 + ["镇街,目标人群数,检查人数", "浒山街道,1,1"]
    says = (
        "required columns missing: 镇街 (area), 目标人群数 (target_people), 检查人数 "
        "(checked_people). No row among the first 30 names any of them; the header must be "
        "within the first 30 rows"
    )
    with pytest.raises(ReadError, match=re.escape(says)):
        read_file(write(tmp_path, "p.csv", "\n".join(lines).encode()), checks)
    data = xlsx_bytes([[cell] for cell in lines[:49]] + [REAL[0], ["浒山街道", 1, 1]], merge_title=False)
    with pytest.raises(ReadError, match=re.escape(says)):
        read_file(write(tmp_path, "p.xlsx", data), checks)
    monkeypatch.setattr(TUNING, "fast_csv_bytes", 0)  # the streaming reader hands it on
    csv_path = write(tmp_path, "p.csv", "\n".join(lines).encode())
    with pytest.raises(IrregularCsv):
        list(iter_tables(csv_path, checks))
    with pytest.raises(ReadError, match=re.escape(says)):
        read_file(csv_path, checks)


@pytest.mark.parametrize(
    "encoding, named",
    [
        ("utf-16", "UTF-16 (little-endian), with a byte order mark"),
        ("utf-16-le", "UTF-16 (little-endian)"),
        ("utf-16-be", "UTF-16 (big-endian)"),
        ("utf-32", "UTF-32 (little-endian), with a byte order mark"),
        ("utf-32-le", "UTF-32 (little-endian)"),
    ],
)
def test_wide_encodings_are_named_with_what_to_do(tmp_path, checks, encoding, named, monkeypatch):
    document = json.dumps([{"镇街": "浒山街道", "目标人群数": 10, "检查人数": 9}], ensure_ascii=False)
    with pytest.raises(ReadError) as error:
        read_file(write(tmp_path, "p.json", document.encode(encoding)), checks)
    assert str(error.value) == (
        f"p.json: the file is text in {named}, which is not read; save it again as UTF-8"
    )
    csv_path = write(tmp_path, "p.csv", (HEADER + ROWS).encode(encoding))
    for streamed in (False, True):
        monkeypatch.setattr(TUNING, "fast_csv_bytes", 0 if streamed else 1 << 40)
        with pytest.raises(ReadError) as error:
            list(iter_tables(csv_path, checks))
        assert str(error.value) == (
            f"p.csv: the file is text in {named}, which is not read; "
            'save it again as "CSV UTF-8 (comma delimited)" (Excel), '
            "or as UTF-8 or GB18030 text"
        )


def test_a_stray_nul_in_a_cell_is_not_a_wide_encoding():
    from deptstats.ingest.file_kinds import wide_encoding

    assert wide_encoding((HEADER + "浒山\x00街道,1,2\r\n" + ROWS).encode()) is None
    assert wide_encoding((HEADER + ROWS).encode("gb18030")) is None


CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


@pytest.mark.parametrize(
    "data, says",
    [
        (
            CFB
            + "EncryptionInfo".encode("utf-16-le")
            + b"\x00" * 64
            + "EncryptedPackage".encode("utf-16-le"),
            "p.xlsx: the workbook is protected by a password (encrypted) and cannot be read; open it "
            "in Excel, remove the password (File > Info > Protect Workbook > Encrypt with Password, "
            "empty) and save it as .xlsx",
        ),
        (
            CFB + "Workbook".encode("utf-16-le"),
            "p.xlsx: this is an old-format Excel 97-2003 workbook (.xls) or another Office file, not "
            'an .xlsx; open it in Excel and save it as "Excel Workbook (*.xlsx)"',
        ),
    ],
)
def test_an_encrypted_or_old_format_workbook_says_which(tmp_path, checks, data, says):
    with pytest.raises(ReadError) as error:
        read_file(write(tmp_path, "p.xlsx", data), checks)
    assert str(error.value) == says
    with pytest.raises(ReadError, match=r"protected by a password|old-format"):
        read_file(write(tmp_path, "p.csv", data), checks)


def test_a_cell_in_the_last_column_does_not_pad_every_row(tmp_path, checks):
    import time

    rows = [["镇街", "目标人群数", "检查人数"]] + [["浒山街道", 10, 5]] * 3000
    # the same workbook with a cell in column XFD on every row
    book = openpyxl.load_workbook(io.BytesIO(workbook([("Sheet", rows, "visible")])))
    for row in range(1, 3002):
        book.active.cell(row=row, column=16384, value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    path = write(tmp_path, "prepregnancy_checks_2023.xlsx", buffer.getvalue())
    started = time.perf_counter()
    table = read_file(path, checks)
    assert len(table) == 3000 and len(table.columns) == 3
    assert time.perf_counter() - started < 20
