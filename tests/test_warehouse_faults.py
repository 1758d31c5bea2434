"""Faults of the warehouse itself (read-only, locked, full, connection ended, database dropped,
another load holding the period) are one plain line naming the fault, the warehouse (never its
password) and what to do, exit code 3, and nothing published changes; in Airflow they stay
retryable. Two loads of one landing at once record and publish every file once. Output cut
short by its reader ends quietly."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import event, func, make_url, select, text

import deptstats
from deptstats import cli
from deptstats.indicators.reports import figures
from deptstats.publish.loading import load_extract
from deptstats.publish.recording import lock_period
from deptstats.warehouse import engine as warehouse
from deptstats.warehouse.engine import metadata_for, open_engine
from deptstats.warehouse.schema import ensure_schema
from tests.conftest import create_pg_database, drop_pg_database
from tests.helpers import set_cell

SRC = Path(deptstats.__file__).resolve().parents[1]
EXIT_WAREHOUSE_FAULT = 3
PASSWORD = "s3cret-pw"  # trust auth ignores it; it must never be printed
KEPT = ("education/", "health/prepregnancy_checks", "health/newborn_screening")
REDELIVERED = "education/kindergartens_2023.csv"


@pytest.fixture(autouse=True)
def in_english(monkeypatch):
    """The faults in English (tests/unit/test_warehouse_faults.py checks the default, Chinese);
    the command lines started here inherit it."""
    monkeypatch.setenv("DEPTSTATS_LANG", "en")


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "deptstats.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(SRC), **(env or {})},
    )


def one_plain_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and PASSWORD not in stderr
    assert lines[0].startswith("deptstats: the warehouse "), stderr
    return lines[0]


def with_password(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return url
    return parsed.set(password=PASSWORD).render_as_string(hide_password=False)


@pytest.fixture
def small_landing(landing: Path) -> Path:
    """Three extracts of the sample (six files) and a name matching no extract."""
    for path in sorted(landing.rglob("*"), reverse=True):
        relative = path.relative_to(landing).as_posix()
        if path.is_file() and not relative.startswith(KEPT):
            path.unlink()
    (landing / "health" / "unknown_2023.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    return landing


def published(url: str, registry) -> tuple[list[tuple], list[tuple]]:
    """The publication table and the kindergartens' published rows."""
    tables = metadata_for(registry).tables
    engine = open_engine(url, write=False)
    with engine.connect() as conn:
        state = (
            [
                tuple(r)
                for r in conn.execute(
                    select(tables["publication"]).order_by(
                        tables["publication"].c.extract, tables["publication"].c.period
                    )
                )
            ],
            [
                tuple(r)
                for r in conn.execute(
                    select(tables["education_kindergartens"]).order_by("period", "source_row")
                )
            ],
        )
    engine.dispose()
    return state


@pytest.fixture
def kg_landing(landing: Path) -> Path:
    """The kindergartens' files only."""
    for path in landing.rglob("*"):
        if path.is_file() and not path.relative_to(landing).as_posix().startswith("education/"):
            path.unlink()
    return landing


@pytest.fixture
def loaded(warehouse_url: str, kg_landing: Path, registry) -> str:
    """The kindergartens published, then one of their files re-delivered with a changed cell."""
    engine = open_engine(warehouse_url)
    load_extract(engine, kg_landing, "kindergartens", "first", registry)
    engine.dispose()
    set_cell(kg_landing / REDELIVERED, 1, 4, "212")
    return warehouse_url


# ------------------------------------------------------------------ SQLite


@pytest.mark.gx
@pytest.mark.parametrize("warehouse_url", ["sqlite"], indirect=True)
def test_read_only_sqlite_warehouse(loaded, kg_landing, registry):
    """Opened read-only (mode=ro: as root a file's mode does not stop writes), as a warehouse
    on a read-only mount or file behaves."""
    before = published(loaded, registry)
    read_only = f"sqlite:///file:{make_url(loaded).database}?mode=ro&uri=true"
    done = run_cli("load", "--landing", str(kg_landing), "--warehouse", read_only)
    assert done.returncode == EXIT_WAREHOUSE_FAULT
    line = one_plain_line(done.stderr)
    assert " is read-only (attempt to write a readonly database)" in line
    assert "w.db" in line or "warehouse.db" in line
    assert "give the user running deptstats write access" in line
    assert published(loaded, registry) == before


@pytest.mark.gx
@pytest.mark.parametrize("warehouse_url", ["sqlite"], indirect=True)
def test_sqlite_warehouse_locked_past_the_busy_timeout(loaded, kg_landing, registry):
    before = published(loaded, registry)
    other = sqlite3.connect(make_url(loaded).database, isolation_level=None)
    other.execute("begin immediate")  # another writer that does not let go
    try:
        done = run_cli(
            "load",
            "--landing",
            str(kg_landing),
            "--warehouse",
            loaded,
            env={"DEPTSTATS_SQLITE_BUSY_TIMEOUT_MS": "300"},
        )
    finally:
        other.rollback()
        other.close()
    assert done.returncode == EXIT_WAREHOUSE_FAULT
    line = one_plain_line(done.stderr)
    assert (
        "is locked by another process past the busy timeout of 0.3 s (DEPTSTATS_SQLITE_BUSY_TIMEOUT_MS)"
    ) in line
    assert published(loaded, registry) == before


