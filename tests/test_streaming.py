"""A large CSV is read, checked and written in chunks. Whatever the chunking, a file gives the
same findings as the file read whole (rules about single rows, uniqueness across chunks, every
area present, the total row), and the warehouse ends the same: published whole, or, if any chunk
fails, the earlier publication untouched."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from deptstats.core.periods import parse_period
from deptstats.core.settings import TUNING
from deptstats.ingest.readers import iter_tables, read_file
from deptstats.publish.loading import ExtractRejected, load_extract
from deptstats.validation import FileValidation, validate
from deptstats.warehouse.engine import metadata_for, open_engine
from tests.helpers import snapshot, table_counts, write_csv

pytestmark = pytest.mark.gx

LOANS = "贷款编号,发放日期,镇街,子女数,贷款金额（万元）,是否上浮"
CHECKS = "镇街,目标人群数,检查人数"


def loan_lines(registry, rows: int, faults: dict[int, str] | None = None) -> list[str]:
    """A multi_child_loans CSV body; `faults` replaces whole lines (by data row index)."""
    rng = random.Random(rows)
    areas = registry.areas
    lines = [LOANS]
    for i in range(rows):
        lines.append(
            f"L{i:06d},2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},"
            f"{areas[i % 17]},{2 + (i % 5 == 0)},{rng.randint(200, 1500) / 100},"
            f"{'是' if i % 7 else '否'}"
        )
    for index, line in (faults or {}).items():
        lines[index + 1] = line
    return lines


LOAN_FAULTS = {
    3: "L000003,2023-02-30,浒山街道,2,10,是",  # not a date
    40: ",2023-03-01,浒山街道,2,10,是",  # empty id
    41: "L000041,2023-03-01,火星镇,2,10,是",  # unknown area
    900: "L000900,2022-12-31,浒山街道,2,10,是",  # outside the period
    1500: "L000010,2023-03-01,浒山街道,2,10,是",  # the id of row 12, in another chunk
    2100: "L002100,2023-03-01,浒山街道,,10,是",  # empty count
    2101: "L002101,2023-03-01,浒山街道,1,abc,Y",  # three faults in one row
    2999: "L000003,2023-03-01,浒山街道,2,10,是",  # the id of row 5 again, last chunk
}


def findings(report):
    problems = sorted(
        (p.severity, p.rule, p.row or 0, p.column or "", p.value or "") for p in report.problems
    )
    outcomes = [(o.rule, o.success, o.unexpected_count, o.element_count) for o in report.outcomes]
    return problems, outcomes


def streamed(path, extract, period, registry, chunk_rows, monkeypatch, together=1):
    """The file's report, its chunks checked `together` at a time (0: all at the end)."""
    monkeypatch.setattr(TUNING, "fast_csv_bytes", 0)
    check = FileValidation(extract, period, registry)
    chunks = 0
    for chunk in iter_tables(path, extract, chunk_rows=chunk_rows):
        check.frame(chunk)
        chunks += 1
        if together and chunks % together == 0:
            check.check()
    return check.finish(), chunks


@pytest.fixture(params=["whole frames", "distinct values"])
def evaluation(request, monkeypatch):
    """Each chunk checked both ways GX is fed (small chunks whole, large ones by distinct
    values)."""
    if request.param == "distinct values":
        monkeypatch.setattr(TUNING, "distinct_from_rows", 0)
        monkeypatch.setattr(TUNING, "parts_from", 0)  # uniqueness codes made by parts
    return request.param


