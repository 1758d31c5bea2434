"""The sign-off under the real scheduler: a nightly's complete draft opens the approval in
deptstats_signoff, the approver answers through the REST API exactly as the Required Actions page
sends it, and 签发 issues the snapshot (files and warehouse rows); a 退回 needs a reason; a newer
draft supersedes a waiting approval; a steward's "Mark success" issues nothing.

Each test re-delivers a changed health file first (row 2's checked people), so its draft quotes
figures no draft before it quoted, whatever other live tests ran before."""

from __future__ import annotations

import hashlib
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from deptstats.core import render
from deptstats.warehouse import metadata_without_extracts, open_engine
from tests.live.conftest import BAD_FILE, DAG_ID, fix_health_row, set_cell
from tests.live.rest import Airflow, ApiError, wait_for

pytestmark = [pytest.mark.live, pytest.mark.gx]
SIGNOFF = "deptstats_signoff"
REPLY = "reply-2024-147"
WAITING = ("awaiting_input",)
ENDED = ("success", "failed", "skipped", "upstream_failed")


def _q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def redeliver(live: Any, checked: int) -> None:
    """A re-delivery of the health extract with row 2's checked people changed (the bad row of
    the live fixture fixed, whatever became of it)."""
    fix_health_row(live.landing)
    set_cell(live.landing / BAD_FILE, 2, 2, str(checked))


def nightly_and_its_signoff(live: Any) -> str:
    """Trigger the nightly, wait for its success, and return the sign-off run its draft started."""
    admin = live.client("admin")
    nightly = admin.call("POST", f"/api/v2/dags/{DAG_ID}/dagRuns", {"logical_date": None})["dag_run_id"]
    assert admin.wait_run(DAG_ID, nightly) == "success", admin.task_states(DAG_ID, nightly)

    def started() -> str | None:
        for run in admin.get(f"/api/v2/dags/{SIGNOFF}/dagRuns", limit=100)["dag_runs"]:
            events = admin.get(f"/api/v2/dags/{SIGNOFF}/dagRuns/{_q(run['dag_run_id'])}/upstreamAssetEvents")
            if any(e["source_run_id"] == nightly for e in events["asset_events"]):
                return run["dag_run_id"]
        return None

    return wait_for(f"the sign-off run of the draft of {nightly}", started, 600)


def task_state(admin: Airflow, run_id: str, task_id: str) -> str | None:
    return admin.task_states(SIGNOFF, run_id).get(task_id)


def wait_waiting(live: Any, run_id: str) -> None:
    """The approval is waiting for an answer, and the scheduler has heartbeated twice since it
    started to: Airflow 3.3.2 takes the executor's report of the parked process, when it comes
    after an answer has re-queued the task, for a task killed externally and fails it."""
    admin = live.client("admin")
    wait_for(
        f"the approval of {run_id} to wait for an answer",
        lambda: task_state(admin, run_id, "approve") in WAITING,
        600,
        seen=lambda: admin.task_states(SIGNOFF, run_id),
    )
    started = _time(
        admin.get(f"/api/v2/dags/{SIGNOFF}/dagRuns/{_q(run_id)}/taskInstances/approve")["start_date"]
    )

    def heartbeat() -> datetime:
        return _time(admin.get("/api/v2/monitor/health")["scheduler"]["latest_scheduler_heartbeat"])

    first = wait_for(
        "a scheduler heartbeat after the approval parked", lambda: (b := heartbeat()) > started and b, 300
    )
    wait_for("another scheduler heartbeat", lambda: heartbeat() > first, 300)


def hitl_path(run_id: str) -> str:
    return f"/api/v2/dags/{SIGNOFF}/dagRuns/{_q(run_id)}/taskInstances/approve/-1/hitlDetails"


def answer(live: Any, user: str, run_id: str, option: str, official: str, comment: str) -> dict:
    """The request the Required Actions page sends when the button is clicked."""
    body = {"chosen_options": [option], "params_input": {"签发人": official, "意见": comment}}
    return live.client(user).call("PATCH", hitl_path(run_id), body)


def download(url: str, token: str | None) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def rows(live: Any, table: str, **where: Any) -> list[dict]:
    tables = metadata_without_extracts().tables
    found = tables[table]
    with open_engine(live.warehouse, write=False).connect() as conn:
        query = select(found).where(*(found.c[k] == v for k, v in where.items()))
        return [dict(row._mapping) for row in conn.execute(query)]


