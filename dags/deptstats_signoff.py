"""deptstats_signoff: the office signs off a drafted reply.

Runs when the nightly's draft_reply announces a complete draft (an asset event of that reply,
through the alias deptstats_drafted_replies). `snapshot` copies the draft under out/snapshots/
with every figure it quotes; when a figure differs from the reply's last issued letter it marks
earlier pending approvals of that reply superseded (`end_superseded` ends their task approve,
with a note naming this run) and `approve` waits in Required Actions for an assigned approver
(DEPTSTATS_APPROVERS) to answer 签发 or 退回 with 签发人 and 意见, up to
DEPTSTATS_APPROVAL_TIMEOUT_DAYS (7). 签发 leads to `issue` (the snapshot becomes
out/issued/<reply>-<n>.docx and .md, recorded in the warehouse), 退回 to `reject` (the reason
recorded). When no figure differs, or the draft quotes the same figures as the one announced
before it, `no_change` says so and no approval opens. Triggered by hand, it signs off the newest
draft of params.reply.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import AssetAny, dag, task

from deptstats.airflow import (
    SIGNOFF_DAG_ID,
    SignoffApproval,
    approval_form,
    approvers,
    configured_replies,
    replies_alias,
    reply_asset,
    reply_param,
    response_timeout,
    step_name,
    task_defaults,
)
from deptstats.signoff import ISSUE, RETURN

REPLY_ASSETS = [reply_asset(reply) for reply in configured_replies()]
DEFAULT_ARGS = task_defaults()


@dag(
    dag_id=SIGNOFF_DAG_ID,
    schedule=AssetAny(*REPLY_ASSETS),
    start_date=pendulum.datetime(2024, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    # it acts only on a complete draft and opens no approval without assigned approvers
    is_paused_upon_creation=False,
    default_args=DEFAULT_ARGS,
    tags=["deptstats", "signoff"],
    # only a run triggered by hand reads it; an asset-triggered one takes the draft's reply
    params={"reply": reply_param(optional=True)},
    doc_md=__doc__,
)
def deptstats_signoff() -> None:
    @task(inlets=REPLY_ASSETS, outlets=[replies_alias()], task_display_name=step_name("snapshot"))
    def snapshot(
        params: dict | None = None,
        run_id: str | None = None,
        triggering_asset_events=None,
        inlet_events=None,
        outlet_events=None,
    ) -> dict:
        from deptstats.airflow import signoff_tasks

        event = signoff_tasks.chosen_event(
            triggering_asset_events, inlet_events, outlet_events, replies_alias(), params or {}
        )
        manual = not signoff_tasks.flattened(triggering_asset_events)
        return signoff_tasks.snapshot_draft(run_id or "", event, inlet_events, manual)

    @task.branch(task_display_name=step_name("open_approval"))
    def open_approval(snapshot: dict) -> str:
        from deptstats.airflow import signoff_tasks

        return "approve" if signoff_tasks.opens_approval(snapshot) else "no_change"

    @task(task_display_name=step_name("no_change"))
    def no_change(snapshot: dict) -> str:
        from deptstats.airflow import signoff_tasks

        return signoff_tasks.no_approval(snapshot)

    @task(task_display_name=step_name("end_superseded"))
    def end_superseded(snapshot: dict, run_id: str | None = None) -> list:
        from deptstats.airflow import signoff_tasks

        return signoff_tasks.end_superseded(run_id or "", snapshot)

    approve = SignoffApproval(
        task_id="approve",
        task_display_name=step_name("approve"),
        subject="{{ ti.xcom_pull(task_ids='snapshot')['subject'] }}",
        body="{{ ti.xcom_pull(task_ids='snapshot')['body'] }}",
        options=[ISSUE, RETURN],
        options_mapping={ISSUE: "issue", RETURN: "reject"},
        params=approval_form(),
        assigned_users=approvers(),
        response_timeout=response_timeout(),
        # no default answer: at the timeout the scheduler would apply it (an automatic 签发);
        # no retry: the DAG's retries would reopen the approval
        defaults=None,
        retries=0,
    )

    # issue and reject: `snapshot` only orders them after it; they act on the warehouse's snapshot
    @task(task_display_name=step_name("issue"))
    def issue(snapshot: dict, dag_run=None, ti=None) -> dict:
        from deptstats.airflow import signoff_tasks

        answer = ti.xcom_pull(task_ids="approve", key="response")
        assigned = ti.task.dag.get_task("approve").assigned_users or []
        return signoff_tasks.issue_letter(dag_run.dag_id, dag_run.run_id, answer, assigned)

    @task(task_display_name=step_name("reject"))
    def reject(snapshot: dict, dag_run=None, ti=None) -> str:
        from deptstats.airflow import signoff_tasks

        answer = ti.xcom_pull(task_ids="approve", key="response")
        assigned = ti.task.dag.get_task("approve").assigned_users or []
        return signoff_tasks.record_return(dag_run.dag_id, dag_run.run_id, answer, assigned)

    taken = snapshot()
    end_superseded(taken)
    open_approval(taken) >> [no_change(taken), approve]
    approve >> [issue(taken), reject(taken)]


deptstats_signoff()
