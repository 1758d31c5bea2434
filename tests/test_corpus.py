"""The corpus of real-looking department files (tests/corpus): every format quirk is read, every
refusal and rule gives its own steward-readable outcome, and a refused file leaves the earlier
publication exactly as it was. Runs on copies of a warehouse holding the sample data, on SQLite
and on PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import select

from deptstats.indicators.reports import problems
from deptstats.ingest.landing import scan
from deptstats.publish.file_outcome import steward_message
from deptstats.publish.loading import ExtractRejected, FileOutcome, load_extract
from deptstats.publish.unloaded import record_unmatched
from deptstats.warehouse.engine import metadata_for, open_engine
from deptstats.warehouse.schema import ensure_schema
from tests.conftest import create_pg_database, drop_pg_database, pg_database_name
from tests.corpus.cases import Case, cases
from tests.corpus.regenerate import FILES
from tests.helpers import load_all, snapshot

pytestmark = pytest.mark.gx

CASES = cases()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def baseline(request, tmp_path_factory, sample_dir, registry):
    """A warehouse with every sample delivery published: a SQLite file, or a PostgreSQL
    database that each case copies as its template."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("baseline") / "warehouse.db"
        engine = open_engine(str(path))
        ensure_schema(engine, registry)
        load_all(engine, sample_dir, registry)
        engine.dispose()
        with closing(sqlite3.connect(path)) as conn:  # fold the WAL into the file copied
            conn.execute("pragma wal_checkpoint(truncate)")
        yield ("sqlite", path)
        return
    admin = request.getfixturevalue("postgres_admin")
    name, url = create_pg_database(admin)
    try:
        engine = open_engine(url)
        ensure_schema(engine, registry)
        load_all(engine, sample_dir, registry)
        engine.dispose()
        yield ("postgres", (admin, name))
    finally:
        drop_pg_database(admin, name)


@pytest.fixture
def case_url(baseline, tmp_path):
    """A private copy of the baseline warehouse."""
    kind, source = baseline
    if kind == "sqlite":
        shutil.copy(source, tmp_path / "warehouse.db")
        yield f"sqlite:///{tmp_path / 'warehouse.db'}"
        return
    import psycopg

    admin, template = source
    name = pg_database_name()
    with psycopg.connect(admin.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'create database "{name}" template "{template}"')
    try:
        yield admin.rsplit("/", 1)[0] + f"/{name}"
    finally:
        drop_pg_database(admin, name)


def run_landing(engine, landing: Path, registry, max_bytes: int | None = None) -> list[FileOutcome]:
    outcomes = record_unmatched(engine, landing, registry)
    extracts = {
        d.extract.code
        for d in scan(landing, registry, max_bytes)
        if d.extract is not None and d.period is not None
    }
    for code in sorted(extracts):
        try:
            outcomes += load_extract(engine, landing, code, "corpus", registry)
        except ExtractRejected as rejected:
            outcomes += rejected.outcomes
    return outcomes


def published_rows(engine, registry, relative: str) -> list[tuple]:
    department, name = relative.split("/")
    code, period = name.rsplit(".", 1)[0].rsplit("_", 1)
    try:
        extract = registry.extract(code)
    except KeyError:
        return []
    if extract.department != department:
        return []
    return snapshot(engine, extract.table, registry, period)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Case, case_url, registry):
    engine = open_engine(case_url)
    landing = FILES / case.name
    before = {relative: published_rows(engine, registry, relative) for relative in case.files}

    outcomes = run_landing(engine, landing, registry)

    assert sorted(o.file for o in outcomes) == sorted(case.files)
    assert {o.status for o in outcomes} == {case.status}, [o.message for o in outcomes]
    told = "\n".join([steward_message(outcomes)] + [o.message for o in outcomes])
    for fragment in case.says:
        assert fragment in told, (fragment, told)
    for relative in case.files:
        kept = problems(engine, relative)
        for expected in case.problems:
            matching = [p for p in kept if expected.rule in p["rule"] and p["severity"] == expected.severity]
            assert matching, (expected, kept)
            assert any(
                (p["row_number"], p["column_name"], p["value"])
                == (expected.row, expected.column, expected.value)
                for p in matching
            ), (expected, matching)
            outcome = next(o for o in outcomes if o.file == relative)
            if expected.severity == "error":  # the refusal names the file
                assert case.status == "rejected" and relative in told
            else:  # published with its warning counted
                assert outcome.warnings >= 1, outcome
        if case.status == "rejected":
            assert published_rows(engine, registry, relative) == before[relative]
    rows = [p.row for p in case.problems if p.severity == "error" and p.row is not None]
    if case.status == "rejected" and rows:
        assert f"row {rows[0]}" in told, told
    engine.dispose()
    if case.stored:
        engine = open_engine(case_url)
        relative = next(iter(case.files))
        name = relative.split("/")[1]
        code, period = name.rsplit(".", 1)[0].rsplit("_", 1)
        table = metadata_for(registry).tables[registry.extract(code).table]
        with engine.connect() as conn:
            row = (
                conn.execute(select(table).where(table.c.period == period).order_by(table.c.source_row))
                .mappings()
                .first()
            )
        for column, value in case.stored.items():
            shown = row[column]
            assert (str(shown) if isinstance(value, str) else shown) == value, column