@pytest.mark.gx
@pytest.mark.parametrize("warehouse_url", ["sqlite"], indirect=True)
def test_full_sqlite_warehouse(loaded, kg_landing, registry, monkeypatch, capsys):
    """Disk full, simulated by capping the file at the pages it has (PRAGMA max_page_count)."""
    before = published(loaded, registry)
    real_open = warehouse.open_engine

    def capped(url, *args, **kwargs):
        engine = real_open(url, *args, **kwargs)

        @event.listens_for(engine, "connect")
        def cap(dbapi_connection, _record):
            dbapi_connection.execute(
                f"pragma max_page_count = {dbapi_connection.execute('pragma page_count').fetchone()[0]}"
            )

        return engine

    monkeypatch.setattr(warehouse, "open_engine", capped)
    with (kg_landing / REDELIVERED).open("a", encoding="utf-8") as grown:  # rows need new pages
        grown.writelines(
            f"YE{n},慈溪市浒山街道幼儿园{n},浒山街道,公办,{n % 300}\r\n" for n in range(1000, 4000)
        )
    code = cli.main(["load", "--landing", str(kg_landing), "--warehouse", loaded])
    assert code == EXIT_WAREHOUSE_FAULT
    err = capsys.readouterr().err
    line = one_plain_line(err)
    assert "is full: the disk (or a size limit) left no room to write" in line
    assert f"nothing of {REDELIVERED} was published" in line
    assert "FAILED" not in err
    assert published(loaded, registry) == before


@pytest.mark.gx
@pytest.mark.parametrize("warehouse_url", ["sqlite"], indirect=True)
def test_airflow_task_says_the_fault_first_and_stays_retryable(loaded, kg_landing, monkeypatch):
    # importing Airflow points logging at this test's stream: undone afterwards, so the tests
    # after it see what a plain `deptstats` process prints
    monkeypatch.setattr(logging.root, "handlers", list(logging.root.handlers))
    pytest.importorskip("airflow.sdk")
    from airflow.sdk.exceptions import AirflowFailException

    from deptstats.airflow import tasks as airflow_tasks
    from deptstats.warehouse.faults import WarehouseFault

    said: list[logging.LogRecord] = []  # what the task log receives from the task
    listener = logging.Handler()
    listener.emit = said.append
    monkeypatch.setattr(airflow_tasks.log, "handlers", [*airflow_tasks.log.handlers, listener])
    read_only = f"sqlite:///file:{make_url(loaded).database}?mode=ro&uri=true"
    monkeypatch.setattr(airflow_tasks, "warehouse_url", lambda: read_only)
    monkeypatch.setenv("DEPTSTATS_LANDING", str(kg_landing))
    with pytest.raises(WarehouseFault) as raised:
        airflow_tasks.load_extract("kindergartens", "run-1")
    assert not isinstance(raised.value, AirflowFailException)  # Airflow retries it
    message = str(raised.value)
    assert message.startswith("the warehouse sqlite:///") and "is read-only" in message
    # the task's first error is the plain message, without a traceback
    first_error = next(r for r in said if r.levelno >= logging.ERROR)
    assert message in first_error.getMessage()
    assert not any(r.exc_info for r in said)