def log_of(admin: Airflow, run_id: str, task_id: str, try_number: int) -> str:
    path = f"/api/v2/dags/{SIGNOFF}/dagRuns/{_q(run_id)}/taskInstances/{task_id}/logs/{try_number}"
    log = admin.get(path, full_content="true")["content"]
    return "\n".join(
        str(line.get("event", "")) + str(line.get("error_detail", ""))
        for line in log
        if isinstance(line, dict)
    )


def test_the_approver_signs_and_the_snapshot_is_issued(live):
    admin = live.client("admin")
    redeliver(live, 801)
    run_id = nightly_and_its_signoff(live)
    wait_waiting(live, run_id)
    detail = live.client("approver").get(hitl_path(run_id))
    # FAB's user id of the login `approver` (DEPTSTATS_APPROVERS as deptstats airflow up wrote it)
    assert detail["assigned_users"] == [{"id": live.user_id("approver"), "name": "approver"}]
    assert detail["options"] == ["签发", "退回"] and detail["defaults"] is None
    assert detail["subject"].startswith("请审签：")
    assert "孕前优生健康检查率（2023，全市）" in detail["body"] and "### 核对结果" in detail["body"]
    [link] = re.findall(r"\]\((\S+?\.docx)\)", detail["body"])
    assert link.startswith(f"{live.url}/deptstats/snapshots/") and link.endswith(f"/{REPLY}.docx")
    snapshot = admin.get(
        f"/api/v2/dags/{SIGNOFF}/dagRuns/{_q(run_id)}/taskInstances/snapshot/xcomEntries/return_value"
    )
    announced = snapshot["value"]
    status, docx = download(link, live.client("approver").token)
    assert status == 200 and hashlib.sha256(docx).hexdigest() == announced["sha256"]
    assert download(link, None)[0] == 401
    for someone in ("steward", "admin"):  # the stock page shows them the buttons; the answer is refused
        with pytest.raises(ApiError) as refused:
            answer(live, someone, run_id, "签发", "王建国", "同意。")
        assert refused.value.status == 403, someone
    with pytest.raises(ApiError) as viewer:
        answer(live, "analyst", run_id, "签发", "王建国", "同意。")
    assert viewer.value.status == 403
    answered = answer(live, "approver", run_id, "签发", "王建国", "同意签发。")
    assert answered["responded_by"] == {"id": live.user_id("approver"), "name": "approver"}
    assert admin.wait_run(SIGNOFF, run_id) == "success", admin.task_states(SIGNOFF, run_id)
    states = admin.task_states(SIGNOFF, run_id)
    assert (states["approve"], states["issue"], states["reject"]) == ("success", "success", "skipped")
    [letter] = rows(live, "issued_letter", signoff_run_id=run_id)
    assert (letter["official"], letter["login"], letter["comment"]) == ("王建国", "approver", "同意签发。")
    issued = live.out / "issued" / f"{REPLY}-{letter['sequence']}.docx"
    assert issued.is_file() and issued.with_suffix(".md").is_file()
    assert hashlib.sha256(issued.read_bytes()).hexdigest() == letter["sha256"] == announced["sha256"]
    figures = rows(live, "issued_figure", number=letter["number"])
    rate = [
        f for f in figures if f["indicator"] == "health.prepregnancy_check_rate" and f["period"] == "2023"
    ]
    drafted = json.loads((live.out / f"{REPLY}.provenance.json").read_text(encoding="utf-8"))["figures"]
    assert len(figures) == len(drafted) and len(rate) == 1 and rate[0]["file"] == BAD_FILE

    # a nightly with nothing new: its draft quotes the same figures, no approval opens
    again = nightly_and_its_signoff(live)
    assert admin.wait_run(SIGNOFF, again) == "success"
    states = admin.task_states(SIGNOFF, again)
    assert (states["no_change"], states["approve"]) == ("success", "skipped"), states
    assert "草稿引用的数据相同：不另行提请审批" in log_of(admin, again, "no_change", 1)
    # triggered by hand, it puts the newest draft up anyway: it quotes the letter just issued
    by_hand = admin.call(
        "POST", f"/api/v2/dags/{SIGNOFF}/dagRuns", {"logical_date": None, "conf": {"reply": REPLY}}
    )
    assert admin.wait_run(SIGNOFF, by_hand["dag_run_id"]) == "success"
    told = log_of(admin, by_hand["dag_run_id"], "no_change", 1)
    assert f"{REPLY} 的数据与上次签发的文件均无差异" in told
    assert len(rows(live, "issued_letter", reply=REPLY)) == letter["sequence"]


