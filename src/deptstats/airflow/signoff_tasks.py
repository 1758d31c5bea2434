"""What the sign-off DAG's tasks do, given Airflow's runtime context: the snapshot of the drafted
reply an asset event announced, the end of approvals it supersedes, and the answer's two ways
(issue, reject). Imported by task bodies at run time, never when the DAG is parsed."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from airflow.sdk.exceptions import AirflowFailException

from deptstats.airflow import signoff_words as words
from deptstats.airflow.approval import run_snapshot, verified_response
from deptstats.airflow.signoff_settings import SIGNOFF_DAG_ID, configured_replies, reply_asset
from deptstats.airflow.tasks import out_folder, plain_faults, warehouse_url
from deptstats.core import DEFAULT_REPLY, Speaker, load_registry, render
from deptstats.signoff import (
    ISSUE,
    RETURN,
    Response,
    SignoffRefused,
    approval_brief,
    issue,
    reject,
    supersede_pending,
    take_snapshot,
)
from deptstats.warehouse import open_engine

log = logging.getLogger(__name__)
SNAPSHOTS = "snapshots"
STEWARD_PREFIX = "/deptstats"
APPROVE_TASK = "approve"


def flattened(triggering: Any) -> list[Any]:
    """Every triggering asset event of the run, oldest first."""
    events = [event for events in (triggering or {}).values() for event in events]
    return sorted(events, key=lambda event: event.timestamp)


def newest_per_reply(events: list[Any]) -> dict[str, Any]:
    """Reply -> its newest complete draft among the events (a newer draft of a reply makes the
    older ones moot: it would supersede them)."""
    newest: dict[str, Any] = {}
    for event in events:
        reply = event.extra.get("reply")
        if reply and event.extra.get("complete"):
            newest[reply] = event
    return newest


def latest_event(inlet_events: Any, reply: str, before: datetime | None = None) -> Any | None:
    """The newest event of the reply's asset (strictly before `before` when given)."""
    accessor = inlet_events[reply_asset(reply)].ascending(False).limit(5)
    if before is not None:
        accessor = accessor.before(before.isoformat())
    for event in accessor:
        if before is None or event.timestamp < before:
            return event
    return None


def chosen_event(triggering: Any, inlet_events: Any, outlet_events: Any, alias: Any, params: dict) -> Any:
    """The draft this run signs off. An asset-triggered run takes the newest draft of one reply
    and passes the other replies' drafts on to a run of their own (an approval is about one
    reply); a run triggered by hand takes the newest draft of params.reply."""
    drafts = newest_per_reply(flattened(triggering))
    if not drafts:
        reply = params.get("reply") or DEFAULT_REPLY
        if reply not in configured_replies():
            replies = ", ".join(configured_replies())
            raise AirflowFailException(render(words.UNKNOWN_REPLY, reply=reply, replies=replies))
        event = latest_event(inlet_events, reply)
        if event is None:
            raise AirflowFailException(render(words.NO_DRAFT_ANNOUNCED, reply=reply))
        return event
    chosen = max(drafts.values(), key=lambda event: event.timestamp)
    for reply, event in drafts.items():
        if event is not chosen:
            log.warning("%s", render(words.RUN_OF_ITS_OWN, reply=reply, run_id=event.source_run_id))
            outlet_events[alias].add(reply_asset(reply), extra=dict(event.extra))
    return chosen


def docx_link(docx: Path, out: Path) -> str:
    """Where the steward plugin serves the snapshot's DOCX: absolute from [api] base_url when it
    is set, else relative to the UI's root."""
    from airflow.providers.common.compat.sdk import conf

    relative = docx.resolve().relative_to((out / SNAPSHOTS).resolve()).as_posix()
    base = (conf.get("api", "base_url", fallback="") or "").rstrip("/")
    return f"{base}{STEWARD_PREFIX}/{SNAPSHOTS}/{quote(relative)}"


def announced_out(event: Any) -> Path:
    """The deployment's output folder (DEPTSTATS_OUT), never one an asset event names: whoever may
    post asset events could point the worker anywhere. An event naming another folder is refused."""
    out = out_folder()
    announced = event.extra.get("out")
    if announced != str(out.resolve()):
        raise AirflowFailException(
            render(
                words.FOREIGN_FOLDER,
                run_id=event.extra.get("run_id"),
                announced=announced,
                out=str(out.resolve()),
            )
        )
    return out


