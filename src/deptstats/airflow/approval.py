"""The approval of a reply: Airflow's HITLBranchOperator with the two answers 签发 and 退回, and
what the stock operator leaves out.

* It opens no approval without assigned users (DEPTSTATS_APPROVERS): with none, anyone allowed to
  answer Required Actions could sign.
* A response comes with 签发人 (the official's name) and 意见; an empty one fails the task in
  plain words (a 退回 must say why), before Airflow's own check of the form.
* The response (answer, form, user, time, and the id and sha256 of the run's snapshot in the
  warehouse) is pushed as the XCom `response`, signed with a key
  derived from the components' shared secret, for the issue and reject tasks: a task marked
  success by hand pushes none, a response written through the XCom API does not verify, and one
  signed for another snapshot than the warehouse's of the run is refused.
* At the timeout (there is no default answer) the failure says who was to approve what.

Imported by the DAG file when it is parsed: nothing heavy here."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from airflow.providers.standard.operators.hitl import HITLBranchOperator
from airflow.sdk import Param
from airflow.sdk.exceptions import AirflowFailException

from deptstats.airflow import signoff_words as words
from deptstats.airflow.signoff_settings import APPROVERS_SETTING, TIMEOUT_SETTING
from deptstats.core import Speaker, render
from deptstats.signoff import RETURN, Snapshot

OFFICIAL, COMMENT = "签发人", "意见"
RESPONSE_KEY = "response"


def approval_form() -> dict[str, Param]:
    """The fields the official fills in with either answer. Empty by default and without a
    minimum length: Airflow checks a task's params against their schema each time the task
    starts, so a required field with no valid default could never open; check_form refuses an
    empty one when the answer comes."""
    _ = Speaker()  # the deployment's language, when the DAG file is parsed
    return {
        OFFICIAL: Param(
            "",
            type="string",
            title=OFFICIAL,
            description=_(
                "(Required) The name of the official who issues (or returns) this reply; "
                "it is kept with the decision."
            ),
        ),
        COMMENT: Param(
            "",
            type="string",
            title=COMMENT,
            description=_("(Required) The official's comment; when returning, the reason."),
        ),
    }


def _signing_key() -> bytes:
    """A key for the response only: derived from the JWT secret every component shares (the
    REST API's users never see it)."""
    from airflow.providers.common.compat.sdk import conf

    secret = conf.get("api_auth", "jwt_secret", fallback="") or ""
    if not secret:
        raise AirflowFailException(render(words.NO_SIGNING_SECRET))
    return hmac.new(secret.encode(), b"deptstats sign-off response", hashlib.sha256).digest()


def _signature(response: dict[str, Any]) -> str:
    fields = {k: v for k, v in response.items() if k != "signature"}
    text = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hmac.new(_signing_key(), text.encode(), hashlib.sha256).hexdigest()


def run_snapshot(run_id: str) -> Snapshot:
    """The snapshot the warehouse records for this sign-off run: what is approved, issued or
    returned is this one, never ids passed on through XCom (which the REST API's users may edit)."""
    from deptstats.airflow.tasks import warehouse_url
    from deptstats.signoff import snapshot_of_run
    from deptstats.warehouse import open_engine

    snapshot = snapshot_of_run(open_engine(warehouse_url()), run_id)
    if snapshot is None:
        raise AirflowFailException(render(words.NO_RUN_SNAPSHOT, run_id=run_id))
    return snapshot


def signed_response(
    dag_id: str,
    run_id: str,
    option: str,
    params_input: dict[str, Any],
    user: dict[str, Any],
    at: datetime,
    snapshot: Snapshot,
) -> dict[str, Any]:
    response = {
        "dag_id": dag_id,
        "run_id": run_id,
        "snapshot_id": snapshot.id,
        "sha256": snapshot.sha256,
        "option": option,
        "official": str(params_input.get(OFFICIAL) or "").strip(),
        "comment": str(params_input.get(COMMENT) or "").strip(),
        "user": {"id": str(user.get("id", "")), "name": str(user.get("name", ""))},
        "responded_at": at.isoformat(),
    }
    return response | {"signature": _signature(response)}


def verified_response(
    response: Any, dag_id: str, run_id: str, option: str, assigned: list[dict[str, str]], snapshot: Snapshot
) -> dict[str, Any]:
    """The approval's response if it is one this task may act on for `snapshot` (the warehouse's
    of the run); AirflowFailException saying why not otherwise (nothing is issued or recorded then)."""
    _ = Speaker()
    if not isinstance(response, dict) or "signature" not in response:
        raise AirflowFailException(_(words.NO_RESPONSE, run_id=run_id))
    if not hmac.compare_digest(str(response["signature"]), _signature(response)):
        raise AirflowFailException(_(words.UNSIGNED_RESPONSE, run_id=run_id))
    if (response["dag_id"], response["run_id"]) != (dag_id, run_id):
        raise AirflowFailException(
            _(
                words.OTHER_RUNS_RESPONSE,
                run_id=run_id,
                answered_run=response["run_id"],
                answered_dag=response["dag_id"],
            )
        )
    if (response.get("snapshot_id"), response.get("sha256")) != (snapshot.id, snapshot.sha256):
        raise AirflowFailException(
            _(
                words.OTHER_SNAPSHOTS_RESPONSE,
                run_id=run_id,
                answered=response.get("snapshot_id"),
                answered_sha256=response.get("sha256"),
                snapshot_id=snapshot.id,
                sha256=snapshot.sha256,
            )
        )
    ids = {user["id"] for user in assigned}
    if response["user"]["id"] not in ids:
        approvers = ", ".join(sorted(ids)) or _.gettext(words.NO_APPROVERS)
        raise AirflowFailException(
            _(words.NOT_AN_APPROVER, run_id=run_id, user=response["user"]["id"], approvers=approvers)
        )
    if response["option"] != option:
        raise AirflowFailException(
            _(words.OTHER_ANSWER, run_id=run_id, answered=response["option"], option=option)
        )
    return response


class SignoffApproval(HITLBranchOperator):
    """The approval of one snapshot: 签发 leads to the issue task, 退回 to the reject task."""

    def execute(self, context: Any) -> Any:
        if not self.assigned_users:
            raise AirflowFailException(render(words.NO_APPROVER_CONFIGURED, setting=APPROVERS_SETTING))
        return super().execute(context)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        if event.get("error_type") == "timeout":
            raise AirflowFailException(self.timeout_message(context))
        if "error" not in event:
            self.check_form(event)
            self.validate_chosen_options(event["chosen_options"])
            self.validate_params_input(event["params_input"] or {})
            # pushed before the branch: branching ends the task (it raises to skip the other way)
            ti = context["ti"]
            ti.xcom_push(
                key=RESPONSE_KEY,
                value=signed_response(
                    ti.dag_id,
                    ti.run_id,
                    event["chosen_options"][0],
                    event["params_input"] or {},
                    event["responded_by_user"] or {},
                    event["responded_at"],
                    run_snapshot(ti.run_id),
                ),
            )
        return super().execute_complete(context=context, event=event)

    @staticmethod
    def check_form(event: dict[str, Any]) -> None:
        """An answer without the official's name or without 意见 is refused in plain words
        (Airflow's form check would only say a field is too short)."""
        chosen = event.get("chosen_options") or []
        params = event.get("params_input") or {}
        option = chosen[0] if chosen else "?"
        user = (event.get("responded_by_user") or {}).get("name", "?")
        _ = Speaker()
        if not str(params.get(COMMENT) or "").strip():
            if option == RETURN:
                raise AirflowFailException(_(words.RETURN_WITHOUT_REASON, user=user))
            raise AirflowFailException(_(words.ISSUE_WITHOUT_COMMENT, user=user, option=option))
        if not str(params.get(OFFICIAL) or "").strip():
            raise AirflowFailException(_(words.NO_OFFICIAL, user=user, option=option))

    def timeout_message(self, context: Any) -> str:
        _ = Speaker()
        snapshot = context["ti"].xcom_pull(task_ids="snapshot") or {}
        names = [u.get("name") or u["id"] for u in self.assigned_users or []]
        who = ", ".join(names) or _.gettext(words.NOBODY)
        days = self.response_timeout.total_seconds() / 86400 if self.response_timeout else 0
        shown_days = f"{days:g}"
        return _(
            words.TIMED_OUT,
            days=shown_days,
            setting=TIMEOUT_SETTING,
            who=who,
            reply=snapshot.get("reply", "?"),
            snapshot_id=snapshot.get("snapshot_id", "?"),
            draft_run_id=snapshot.get("draft_run_id", "?"),
        )
