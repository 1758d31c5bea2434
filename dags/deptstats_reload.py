"""deptstats_reload: reload a department's extracts as soon as they arrive, and recompute the
indicators, so the figures change within one run instead of at the next nightly.

Scheduled on one asset per department (`x-deptstats://landing/<department>`). An event comes
from an upload (the upload page announces it: only the extract it names reloads) or from the
department's `.ready` flag: a department copying files into <landing>/<department>/ writes that
flag when the copy is done, and a watcher in the triggerer deletes it and starts this DAG for
every extract of that department. `reload_extracts` loads them as the nightly does (the same
loader and its period lock), without the settle time; an extract checked against a reloaded one
reloads too. `compute_indicators` runs whatever the loads did; `report_failures` fails the run
when a task failed. Runs one at a time: events arriving meanwhile start the next run. Triggered
by hand, with no event, it reloads nothing.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import AssetAny, dag, task

from deptstats.airflow import RELOAD_DAG_ID, department_assets, step_name, task_defaults
from deptstats.core import load_registry

REGISTRY = load_registry()
# the flags' paths are fixed now, from DEPTSTATS_LANDING: unset, the assets have no watcher
DEPARTMENT_ASSETS = department_assets(REGISTRY)
DEFAULT_ARGS = task_defaults()


@dag(
    dag_id=RELOAD_DAG_ID,
    schedule=AssetAny(*DEPARTMENT_ASSETS),
    start_date=pendulum.datetime(2024, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    # a delivery must reload without anyone unpausing the DAG first
    is_paused_upon_creation=False,
    default_args=DEFAULT_ARGS,
    tags=["deptstats", "reload", *sorted(d.code for d in REGISTRY.departments)],
    doc_md=__doc__,
)
def deptstats_reload() -> None:
    @task(task_display_name=step_name("prepare_warehouse"))
    def prepare_warehouse() -> str:
        from deptstats.airflow import tasks as airflow_tasks

        return airflow_tasks.prepare_warehouse()

    @task(task_display_name=step_name("reload_extracts"))
    def reload_extracts(triggering_asset_events=None, run_id: str | None = None) -> dict:
        from deptstats.airflow import reload_tasks

        return reload_tasks.reload_extracts(triggering_asset_events, run_id or "")

    @task(trigger_rule="all_done", task_display_name=step_name("compute_indicators"))
    def compute_indicators(run_id: str | None = None) -> dict:
        from deptstats.airflow import tasks as airflow_tasks

        return airflow_tasks.compute_indicators(run_id or "")

    @task(trigger_rule="all_done", retries=0, task_display_name=step_name("report_failures"))
    def report_failures(dag_run=None) -> None:
        from deptstats.airflow import reload_tasks

        reload_tasks.report_failures(dag_run.dag_id, dag_run.run_id)

    ready = prepare_warehouse()
    loads = reload_extracts()
    indicators = compute_indicators()
    ready >> loads >> indicators
    [ready, loads, indicators] >> report_failures()


deptstats_reload()
