"""Clearing and rerunning any task of a finished run ends in the same warehouse as the one
clean run: every step of the nightly job is rerun with the same run id and every table
compared (audit times aside). Also: an analyst reading while loads publish sees one whole
publication or the other, and is not held up. Both backends."""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from deptstats import pipeline
from deptstats.publish.loading import ExtractRejected, load_extract
from deptstats.warehouse.engine import metadata_for, open_engine
from tests.helpers import table_counts, write_csv

pytestmark = pytest.mark.gx

RUN = "scheduled__2024-06-01T01:30:00+08:00"


def state(engine, registry, out: Path) -> dict[str, list[tuple]]:
    """Every table's rows without audit times, in a stable order; and the draft."""
    result = {}
    with engine.connect() as conn:
        for name, table in metadata_for(registry).tables.items():
            columns = [c for c in table.columns if not c.name.endswith("_at")]
            rows = conn.execute(select(*columns)).all()
            result[name] = sorted(tuple(map(repr, r)) for r in rows)
    # the draft as written, complete or not (a refused file leaves a figure missing)
    result["draft"] = [
        (path.name, path.read_text(encoding="utf-8")) for path in sorted(out.glob("reply-2024-147*.md"))
    ]
    return result


def steps(engine, landing: Path, out: Path, registry, run_id: str = RUN) -> dict[str, callable]:
    def load(code):
        def run():
            # a refused file turns the task red; what it recorded is what counts here
            with contextlib.suppress(ExtractRejected):
                pipeline.load(engine, landing, code, run_id, registry=registry)

        return run

    tasks = {
        "prepare_warehouse": lambda: pipeline.prepare_warehouse(engine, registry),
        "report_unrecognised_files": lambda: pipeline.report_unrecognised_files(
            engine, landing, run_id, registry
        ),
    }
    tasks |= {e.task_id: load(e.code) for e in registry.extracts}
    tasks |= {
        "compute_indicators": lambda: pipeline.compute_indicators(engine, registry),
        "draft_reply": lambda: pipeline.draft(engine, out, registry=registry),
    }
    return tasks


def test_rerunning_each_task_changes_nothing(warehouse_url, registry, landing, tmp_path):
    # one refused file and one unrecognised name, so those paths are rerun too
    bad = landing / "education" / "kindergartens_2023.csv"
    bad.write_bytes(bad.read_bytes().replace("民办".encode(), "公私合办".encode(), 1))
    write_csv(landing, "health/notes_2023.csv", ["a", "1"])
    out = tmp_path / "out"
    engine = open_engine(warehouse_url)
    tasks = steps(engine, landing, out, registry)
    for run in tasks.values():
        run()
    clean = state(engine, registry, out)
    assert clean["publication"] and clean["indicator_value"] and clean["problem"]
    for task_id, run in tasks.items():
        run()
        assert state(engine, registry, out) == clean, f"rerunning {task_id} changed the warehouse"


def test_a_second_run_over_the_same_files_adds_only_its_outcome_rows(
    warehouse_url, registry, landing, tmp_path
):
    """README: a rerun adds no row to the extract, publication, problem or figure tables; the
    per-run outcome log (delivery_outcome) records the run, one row per file it saw."""
    bad = landing / "education" / "kindergartens_2023.csv"
    bad.write_bytes(bad.read_bytes().replace("民办".encode(), "公私合办".encode(), 1))
    write_csv(landing, "health/notes_2023.csv", ["a", "1"])
    engine = open_engine(warehouse_url)
    for run in steps(engine, landing, tmp_path / "out", registry).values():
        run()
    before = table_counts(engine, registry)
    assert before["problem"] and before["indicator_history"] and before["publication"]
    later = "scheduled__2024-06-02T01:30:00+08:00"
    for run in steps(engine, landing, tmp_path / "out", registry, later).values():
        run()
    after = table_counts(engine, registry)
    kept = {name for name in before if name != "delivery_outcome"}
    assert {
        "delivery",
        "load_batch",
        "publication",
        "problem",
        "validation_run",
        "validation_outcome",
        "indicator_value",
        "indicator_history",
        "health_prepregnancy_checks",
        "education_kindergartens",
    } <= kept
    assert {name: after[name] for name in kept} == {name: before[name] for name in kept}
    outcome = metadata_for(registry).tables["delivery_outcome"]
    with engine.connect() as conn:
        files = conn.execute(select(outcome.c.delivery_id).where(outcome.c.run_id == later)).all()
    delivered = [p for p in landing.rglob("*") if p.is_file()]
    assert len(files) == len({f.delivery_id for f in files}) == len(delivered)
    assert after["delivery_outcome"] == before["delivery_outcome"] + len(delivered)


KG = "幼儿园编码,幼儿园名称,镇街,办园性质,在园幼儿数"


def test_readers_see_one_publication_or_the_other_without_waiting(warehouse_url, registry, tmp_path):
    landing = tmp_path / "landing"
    relative = "education/kindergartens_2023.csv"
    versions = {
        "a": [KG] + [f"K{i},园{i},龙山镇,公办,1" for i in range(1, 3001)],
        "b": [KG] + [f"K{i},园{i},龙山镇,民办,2" for i in range(1, 2001)],
    }
    expected = {(3000, 3000), (2000, 4000)}
    engine = open_engine(warehouse_url)
    write_csv(landing, relative, versions["a"])
    load_extract(engine, landing, "kindergartens", "r0", registry)

    seen, slowest, stop = set(), [0.0], threading.Event()
    reader = open_engine(warehouse_url, write=False)

    def read() -> None:
        while not stop.is_set():
            started = time.monotonic()
            with reader.connect() as conn:
                seen.add(
                    tuple(
                        conn.execute(
                            text(
                                "select count(*), sum(enrolled) from education_kindergartens "
                                "where period = '2023'"
                            )
                        ).one()
                    )
                )
            slowest[0] = max(slowest[0], time.monotonic() - started)

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for n in range(6):
            write_csv(landing, relative, versions["b" if n % 2 == 0 else "a"])
            load_extract(engine, landing, "kindergartens", f"r{n + 1}", registry)
    finally:
        stop.set()
        thread.join()
    assert seen <= expected, seen - expected
    assert seen == expected  # the reader did see both, so it ran during the loads
    assert slowest[0] < 1.0
