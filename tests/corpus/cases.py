"""The corpus of delivered files that tests/test_corpus.py loads: one case per format quirk,
refusal and validation rule of extracts.md, with the outcome each must produce.

`python -m tests.corpus.regenerate` writes the files under tests/corpus/files/ from these
definitions; tests check that the committed files still match them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

PREP = "镇街,目标人群数,检查人数"
NEWBORN = "镇街,活产数,遗传代谢病筛查数,听力筛查数,先心病筛查数,严重致畸致残出生缺陷数"
INST = "机构编码,机构名称,镇街,备案状态,备案日期,托位数,普惠托位数,星级,本年新增托位数"
SUBS = "拨付编号,机构编码,批次,拨付日期,补助金额（元）"
STATION = "驿站编码,驿站名称,镇街,建成日期,年度活动场次"
EVENT = "活动编号,活动日期,镇街,主题,参与人数"
KG = "幼儿园编码,幼儿园名称,镇街,办园性质,在园幼儿数"
LOAN = "贷款编号,发放日期,镇街,子女数,贷款金额（万元）,是否上浮"
DISPUTE = "案件编号,立案日期,镇街,争议类型,是否法律援助,结案状态"
CENTER = "中心编码,中心名称,镇街,等级,是否省级区域性中心"


@dataclass(frozen=True)
class Problem:
    """A problem the case must record: row as the steward sees it, column, raw value."""

    row: int | None
    column: str | None
    value: str | None
    rule: str
    severity: str = "error"


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, bytes]
    status: str  # published or rejected
    says: tuple[str, ...] = ()  # fragments of the outcome's message
    problems: tuple[Problem, ...] = ()
    stored: dict[str, object] = field(default_factory=dict)  # column -> value of the first row


def csv(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx(rows: list[list[object]], merge: str | None = None) -> bytes:
    from deptstats.core.openpyxl_import import openpyxl_without_lxml
    from deptstats.sample.files import deterministic_zip

    openpyxl = openpyxl_without_lxml()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    workbook.properties.created = datetime(2024, 1, 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return deterministic_zip(buffer.getvalue())


def xlsx_sheets(
    sheets: list[tuple[str, list[list[object]], str]],
    hidden_rows: tuple[int, ...] = (),
    hidden_columns: tuple[str, ...] = (),
) -> bytes:
    """A workbook of (title, rows, state) sheets, rows and columns hidden on the visible ones."""
    from deptstats.core.openpyxl_import import openpyxl_without_lxml
    from deptstats.sample.files import deterministic_zip

    openpyxl = openpyxl_without_lxml()
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows, state in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        sheet.sheet_state = state
        for number in hidden_rows if state == "visible" else ():
            sheet.row_dimensions[number].hidden = True
        for letter in hidden_columns if state == "visible" else ():
            sheet.column_dimensions[letter].hidden = True
    workbook.active = [state for _, _, state in sheets].index("visible")
    workbook.properties.created = datetime(2024, 1, 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return deterministic_zip(buffer.getvalue())


CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)  # a compound file's header
P23 = "health/prepregnancy_checks_2023"
KG23 = "education/kindergartens_2023"


def cases() -> list[Case]:
    good_prep = [PREP, "浒山街道,1000,900", "龙山镇,500,400"]
    return [
        # ---------------------------------------------------------- formats and quirks
        Case(
            "csv_utf8",
            {f"{P23}.csv": csv(*good_prep)},
            "published",
            stored={"area": "浒山街道", "target_people": 1000},
        ),
        Case(
            "csv_utf8_bom",
            {f"{P23}.csv": csv(*good_prep, encoding="utf-8-sig")},
            "published",
            stored={"area": "浒山街道"},
        ),
        Case(
            "csv_gbk",
            {f"{P23}.csv": csv(*good_prep, encoding="gbk")},
            "published",
            stored={"area": "浒山街道"},
        ),
        Case(
            "csv_gb18030",
            {f"{P23}.csv": csv(*good_prep, encoding="gb18030")},
            "published",
            stored={"area": "浒山街道"},
        ),
        Case(
            "xlsx_title_blank_total_footer",
            {
                f"{P23}.xlsx": xlsx(
                    [
                        ["2023年孕前优生健康检查情况统计表", None, None],
                        [None, None, None],
                        ["镇街", "目标人群数", "检查人数"],
                        ["浒山街道", 1000, 900],
                        [None, None, None],
                        ["龙山镇", 500, 400],
                        ["合计", 1500, 1300],
                        [None, None, None],
                        ["填报单位：市卫生健康局"],
                        ["填报人：张三"],
                        ["注：数据截至2023年底"],
                    ],
                    merge="A1:C1",
                )
            },
            "published",
            stored={"area": "浒山街道", "checked_people": 900},
        ),
        Case(
            "xlsx_total_named_zongji",
            {
                f"{P23}.xlsx": xlsx(
                    [
                        ["镇街", "目标人群数", "检查人数"],
                        ["浒山街道", 1000, 900],
                        ["总计", 1000, 900],
                    ]
                )
            },
            "published",
            stored={"target_people": 1000},
        ),
        Case(
            "json_array",
            {f"{P23}.json": '[{"镇街": "浒山街道", "目标人群数": 1000, "检查人数": 900}]'.encode()},
            "published",
            stored={"area": "浒山街道"},
        ),
        Case(
            "json_records",
            {
                f"{P23}.json": (
                    '{"records": [{"area": "浒山街道", "target_people": "1000", "checked_people": "900"}]}'
                ).encode()
            },
            "published",
            stored={"checked_people": 900},
        ),
        Case(
            "headers_loose",
            {f"{P23}.csv": csv(" 镇 街 ,TARGET_PEOPLE,Checked_People", "浒山街道,1000,900")},
            "published",
            stored={"target_people": 1000},
        ),
        Case(
            "headers_full_width_parentheses",
            {
                "housing_fund/multi_child_loans_2023.csv": csv(
                    "贷款编号,发放日期,镇街,子女数,贷款金额(万元),是否上浮", "L1,2023-05-01,龙山镇,2,80.5,是"
                )
            },
            "published",
            stored={"amount_wan": Decimal("80.5")},
        ),
        Case(
            "unknown_column_is_a_warning",
            {f"{P23}.csv": csv(PREP + ",备注", "浒山街道,1000,900,无")},
            "published",
            says=("with 2 warning(s)",),
            problems=(Problem(None, None, None, "unknown column '备注' ignored", "warning"),),
        ),
        Case(
            "cells_spaces_full_width_thousands",
            {f"{P23}.csv": csv(PREP, ' 浒山街道 ,"1,000",９００')},
            "published",
            stored={"area": "浒山街道", "target_people": 1000, "checked_people": 900},
        ),
        Case(
            "dates_in_four_forms",
            {
                "health/infant_care_stations_2023.csv": csv(
                    STATION,
                    "Y1,一号,龙山镇,2023-05-01,3",
                    "Y2,二号,龙山镇,2023/5/2,3",
                    "Y3,三号,龙山镇,2023年5月3日,3",
                    "Y4,四号,龙山镇,45054,3",
                )
            },
            "published",
            stored={"opened_on": "2023-05-01"},
        ),
        Case(
            "xlsx_excel_dates_and_yes_no",
            {
                "hrss/labor_disputes_2023.xlsx": xlsx(
                    [
                        DISPUTE.split(","),
                        ["C1", datetime(2023, 6, 1), "龙山镇", "孕期", "是", "已结案"],
                    ]
                )
            },
            "published",
            stored={"filed_on": "2023-06-01", "legal_aid": True},
        ),
        # ---------------------------------------------------------- refusals
        Case("empty_file", {f"{P23}.csv": b""}, "rejected", says=("the file is empty",)),
        Case("header_only", {f"{P23}.csv": csv(PREP)}, "rejected", says=("has a header but no data rows",)),
        Case(
            "csv_named_xlsx",
            {f"{P23}.xlsx": csv(*good_prep)},
            "rejected",
            says=("not a readable XLSX workbook",),
        ),
        Case(
            "truncated_xlsx",
            {f"{P23}.xlsx": xlsx([PREP.split(","), ["浒山街道", 1, 1]])[:700]},
            "rejected",
            says=("not a readable XLSX workbook",),
        ),
        Case(
            "xlsx_without_the_header",
            {f"{P23}.xlsx": xlsx([["说明", None], ["本表无数据", None]])},
            "rejected",
            says=(
                "required columns missing: 镇街 (area), 目标人群数 (target_people), "
                "检查人数 (checked_people)",
            ),
        ),
        Case(
            "undecodable_text",
            {f"{P23}.csv": csv(*good_prep) + b"\x81\xff\xfe"},
            "rejected",
            says=(
                "cannot decode the file as text",
                f"utf-8 (fails at byte {len(csv(*good_prep))})",
                "gb18030 (fails at byte",
            ),
        ),
        Case(
            "missing_required_column",
            {f"{P23}.csv": csv("镇街,检查人数", "浒山街道,900")},
            "rejected",
            says=(
                "required columns missing: 目标人群数 (target_people)",
                "Header found at row 1: 镇街, 检查人数",
            ),
        ),
        Case(
            "json_wrong_shape",
            {f"{P23}.json": b'{"rows": [1, 2]}'},
            "rejected",
            says=("array of objects or an object whose 'records' member",),
        ),
        Case("json_not_json", {f"{P23}.json": b'[{"area": '}, "rejected", says=("not valid JSON",)),
        Case(
            "total_row_differs",
            {f"{P23}.csv": csv(*good_prep, "合计,1500,1400")},
            "rejected",
            problems=(
                Problem(
                    4,
                    "checked_people",
                    "1400",
                    "the total row gives 1400 for 检查人数 (checked_people) but the data rows sum to 1300",
                ),
            ),
        ),
        Case(
            "two_files_one_period",
            {
                f"{KG23}.csv": csv(KG, "K1,甲园,龙山镇,公办,100"),
                f"{KG23}.json": b'[{"kindergarten_id": "K1", "name": "a", '
                b'"area": "\xe9\xbe\x99\xe5\xb1\xb1\xe9\x95\x87", '
                b'"ownership": "\xe5\x85\xac\xe5\x8a\x9e", "enrolled": 1}]',
            },
            "rejected",
            says=("two files for kindergartens 2023", "Both are refused until one is removed"),
        ),
        # ---------------------------------------------------------- sheets, keys, encodings
        Case(
            "xlsx_header_only_on_a_hidden_sheet",
            {
                f"{P23}.xlsx": xlsx_sheets(
                    [
                        ("说明", [["数据见另页"]], "visible"),
                        ("Sheet2", [PREP.split(","), ["浒山街道", 1000, 900]], "hidden"),
                    ]
                )
            },
            "rejected",
            says=(
                "the header is only on hidden sheet 'Sheet2'",
                "unhide it or move the data to a visible sheet",
            ),
        ),
        Case(
            "xlsx_hidden_copy_beside_the_data",
            {
                f"{P23}.xlsx": xlsx_sheets(
                    [
                        ("Sheet2", [PREP.split(","), ["浒山街道", 1000, 999]], "veryHidden"),
                        ("Sheet1", [PREP.split(","), ["浒山街道", 1000, 900]], "visible"),
                    ]
                )
            },
            "rejected",
            says=("the header is on visible sheet 'Sheet1' and also on very hidden sheet 'Sheet2'",),
        ),
        Case(
            "xlsx_header_on_two_visible_sheets",
            {
                f"{P23}.xlsx": xlsx_sheets(
                    [
                        ("2023", [PREP.split(","), ["浒山街道", 1000, 900]], "visible"),
                        ("副本", [PREP.split(","), ["浒山街道", 1000, 999]], "visible"),
                    ]
                )
            },
            "rejected",
            says=("the header is on more than one visible sheet ('2023' row 1, '副本' row 1)",),
        ),
        Case(
            "xlsx_hidden_rows_and_columns_are_warnings",
            {
                f"{P23}.xlsx": xlsx_sheets(
                    [("Sheet1", [PREP.split(","), ["浒山街道", 1000, 900], ["龙山镇", 500, 400]], "visible")],
                    hidden_rows=(3,),
                    hidden_columns=("B",),
                )
            },
            "published",
            stored={"area": "浒山街道", "target_people": 1000},
            problems=(
                Problem(
                    None,
                    None,
                    None,
                    "row 3 of sheet 'Sheet1' is hidden; its data is read and published all the same",
                    "warning",
                ),
                Problem(None, None, None, "column B (目标人群数) of sheet 'Sheet1' is hidden", "warning"),
            ),
        ),
        Case(
            "xlsx_encrypted",
            {
                f"{P23}.xlsx": CFB
                + "EncryptionInfo".encode("utf-16-le")
                + bytes(64)
                + "EncryptedPackage".encode("utf-16-le")
            },
            "rejected",
            says=("the workbook is protected by a password (encrypted)", "save it as .xlsx"),
        ),
        Case(
            "xlsx_old_format_xls",
            {f"{P23}.xlsx": CFB + "Workbook".encode("utf-16-le")},
            "rejected",
            says=("old-format Excel 97-2003 workbook (.xls)",),
        ),
        Case(
            "json_key_twice",
            {
                f"{P23}.json": '[{"镇街": "浒山街道", "目标人群数": 1000, '
                '"检查人数": 900, "检查人数": 9000}]'.encode()
            },
            "rejected",
            says=("record 1 gives the key '检查人数' twice (900, then 9000)",),
        ),
        Case(
            "json_utf16",
            {f"{P23}.json": '[{"镇街": "浒山街道", "目标人群数": 1000, "检查人数": 900}]'.encode("utf-16")},
            "rejected",
            says=(
                "the file is text in UTF-16 (little-endian), with a byte order mark",
                "save it again as UTF-8",
            ),
        ),
        Case(
            "csv_utf16_without_bom",
            {f"{P23}.csv": csv(*good_prep, encoding="utf-16-le")},
            "rejected",
            says=("the file is text in UTF-16 (little-endian), which is not read", "CSV UTF-8"),
        ),
        Case(
            "header_below_row_30",
            {f"{P23}.csv": csv("2023年孕前优生健康检查", *[""] * 40, *good_prep)},
            "rejected",
            says=(
                "No row among the first 30 names any of them; the header must be within the first 30 rows",
            ),
        ),
        # ---------------------------------------------------------- rules every extract has
        Case(
            "id_empty",
            {f"{KG23}.csv": csv(KG, "K1,甲园,龙山镇,公办,100", ",乙园,龙山镇,民办,50")},
            "rejected",
            problems=(Problem(3, "kindergarten_id", None, "must not be empty"),),
        ),
        Case(
            "id_duplicate",
            {f"{KG23}.csv": csv(KG, "K1,甲园,龙山镇,公办,100", "K1,乙园,龙山镇,民办,50")},
            "rejected",
            problems=(
                Problem(2, "kindergarten_id", "K1", "must be unique in the file"),
                Problem(3, "kindergarten_id", "K1", "must be unique in the file"),
            ),
        ),
        Case(
            "count_negative",
            {f"{KG23}.csv": csv(KG, "K1,甲园,龙山镇,公办,-5")},
            "rejected",
            problems=(Problem(2, "enrolled", "-5", "must be a whole number >= 0"),),
        ),
        Case(
            "count_not_whole",
            {f"{KG23}.csv": csv(KG, "K1,甲园,龙山镇,公办,10.5")},
            "rejected",
            problems=(Problem(2, "enrolled", "10.5", "must be a whole number >= 0"),),
        ),
        Case(
            "count_empty",
            {f"{KG23}.csv": csv(KG, "K1,甲园,龙山镇,公办,")},
            "rejected",
            problems=(Problem(2, "enrolled", None, "must not be empty"),),
        ),
        Case(
            "amount_not_a_number",
            {"housing_fund/multi_child_loans_2023.csv": csv(LOAN, "L1,2023-05-01,龙山镇,2,八十,是")},
            "rejected",
            problems=(Problem(2, "amount_wan", "八十", "must be a decimal amount >= 0"),),
        ),
        Case(
            "amount_zero",
            {"housing_fund/multi_child_loans_2023.csv": csv(LOAN, "L1,2023-05-01,龙山镇,2,0,是")},
            "rejected",
            problems=(Problem(2, "amount_wan", "0", "must be greater than 0"),),
        ),
        Case(
            "enum_value",
            {f"{KG23}.csv": csv(KG, "K1,甲园,龙山镇,公私合办,100")},
            "rejected",
            problems=(Problem(2, "ownership", "公私合办", "must be one of 公办、民办"),),
        ),
        Case(
            "yes_no_value",
            {"civil_affairs/home_care_centers_2024-03.csv": csv(CENTER, "J1,一中心,龙山镇,3A,Y")},
            "rejected",
            problems=(Problem(2, "provincial_regional", "Y", "must be one of 是、否"),),
        ),
        Case(
            "area_unknown",
            {f"{KG23}.csv": csv(KG, "K1,甲园,火星镇,公办,100")},
            "rejected",
            problems=(Problem(2, "area", "火星镇", "must be one of the 17 areas"),),
        ),
        Case(
            "area_citywide_where_not_allowed",
            {f"{KG23}.csv": csv(KG, "K1,甲园,全市,公办,100")},
            "rejected",
            problems=(Problem(2, "area", "全市", "must be one of the 17 areas"),),
        ),
        Case(
            "area_citywide_allowed_for_events",
            {"health/publicity_events_2023.csv": csv(EVENT, "E1,2023-03-01,全市,科学育儿,300")},
            "published",
            stored={"area": "全市"},
        ),
        Case(
            "date_outside_flow_period",
            {"housing_fund/multi_child_loans_2023.csv": csv(LOAN, "L1,2022-12-31,龙山镇,2,80,是")},
            "rejected",
            problems=(
                Problem(
                    2,
                    "issued_on",
                    "2022-12-31",
                    "must fall inside the period 2023 (2023-01-01 to 2023-12-31)",
                ),
            ),
        ),
        Case(
            "date_after_snapshot_day",
            {"health/infant_care_stations_2023.csv": csv(STATION, "Y1,一号,龙山镇,2024-01-02,3")},
            "rejected",
            problems=(
                Problem(
                    2, "opened_on", "2024-01-02", "must be on or before the period's last day, 2023-12-31"
                ),
            ),
        ),
        Case(
            "date_not_a_date",
            {"housing_fund/multi_child_loans_2023.csv": csv(LOAN, "L1,2023-02-30,龙山镇,2,80,是")},
            "rejected",
            problems=(Problem(2, "issued_on", "2023-02-30", "must be a date"),),
        ),
        # ---------------------------------------------------------- rules of one extract
        Case(
            "checked_over_target",
            {f"{P23}.csv": csv(PREP, "浒山街道,100,120")},
            "rejected",
            problems=(
                Problem(
                    2,
                    "checked_people",
                    "120",
                    "检查人数 (checked_people) must not exceed 目标人群数 (target_people)",
                ),
            ),
        ),
        Case(
            "area_twice",
            {f"{P23}.csv": csv(PREP, "浒山街道,100,90", "浒山街道,50,40")},
            "rejected",
            problems=(
                Problem(2, "area", "浒山街道", "may appear at most once"),
                Problem(3, "area", "浒山街道", "may appear at most once"),
            ),
        ),
        Case(
            "area_missing_is_a_warning",
            {f"{P23}.csv": csv(*good_prep)},
            "published",
            problems=(
                Problem(
                    None,
                    "area",
                    None,
                    "every area of the reference list should be present; missing: 白沙路街道",
                    "warning",
                ),
            ),
        ),
        Case(
            "screened_over_births",
            {"health/newborn_screening_2023.csv": csv(NEWBORN, "浒山街道,100,100,101,100,0")},
            "rejected",
            problems=(Problem(2, "hearing_screened", "101", "must not exceed 活产数 (live_births)"),),
        ),
        Case(
            "defects_over_births",
            {"health/newborn_screening_2023.csv": csv(NEWBORN, "浒山街道,100,100,100,100,101")},
            "rejected",
            problems=(Problem(2, "severe_defects", "101", "must not exceed 活产数 (live_births)"),),
        ),
        Case(
            "registered_without_date",
            {"health/childcare_institutions_2023.csv": csv(INST, "T1,一号,龙山镇,已备案,,50,40,3,10")},
            "rejected",
            problems=(Problem(2, "registered_on", None, "is required when 备案状态 (status) is 已备案"),),
        ),
        Case(
            "unregistered_with_date",
            {
                "health/childcare_institutions_2023.csv": csv(
                    INST, "T1,一号,龙山镇,未备案,2023-01-01,50,40,0,10"
                )
            },
            "rejected",
            problems=(
                Problem(2, "registered_on", "2023-01-01", "must be empty when 备案状态 (status) is 未备案"),
            ),
        ),
        Case(
            "inclusive_over_slots",
            {
                "health/childcare_institutions_2023.csv": csv(
                    INST, "T1,一号,龙山镇,已备案,2023-01-01,50,60,3,10"
                )
            },
            "rejected",
            problems=(Problem(2, "inclusive_slots", "60", "must not exceed 托位数 (slots)"),),
        ),
        Case(
            "new_slots_over_slots",
            {
                "health/childcare_institutions_2023.csv": csv(
                    INST, "T1,一号,龙山镇,已备案,2023-01-01,50,40,3,60"
                )
            },
            "rejected",
            problems=(Problem(2, "new_slots", "60", "must not exceed 托位数 (slots)"),),
        ),
        Case(
            "star_rating_out_of_range",
            {
                "health/childcare_institutions_2023.csv": csv(
                    INST, "T1,一号,龙山镇,已备案,2023-01-01,50,40,6,10"
                )
            },
            "rejected",
            problems=(Problem(2, "star_rating", "6", "must be >= 0 and <= 5"),),
        ),
        Case(
            "round_below_one",
            {"health/childcare_subsidies_2023.csv": csv(SUBS, "P1,TY3302820001,0,2023-03-01,1000")},
            "rejected",
            problems=(Problem(2, "round", "0", "must be >= 1"),),
        ),
        Case(
            "children_below_two",
            {"housing_fund/multi_child_loans_2023.csv": csv(LOAN, "L1,2023-05-01,龙山镇,1,80,是")},
            "rejected",
            problems=(Problem(2, "children", "1", "must be >= 2"),),
        ),
        Case(
            "subsidy_to_unknown_institution",
            {
                "health/childcare_subsidies_2023.csv": csv(
                    SUBS, "P1,TY3302820001,1,2023-03-01,1000", "P2,TY404,1,2023-03-02,1000"
                )
            },
            "rejected",
            problems=(
                Problem(
                    3, "institution_id", "TY404", "must name an institution in the published 托育机构名录"
                ),
            ),
        ),
        Case(
            "subsidy_before_institutions_published",
            {"health/childcare_subsidies_2021.csv": csv(SUBS, "P1,TY404,1,2021-03-01,1000")},
            "published",
            problems=(
                Problem(
                    None,
                    "institution_id",
                    None,
                    "not checked: 托育机构名录 (childcare_institutions) of 2021 is not published yet",
                    "warning",
                ),
            ),
        ),
        # ---------------------------------------------------------- names
        Case(
            "name_matches_no_extract",
            {"health/prepregnancy_2023.csv": csv(*good_prep)},
            "rejected",
            says=("no extract named 'prepregnancy' in the registry", "left in place"),
        ),
        Case(
            "name_without_period",
            {"health/prepregnancy_checks.csv": csv(*good_prep)},
            "rejected",
            says=("name does not follow",),
        ),
        Case(
            "name_with_wrong_period_kind",
            {
                "civil_affairs/village_coverage_2024.csv": csv(
                    "村社编码,村社名称,镇街,是否覆盖", "V1,一村,龙山镇,是"
                )
            },
            "rejected",
            says=("delivered per month (YYYY-MM), not 2024",),
        ),
        Case(
            "name_in_wrong_folder",
            {"health/kindergartens_2023.csv": csv(KG, "K1,甲园,龙山镇,公办,1")},
            "rejected",
            says=("belongs in folder education/",),
        ),
    ]