@pytest.mark.parametrize("together", [1, 2, 0], ids=["each", "in twos", "all at the end"])
def test_chunks_find_exactly_what_the_whole_file_finds(tmp_path, registry, evaluation, monkeypatch, together):
    """Chunks checked one by one or in groups (see TUNING.check_rows)."""
    extract, period = registry.extract("multi_child_loans"), parse_period("2023")
    lines = loan_lines(registry, 3000, LOAN_FAULTS)
    lines[1500:1500] = [""]  # a blank line: later rows keep their numbers
    path = write_csv(tmp_path, "housing_fund/multi_child_loans_2023.csv", lines)
    whole, _ = validate(extract, period, read_file(path, extract), registry)
    report, chunks = streamed(path, extract, period, registry, 700, monkeypatch, together)
    assert chunks == 5
    assert findings(report) == findings(whole)

    problems = {(p.row, p.column, p.value) for p in report.errors}
    # rows are the file's (header row 1; the blank line shifts everything after it)
    assert (5, "issued_on", "2023-02-30") in problems
    assert (42, "loan_id", None) in problems
    assert (1503, "loan_id", "L000010") in problems and (12, "loan_id", "L000010") in problems
    assert (3002, "loan_id", "L000003") in problems and (5, "loan_id", "L000003") in problems
    assert (2104, "uplift", "Y") in problems and (2104, "amount_wan", "abc") in problems
    assert len(report.errors) == 12


def test_rules_about_the_whole_file_see_every_chunk(tmp_path, registry, evaluation, monkeypatch):
    """Area once per file, every area present, and the total row, with 17 areas in 4 chunks."""
    extract, period = registry.extract("prepregnancy_checks"), parse_period("2023")
    monkeypatch.setattr(TUNING, "tail_rows", 2)  # where the total row is looked for
    areas = list(registry.areas)
    rows = [f"{area},100,{50 + i}" for i, area in enumerate(areas)]
    total = 100 * 17, sum(50 + i for i in range(17))
    clean = write_csv(
        tmp_path / "a", "health/prepregnancy_checks_2023.csv", [CHECKS, *rows, f"合计,{total[0]},{total[1]}"]
    )
    report, chunks = streamed(clean, extract, period, registry, 5, monkeypatch)
    assert chunks == 4
    assert report.problems == []

    faulty = [*rows[:-1], rows[0].replace(",50", ",60")]  # the last area missing, the first twice
    bad = write_csv(
        tmp_path / "b",
        "health/prepregnancy_checks_2023.csv",
        [CHECKS, *faulty, f"合计,{total[0]},{total[1]}"],
    )
    whole, _ = validate(extract, period, read_file(bad, extract), registry)
    report, _ = streamed(bad, extract, period, registry, 5, monkeypatch)
    assert findings(report) == findings(whole)
    rules = {p.rule for p in report.problems}
    assert any(
        r.startswith("every area of the reference list should be present; missing: " + areas[-1])
        for r in rules
    )
    assert any("may appear at most once" in r for r in rules)
    assert any(r.startswith("the total row gives") for r in rules)


@pytest.fixture
def chunked(monkeypatch):
    """Every CSV streamed, 400 rows a chunk, checked 800 rows at a time."""

    monkeypatch.setattr(TUNING, "fast_csv_bytes", 0)
    monkeypatch.setattr(TUNING, "chunk_rows", 400)
    monkeypatch.setattr(TUNING, "check_rows", 800)


def test_a_streamed_load_publishes_what_a_whole_load_publishes(
    warehouse_url, registry, tmp_path, monkeypatch
):
    lines = loan_lines(registry, 1500)
    write_csv(tmp_path / "whole", "housing_fund/multi_child_loans_2023.csv", lines)
    # the same rows with other line ends: other bytes, so a re-delivery, not a skip
    again = tmp_path / "streamed" / "housing_fund/multi_child_loans_2023.csv"
    again.parent.mkdir(parents=True)
    again.write_bytes("\n".join(lines).encode())
    engine = open_engine(warehouse_url)
    whole = load_extract(engine, tmp_path / "whole", "multi_child_loans", "r1", registry)[0]
    expected = snapshot(engine, "housing_fund_multi_child_loans", registry, "2023")

    monkeypatch.setattr(TUNING, "fast_csv_bytes", 0)
    monkeypatch.setattr(TUNING, "chunk_rows", 400)
    outcome = load_extract(engine, tmp_path / "streamed", "multi_child_loans", "r2", registry)[0]
    assert (outcome.status, outcome.rows) == ("published", 1500)
    assert outcome.sha256 != whole.sha256
    published = snapshot(engine, "housing_fund_multi_child_loans", registry, "2023")
    assert len(published) == 1500
    # the same rows but for the batch that wrote them (period, source_row, batch_id, ...)
    assert [r[:2] + r[3:] for r in published] == [r[:2] + r[3:] for r in expected]
    assert {r[2] for r in published} == {outcome.batch_id}