def test_a_return_needs_a_reason_and_the_steward_sees_it(live):
    admin, approver = live.client("admin"), live.client("approver")
    redeliver(live, 802)
    run_id = nightly_and_its_signoff(live)
    wait_waiting(live, run_id)
    answer(live, "approver", run_id, "退回", "王建国", "")
    assert admin.wait_run(SIGNOFF, run_id) == "failed"
    states = admin.task_states(SIGNOFF, run_id)
    assert (states["approve"], states["issue"], states["reject"]) == (
        "failed",
        "upstream_failed",
        "upstream_failed",
    )
    assert "答复「退回」但未填写意见：退回须写明理由" in log_of(admin, run_id, "approve", 1)
    assert rows(live, "signoff_rejection", signoff_run_id=run_id) == []

    # the approver's role may clear the sign-off's task: the approval opens again
    ended = admin.run(SIGNOFF, run_id)["end_date"]
    clear = {"dag_run_id": run_id, "dry_run": False, "only_failed": False, "include_downstream": True}
    approver.call("POST", f"/api/v2/dags/{SIGNOFF}/clearTaskInstances", clear | {"task_ids": ["approve"]})
    wait_waiting(live, run_id)
    answer(live, "approver", run_id, "退回", "王建国", "孕前检查人数需与卫健局再核对。")
    assert admin.wait_rerun(SIGNOFF, run_id, ended) == "success"
    assert admin.task_states(SIGNOFF, run_id)["reject"] == "success"
    [returned] = rows(live, "signoff_rejection", signoff_run_id=run_id)
    assert (returned["official"], returned["comment"]) == ("王建国", "孕前检查人数需与卫健局再核对。")
    page = live.client("steward").call("GET", f"/deptstats/runs/{SIGNOFF}/{_q(run_id)}", raw=True)
    # in the deployment's language (the live deployment's is Chinese), from the catalogs
    returned_by = render("Returned by {approver}", "zh_CN", approver="王建国")
    assert returned_by in page and "孕前检查人数需与卫健局再核对。" in page


def test_a_newer_draft_supersedes_and_a_mark_success_issues_nothing(live):
    admin = live.client("admin")
    redeliver(live, 803)
    older = nightly_and_its_signoff(live)
    wait_for("the older approval to wait", lambda: task_state(admin, older, "approve") in WAITING, 600)
    redeliver(live, 804)
    newer = nightly_and_its_signoff(live)
    wait_for("the newer approval to wait", lambda: task_state(admin, newer, "approve") in WAITING, 600)
    assert admin.wait_run(SIGNOFF, older) == "success"
    states = admin.task_states(SIGNOFF, older)
    assert (states["approve"], states["issue"], states["reject"]) == ("skipped", "skipped", "skipped")
    note = admin.get(f"/api/v2/dags/{SIGNOFF}/dagRuns/{_q(older)}/taskInstances/approve")["note"]
    assert note.startswith(f"已被运行 {newer} 取代") and f"请改为审批运行 {newer}" in note
    assert admin.run(SIGNOFF, older)["note"] == note
    assert rows(live, "issued_letter", signoff_run_id=older) == []

    letters = len(rows(live, "issued_letter", reply=REPLY))
    path = f"/api/v2/dags/{SIGNOFF}/dagRuns/{_q(newer)}/taskInstances/approve?update_mask=new_state"
    live.client("steward").call("PATCH", path, {"new_state": "success"})
    assert admin.wait_run(SIGNOFF, newer) == "failed"
    states = admin.task_states(SIGNOFF, newer)
    assert (states["issue"], states["reject"]) == ("failed", "failed"), states
    assert f"运行 {newer} 的审批没有记录在案的答复" in log_of(admin, newer, "issue", 1)
    assert len(rows(live, "issued_letter", reply=REPLY)) == letters
    assert rows(live, "signoff_rejection", signoff_run_id=newer) == []
