"""A load killed with SIGKILL in the middle of publishing leaves the earlier publication exactly
as it was, on both backends; a reader during the publish sees the earlier publication without
waiting; the next load finds nothing stuck."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import Engine, event

from deptstats.publish.loading import load_extract
from deptstats.warehouse.engine import metadata_for, open_engine
from tests.helpers import snapshot, table_counts, write_csv

pytestmark = pytest.mark.gx

KG = "幼儿园编码,幼儿园名称,镇街,办园性质,在园幼儿数"

# The child publishes and stops inside the transaction, after the new rows are written and
# audited, just before the commit.
CHILD = """
import pathlib, sys, time
from deptstats.core.registry import load_registry
from deptstats.publish import loading, publishing
from deptstats.warehouse.engine import open_engine

url, landing, marker = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
audit = publishing.audit_publication

def audit_then_wait(*args, **kwargs):
    audit(*args, **kwargs)
    marker.write_text("publishing")
    time.sleep(300)

publishing.audit_publication = audit_then_wait
loading.load_extract(open_engine(url), landing, "kindergartens", "to-be-killed", load_registry())
"""


def never_waiting(engine: Engine) -> Engine:
    """The engine, its connections refusing to wait for any lock: a read that would have to
    wait for the loader fails at once instead (on a busy machine a stopwatch could not tell a
    wait from slowness)."""

    @event.listens_for(engine, "connect")  # after open_engine's own: this one has the last word
    def _no_wait(dbapi_connection, _record):
        if engine.dialect.name == "sqlite":
            dbapi_connection.execute("pragma busy_timeout = 0")
        else:
            dbapi_connection.execute("set lock_timeout = '1ms'")
            dbapi_connection.commit()

    return engine


def test_sigkill_during_publish(warehouse_url, registry, tmp_path):
    landing = tmp_path / "landing"
    relative = "education/kindergartens_2023.csv"
    write_csv(landing, relative, [KG, "K1,甲园,龙山镇,公办,100", "K2,乙园,龙山镇,民办,50"])
    engine = open_engine(warehouse_url)
    first = load_extract(engine, landing, "kindergartens", "r1", registry)[0]
    before_rows = snapshot(engine, "education_kindergartens", registry, "2023")
    before_counts = table_counts(engine, registry)

    write_csv(landing, relative, [KG] + [f"K{i},园{i},龙山镇,公办,{i}" for i in range(1, 2001)])
    marker = tmp_path / "marker"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, warehouse_url, str(landing), str(marker)], stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 600
        while not marker.exists():
            assert child.poll() is None, child.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the child never reached the publish"
            time.sleep(0.05)

        # an analyst reading now sees the earlier publication, at once
        reader = never_waiting(open_engine(warehouse_url, write=False))
        assert snapshot(reader, "education_kindergartens", registry, "2023") == before_rows
        reader.dispose()

        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL

    engine.dispose()
    engine = open_engine(warehouse_url)
    assert snapshot(engine, "education_kindergartens", registry, "2023") == before_rows
    assert table_counts(engine, registry) == before_counts
    publication = metadata_for(registry).tables["publication"]
    with engine.connect() as conn:
        assert conn.execute(publication.select()).one().batch_id == first.batch_id

    # nothing is left locked or half-written: the same file now publishes
    again = load_extract(engine, landing, "kindergartens", "r3", registry)[0]
    assert again.status == "published"
    assert len(snapshot(engine, "education_kindergartens", registry, "2023")) == 2000


def test_two_loads_of_one_period_at_once_leave_one_publication(
    warehouse_url, registry, tmp_path, monkeypatch
):
    """Load A has written its rows and holds on before its commit; load B of the same extract
    and period, started then, waits for A and then replaces A's rows: never a mix of both."""
    import threading

    from deptstats.publish import publishing

    relative = "education/kindergartens_2023.csv"
    write_csv(tmp_path / "a", relative, [KG] + [f"A{i},园{i},龙山镇,公办,{i}" for i in range(300)])
    write_csv(tmp_path / "b", relative, [KG] + [f"B{i},园{i},龙山镇,民办,{i}" for i in range(200)])
    written, audit = threading.Event(), publishing.audit_publication

    def audit_and_hold(*args, **kwargs):
        audit(*args, **kwargs)
        if not written.is_set():  # load A only
            written.set()
            time.sleep(2)  # a hold, not a wait: B, started meanwhile, queues behind A

    monkeypatch.setattr(publishing, "audit_publication", audit_and_hold)
    first = threading.Thread(
        target=load_extract,
        args=(open_engine(warehouse_url), tmp_path / "a", "kindergartens", "ra", registry),
    )
    first.start()
    assert written.wait(600), "load A never wrote its rows"
    second = load_extract(open_engine(warehouse_url), tmp_path / "b", "kindergartens", "rb", registry)[0]
    first.join(600)
    assert not first.is_alive(), "load A did not end within 600 s"
    assert second.status == "published"
    rows = snapshot(open_engine(warehouse_url), "education_kindergartens", registry, "2023")
    assert len(rows) == 200 and {r[2] for r in rows} == {second.batch_id}
    assert all(r[3].startswith("B") for r in rows)
    publication = metadata_for(registry).tables["publication"]
    with open_engine(warehouse_url).connect() as conn:
        assert conn.execute(publication.select()).one().batch_id == second.batch_id