def test_a_fault_in_a_late_chunk_keeps_the_earlier_publication(warehouse_url, registry, tmp_path, chunked):
    landing = tmp_path / "landing"
    relative = "housing_fund/multi_child_loans_2023.csv"
    write_csv(landing, relative, loan_lines(registry, 1000))
    engine = open_engine(warehouse_url)
    first = load_extract(engine, landing, "multi_child_loans", "r1", registry)[0]
    before = snapshot(engine, "housing_fund_multi_child_loans", registry, "2023")
    counts = table_counts(engine, registry)

    # chunks 1-3 are clean and written before chunk 4 shows a fault: all of it is undone
    write_csv(landing, relative, loan_lines(registry, 1500, {1450: "L000007,2023-03-01,浒山街道,2,10,是"}))
    with pytest.raises(ExtractRejected) as rejected:
        load_extract(engine, landing, "multi_child_loans", "r2", registry)
    outcome = rejected.value.outcomes[0]
    assert outcome.status == "rejected" and outcome.errors == 2
    assert "row 9, column 贷款编号 (loan_id), value 'L000007'" in str(rejected.value)
    assert "row 1452, column 贷款编号 (loan_id), value 'L000007'" in str(rejected.value)
    assert snapshot(engine, "housing_fund_multi_child_loans", registry, "2023") == before
    publication = metadata_for(registry).tables["publication"]
    with engine.connect() as conn:
        assert conn.execute(publication.select()).one().batch_id == first.batch_id
    after = table_counts(engine, registry)
    # the refusal is recorded (a delivery, a batch, its validation and two problems) ...
    assert after["problem"] == counts["problem"] + 2
    assert after["load_batch"] == counts["load_batch"] + 1
    # ... and nothing else changed
    for name in ("housing_fund_multi_child_loans", "publication", "indicator_value"):
        assert after[name] == counts[name]


def test_a_ragged_row_deep_in_a_streamed_file_is_read_row_by_row(
    warehouse_url, registry, tmp_path, chunked, monkeypatch
):
    """The column-wise reader gives up at row 1202, after chunks were written; the load starts
    again with the row-by-row reader, and the result is the one that reader gives."""
    from deptstats.publish import file_reading, loading, publishing

    monkeypatch.setattr(TUNING, "block_bytes", 4096)  # so that chunks come before row 1202
    starts = []
    start = file_reading.open_file

    def recorded(*args, **kwargs):
        starts.append(kwargs.get("whole", False))
        return start(*args, **kwargs)

    for reader in (loading, publishing):  # the first reading, and the one after a ragged row
        monkeypatch.setattr(reader, "open_file", recorded)
    landing = tmp_path / "landing"
    lines = loan_lines(registry, 1500, {1200: "L001200,2023-03-01,浒山街道,2,10,是,extra"})
    write_csv(landing, "housing_fund/multi_child_loans_2023.csv", lines)
    engine = open_engine(warehouse_url)
    outcome = load_extract(engine, landing, "multi_child_loans", "r1", registry)[0]
    assert (outcome.status, outcome.rows) == ("published", 1500)
    published = snapshot(engine, "housing_fund_multi_child_loans", registry, "2023")
    assert [r[1] for r in published] == list(range(2, 1502))  # source_row, once each
    assert starts == [False, True]  # streamed first, then read again whole


def test_a_streamed_file_with_bad_cells_is_refused_with_every_fault(
    warehouse_url, registry, tmp_path, chunked
):
    """Cells no writer can store (2.5 children, an amount 'abc', 2023-02-30) are written empty
    until the checks catch up with them: a refusal naming them, not a crash."""
    landing = tmp_path / "landing"
    relative = "housing_fund/multi_child_loans_2023.csv"
    write_csv(landing, relative, loan_lines(registry, 1000))
    engine = open_engine(warehouse_url)
    load_extract(engine, landing, "multi_child_loans", "r1", registry)
    before = snapshot(engine, "housing_fund_multi_child_loans", registry, "2023")

    faults = {**LOAN_FAULTS, 0: "L000000,2023-03-01,浒山街道,2.5,10,是"}
    write_csv(landing, relative, loan_lines(registry, 3000, faults))
    with pytest.raises(ExtractRejected) as rejected:
        load_extract(engine, landing, "multi_child_loans", "r2", registry)
    assert rejected.value.outcomes[0].errors == 13
    message = str(rejected.value)
    assert "row 2, column 子女数 (children), value '2.5'" in message
    assert "row 5, column 发放日期 (issued_on), value '2023-02-30'" in message
    assert snapshot(engine, "housing_fund_multi_child_loans", registry, "2023") == before