@plain_faults
def snapshot_draft(run_id: str, event: Any, inlet_events: Any, manual: bool) -> dict[str, Any]:
    """Snapshot the announced draft, or say why there is nothing to approve. Drafts announced
    every night quote the same figures until a delivery changes one: such a draft opens no new
    approval (its predecessor's stands)."""
    extra = event.extra
    reply, draft_run, out = extra["reply"], extra["run_id"], announced_out(event)
    found = {"reply": reply, "draft_run_id": draft_run, "out": str(out), "snapshot_id": None}
    found["superseded"] = []
    previous = None if manual else latest_event(inlet_events, reply, before=event.timestamp)
    if previous is not None and previous.extra.get("figures") == extra.get("figures"):
        return found | {"same_as": previous.extra.get("run_id")}
    engine, registry = open_engine(warehouse_url()), load_registry()
    try:
        snapshot = take_snapshot(engine, registry, out, reply, draft_run, run_id, extra["sha256"])
        found |= {"snapshot_id": snapshot.id, "sha256": snapshot.sha256, "unchanged": snapshot.unchanged}
        if snapshot.unchanged:
            return found
        subject, body = approval_brief(engine, registry, snapshot, docx_link(snapshot.docx, out))
        found |= {"subject": subject, "body": body, "changes": len(snapshot.changes)}
        # last: once earlier approvals are marked superseded, their run ids must reach XCom
        found["superseded"] = supersede_pending(engine, reply, run_id)
    except SignoffRefused as refused:
        raise AirflowFailException(str(refused)) from None
    taken = {"snapshot_id": snapshot.id, "reply": reply, "draft_run_id": draft_run}
    log.info("%s", render(words.SNAPSHOT_TAKEN, **taken, count=found["changes"]))
    return found


def opens_approval(snapshot: dict[str, Any]) -> bool:
    return bool(snapshot.get("snapshot_id")) and not snapshot.get("unchanged") and "same_as" not in snapshot


def no_approval(snapshot: dict[str, Any]) -> str:
    """Why this run opens no approval, in the words its log says it."""
    _ = Speaker()
    reply, draft_run = snapshot["reply"], snapshot["draft_run_id"]
    if "same_as" in snapshot:
        conf = json.dumps({"reply": reply}, ensure_ascii=False)
        message = _(
            words.SAME_FIGURES,
            reply=reply,
            draft_run_id=draft_run,
            same_as=snapshot["same_as"],
            dag_id=SIGNOFF_DAG_ID,
            conf=conf,
        )
    else:
        message = _(
            words.NO_FIGURE_DIFFERS, reply=reply, draft_run_id=draft_run, snapshot_id=snapshot["snapshot_id"]
        )
    log.info("%s", message)
    return message


def end_superseded(run_id: str, snapshot: dict[str, Any]) -> list[str]:
    """End the approvals of the snapshots this run superseded: their task approve is set to
    skipped with a note naming this run, so they stop waiting and nothing can be issued from
    them (issuing a superseded snapshot is refused anyway)."""
    from deptstats.airflow.airflow_api import AirflowApi, end_approval

    runs = snapshot.get("superseded") or []
    if not runs:
        return []
    _ = Speaker()
    api = AirflowApi.from_connection()
    note = _(
        words.SUPERSEDED_NOTE, run_id=run_id, reply=snapshot["reply"], draft_run_id=snapshot["draft_run_id"]
    )
    ended = []
    for earlier in runs:
        state = end_approval(api, SIGNOFF_DAG_ID, earlier, APPROVE_TASK, note)
        if state:
            log.info("%s", _(words.APPROVAL_ENDED, run_id=earlier, state=state))
        else:
            log.info("%s", _(words.APPROVAL_HAD_ENDED, run_id=earlier))
        ended.append(earlier)
    return ended


def response_of(answer: dict[str, Any]) -> Response:
    return Response(
        official=answer["official"],
        # the login (FAB's user name); the id is the auth manager's number for it
        login=answer["user"]["name"] or answer["user"]["id"],
        option=answer["option"],
        comment=answer["comment"],
        responded_at=datetime.fromisoformat(answer["responded_at"]),
    )


@plain_faults
def issue_letter(dag_id: str, run_id: str, answer: Any, assigned: list) -> dict[str, Any]:
    """签发 the run's snapshot (the warehouse's, never XCom's): only with the approval's own
    response for that snapshot, from an assigned user; asked twice (a cleared task), the letter
    issued the first time."""
    snapshot = run_snapshot(run_id)
    response = response_of(verified_response(answer, dag_id, run_id, ISSUE, assigned, snapshot))
    engine = open_engine(warehouse_url())
    try:
        letter = issue(engine, load_registry(), snapshot.id, response, out_folder())
    except SignoffRefused as refused:
        raise AirflowFailException(str(refused)) from None
    told = render(
        words.ISSUED,
        name=letter.name,
        number=letter.number,
        docx=letter.docx,
        sha256=letter.sha256,
        official=letter.official,
        login=letter.login,
        at=letter.issued_at.isoformat(),
    )
    log.info("%s", told)
    return {"number": letter.number, "name": letter.name, "docx": str(letter.docx), "sha256": letter.sha256}


@plain_faults
def record_return(dag_id: str, run_id: str, answer: Any, assigned: list) -> str:
    """退回 the run's snapshot (the warehouse's, never XCom's): the reason is recorded with the
    official's name."""
    snapshot = run_snapshot(run_id)
    response = response_of(verified_response(answer, dag_id, run_id, RETURN, assigned, snapshot))
    try:
        reject(open_engine(warehouse_url()), snapshot.id, response)
    except SignoffRefused as refused:
        raise AirflowFailException(str(refused)) from None
    message = render(
        words.RETURNED,
        reply=snapshot.reply,
        official=response.official,
        login=response.login,
        comment=response.comment,
    )
    log.info("%s", message)
    return message
