"""The production topology on one machine: CeleryExecutor with two workers on the Redis broker,
PostgreSQL for Airflow's metadata and for the warehouse. The nightly runs on both workers and
gives the figures of the embedded (SQLite) run; a worker killed with SIGKILL in the middle of a
load loses nothing: the task is retried on the other worker and publishes once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from deptstats import pipeline
from deptstats.core.registry import Registry
from deptstats.indicators.reports import figures
from deptstats.sample.large import write_loans
from deptstats.warehouse.engine import metadata_for, open_engine
from deptstats.warehouse.schema import upgrade
from tests.conftest import create_pg_database, drop_pg_database
from tests.live.conftest import (
    DAG_ID,
    LiveAirflow,
    command_line,
    component_groups,
    start,
    stop,
)
from tests.live.rest import FINAL, wait_for

pytestmark = [pytest.mark.live, pytest.mark.gx, pytest.mark.celery]
SLOW_FILE = "housing_fund/multi_child_loans_2024.csv"
SLOW_TASK = "housing_fund.multi_child_loans"
SLOW_ROWS = 1_500_000
# Seconds: how soon the scheduler gives up on a task whose worker stopped heartbeating, and
# how long a failed try waits; short here so the test ends in minutes, yet long enough that a
# healthy task on a loaded 2-core machine is neither taken for dead nor for stuck in the queue
# (a task queued longer than QUEUED_TIMEOUT three times over is failed by the scheduler).
HEARTBEAT_TIMEOUT = 60
RETRY_DELAY = 3
QUEUED_TIMEOUT = 180
RUN_TIMEOUT = 1800


def _worker_groups(cluster: LiveAirflow) -> dict[str, int]:
    """Worker name -> its process group (the worker and the tasks it forked)."""
    found = {}
    for group in cluster.groups:
        title = command_line(group)  # "[celeryd: worker-1@host:MainProcess] ..."
        for name in ("worker-1", "worker-2"):
            if f"{name}@" in title:
                found[name] = group
    return found


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, sample_dir, postgres_admin) -> Iterator[LiveAirflow]:
    root = tmp_path_factory.mktemp("celery")
    home, landing, out = root / "airflow", root / "landing", root / "out"
    subprocess.run(["cp", "-r", str(sample_dir), str(landing)], check=True)
    metadata_name, metadata_url = create_pg_database(postgres_admin)
    warehouse_name, warehouse_url = create_pg_database(postgres_admin)
    env = dict(
        os.environ,
        AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT=str(HEARTBEAT_TIMEOUT),
        AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL="5",
        # a task the killed worker had taken from the queue but not started
        AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT=str(QUEUED_TIMEOUT),
        DEPTSTATS_RETRY_DELAY_SECONDS=str(RETRY_DELAY),
    )
    try:
        process, port = start(
            home,
            landing,
            warehouse_url,
            out,
            env,
            ("--metadata-db", metadata_url, "--executor", "celery", "--workers", "2"),
        )
    except BaseException:
        drop_pg_database(postgres_admin, metadata_name)
        drop_pg_database(postgres_admin, warehouse_name)
        raise
    airflow = LiveAirflow(
        f"http://127.0.0.1:{port}",
        home,
        landing,
        warehouse_url,
        out,
        process,
        groups=tuple(component_groups(process.pid)),
    )
    try:
        assert len(airflow.groups) == 6  # four components and two workers
        for name in ("worker-1", "worker-2"):
            _wait_worker_ready(home, name)
        airflow.client("admin").wait_dag(DAG_ID)
        yield airflow
    finally:
        code, left = stop(airflow)
        open_engine(warehouse_url).dispose()
        drop_pg_database(postgres_admin, metadata_name)
        drop_pg_database(postgres_admin, warehouse_name)
    assert code == 0 and not left, f"exit {code}; left running: {left}"


def _wait_worker_ready(home: Path, name: str, timeout: float = 600) -> None:
    """Until the Celery worker has connected to the broker and takes tasks (its log says
    "<name>@<host> ready."): a worker still starting would leave every task to the other."""
    log = home / "logs" / "components" / f"{name}.log"

    def text() -> str:
        return log.read_text(errors="replace") if log.exists() else ""

    wait_for(
        f"Celery {name} to log that it is ready",
        lambda: re.search(rf"\b{name}@\S+ ready\.", text()),
        timeout,
        seen=lambda: text()[-2000:],
    )


def _instances(client, run_id: str) -> dict[str, dict]:
    rows = client.get(
        f"/api/v2/dags/{DAG_ID}/dagRuns/{urllib.parse.quote(run_id, safe='')}/taskInstances", limit=200
    )["task_instances"]
    return {row["task_id"]: row for row in rows}


def _embedded_figures(sample_dir: Path, tmp_path: Path, registry: Registry) -> set[tuple]:
    url = f"sqlite:///{tmp_path / 'embedded.db'}"
    engine = open_engine(url)
    upgrade(engine, registry)
    pipeline.prepare_warehouse(engine, registry)
    for extract in registry.extracts:
        pipeline.load(engine, sample_dir, extract.code, "embedded", registry)
    pipeline.compute_indicators(engine, registry)
    return {(f["indicator"], f["period"], f["area"], f["value"], f["display"]) for f in figures(engine)}


def test_the_nightly_runs_on_both_workers_with_the_embedded_figures(cluster, sample_dir, tmp_path, registry):
    admin = cluster.client("admin")
    admin.call("PATCH", f"/api/v2/dags/{DAG_ID}", {"is_paused": False})
    run_id = admin.call("POST", f"/api/v2/dags/{DAG_ID}/dagRuns", {"logical_date": None})["dag_run_id"]
    # unpausing also makes the scheduler run the last 01:30's nightly; every run must succeed
    assert admin.wait_run(DAG_ID, run_id, timeout=RUN_TIMEOUT) == "success"

    def every_run_ended() -> list[dict] | None:
        runs = admin.get(f"/api/v2/dags/{DAG_ID}/dagRuns")["dag_runs"]
        scheduled = any(r["run_type"] == "scheduled" for r in runs)
        return runs if scheduled and all(r["state"] in FINAL for r in runs) else None

    runs = wait_for(
        "the scheduled nightly too to have been created and to end",
        every_run_ended,
        RUN_TIMEOUT,
        seen=lambda: admin.get(f"/api/v2/dags/{DAG_ID}/dagRuns"),
    )
    assert {r["state"] for r in runs} == {"success"}
    hosts = {}
    for run in runs:
        for task_id, ti in _instances(admin, run["dag_run_id"]).items():
            if task_id in {e.task_id for e in registry.extracts}:
                assert ti["state"] == "success"
                hosts.setdefault(ti["hostname"].split("@")[0], []).append(task_id)
    assert set(hosts) == {"worker-1", "worker-2"}, hosts
    warehouse = {
        (f["indicator"], f["period"], f["area"], f["value"], f["display"])
        for f in figures(open_engine(cluster.warehouse, write=False))
    }
    assert warehouse == _embedded_figures(sample_dir, tmp_path, registry)


def test_a_worker_killed_mid_load_loses_nothing(cluster, registry):
    admin = cluster.client("admin")
    write_loans(cluster.landing / SLOW_FILE, SLOW_ROWS, year=2024)
    started = time.monotonic()
    run_id = admin.call("POST", f"/api/v2/dags/{DAG_ID}/dagRuns", {"logical_date": None})["dag_run_id"]
    seen: dict[str, dict] = {}

    def loading_beside_another() -> dict | None:
        """The slow task running on one worker while the other has taken a task of this run
        too (so there is something on the survivor that must be left untouched)."""
        seen.update(_instances(admin, run_id))
        slow = seen.get(SLOW_TASK, {})
        if slow.get("state") != "running" or not slow.get("hostname"):
            return None
        worker = slow["hostname"].split("@")[0]
        others = [
            ti
            for task_id, ti in seen.items()
            if task_id != SLOW_TASK and ti["hostname"] and not ti["hostname"].startswith(worker + "@")
        ]
        return slow if others else None

    slow = wait_for(
        f"{SLOW_TASK} to run on one worker while the other runs a task too",
        loading_beside_another,
        RUN_TIMEOUT,
        every=0.2,
        seen=lambda: {t: (ti["state"], ti["hostname"]) for t, ti in seen.items()},
    )
    victim = slow["hostname"].split("@")[0]
    os.killpg(_worker_groups(cluster)[victim], signal.SIGKILL)
    killed_at = time.monotonic() - started
    survivor = ({"worker-1", "worker-2"} - {victim}).pop()
    # what the other worker had run or was running when its peer died
    untouched = {
        task_id: ti["try_number"]
        for task_id, ti in _instances(admin, run_id).items()
        if (ti["hostname"] or "").startswith(survivor + "@")
    }
    assert untouched, "the other worker ran none of this run's tasks"
    assert admin.wait_run(DAG_ID, run_id, timeout=RUN_TIMEOUT) == "success"
    finished_at = time.monotonic() - started
    instances = _instances(admin, run_id)
    retried = instances[SLOW_TASK]
    assert retried["state"] == "success" and retried["try_number"] == 2
    assert retried["hostname"].split("@")[0] == survivor
    for task_id, try_number in untouched.items():
        ti = instances[task_id]
        assert (ti["state"], ti["try_number"], ti["hostname"].split("@")[0]) == (
            "success",
            try_number,
            survivor,
        ), task_id
    engine = open_engine(cluster.warehouse, write=False)
    tables = metadata_for(registry).tables
    batches, table = tables["load_batch"], tables["housing_fund_multi_child_loans"]
    with engine.connect() as conn:
        published = conn.execute(
            select(func.count())
            .select_from(batches)
            .where(
                batches.c.extract == "multi_child_loans",
                batches.c.period == "2024",
                batches.c.outcome == "published",
            )
        ).scalar_one()
        rows, distinct = conn.execute(
            select(func.count(), func.count(func.distinct(table.c.source_row))).where(
                table.c.period == "2024"
            )
        ).one()
        publication = conn.execute(
            text("select row_count from publication where extract = 'multi_child_loans' and period = '2024'")
        ).scalar_one()
    assert published == 1 and rows == distinct == publication == SLOW_ROWS
    print(
        f"\n{SLOW_TASK} ran on {victim}, killed {killed_at:.1f} s after the trigger; retried "
        f"on {survivor}; run succeeded {finished_at:.1f} s after the trigger"
    )
