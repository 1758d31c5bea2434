"""The landing folder as it is at night: files still being written, files and folders that
cannot be read, and thousands of stray files (a landing folder that is not there: tests/unit)."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import time
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from deptstats import pipeline
from deptstats.cli import main
from deptstats.core.settings import TUNING
from deptstats.indicators.reports import loads
from deptstats.publish import file_reading, loading
from deptstats.publish.loading import ExtractRejected, load_extract
from deptstats.publish.unloaded import record_unmatched
from deptstats.warehouse.engine import metadata_for, open_engine
from tests.helpers import set_cell, snapshot

KG_2023 = "education/kindergartens_2023.csv"
KG_TABLE = "education_kindergartens"
LONG_AGO = 1_700_000_000  # 2023-11-14: long settled
STILL_WRITTEN = (
    "was still being written while it was read (it changed after the landing "
    "folder was scanned); nothing was loaded from it: it will be loaded on the next "
    "run once it stops changing"
)


def _settled(landing: Path) -> None:
    for path in landing.rglob("*"):
        if path.is_file():
            os.utime(path, (LONG_AGO, LONG_AGO))


def _outcomes(engine, landing: Path, code: str, run_id: str, registry) -> dict:
    try:
        outcomes = pipeline.load(engine, landing, code, run_id, registry=registry)
    except ExtractRejected as rejected:
        outcomes = rejected.outcomes
    return {o.file: o for o in outcomes}


def _run_outcomes(engine, run_id: str, registry) -> dict[str, tuple[str, str]]:
    tables = metadata_for(registry).tables
    o, d = tables["delivery_outcome"], tables["delivery"]
    with engine.connect() as conn:
        return {
            row.file: (row.status, row.message)
            for row in conn.execute(
                select(d.c.file, o.c.status, o.c.message)
                .join(d, d.c.delivery_id == o.c.delivery_id)
                .where(o.c.run_id == run_id)
            )
        }


def _problem_rows(engine, registry) -> int:
    problem = metadata_for(registry).tables["problem"]
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(problem)).scalar_one()


# ------------------------------------------------------------------ files still arriving


@pytest.mark.gx
def test_a_file_still_copied_in_while_it_is_read_is_left_for_the_next_run(
    warehouse_url, landing, registry, monkeypatch
):
    engine = open_engine(warehouse_url)
    _outcomes(engine, landing, "kindergartens", "r1", registry)
    published = snapshot(engine, KG_TABLE, registry, "2023")
    assert published
    # a re-delivery copied in small chunks: the scan sees it cut in the middle of a row
    path = landing / KG_2023
    set_cell(path, 3, 4, "99")
    whole = path.read_bytes()
    path.write_bytes(whole[: whole.index(b"\r\n", len(whole) // 2) - 1])  # in a number
    open_file = loading.open_file

    def copy_goes_on(*args, **kwargs):
        try:
            return open_file(*args, **kwargs)
        finally:
            path.write_bytes(whole)  # the rest arrives after the file was read

    monkeypatch.setattr(loading, "open_file", copy_goes_on)
    outcomes = _outcomes(engine, landing, "kindergartens", "r2", registry)
    arriving = outcomes[KG_2023]
    assert arriving.status == "arriving"
    assert arriving.message == f"{KG_2023} {STILL_WRITTEN}"
    assert arriving.errors == 0 and arriving.batch_id is None
    assert outcomes["education/kindergartens_2022.xlsx"].status == "skipped"
    assert snapshot(engine, KG_TABLE, registry, "2023") == published
    assert _problem_rows(engine, registry) == 0
    assert _run_outcomes(engine, "r2", registry)[KG_2023] == ("arriving", arriving.message)

    # cut in a character, the reader fails: the file was still being written all the same
    path.write_bytes(whole[: whole.index("园".encode(), len(whole) // 2) + 1])
    outcomes = _outcomes(engine, landing, "kindergartens", "r3", registry)
    assert outcomes[KG_2023].status == "arriving"
    assert snapshot(engine, KG_TABLE, registry, "2023") == published

    monkeypatch.setattr(loading, "open_file", open_file)  # the copy has ended
    assert _outcomes(engine, landing, "kindergartens", "r4", registry)[KG_2023].status == "published"
    assert snapshot(engine, KG_TABLE, registry, "2023") != published


@pytest.mark.gx
def test_a_streamed_file_growing_while_it_is_read_is_left_for_the_next_run(
    warehouse_url, landing, registry, monkeypatch
):
    engine = open_engine(warehouse_url)
    monkeypatch.setattr(TUNING, "fast_csv_bytes", 1)  # every CSV streams
    path = landing / KG_2023
    tables = file_reading.iter_tables

    def still_written(*args, **kwargs):
        with path.open("ab") as more:
            more.write("YE999,又一园,浒山街道,公办,12\r\n".encode())
        yield from tables(*args, **kwargs)

    monkeypatch.setattr(file_reading, "iter_tables", still_written)
    outcomes = _outcomes(engine, landing, "kindergartens", "r1", registry)
    assert outcomes[KG_2023].status == "arriving"
    assert STILL_WRITTEN in outcomes[KG_2023].message
    assert outcomes["education/kindergartens_2022.xlsx"].status == "published"
    assert snapshot(engine, KG_TABLE, registry, "2023") == []
    assert _problem_rows(engine, registry) == 0


@pytest.mark.gx
def test_a_file_modified_within_the_settle_time_waits_for_the_next_run(
    warehouse_url, landing, registry, monkeypatch
):
    engine = open_engine(warehouse_url)
    monkeypatch.delenv("DEPTSTATS_SETTLE_SECONDS")  # the nightly default
    _settled(landing)
    os.utime(landing / KG_2023)  # written just now
    outcomes = _outcomes(engine, landing, "kindergartens", "r1", registry)
    assert outcomes[KG_2023].status == "arriving"
    assert outcomes[KG_2023].message == (
        f"{KG_2023} is still being written (modified less than the settle time of 300 s ago); "
        "not loaded: it will be loaded on the next run once it stops changing"
    )
    assert outcomes["education/kindergartens_2022.xlsx"].status == "published"
    assert snapshot(engine, KG_TABLE, registry, "2023") == []
    assert _run_outcomes(engine, "r1", registry)[KG_2023][0] == "arriving"
    monkeypatch.setenv("DEPTSTATS_SETTLE_SECONDS", "0")
    assert _outcomes(engine, landing, "kindergartens", "r2", registry)[KG_2023].status == "published"
    # what was seen while it was written no longer stands beside what was published
    statuses = sorted(row["status"] for row in loads(engine) if row["file"] == KG_2023)
    assert statuses == ["published", "superseded"]


@pytest.mark.gx
def test_a_reload_takes_no_settle_time(warehouse_url, landing, registry, monkeypatch):
    """An announced delivery (an upload renamed into place, a `.ready` flag) loads at once."""
    from types import SimpleNamespace

    monkeypatch.setattr(logging.root, "handlers", list(logging.root.handlers))
    from deptstats.airflow import reload_tasks

    monkeypatch.setattr(reload_tasks, "warehouse_url", lambda: warehouse_url)
    monkeypatch.setenv("DEPTSTATS_SETTLE_SECONDS", "3600")
    monkeypatch.setenv("DEPTSTATS_LANDING", str(landing))
    pipeline.prepare_warehouse(open_engine(warehouse_url), registry)
    os.utime(landing / KG_2023)  # written just now
    upload = SimpleNamespace(
        asset=SimpleNamespace(uri="x-deptstats://landing/education"),
        extra={"extract": "kindergartens", "period": "2023", "uploaded_by": "clerk"},
        timestamp=time.time(),
    )
    summary = reload_tasks.reload_extracts({"education": [upload]}, "asset_triggered__1")
    assert summary["extracts"] == ["kindergartens"]
    assert summary["published"] == 2  # 2022 and the file written just now
    assert snapshot(open_engine(warehouse_url), KG_TABLE, registry, "2023") != []


def _one_file_landing(sample_dir: Path, tmp_path: Path) -> Path:
    landing = tmp_path / "landing"
    (landing / "education").mkdir(parents=True)
    shutil.copy(sample_dir / KG_2023, landing / KG_2023)
    return landing


@pytest.mark.gx
def test_load_settle_option(sample_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DEPTSTATS_SETTLE_SECONDS")
    landing = _one_file_landing(sample_dir, tmp_path)
    warehouse = str(tmp_path / "warehouse.db")
    assert main(["load", "--landing", str(landing), "--warehouse", warehouse]) == 0
    assert (
        f"ARRIVING  {KG_2023}: {KG_2023} is still being written (modified less than the "
        "settle time of 300 s ago)"
    ) in capsys.readouterr().out
    monkeypatch.setenv("DEPTSTATS_SETTLE_SECONDS", "3600")
    os.utime(landing / KG_2023, (time.time() - 600, time.time() - 600))
    assert main(["load", "--landing", str(landing), "--warehouse", warehouse]) == 0
    assert "settle time of 3600 s" in capsys.readouterr().out
    assert main(["load", "--landing", str(landing), "--warehouse", warehouse, "--settle", "0"]) == 0
    assert f"PUBLISHED {KG_2023}" in capsys.readouterr().out


@pytest.mark.gx
def test_the_airflow_task_stays_green_for_a_file_still_arriving(
    warehouse_url, landing, registry, monkeypatch
):
    # importing Airflow points logging at this test's stream: undone afterwards
    monkeypatch.setattr(logging.root, "handlers", list(logging.root.handlers))
    from deptstats.airflow import tasks as airflow_tasks

    said: list[logging.LogRecord] = []
    listener = logging.Handler()
    listener.emit = said.append
    monkeypatch.setattr(airflow_tasks.log, "handlers", [*airflow_tasks.log.handlers, listener])
    monkeypatch.setattr(airflow_tasks, "warehouse_url", lambda: warehouse_url)
    monkeypatch.delenv("DEPTSTATS_SETTLE_SECONDS")
    _settled(landing)
    os.utime(landing / KG_2023)
    monkeypatch.setenv("DEPTSTATS_LANDING", str(landing))
    summary = airflow_tasks.load_extract("kindergartens", "scheduled__1")
    assert (summary["arriving"], summary["published"]) == (1, 1)
    assert any(
        r.levelno == logging.WARNING
        and r.getMessage().startswith(f"ARRIVING {KG_2023}: {KG_2023} is still being written")
        for r in said
    )
    recorded = _run_outcomes(open_engine(warehouse_url), "scheduled__1", registry)
    assert recorded[KG_2023][0] == "arriving"


# ------------------------------------------------------------------ what cannot be read


@pytest.mark.gx
def test_an_unreadable_file_is_refused_in_words_and_the_other_periods_load(
    warehouse_url, landing, registry, monkeypatch
):
    engine = open_engine(warehouse_url)
    real_open = os.open

    def denied(name, *args, **kwargs):  # chmod 000 (the tests run as root, who reads it)
        if os.fspath(name) == "kindergartens_2023.csv":
            raise PermissionError(errno.EACCES, "Permission denied", name)
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(ExtractRejected) as rejected:
        load_extract(engine, landing, "kindergartens", "r1", registry)
    outcomes = {o.file: o for o in rejected.value.outcomes}
    assert outcomes[KG_2023].status == "rejected"
    assert outcomes[KG_2023].message == (
        f"{KG_2023} cannot be read (permission denied); refused, not read: give the account "
        "that runs the loads read access to it (e.g. chmod a+r), and the next run loads it"
    )
    assert outcomes["education/kindergartens_2022.xlsx"].status == "published"


def test_an_unreadable_department_folder_is_reported(warehouse_url, landing, registry, monkeypatch):
    real_scandir = os.scandir

    def denied(path="."):
        if not isinstance(path, int) and Path(path).name == "hrss":
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", denied)
    outcomes = record_unmatched(open_engine(warehouse_url), landing, registry)
    assert [(o.file, o.status, o.message) for o in outcomes] == [
        (
            "hrss",
            "rejected",
            "is a folder that cannot be read (permission denied); the files in "
            "it were not looked at: give the account that runs the loads read access to it; left "
            "in place",
        )
    ]


# ------------------------------------------------------------------ thousands of stray files


def _stray(root: Path, files: int) -> Path:
    landing = root / f"stray_{files}"
    for n in range(files):
        folder = landing / ("health" if n % 2 else "stray")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"junk_{n}.txt").write_text(f"{n}\n")
    return landing


def _statements(engine, action) -> tuple[int, int]:
    """(statements executed, transactions begun) while `action` runs."""
    counts = [0, 0]

    def executed(*_args):
        counts[0] += 1

    def begun(*_args):
        counts[1] += 1

    event.listen(engine, "before_execute", executed)
    event.listen(engine, "begin", begun)
    try:
        action()
    finally:
        event.remove(engine, "before_execute", executed)
        event.remove(engine, "begin", begun)
    return counts[0], counts[1]


def test_unrecognised_files_cost_the_same_statements_however_many(warehouse_url, registry, tmp_path):
    engine = open_engine(warehouse_url)
    counted = {}
    for files in (4, 40):
        landing = _stray(tmp_path, files)
        report = partial(pipeline.report_unrecognised_files, engine, landing, f"r{files}", registry)
        counted[files] = (_statements(engine, report), _statements(engine, report))
        outcomes = _run_outcomes(engine, f"r{files}", registry)
        assert len(outcomes) == files
        assert {status for status, _message in outcomes.values()} == {"rejected"}
    assert counted[4] == counted[40]  # first seen (inserted), then seen again (updated)


@pytest.mark.gx
def test_load_lists_the_landing_folder_once(sample_dir, tmp_path, monkeypatch, capsys):
    landing = _one_file_landing(sample_dir, tmp_path)
    (landing / "health").mkdir()
    (landing / "health" / "junk_1.txt").write_text("1\n")
    real_scandir = os.scandir
    listed = []

    def counted(path="."):
        listed.append(path if isinstance(path, int) else Path(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", counted)
    assert (
        main(["load", "--landing", str(landing), "--warehouse", str(tmp_path / "warehouse.db")]) == 1
    )  # the junk file is refused
    assert listed.count(landing) == 1
    assert "REJECTED  health/junk_1.txt: file name not recognised" in capsys.readouterr().out


@pytest.mark.gx
def test_files_done_before_a_crash_are_recorded_for_the_run(warehouse_url, landing, registry, monkeypatch):
    """A crash on one file (here a fault that is no file's) after another was published: the
    run still records what became of the published one, so its retry, which finds that file
    published already, does not make the run's record say it skipped it."""
    engine = open_engine(warehouse_url)
    real = loading._load_one

    def crash_on_2023(engine, tables, delivery, *args):
        if delivery.relative == KG_2023:
            raise RuntimeError("the machine ran out of memory")
        return real(engine, tables, delivery, *args)

    monkeypatch.setattr(loading, "_load_one", crash_on_2023)
    with pytest.raises(RuntimeError, match="out of memory"):
        pipeline.load(engine, landing, "kindergartens", "r1", registry=registry)
    assert _run_outcomes(engine, "r1", registry)["education/kindergartens_2022.xlsx"][0] == "published"


@pytest.mark.gx
def test_a_file_dated_in_the_future_is_not_held_back_for_ever(warehouse_url, landing, registry, monkeypatch):
    """A copy from a machine whose clock is a day ahead: the settle time cannot apply to it."""
    engine = open_engine(warehouse_url)
    monkeypatch.delenv("DEPTSTATS_SETTLE_SECONDS")
    _settled(landing)
    ahead = time.time() + 86_400
    os.utime(landing / KG_2023, (ahead, ahead))
    assert _outcomes(engine, landing, "kindergartens", "r1", registry)[KG_2023].status == "published"
