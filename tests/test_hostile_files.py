"""Files sent by careless or hostile hands: each ends as a refusal of that one file, never a
hang, a crash or a read outside the landing folder; the other extracts still load. Both
backends (warehouse_url)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from deptstats.core.settings import TUNING
from deptstats.ingest.landing import FileRenewed, deliveries_of, scan
from deptstats.publish import loading
from deptstats.publish.loading import ExtractRejected, load_extract
from deptstats.publish.unloaded import record_unmatched
from deptstats.warehouse.engine import open_engine
from tests.helpers import set_cell, snapshot

SECRET = "镇街,目标人群数,检查人数\n浒山街道,1,1\n"
HEALTH = "health/prepregnancy_checks_2023.csv"


def _load(engine, landing: Path, code: str, registry):
    try:
        return load_extract(engine, landing, code, "hostile", registry)
    except ExtractRejected as rejected:
        return rejected.outcomes


def _in_time(target, seconds: float = 60):
    """Run `target` in a thread; fail (instead of hanging the suite) if it blocks."""
    result: list = []
    thread = threading.Thread(target=lambda: result.append(target()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "blocked: a file was opened that never ends"
    return result[0]


@pytest.mark.gx
def test_a_named_pipe_is_refused_unopened_and_the_rest_loads(warehouse_url, landing, registry):
    engine = open_engine(warehouse_url)
    (landing / HEALTH).unlink()
    os.mkfifo(landing / HEALTH)
    os.mkfifo(landing / "health" / "notes_2023.csv")  # a name no extract takes, also a pipe
    unmatched = _in_time(lambda: record_unmatched(engine, landing, registry))
    assert [o.file for o in unmatched] == ["health/notes_2023.csv"]
    assert "not a regular file (a named pipe)" in unmatched[0].message
    outcomes = {o.file: o for o in _in_time(lambda: _load(engine, landing, "prepregnancy_checks", registry))}
    assert outcomes[HEALTH].status == "rejected"
    assert "is not a regular file (a named pipe); refused, not read" in outcomes[HEALTH].message
    assert outcomes["health/prepregnancy_checks_2022.csv"].status == "published"
    assert {o.status for o in _load(engine, landing, "kindergartens", registry)} == {"published"}


def _swap_after_scan(monkeypatch, landing: Path, registry, code: str, swap) -> None:
    """The landing folder as scanned, then `swap` changes a file before it is read."""
    scanned = deliveries_of(landing, registry, code)
    swap()
    monkeypatch.setattr(loading, "deliveries_of", lambda *_args, **_kw: scanned)


@pytest.mark.gx
def test_a_link_swapped_in_after_the_scan_is_never_followed(
    warehouse_url, landing, registry, tmp_path, monkeypatch
):
    engine = open_engine(warehouse_url)
    secret = tmp_path / "secret.csv"
    secret.write_text(SECRET, encoding="utf-8")

    def swap() -> None:
        (landing / HEALTH).unlink()
        (landing / HEALTH).symlink_to(secret)

    _swap_after_scan(monkeypatch, landing, registry, "prepregnancy_checks", swap)
    outcomes = {o.file: o for o in _load(engine, landing, "prepregnancy_checks", registry)}
    refused = outcomes[HEALTH]
    assert refused.status == "rejected"
    assert "became a symbolic link after the landing folder was scanned" in refused.message
    assert "浒山街道,1,1" not in refused.message and str(secret) not in refused.message
    assert snapshot(engine, "health_prepregnancy_checks", registry, "2023") == []
    assert outcomes["health/prepregnancy_checks_2022.csv"].status == "published"


def test_a_folder_swapped_for_a_link_is_never_followed(
    warehouse_url, landing, registry, tmp_path, monkeypatch
):
    engine = open_engine(warehouse_url)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "prepregnancy_checks_2023.csv").write_text(SECRET, encoding="utf-8")

    def swap() -> None:
        (landing / "health").rename(tmp_path / "health_moved")
        (landing / "health").symlink_to(elsewhere, target_is_directory=True)

    _swap_after_scan(monkeypatch, landing, registry, "prepregnancy_checks", swap)
    outcomes = _load(engine, landing, "prepregnancy_checks", registry)
    assert {o.status for o in outcomes} == {"rejected"}
    assert snapshot(engine, "health_prepregnancy_checks", registry, "2023") == []


@pytest.mark.gx
def test_a_file_renamed_into_place_after_the_scan_is_still_arriving(
    warehouse_url, landing, registry, monkeypatch
):
    [delivery] = [d for d in scan(landing, registry) if d.relative == HEALTH]
    path = landing / HEALTH

    def renew() -> None:  # a re-delivery written beside it and renamed into place
        other = path.with_name("incoming.tmp")
        other.write_bytes(path.read_bytes())
        os.replace(other, path)  # same bytes, another inode: not the file the scan saw

    renew()
    with pytest.raises(
        FileRenewed, match="was replaced by another file after the landing folder was scanned"
    ):
        delivery.read()
    engine = open_engine(warehouse_url)
    _swap_after_scan(monkeypatch, landing, registry, "prepregnancy_checks", renew)
    outcomes = {o.file: o for o in _load(engine, landing, "prepregnancy_checks", registry)}
    assert outcomes[HEALTH].status == "arriving"
    assert "will be loaded on the next run" in outcomes[HEALTH].message
    assert snapshot(engine, "health_prepregnancy_checks", registry, "2023") == []
    assert outcomes["health/prepregnancy_checks_2022.csv"].status == "published"


@pytest.mark.gx
def test_a_file_deleted_between_scan_and_read_is_refused(warehouse_url, landing, registry, monkeypatch):
    engine = open_engine(warehouse_url)
    _swap_after_scan(
        monkeypatch, landing, registry, "prepregnancy_checks", lambda: (landing / HEALTH).unlink()
    )
    outcomes = {o.file: o for o in _load(engine, landing, "prepregnancy_checks", registry)}
    assert outcomes[HEALTH].status == "rejected"
    assert "disappeared between the scan of the landing folder and its reading" in outcomes[HEALTH].message
    assert outcomes["health/prepregnancy_checks_2022.csv"].status == "published"


@pytest.mark.gx
@pytest.mark.parametrize(
    "body, says",
    [
        ("[" * 100_000 + "]" * 100_000, "JSON nested too deeply"),
        ('[{"镇街": "浒山街道", "活产数": ' + "7" * 5000 + "}]", "JSON holds a value no column can take"),
        ('{"records": [{"镇街": ' + "[" * 50_000 + "]" * 50_000 + "}]}", "JSON nested too deeply"),
    ],
)
def test_hostile_json_is_refused_not_a_crash(warehouse_url, landing, registry, body, says):
    engine = open_engine(warehouse_url)
    target = landing / "health" / "newborn_screening_2022.json"
    before = snapshot(engine, "health_newborn_screening", registry, "2022")
    target.write_text(body, encoding="utf-8")
    outcomes = {o.file: o for o in _load(engine, landing, "newborn_screening", registry)}
    refused = outcomes["health/newborn_screening_2022.json"]
    assert refused.status == "rejected" and says in refused.message
    assert len(refused.message) < 400
    assert outcomes["health/newborn_screening_2023.xlsx"].status == "published"
    assert snapshot(engine, "health_newborn_screening", registry, "2022") == before


@pytest.mark.gx
def test_full_width_digits_in_a_name_are_the_same_period(warehouse_url, landing, registry):
    engine = open_engine(warehouse_url)
    original = landing / "education" / "kindergartens_2023.csv"
    (landing / "education" / "kindergartens_２０２３.csv").write_bytes(original.read_bytes())
    outcomes = _load(engine, landing, "kindergartens", registry)
    refused = {o.file: o.message for o in outcomes if o.status == "rejected"}
    assert set(refused) == {"education/kindergartens_2023.csv", "education/kindergartens_２０２３.csv"}
    assert all("two files for kindergartens 2023" in m for m in refused.values())
    with engine.connect() as conn:
        periods = {r[0] for r in conn.execute(text("select distinct period from education_kindergartens"))}
    assert periods == {"2022"}  # no bogus period beside the real one


@pytest.mark.gx
def test_arabic_indic_digits_are_not_numbers(warehouse_url, landing, registry):
    engine = open_engine(warehouse_url)
    unmatched_name = landing / "education" / "kindergartens_٢٠٢١.csv"
    unmatched_name.write_bytes((landing / "education" / "kindergartens_2023.csv").read_bytes())
    assert "name does not follow" in next(
        o.message for o in record_unmatched(engine, landing, registry) if o.file.endswith("٢٠٢١.csv")
    )
    unmatched_name.unlink()
    set_cell(landing / "education" / "kindergartens_2023.csv", 1, 4, "٧٤٣", "utf-8")
    outcomes = {o.file: o for o in _load(engine, landing, "kindergartens", registry)}
    refused = outcomes["education/kindergartens_2023.csv"]
    assert refused.status == "rejected"
    assert any("row 2" in e and "'٧٤٣'" in e and "whole number" in e for e in refused.examples)


def _workbook(rows: list[list[object]]) -> bytes:
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _with_sheet(data: bytes, sheet_xml: bytes) -> bytes:
    """The workbook with its first sheet's XML replaced (as a hostile sender would write it)."""
    import io
    import zipfile

    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for part in source.infolist():
            body = sheet_xml if part.filename == "xl/worksheets/sheet1.xml" else source.read(part)
            out.writestr(part.filename, body)
    return target.getvalue()


