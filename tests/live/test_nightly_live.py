"""The nightly DAG under the real scheduler, and the steward's fix-and-clear, through the REST
API exactly as the UI calls it (see conftest: the first nightly runs over one bad row)."""

from __future__ import annotations

import re
import urllib.parse
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from deptstats.airflow import steward
from deptstats.warehouse.engine import metadata_for, open_engine
from tests.live.conftest import BAD_FILE, DAG_ID, STEWARD_EMAIL, fix_health_row
from tests.live.rest import ApiError, wait_for

pytestmark = [pytest.mark.live, pytest.mark.gx]
BAD_TASK = "health.prepregnancy_checks"


def _q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def publications(warehouse: str) -> dict[tuple[str, str], int]:
    with open_engine(warehouse, write=False).connect() as conn:
        rows = conn.execute(text("select extract, period, batch_id from publication")).all()
    return {(r.extract, r.period): r.batch_id for r in rows}


def test_the_nightly_is_scheduled_at_0130_in_shanghai(live):
    dag = live.client("analyst").get(f"/api/v2/dags/{DAG_ID}")
    next_run = datetime.fromisoformat(dag["next_dagrun_run_after"].replace("Z", "+00:00"))
    local = next_run.astimezone(ZoneInfo("Asia/Shanghai"))
    assert (local.hour, local.minute) == (1, 30)
    assert live.scheduled_run.startswith("scheduled__")


def test_the_steward_is_told_of_the_missed_deadline_by_the_triggerer(live):
    """The deployment's deadline is the logical date itself (DEPTSTATS_DEADLINE_MINUTES=0):
    the scheduler finds the scheduled run past it and queues the callback, which the triggerer
    runs, e-mailing the steward through the deptstats_smtp connection, in Chinese."""
    if live.inbox is None:
        pytest.skip("aiosmtpd is not installed: no mail server to receive the notice")
    run = live.scheduled_run

    def told() -> list:
        return [m for m in live.inbox.to(STEWARD_EMAIL) if run in m.get_body().get_content()]

    [notice] = wait_for(
        "the missed deadline's e-mail to the steward", told, 300, seen=lambda: live.inbox.messages
    )
    logical = datetime.fromisoformat(run.split("__", 1)[1]).astimezone(ZoneInfo("Asia/Shanghai"))
    when = f"{logical:%Y-%m-%d %H:%M} (Asia/Shanghai)"
    # the deadline is the logical date itself: both times in the subject are the run's
    assert notice["Subject"] == f"{DAG_ID}：{when} 的运行截至 {when} 仍未完成"
    body = notice.get_body(("html", "plain")).get_content()
    assert f"夜间运行 {run}（逻辑日期 {when}）截至期限" in body, body
    assert f"{live.url}/dags/{DAG_ID}/runs/{run}" in body
    assert notice["From"] == "deptstats@example.org"


def test_a_bad_row_turns_exactly_its_task_red(live, registry):
    admin = live.client("admin")
    assert admin.run_state(DAG_ID, live.scheduled_run) == "failed"
    states = admin.task_states(DAG_ID, live.scheduled_run)
    red = {task for task, state in states.items() if state == "failed"}
    # the refused extract has no earlier publication: its figure is missing, so the draft is
    # written as INCOMPLETE and its task is red too
    assert red == {BAD_TASK, "draft_reply", "report_failures"}
    loads = {e.task_id for e in registry.extracts}
    assert all(states[t] == "success" for t in loads - {BAD_TASK})
    assert states["compute_indicators"] == "success"
    assert (live.out / "reply-2024-147.INCOMPLETE.md").is_file()
    published = publications(live.warehouse)
    assert ("prepregnancy_checks", "2023") not in published
    assert {extract for extract, _ in published} == {e.code for e in registry.extracts}


def test_the_log_starts_with_what_to_fix(live):
    steward_client = live.client("steward")
    log: list[dict] = []

    def our_lines() -> list[dict]:
        # the task's log file may still be written when its state is already "failed"
        log[:] = steward_client.get(
            f"/api/v2/dags/{DAG_ID}/dagRuns/{_q(live.scheduled_run)}/taskInstances/{BAD_TASK}/logs/1",
            full_content="true",
        )["content"]
        return [
            line
            for line in log
            if line.get("logger") and line["logger"] != "task" and not line["logger"].startswith("airflow.")
        ]

    ours = wait_for(
        f"a line of deptstats' own in the log of {BAD_TASK}", our_lines, 120, seen=lambda: log[-20:]
    )
    first = ours[0]["event"]  # in the deployment's language, Chinese
    assert first.startswith(f"已拒收 {BAD_FILE}"), first
    assert "第 4 行 (古塘街道)：检查人数 641 超过 目标人群数 636" in first
    assert "清除（Clear）本任务" in first
    # the full list: the steward's page of that load, at the address the UI is served from
    [link] = re.findall(r"完整问题清单：(\S+)", first)
    batch = re.fullmatch(re.escape(live.url) + r"/deptstats/problems/(\d+)", link)
    assert batch, link
    page = live.client("steward").call("GET", f"/deptstats/problems/{batch[1]}", raw=True)
    assert BAD_FILE in page and "目标人群数" in page