def test_links_leading_outside_the_landing_folder_are_refused_unread(case_url, registry, tmp_path):
    engine = open_engine(case_url)
    landing = tmp_path / "landing"
    (landing / "health").mkdir(parents=True)
    secret = tmp_path / "secret.csv"
    secret.write_text("镇街,目标人群数,检查人数\n浒山街道,1,1\n", encoding="utf-8")
    (landing / "health" / "prepregnancy_checks_2023.csv").symlink_to(secret)
    (landing / "education").symlink_to(tmp_path, target_is_directory=True)
    before = published_rows(engine, registry, "health/prepregnancy_checks_2023.csv")

    outcomes = {o.file: o for o in run_landing(engine, landing, registry)}

    assert set(outcomes) == {"health/prepregnancy_checks_2023.csv", "education"}
    linked = outcomes["health/prepregnancy_checks_2023.csv"]
    assert linked.status == "rejected"
    assert "resolves outside the landing folder" in linked.message
    assert "resolves outside the landing folder" in outcomes["education"].message
    assert published_rows(engine, registry, "health/prepregnancy_checks_2023.csv") == before


def test_a_file_over_the_size_limit_is_refused_before_reading(case_url, registry, tmp_path, monkeypatch):
    engine = open_engine(case_url)
    landing = tmp_path / "landing"
    shutil.copytree(FILES / "csv_utf8", landing)
    monkeypatch.setenv("DEPTSTATS_MAX_FILE_BYTES", "20")
    path = landing / "health" / "prepregnancy_checks_2023.csv"
    os.chmod(path, 0)  # reading it would fail: the refusal must come first
    try:
        outcomes = run_landing(engine, landing, registry)
    finally:
        os.chmod(path, 0o644)
    assert [o.status for o in outcomes] == ["rejected"]
    assert f"is {path.stat().st_size} bytes, over the limit of 20 bytes" in outcomes[0].message


@pytest.fixture(scope="module")
def sqlite_baseline(tmp_path_factory, sample_dir, registry):
    """The sample data published in a SQLite warehouse, for the cases run in Chinese."""
    path = tmp_path_factory.mktemp("baseline_zh") / "warehouse.db"
    engine = open_engine(str(path))
    ensure_schema(engine, registry)
    load_all(engine, sample_dir, registry)
    engine.dispose()
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("pragma wal_checkpoint(truncate)")
    return path


# what an English message says that a Chinese one must not
ENGLISH = ("REJECTED", "must", "refused", "Earlier publications", "Full list", "error(s)", "not read")
REFUSED = [c for c in CASES if c.status == "rejected"]


@pytest.mark.parametrize("case", REFUSED, ids=[c.name for c in REFUSED])
def test_refusal_in_chinese(case: Case, sqlite_baseline, tmp_path, registry, monkeypatch):
    """A deployment in Chinese: the steward's message and every outcome are Chinese, and each
    problem kept is a code whose Chinese and English wordings are both whole (the English one
    says what the English run says)."""
    monkeypatch.setenv("DEPTSTATS_LANG", "zh_CN")
    shutil.copy(sqlite_baseline, tmp_path / "warehouse.db")
    engine = open_engine(f"sqlite:///{tmp_path / 'warehouse.db'}")
    outcomes = run_landing(engine, FILES / case.name, registry)
    told = "\n".join(
        [steward_message(outcomes, lambda batch: f"deptstats problems --batch {batch}")]
        + [o.message for o in outcomes]
    )
    assert "已拒收" in told or "无法识别文件名" in told, told
    assert "此前已发布的数据保持不变" in told
    assert not [word for word in ENGLISH if word in told], told
    for relative in case.files:
        chinese, english = (
            problems(engine, relative, language="zh_CN"),
            problems(engine, relative, language="en"),
        )
        assert [p["rule_code"] for p in chinese] == [p["rule_code"] for p in english]
        assert "legacy" not in {p["rule_code"] for p in chinese}
        for expected in case.problems:
            assert any(expected.rule in p["rule"] for p in english), (expected, english)
        for zh, en in zip(chinese, english, strict=True):
            if en["rule_code"] not in ("bad_period", "check_failed"):  # a parameter's own words
                assert zh["rule"] != en["rule"] and not [w for w in ENGLISH if w in zh["rule"]], zh
        errors = [p for p in chinese if p["severity"] == "error"]
        if errors and errors[0]["row_number"] is not None:
            assert f"第 {errors[0]['row_number']} " in told, told
    engine.dispose()