def test_total_and_footer_rows_before_trailing_blank_lines_are_found(tmp_path, registry, monkeypatch):
    """Excel pads a sheet saved as CSV with comma-only lines; the total and footer rows above
    them are still the tail, however many there are."""
    extract = registry.extract("multi_child_loans")
    lines = loan_lines(registry, 500)
    amounts = sum(Decimal(line.split(",")[4]) for line in lines[1:])
    lines += [f"合计,,,,{amounts},", "填报人：张三,,,,,"] + [",,,,,"] * 80
    path = write_csv(tmp_path, "housing_fund/multi_child_loans_2023.csv", lines)
    monkeypatch.setattr(TUNING, "fast_csv_bytes", 1 << 40)
    whole = read_file(path, extract)
    monkeypatch.setattr(TUNING, "fast_csv_bytes", 0)
    chunks = list(iter_tables(path, extract, chunk_rows=100))
    assert len(chunks) > 1
    assert [n for c in chunks for n in c.row_numbers] == list(whole.row_numbers)
    assert chunks[-1].total_row_number == whole.total_row_number == 502
    check = FileValidation(extract, parse_period("2023"), registry)
    for chunk in chunks:
        check.add(chunk)
    assert check.finish().errors == []


def test_a_cell_the_checks_let_through_but_no_writer_can_store_publishes_nothing(
    warehouse_url, registry, tmp_path, chunked, monkeypatch
):
    """Chunks are written before they are checked, a cell the database cannot take as NULL.
    Should a rule ever let such a cell through, the audit refuses to publish."""
    from deptstats.publish.bookkeeping import AuditFailed
    from deptstats.validation import file_validation

    lenient = file_validation.build_checks

    def without_amount_rules(*args, **kwargs):
        return [c for c in lenient(*args, **kwargs) if c.columns != ("amount_wan",)]

    monkeypatch.setattr(file_validation, "build_checks", without_amount_rules)
    landing = tmp_path / "landing"
    write_csv(
        landing,
        "housing_fund/multi_child_loans_2023.csv",
        loan_lines(registry, 1000, {600: "L000600,2023-03-01,浒山街道,2,abc,是"}),
    )
    engine = open_engine(warehouse_url)
    with pytest.raises(AuditFailed, match="1 cell"):
        load_extract(engine, landing, "multi_child_loans", "r1", registry)
    counts = table_counts(engine, registry)
    assert counts["housing_fund_multi_child_loans"] == counts["publication"] == 0


@pytest.mark.parametrize("amount", ["1e30", "1.5E+20", "1234567890123456789"])
def test_an_amount_too_large_for_the_warehouse_is_refused_not_a_crash(
    warehouse_url, registry, tmp_path, chunked, amount
):
    """NUMERIC(24, 6) holds 18 digits before the point: a larger amount, in any notation, is
    a refusal naming the cell (its chunk is written before it is checked, so the writer must
    not hand the database a value it cannot take)."""
    landing = tmp_path / "landing"
    write_csv(
        landing,
        "housing_fund/multi_child_loans_2023.csv",
        loan_lines(registry, 1000, {600: f"L000600,2023-03-01,浒山街道,2,{amount},是"}),
    )
    engine = open_engine(warehouse_url)
    with pytest.raises(ExtractRejected) as rejected:
        load_extract(engine, landing, "multi_child_loans", "r1", registry)
    assert rejected.value.outcomes[0].errors == 1
    assert f"row 602, column 贷款金额（万元） (amount_wan), value '{amount}'" in str(rejected.value)
    assert "at most 18 digits before the point" in str(rejected.value)
    assert table_counts(engine, registry)["housing_fund_multi_child_loans"] == 0
