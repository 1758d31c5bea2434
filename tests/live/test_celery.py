"""The production topology on one machine: CeleryExecutor with two workers on the Redis broker,
PostgreSQL for Airflow's metadata and for the warehouse. The nightly runs on both workers and
gives the figures of the embedded (SQLite) run; a worker killed with SIGKILL in the middle of a
load loses nothing: the task is retried on the other worker and publishes once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from deptstats import nightly
from deptstats.reports import figures
from deptstats.sample_large import write_loans
from deptstats.schema import upgrade
from deptstats.warehouse import metadata_for, open_engine
from tests.conftest import create_pg_database, drop_pg_database
from tests.live.conftest import (
    DAG_ID,
    READY_LINE,
    LiveAirflow,
    command_line,
    component_groups,
    free_port,
    stop,
)

pytestmark = [pytest.mark.live, pytest.mark.celery]
SLOW_FILE = "housing_fund/multi_child_loans_2024.csv"
SLOW_TASK = "housing_fund.multi_child_loans"
SLOW_ROWS = 1_500_000
# Seconds: how soon the scheduler gives up on a task whose worker stopped heartbeating, and
# how long a failed try waits; short here so the test ends in minutes.
HEARTBEAT_TIMEOUT = 20
RETRY_DELAY = 3
QUEUED_TIMEOUT = 30


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
    port = free_port()
    env = dict(os.environ,
               AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT=str(HEARTBEAT_TIMEOUT),
               AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL="5",
               # a task the killed worker had taken from the queue but not started
               AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT=str(QUEUED_TIMEOUT),
               DEPTSTATS_RETRY_DELAY_SECONDS=str(RETRY_DELAY))
    process = subprocess.Popen(
        [sys.executable, "-m", "deptstats.cli", "airflow", "up", "--home", str(home),
         "--landing", str(landing), "--warehouse", warehouse_url, "--out", str(out),
         "--port", str(port), "--metadata-db", metadata_url, "--executor", "celery",
         "--workers", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    seen = []
    for line in process.stdout:
        seen.append(line)
        if line.strip() == READY_LINE:
            break
    airflow = LiveAirflow(f"http://127.0.0.1:{port}", home, landing, warehouse_url, out, process,
                          groups=tuple(component_groups(process.pid)))
    try:
        assert process.poll() is None, "".join(seen)
        assert len(airflow.groups) == 6  # four components and two workers
        yield airflow
    finally:
        code, left = stop(airflow)
        open_engine(warehouse_url).dispose()
        drop_pg_database(postgres_admin, metadata_name)
        drop_pg_database(postgres_admin, warehouse_name)
    assert code == 0 and not left, f"exit {code}; left running: {left}"


def _instances(client, run_id: str) -> dict[str, dict]:
    rows = client.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{urllib.parse.quote(run_id, safe='')}"
                      "/taskInstances", limit=200)["task_instances"]
    return {row["task_id"]: row for row in rows}


def _embedded_figures(sample_dir: Path, tmp_path: Path) -> set[tuple]:
    url = f"sqlite:///{tmp_path / 'embedded.db'}"
    engine = open_engine(url)
    upgrade(engine)
    nightly.prepare_warehouse(engine)
    from deptstats.registry import load_registry

    for extract in load_registry().extracts:
        nightly.load(engine, sample_dir, extract.code, "embedded")
    nightly.compute_indicators(engine)
    return {(f["indicator"], f["period"], f["area"], f["value"], f["display"])
            for f in figures(engine)}


def test_the_nightly_runs_on_both_workers_with_the_embedded_figures(cluster, sample_dir,
                                                                      tmp_path, registry):
    admin = cluster.client("admin")
    admin.call("PATCH", f"/api/v2/dags/{DAG_ID}", {"is_paused": False})
    run_id = admin.call("POST", f"/api/v2/dags/{DAG_ID}/dagRuns", {"logical_date": None})[
        "dag_run_id"]
    # unpausing also makes the scheduler run the last 01:30's nightly; every run must succeed
    assert admin.wait_run(DAG_ID, run_id, timeout=600) == "success"
    runs = admin.get(f"/api/v2/dags/{DAG_ID}/dagRuns")["dag_runs"]
    assert {r["state"] for r in runs} == {"success"}
    hosts = {}
    for run in runs:
        for task_id, ti in _instances(admin, run["dag_run_id"]).items():
            if task_id in {e.task_id for e in registry.extracts}:
                assert ti["state"] == "success"
                hosts.setdefault(ti["hostname"].split("@")[0], []).append(task_id)
    assert set(hosts) == {"worker-1", "worker-2"}, hosts
    warehouse = {(f["indicator"], f["period"], f["area"], f["value"], f["display"])
                 for f in figures(open_engine(cluster.warehouse, write=False))}
    assert warehouse == _embedded_figures(sample_dir, tmp_path)


def test_a_worker_killed_mid_load_loses_nothing(cluster, registry):
    admin = cluster.client("admin")
    write_loans(cluster.landing / SLOW_FILE, SLOW_ROWS, year=2024)
    started = time.monotonic()
    run_id = admin.call("POST", f"/api/v2/dags/{DAG_ID}/dagRuns", {"logical_date": None})[
        "dag_run_id"]
    deadline = time.monotonic() + 300
    while True:
        slow = _instances(admin, run_id).get(SLOW_TASK, {})
        if slow.get("state") == "running" and slow.get("hostname"):
            break
        assert time.monotonic() < deadline, f"{SLOW_TASK} never ran: {slow}"
        time.sleep(0.2)
    victim = slow["hostname"].split("@")[0]
    os.killpg(_worker_groups(cluster)[victim], signal.SIGKILL)
    killed_at = time.monotonic() - started
    survivor = ({"worker-1", "worker-2"} - {victim}).pop()
    # what the other worker had run or was running when its peer died
    untouched = {task_id: ti["try_number"] for task_id, ti in _instances(admin, run_id).items()
                 if (ti["hostname"] or "").startswith(survivor + "@")}
    assert untouched, "the other worker ran none of this run's tasks"
    assert admin.wait_run(DAG_ID, run_id, timeout=600) == "success"
    finished_at = time.monotonic() - started
    instances = _instances(admin, run_id)
    retried = instances[SLOW_TASK]
    assert retried["state"] == "success" and retried["try_number"] == 2
    assert retried["hostname"].split("@")[0] == survivor
    for task_id, try_number in untouched.items():
        ti = instances[task_id]
        assert (ti["state"], ti["try_number"], ti["hostname"].split("@")[0]) == (
            "success", try_number, survivor), task_id
    engine = open_engine(cluster.warehouse, write=False)
    tables = metadata_for(registry).tables
    batches, table = tables["load_batch"], tables["housing_fund_multi_child_loans"]
    with engine.connect() as conn:
        published = conn.execute(select(func.count()).select_from(batches).where(
            batches.c.extract == "multi_child_loans", batches.c.period == "2024",
            batches.c.outcome == "published")).scalar_one()
        rows, distinct = conn.execute(select(func.count(), func.count(func.distinct(
            table.c.source_row))).where(table.c.period == "2024")).one()
        publication = conn.execute(text(
            "select row_count from publication where extract = 'multi_child_loans' "
            "and period = '2024'")).scalar_one()
    assert published == 1 and rows == distinct == publication == SLOW_ROWS
    print(f"\n{SLOW_TASK} ran on {victim}, killed {killed_at:.1f} s after the trigger; retried "
          f"on {survivor}; run succeeded {finished_at:.1f} s after the trigger")
