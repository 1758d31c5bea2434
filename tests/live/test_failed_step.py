"""A failed step fails the run under the real scheduler: with one indicator's SQL broken (in the
live fixture's copy of include/, never the repository's), compute_indicators fails after its
retries and report_failures, which runs after every task, fails the run saying so."""

from __future__ import annotations

import shutil
import urllib.parse

import pytest

from tests.live.conftest import BAD_FILE, DAG_ID
from tests.live.rest import wait_for

pytestmark = [pytest.mark.live, pytest.mark.gx]
BROKEN = "hrss.maternity_disputes"


def _q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def test_a_failed_compute_fails_the_run(live, registry, tmp_path):
    sql = live.project / "include" / "sql" / "indicators" / f"{BROKEN}.sql"
    original = sql.read_text(encoding="utf-8")
    # no load may fail in this run, whatever the other live tests did with the bad row: the
    # run must fail for the broken step alone
    bad, aside = live.landing / BAD_FILE, tmp_path / "aside.csv"
    if bad.exists():
        shutil.move(bad, aside)
    admin = live.client("admin")
    try:
        sql.write_text("select no_such_column from no_such_table\n", encoding="utf-8")
        run_id = admin.call("POST", f"/api/v2/dags/{DAG_ID}/dagRuns", {"logical_date": None})["dag_run_id"]
        state = admin.wait_run(DAG_ID, run_id)
    finally:
        sql.write_text(original, encoding="utf-8")
        if aside.exists():
            shutil.move(aside, bad)
    states = admin.task_states(DAG_ID, run_id)
    assert state == "failed", states
    assert all(states[e.task_id] == "success" for e in registry.extracts), states
    assert states["compute_indicators"] == "failed"
    assert states["report_failures"] == "failed"
    path = f"/api/v2/dags/{DAG_ID}/dagRuns/{_q(run_id)}/taskInstances"
    assert admin.get(f"{path}/compute_indicators")["try_number"] == 3  # retried, as a fault

    def told() -> str | None:  # the task's log may reach the api-server after its state
        log = admin.get(f"{path}/report_failures/logs/1", full_content="true")["content"]
        said = "\n".join(str(line.get("event", "")) for line in log if isinstance(line, dict))
        return said if "本次夜间运行失败" in said else None  # the deployment's language

    said = wait_for("report_failures to log why the run failed", told, timeout=120)
    assert "步骤 compute_indicators 失败：指标未计算，答复稿中的数字缺失或早于今晚加载的数据" in said
    assert "个报表加载失败" not in said
