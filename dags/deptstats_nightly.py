"""deptstats_nightly: load each department's new or changed extracts, compute the indicators and
draft the reply.

One task per extract, grouped by department (task id `health.prepregnancy_checks`): a refused
file turns exactly that task red, its message says what to fix, and clearing it reloads only
that extract. Indicators and the draft run whatever the loads did (a complete draft is
announced to deptstats_signoff as an asset event of its reply); `report_failures` runs after
every other task and marks the run failed if any of them failed, saying which (a refused or failed
load, or a failed step such as compute_indicators or an incomplete draft). Before it, `send_notices`
e-mails each department its refused and late deliveries (once each); a run still unfinished at
its deadline e-mails the steward.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import TaskGroup, dag, task

from deptstats.airflow import (
    deadline_alert,
    department_name,
    department_tooltip,
    extract_name,
    replies_alias,
    reply_param,
    step_name,
    task_defaults,
)
from deptstats.core import DEFAULT_REPLY, load_registry

REGISTRY = load_registry()
DEFAULT_ARGS = task_defaults()


@dag(
    dag_id="deptstats_nightly",
    schedule="30 1 * * *",
    start_date=pendulum.datetime(2024, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["deptstats", "nightly", *sorted(d.code for d in REGISTRY.departments)],
    # the landing folder and the draft's folder are the deployment's (DEPTSTATS_LANDING,
    # DEPTSTATS_OUT), never the trigger form's: whoever may trigger must not name server paths
    params={"reply": reply_param()},
    # the steward is e-mailed when a run has not finished by its logical date + 5 h 30
    # (DEPTSTATS_DEADLINE_MINUTES)
    deadline=deadline_alert(),
    doc_md=__doc__,
)
def deptstats_nightly() -> None:
    @task(task_display_name=step_name("prepare_warehouse"))
    def prepare_warehouse() -> str:
        from deptstats.airflow import tasks as airflow_tasks

        return airflow_tasks.prepare_warehouse()

    @task(task_display_name=step_name("report_unrecognised_files"))
    def report_unrecognised_files(run_id: str | None = None) -> dict:
        from deptstats.airflow import tasks as airflow_tasks

        return airflow_tasks.report_unrecognised_files(run_id or "")

    @task(trigger_rule="all_done", task_display_name=step_name("compute_indicators"))
    def compute_indicators(run_id: str | None = None) -> dict:
        from deptstats.airflow import tasks as airflow_tasks

        return airflow_tasks.compute_indicators(run_id or "")

    # a complete draft is announced through the alias: one asset event of that reply, which
    # schedules deptstats_signoff; an incomplete one fails the task and announces nothing
    @task(trigger_rule="all_done", outlets=[replies_alias()], task_display_name=step_name("draft_reply"))
    def draft_reply(params: dict | None = None, run_id: str | None = None, outlet_events=None) -> dict:
        from deptstats.airflow import tasks as airflow_tasks

        return airflow_tasks.draft_reply(params or {}, run_id or "", outlet_events)

    # all_done, not one_failed: it waits for every task, so its message names every failure
    @task(trigger_rule="all_done", retries=0, task_display_name=step_name("report_failures"))
    def report_failures(params: dict | None = None, dag_run=None) -> None:
        from deptstats.airflow import tasks as airflow_tasks

        # the log ends with the reply's late and refused deliveries as of the run's logical date
        logical = dag_run.logical_date or dag_run.run_after
        airflow_tasks.report_failures(dag_run.dag_id, dag_run.run_id, (params or {}).get("reply"), logical)

    # each department with refused or late items of the reply gets one e-mail, never the same twice
    @task(trigger_rule="all_done", task_display_name=step_name("send_notices"))
    def send_notices(params: dict | None = None, dag_run=None) -> dict:
        from deptstats.airflow import notices

        logical = dag_run.logical_date or dag_run.run_after
        reply = (params or {}).get("reply") or DEFAULT_REPLY
        return notices.send_notices(dag_run.dag_id, dag_run.run_id, reply, logical)

    # one task function for every extract; each call names its task after the extract
    @task
    def load_extract(code: str, run_id: str | None = None) -> dict:
        from deptstats.airflow import tasks as airflow_tasks

        return airflow_tasks.load_extract(code, run_id or "")

    ready = prepare_warehouse()
    unrecognised = report_unrecognised_files()
    loads = {}
    for department in REGISTRY.departments:
        # ids stay the codes whatever the language: logs and `deptstats` name tasks by them
        with TaskGroup(
            group_id=department.code,
            group_display_name=department_name(department),
            tooltip=department_tooltip(department),
        ):
            for extract in REGISTRY.extracts_of(department.code):
                # A load checked against another extract runs after it, whatever became of it:
                # a refused reference leaves its earlier publication (or none: a warning).
                rule = "all_done" if extract.references is not None else "all_success"
                loads[extract.code] = load_extract.override(
                    task_id=extract.code,
                    task_display_name=extract_name(extract),
                    trigger_rule=rule,
                    doc_md=f"{department_name(department)}: {extract_name(extract)} ({extract.task_id})",
                )(extract.code)
                ready >> loads[extract.code]
    for extract in REGISTRY.extracts:
        if extract.references is not None:
            loads[extract.references.extract] >> loads[extract.code]
    ready >> unrecognised
    indicators = compute_indicators()
    draft = draft_reply()
    [unrecognised, *loads.values()] >> indicators >> draft
    # every task is upstream: the run's state comes from its leaves, so a failed step anywhere
    # must reach this one
    inputs = [ready, unrecognised, *loads.values(), indicators, draft]
    notices = send_notices()
    inputs >> notices
    [*inputs, notices] >> report_failures()


deptstats_nightly()