def test_a_clerk_reads_no_dag_and_acts_for_its_own_department_only(live):
    """A clerk's role reaches no DAG (a task's log names every department's files); its
    department is told by the auth manager, through the department's resource."""
    clerk = live.client("clerk_education")
    logs = f"/api/v2/dags/{DAG_ID}/dagRuns/{_q(live.scheduled_run)}/taskInstances/{BAD_TASK}/logs/1"
    for path in (logs, f"/api/v2/dags/{DAG_ID}"):
        with pytest.raises(ApiError) as refused:
            clerk.get(path)
        assert refused.value.status == 403, path
    assert live.client("steward").get(logs, full_content="true")["content"]
    assert live.department_access("clerk_education", ["education", "health"]) == {
        "education": True,
        "health": False,
    }
    assert live.department_access("steward", ["education", "health"]) == {"education": True, "health": True}
    assert live.department_access("analyst", ["education"]) == {"education": False}
    # the upload page offers the clerk its own department's extracts only (may_upload, through
    # the auth manager), though it reads no DAG
    form = clerk.call("GET", "/deptstats/upload", raw=True)
    assert "幼儿园及在园幼儿" in form and "孕前优生健康检查" not in form
    steward_form = live.client("steward").call("GET", "/deptstats/upload", raw=True)
    assert "幼儿园及在园幼儿" in steward_form and "孕前优生健康检查" in steward_form


def test_the_steward_api_lists_the_refusal_and_needs_a_login(live):
    with pytest.raises(ApiError) as anonymous:
        live.client().get("/deptstats/api/deliveries", run_id=live.scheduled_run)
    assert anonymous.value.status in (401, 403)
    with pytest.raises(ApiError) as forged:
        live.client().call("GET", "/deptstats/deliveries", token="not-a-token", raw=True)
    assert forged.value.status in (401, 403)
    files = live.client("analyst").get("/deptstats/api/deliveries", run_id=live.scheduled_run)
    refused = [f for f in files if f["status"] == "rejected"]
    assert [f["file"] for f in refused] == [BAD_FILE]
    [problem] = refused[0]["problems"]
    assert (problem["row"], problem["column"], problem["value"]) == (4, "checked_people", "641")
    assert refused[0]["task_id"] == BAD_TASK
    page = live.client("steward").call("GET", f"/deptstats/runs/{DAG_ID}/{_q(live.scheduled_run)}", raw=True)
    assert BAD_FILE in page and BAD_TASK in page


def test_fix_and_clear_publishes_the_file_once(live, registry):
    before = publications(live.warehouse)
    fix_health_row(live.landing)
    clear = {
        "dag_run_id": live.scheduled_run,
        "dry_run": False,
        "only_failed": False,
        "include_downstream": True,
        "prevent_running_task": True,
        "task_ids": [[BAD_TASK, -1]],
    }
    with pytest.raises(ApiError) as viewer:
        live.client("analyst").call("POST", f"/api/v2/dags/{DAG_ID}/clearTaskInstances", clear)
    assert viewer.value.status == 403
    steward_client = live.client("steward")
    ended = steward_client.run(DAG_ID, live.scheduled_run)["end_date"]
    cleared = steward_client.call("POST", f"/api/v2/dags/{DAG_ID}/clearTaskInstances", clear)
    assert {t["task_id"] for t in cleared["task_instances"]} >= {BAD_TASK, "report_failures"}
    assert steward_client.wait_rerun(DAG_ID, live.scheduled_run, ended) == "success"
    assert (live.out / "reply-2024-147.md").is_file()
    assert not (live.out / "reply-2024-147.INCOMPLETE.md").exists()
    after = publications(live.warehouse)
    assert set(after) - set(before) == {("prepregnancy_checks", "2023")}
    assert {k: after[k] for k in before} == before  # every other extract keeps its batch
    engine = open_engine(live.warehouse, write=False)
    tables = metadata_for(registry).tables
    with engine.connect() as conn:
        batches = conn.execute(
            select(func.count())
            .select_from(tables["load_batch"])
            .where(
                tables["load_batch"].c.extract == "prepregnancy_checks",
                tables["load_batch"].c.period == "2023",
                tables["load_batch"].c.outcome == "published",
            )
        ).scalar_one()
        assert batches == 1
        for extract in registry.extracts:
            table = tables[extract.table]
            rows = conn.execute(
                select(
                    table.c.period,
                    table.c.batch_id,
                    func.count(),
                    func.count(func.distinct(table.c.source_row)),
                ).group_by(table.c.period, table.c.batch_id)
            ).all()
            for period, batch_id, count, distinct in rows:
                assert batch_id == after[(extract.code, period)], "rows of an old batch stay"
                assert count == distinct, f"{extract.code} {period} holds a row twice"
    report = {
        f["sha256"]: f["status"]
        for f in steward.run_report(engine, live.scheduled_run, registry)
        if f["file"] == BAD_FILE
    }
    assert sorted(report.values()) == ["published", "rejected"]


def test_an_unchanged_nightly_skips_every_load(live, registry):
    admin = live.client("admin")
    engine = open_engine(live.warehouse, write=False)
    tables = metadata_for(registry).tables
    with engine.connect() as conn:
        batches = conn.execute(select(func.count()).select_from(tables["load_batch"])).scalar_one()
    run = admin.call("POST", f"/api/v2/dags/{DAG_ID}/dagRuns", {"logical_date": None})
    assert admin.wait_run(DAG_ID, run["dag_run_id"]) == "success"
    files = steward.run_report(engine, run["dag_run_id"], registry)
    assert files and {f["status"] for f in files} == {"skipped"}
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables["load_batch"])).scalar_one() == batches
