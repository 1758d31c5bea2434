"""Each extract's Great Expectations suite: the sample file passes, a bad row fails, and the
failure names the row, column, value and rule."""

from __future__ import annotations

import copy

import pytest

from deptstats.core import Message
from deptstats.core.periods import parse_period
from deptstats.core.settings import TUNING
from deptstats.ingest.readers import read_file
from deptstats.validation import validate

pytestmark = pytest.mark.gx

CURRENT = {"year": "2023", "month": "2024-03"}


@pytest.fixture(params=["whole file", "distinct values"], autouse=True)
def evaluation(request, monkeypatch):
    """Every test runs both ways GX is fed: the whole frame (small files) and one row per
    distinct key (large files); the findings must be the same."""

    if request.param == "distinct values":
        monkeypatch.setattr(TUNING, "distinct_from_rows", 0)
    return request.param


def sample_table(sample_dir, extract):
    period = CURRENT[extract.period]
    path = next((sample_dir / extract.department).glob(f"{extract.code}_{period}.*"))
    return path, parse_period(period), read_file(path, extract)


def test_every_sample_file_passes_its_suite(sample_dir, registry):
    for extract in registry.extracts:
        for path in sorted((sample_dir / extract.department).glob(f"{extract.code}_*")):
            period = parse_period(path.stem.rsplit("_", 1)[1])
            report, frame = validate(extract, period, read_file(path, extract), registry)
            assert report.errors == [], (path.name, report.errors[:3])
            assert len(frame) > 0
            assert all(o.success for o in report.outcomes if o.severity == "error")


# extract, row index to change, column, bad value, words of the rule
BAD_ROWS = [
    ("prepregnancy_checks", 3, "checked_people", "99999", "must not exceed 目标人群数"),
    ("newborn_screening", 0, "hearing_screened", "99999", "must not exceed 活产数"),
    ("childcare_institutions", 5, "registered_on", None, "is required when 备案状态 (status) is 已备案"),
    ("childcare_institutions", 6, "star_rating", "6", "must be >= 0 and <= 5"),
    ("childcare_institutions", 7, "status", "注销中", "must be one of 已备案、未备案、已注销"),
    ("childcare_subsidies", 2, "amount_yuan", "0", "must be greater than 0"),
    ("childcare_subsidies", 3, "round", "0", "must be >= 1"),
    ("childcare_subsidies", 4, "paid_on", "2022-12-31", "must fall inside the period 2023"),
    ("infant_care_stations", 1, "opened_on", "2024-01-05", "on or before the period's last day"),
    ("publicity_events", 30, "area", "火星镇", "must be one of the 17 areas"),
    ("kindergartens", 2, "ownership", "公私合办", "must be one of 公办、民办"),
    ("kindergartens", 3, "enrolled", "12.5", "must be a whole number >= 0"),
    ("multi_child_loans", 8, "children", "1", "must be >= 2"),
    ("multi_child_loans", 9, "uplift", "Y", "must be one of 是、否"),
    ("multi_child_loans", 10, "amount_wan", "abc", "must be a decimal amount"),
    ("labor_disputes", 1, "category", "产假", "must be one of 孕期、产期、哺乳期、其他"),
    ("labor_disputes", 2, "filed_on", "2023-13-01", "must be a date"),
    ("elderly_care_institutions", 4, "beds", "-3", "must be a whole number >= 0"),
    ("home_care_centers", 5, "level", "6A", "must be one of 5A、4A、3A、2A、1A、未评级"),
    ("village_coverage", 6, "village_id", None, "must not be empty"),
]


@pytest.mark.parametrize(
    "code, index, column, value, rule", BAD_ROWS, ids=[f"{b[0]}-{b[2]}" for b in BAD_ROWS]
)
def test_a_bad_row_is_an_error_naming_row_column_value_and_rule(
    sample_dir, registry, code, index, column, value, rule
):
    extract = registry.extract(code)
    path, period, table = sample_table(sample_dir, extract)
    table = copy.deepcopy(table)
    table.cells[column][index] = value
    report, _ = validate(extract, period, table, registry)
    assert not report.success
    matching = [p for p in report.errors if rule in p.rule]
    assert matching, [p.rule for p in report.errors]
    problem = matching[0]
    assert problem.row == table.row_numbers[index]
    assert problem.column == column
    assert problem.value == value
    text = problem.describe(path.name, extract, table.row_label)
    assert path.name in text and f"{table.row_label} {problem.row}" in text
    assert extract.column(column).label in text


def test_duplicate_id_is_reported_on_both_rows(sample_dir, registry):
    extract = registry.extract("village_coverage")
    _, period, table = sample_table(sample_dir, extract)
    table.cells["village_id"][3] = table.rows[2]["village_id"]
    report, _ = validate(extract, period, table, registry)
    rows = {p.row for p in report.errors if "unique" in p.rule}
    assert rows == {table.row_numbers[2], table.row_numbers[3]}


def test_an_area_twice_is_an_error_and_a_missing_area_a_warning(sample_dir, registry):
    extract = registry.extract("prepregnancy_checks")
    _, period, table = sample_table(sample_dir, extract)
    replaced = table.rows[1]["area"]
    table.cells["area"][1] = table.rows[0]["area"]
    report, _ = validate(extract, period, table, registry)
    assert any("at most once" in p.rule for p in report.errors)
    missing = [p for p in report.warnings if "every area" in p.rule]
    assert len(missing) == 1
    assert missing[0].rule.endswith(f"missing: {replaced}")


def test_registered_on_must_be_empty_when_unregistered(sample_dir, registry):
    extract = registry.extract("childcare_institutions")
    _, period, table = sample_table(sample_dir, extract)
    index = next(i for i, r in enumerate(table.rows) if r["status"] == "未备案")
    table.cells["registered_on"][index] = "2023-01-01"
    report, _ = validate(extract, period, table, registry)
    assert [p.row for p in report.errors] == [table.row_numbers[index]]
    assert "must be empty when 备案状态 (status) is 未备案" in report.errors[0].rule


def test_citywide_events_are_accepted(sample_dir, registry):
    extract = registry.extract("publicity_events")
    _, period, table = sample_table(sample_dir, extract)
    assert any(r["area"] == "全市" for r in table.rows)
    report, _ = validate(extract, period, table, registry)
    assert report.success


def test_total_row_must_equal_the_sum(sample_dir, registry):
    extract = registry.extract("newborn_screening")
    _, period, table = sample_table(sample_dir, extract)
    assert table.total_row is not None
    table.total_row["live_births"] = "1"
    report, _ = validate(extract, period, table, registry)
    errors = [p for p in report.errors if "total row" in p.rule]
    assert len(errors) == 1
    assert errors[0].row == table.total_row_number
    assert "gives 1 for 活产数 (live_births) but the data rows sum to 5012" in errors[0].rule


def test_unknown_column_is_a_warning_not_an_error(sample_dir, registry):
    extract = registry.extract("kindergartens")
    _, period, table = sample_table(sample_dir, extract)
    table.warnings.append(Message("unknown_column", {"header": "'备注'"}))
    report, _ = validate(extract, period, table, registry)
    assert report.success
    assert [p.rule for p in report.warnings] == ["unknown column '备注' ignored"]
