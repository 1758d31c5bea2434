"""The corpus of real-looking department files (tests/corpus): every format quirk is read, every
refusal and rule gives its own steward-readable outcome, and a refused file leaves the earlier
publication exactly as it was. Runs on a SQLite copy of a warehouse holding the sample data."""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import select

from deptstats.landing import scan
from deptstats.loading import ExtractRejected, FileOutcome, load_extract, record_unmatched, steward_message
from deptstats.reports import problems
from deptstats.schema import ensure_schema
from deptstats.warehouse import metadata_for, open_engine
from tests.corpus.cases import Case, cases
from tests.corpus.regenerate import FILES
from tests.helpers import load_all, snapshot

CASES = cases()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, sample_dir, registry) -> Path:
    """A warehouse file with every sample delivery published."""
    path = tmp_path_factory.mktemp("baseline") / "warehouse.db"
    engine = open_engine(str(path))
    ensure_schema(engine, registry)
    load_all(engine, sample_dir, registry)
    engine.dispose()
    with closing(sqlite3.connect(path)) as conn:  # fold the WAL into the file the tests copy
        conn.execute("pragma wal_checkpoint(truncate)")
    return path


def run_landing(engine, landing: Path, registry, max_bytes: int | None = None
                ) -> list[FileOutcome]:
    outcomes = record_unmatched(engine, landing, registry)
    extracts = {d.extract.code for d in scan(landing, registry, max_bytes)
                if d.extract is not None and d.period is not None}
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


def test_committed_files_match_the_case_definitions():
    for case in CASES:
        for relative, data in case.files.items():
            assert (FILES / case.name / relative).read_bytes() == data, (case.name, relative)
    assert sorted(p.name for p in FILES.iterdir()) == sorted(c.name for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Case, baseline, registry, tmp_path):
    warehouse = tmp_path / "warehouse.db"
    shutil.copy(baseline, warehouse)
    engine = open_engine(str(warehouse))
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
            matching = [p for p in kept if expected.rule in p["rule"]
                        and p["severity"] == expected.severity]
            assert matching, (expected, kept)
            assert any((p["row_number"], p["column_name"], p["value"]) ==
                       (expected.row, expected.column, expected.value) for p in matching), (
                expected, matching)
            if expected.row is not None:
                assert f"{relative}" in told or case.status == "published"
        if case.status == "rejected":
            assert published_rows(engine, registry, relative) == before[relative]
    if case.status == "rejected" and case.problems:
        first = case.problems[0]
        assert f"row {first.row}" in told or first.row is None
    if case.stored:
        relative = next(iter(case.files))
        name = relative.split("/")[1]
        code, period = name.rsplit(".", 1)[0].rsplit("_", 1)
        table = metadata_for(registry).tables[registry.extract(code).table]
        with engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.period == period)
                               .order_by(table.c.source_row)).mappings().first()
        for column, value in case.stored.items():
            shown = row[column]
            assert (str(shown) if isinstance(value, str) else shown) == value, column


def test_links_leading_outside_the_landing_folder_are_refused_unread(baseline, registry,
                                                                     tmp_path):
    warehouse = tmp_path / "warehouse.db"
    shutil.copy(baseline, warehouse)
    engine = open_engine(str(warehouse))
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


def test_a_file_over_the_size_limit_is_refused_before_reading(baseline, registry, tmp_path,
                                                              monkeypatch):
    warehouse = tmp_path / "warehouse.db"
    shutil.copy(baseline, warehouse)
    engine = open_engine(str(warehouse))
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