@pytest.mark.gx
def test_a_workbook_that_unpacks_to_a_huge_string_is_refused_unpacked(warehouse_url, landing, registry):
    engine = open_engine(warehouse_url)
    huge = b"x" * (100 * 2**20)
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
        + huge
        + b"</t></is></c></row></sheetData></worksheet>"
    )
    data = _with_sheet(_workbook([["镇街", "活产数"]]), sheet)
    assert len(data) < 300_000
    target = landing / "health" / "newborn_screening_2023.xlsx"
    target.write_bytes(data)
    outcomes = {
        o.file: o for o in _in_time(lambda: _load(engine, landing, "newborn_screening", registry), seconds=30)
    }
    refused = outcomes["health/newborn_screening_2023.xlsx"]
    assert refused.status == "rejected" and "unpacks to more than 64 MiB" in refused.message
    assert "xxxx" not in refused.message
    assert outcomes["health/newborn_screening_2022.json"].status == "published"


@pytest.mark.gx
def test_control_characters_are_shown_escaped(warehouse_url, landing, registry, capsys, tmp_path):
    from deptstats.cli import main

    engine = open_engine(warehouse_url)
    forged = "民办\x1b[2J\nREJECTED  nothing: all is well"
    target = landing / "education" / "kindergartens_2023.csv"
    target.write_bytes(target.read_bytes().replace("民办".encode(), f'"{forged}"'.encode(), 1))
    strange = landing / "health" / "notes\x1b[31m\n2023.csv"
    strange.write_text("a\n1\n", encoding="utf-8")
    assert (
        main(
            ["load", "--landing", str(landing), "--warehouse", warehouse_url, "--out", str(tmp_path / "out")]
        )
        == 1
    )
    loaded = capsys.readouterr().out
    assert "\x1b" not in loaded and "\\x1b[31m\\n2023.csv" in loaded
    assert not any(line.startswith("REJECTED  nothing") for line in loaded.splitlines())
    # kindergartens had no publication before: the draft is incomplete, and says so
    assert (tmp_path / "out" / "reply-2024-147.INCOMPLETE.md").is_file()
    assert main(["problems", "--warehouse", warehouse_url, "--format", "table"]) == 0
    table = capsys.readouterr().out
    assert "\x1b" not in table and "\\x1b[2J\\nREJECTED  nothing" in table
    assert not any(line.startswith("REJECTED") for line in table.splitlines())
    del engine