def test_output_cut_short_by_its_reader_ends_quietly(tmp_path, registry):
    """`deptstats figures | head -1`, with the reader gone before the first line."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    ensure_schema(open_engine(url), registry)
    read_end, write_end = os.pipe()
    os.close(read_end)
    child = subprocess.Popen(
        [sys.executable, "-m", "deptstats.cli", "figures", "--warehouse", url],
        stdout=write_end,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    os.close(write_end)
    _, err = child.communicate(timeout=300)
    assert child.returncode == 141
    assert err == b""


# ------------------------------------------------------------------ PostgreSQL


@pytest.mark.gx
@pytest.mark.parametrize("warehouse_url", ["postgres"], indirect=True)
def test_connection_terminated_mid_load(loaded, kg_landing, registry, postgres_admin, monkeypatch, capsys):
    """The load's session is ended (pg_terminate_backend) as it starts recording the
    re-delivered file."""
    import psycopg

    before = published(loaded, registry)
    real_open = warehouse.open_engine

    def terminated_at_the_batch(url, *args, **kwargs):
        engine = real_open(url, *args, **kwargs)

        @event.listens_for(engine, "before_cursor_execute")
        def terminate(conn, _cursor, statement, *_rest):
            if statement.lstrip().upper().startswith("INSERT INTO LOAD_BATCH"):
                pid = conn.connection.dbapi_connection.info.backend_pid
                with psycopg.connect(postgres_admin.replace("+psycopg", ""), autocommit=True) as admin:
                    admin.execute("select pg_terminate_backend(%s)", (pid,))

        return engine

    monkeypatch.setattr(warehouse, "open_engine", terminated_at_the_batch)
    # a password never goes on a command line: the URL comes from the environment
    monkeypatch.setenv("DEPTSTATS_WAREHOUSE", with_password(loaded))
    code = cli.main(["load", "--landing", str(kg_landing)])
    assert code == EXIT_WAREHOUSE_FAULT
    line = one_plain_line(capsys.readouterr().err)
    assert (
        "closed the connection: an administrator or a shutdown ended the session" in line
        or "lost its connection" in line
    ), line
    assert f"nothing of {REDELIVERED} was published" in line
    assert "postgresql+psycopg://root:***@" in line
    monkeypatch.undo()
    assert published(loaded, registry) == before


def test_dropped_database(postgres_admin):
    name, url = create_pg_database(postgres_admin)
    drop_pg_database(postgres_admin, name)
    for command in (["figures"], ["db", "upgrade"]):
        done = run_cli(*command, env={"DEPTSTATS_WAREHOUSE": with_password(url)})
        assert done.returncode == EXIT_WAREHOUSE_FAULT
        line = one_plain_line(done.stderr)
        assert f"/{name} does not exist (dropped, or never created)" in line
        assert "create the database and run `deptstats db upgrade`" in line


@pytest.mark.gx
@pytest.mark.parametrize("warehouse_url", ["postgres"], indirect=True)
def test_a_held_period_fails_retryably_naming_the_holder(
    warehouse_url, small_landing, registry, monkeypatch, capsys
):
    holder = open_engine(warehouse_url, application_name="deptstats load holder-run")
    holding = holder.connect()
    transaction = holding.begin()
    for period in ("2022", "2023"):
        lock_period(holding, metadata_for(registry).tables["education_kindergartens"], period)
    pid = holding.execute(select(func.pg_backend_pid())).scalar_one()
    monkeypatch.setenv("DEPTSTATS_LOCK_TIMEOUT_SECONDS", "1")
    monkeypatch.setenv("DEPTSTATS_WAREHOUSE", with_password(warehouse_url))
    try:
        code = cli.main(["load", "--landing", str(small_landing)])
    finally:
        transaction.rollback()
        holding.close()
        holder.dispose()
    assert code == EXIT_WAREHOUSE_FAULT
    line = one_plain_line(capsys.readouterr().err)
    assert f"is busy: another load ('deptstats load holder-run', server pid {pid}" in line
    assert "holds education_kindergartens 2022 and did not let go within 1 s" in line
    assert "nothing of education/kindergartens_2022.xlsx was published" in line
    engine = open_engine(warehouse_url)
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("select count(*) from publication where extract = 'kindergartens'")
            ).scalar_one()
            == 0
        )
        assert (
            conn.execute(text("select count(*) from delivery where file like 'education/%'")).scalar_one()
            == 0
        )
    engine.dispose()


# ------------------------------------------------------------------ two loads at once


@pytest.mark.gx
def test_two_loads_of_one_landing_at_once(warehouse_url, small_landing, tmp_path):
    """Both end well; every file is recorded once and loaded once; the figures are those of
    one load."""
    loads: list[subprocess.CompletedProcess] = []
    threads = [
        threading.Thread(
            target=lambda: loads.append(
                run_cli("load", "--landing", str(small_landing), "--warehouse", warehouse_url)
            )
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)
    assert [d.returncode for d in loads] == [1, 1], [d.stderr for d in loads]  # the unknown file
    assert all("Traceback" not in d.stderr for d in loads)

    engine = open_engine(warehouse_url, write=False)
    with engine.connect() as conn:
        deliveries = conn.execute(text("select file, count(*) from delivery group by file")).all()
        batches = conn.execute(
            text(
                "select d.file, count(b.batch_id) from delivery d left join "
                "load_batch b on b.delivery_id = d.delivery_id "
                "group by d.file"
            )
        ).all()
        publications = conn.execute(text("select count(*) from publication")).scalar_one()
    files = sorted(p.relative_to(small_landing).as_posix() for p in small_landing.rglob("*") if p.is_file())
    assert sorted(f for f, _ in deliveries) == files
    assert {n for _, n in deliveries} == {1}
    assert dict(batches) == {f: 0 if f.endswith("unknown_2023.csv") else 1 for f in files}
    assert publications == 6

    once = f"sqlite:///{tmp_path / 'once.db'}"
    shutil.copytree(small_landing, tmp_path / "again")
    assert cli.main(["load", "--landing", str(tmp_path / "again"), "--warehouse", once]) == 1
    keys = ("indicator", "period", "area", "value", "display", "status", "file", "sha256")
    assert [{k: r[k] for k in keys} for r in figures(engine)] == [
        {k: r[k] for k in keys} for r in figures(open_engine(once, write=False))
    ]
    engine.dispose()