@pytest.mark.gx
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize(
    "cell, says",
    [
        ("慈溪市\x00幼儿园", "must not contain a NUL character"),
        ("园" * 5000, "must be at most 1000 characters long"),
    ],
)
def test_a_cell_no_column_may_hold_is_a_cell_problem(
    warehouse_url, landing, registry, monkeypatch, stream, cell, says
):

    if stream:
        monkeypatch.setattr(TUNING, "fast_csv_bytes", 0)
    engine = open_engine(warehouse_url)
    set_cell(landing / "education" / "kindergartens_2023.csv", 2, 1, cell, "utf-8")
    outcomes = {o.file: o for o in _load(engine, landing, "kindergartens", registry)}
    refused = outcomes["education/kindergartens_2023.csv"]
    assert refused.status == "rejected", refused.message
    [example] = [e for e in refused.examples if says in e]
    assert "row 3" in example and "幼儿园名称" in example and len(example) < 600
    assert "\x00" not in example
    with engine.connect() as conn:
        stored = (
            conn.execute(text("select value from problem where rule like :rule"), {"rule": f"%{says}%"})
            .scalars()
            .all()
        )
    assert len(stored) == 1 and "\x00" not in stored[0] and len(stored[0]) < 300
    assert snapshot(engine, "education_kindergartens", registry, "2023") == []


@pytest.mark.gx
def test_amounts_stay_exact_or_are_refused(warehouse_url, landing, registry):
    """16 significant digits: PostgreSQL keeps them exactly; SQLite (a double) cannot, so the
    embedded warehouse refuses the file instead of publishing a different figure."""
    from sqlalchemy import make_url

    engine = open_engine(warehouse_url)
    set_cell(landing / "housing_fund" / "multi_child_loans_2022.csv", 1, 4, "1234567890.123456", "utf-8")
    outcomes = {o.file: o for o in _load(engine, landing, "multi_child_loans", registry)}
    outcome = outcomes["housing_fund/multi_child_loans_2022.csv"]
    if make_url(warehouse_url).get_backend_name() == "sqlite":
        assert outcome.status == "rejected"
        assert any("row 2" in e and "more than 15 significant digits" in e for e in outcome.examples)
        return
    assert outcome.status == "published"
    with engine.connect() as conn:
        stored = conn.execute(
            text(
                "select amount_wan from housing_fund_multi_child_loans where period = '2022' "
                "and source_row = 2"
            )
        ).scalar_one()
    assert str(stored).rstrip("0") == "1234567890.123456"


@pytest.mark.gx
def test_data_docs_show_a_hostile_cell_as_text(warehouse_url, landing, registry, tmp_path):
    engine = open_engine(warehouse_url)
    hostile = "<img src=x onerror=alert(1)>"
    target = landing / "education" / "kindergartens_2023.csv"
    target.write_bytes(target.read_bytes().replace("民办".encode(), hostile.encode(), 1))
    docs = tmp_path / "docs"
    try:
        load_extract(engine, landing, "kindergartens", "hostile", registry, docs)
    except ExtractRejected as rejected:
        [refused] = [o for o in rejected.outcomes if o.status == "rejected"]
    assert refused.batch_id is not None
    pages = [p.read_text(encoding="utf-8") for p in docs.rglob("*.html")]
    assert any("&lt;img src=x onerror=alert(1)&gt;" in page for page in pages)
    assert not any(hostile in page for page in pages)


@pytest.mark.gx
def test_a_hidden_copy_of_the_sheet_with_relabelled_cells_is_refused(warehouse_url, landing, registry):
    """The real sheet stays visible; a copy with 15 民办 relabelled 公办 (totals unchanged) is
    moved first and hidden. Whoever opens the workbook sees only the real sheet: the hidden
    one must never be published."""
    import io

    import openpyxl

    engine = open_engine(warehouse_url)
    target = landing / "education" / "kindergartens_2022.xlsx"
    _load(engine, landing, "kindergartens", registry)
    before = snapshot(engine, "education_kindergartens", registry, "2022")
    assert before
    book = openpyxl.load_workbook(target)
    real = book.worksheets[0]
    forged = book.copy_worksheet(real)
    forged.title = "Sheet2"
    relabelled = 0
    for row in forged.iter_rows():
        for cell in row:
            if cell.value == "民办" and relabelled < 15:
                cell.value, relabelled = "公办", relabelled + 1
    assert relabelled == 15
    book.move_sheet(forged, offset=-book.index(forged))
    forged.sheet_state = "hidden"
    book.active = book.index(real)
    buffer = io.BytesIO()
    book.save(buffer)
    target.write_bytes(buffer.getvalue())

    outcomes = {o.file: o for o in _load(engine, landing, "kindergartens", registry)}

    refused = outcomes["education/kindergartens_2022.xlsx"]
    assert refused.status == "rejected"
    assert (
        f"the header is on visible sheet {real.title!r} and also on hidden sheet 'Sheet2'" in refused.message
    )
    assert snapshot(engine, "education_kindergartens", registry, "2022") == before
