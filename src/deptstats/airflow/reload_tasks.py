"""What the reload DAG's tasks do, given Airflow's runtime context: the extracts its asset events
name are loaded as the nightly loads them (the same loader, its period lock, no settle time),
then the indicators are recomputed. Imported by task bodies at run time, never at parse time."""

from __future__ import annotations

import json
import logging
from typing import Any

from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from deptstats.airflow.reload_assets import extracts_to_reload
from deptstats.airflow.tasks import _landing, _log_arriving, plain_faults, problems_link, warehouse_url
from deptstats.core import N_, gettext, load_registry, render
from deptstats.publish import STATUS_WORDS
from deptstats.warehouse import open_engine

log = logging.getLogger(__name__)


def announced(triggering_asset_events: Any) -> list[tuple[str, dict[str, Any]]]:
    """Each triggering asset event of the run as (asset URI, extra), oldest first."""
    events = [event for events in (triggering_asset_events or {}).values() for event in events]
    events.sort(key=lambda event: event.timestamp)
    return [(event.asset.uri, dict(event.extra or {})) for event in events]


@plain_faults
def reload_extracts(triggering_asset_events: Any, run_id: str) -> dict[str, Any]:
    """Load the extracts the run's events name; a refused file fails the task (without retries,
    in the steward's words) once every other extract is loaded."""
    from deptstats import pipeline
    from deptstats.publish import ExtractRejected, steward_message

    registry = load_registry()
    events = announced(triggering_asset_events)
    for uri, extra in events:
        log.info(
            "%s",
            render(
                N_("delivery announced: {asset} {extra}"),
                asset=uri,
                extra=json.dumps(extra, ensure_ascii=False),
            ),
        )
    codes = extracts_to_reload(events, registry)
    if not codes:
        raise AirflowSkipException(gettext(N_("no delivery was announced to this run: nothing to reload")))
    landing = _landing()
    engine = open_engine(warehouse_url(), application_name=f"deptstats reload {run_id}")
    done = pipeline.reload(engine, landing, codes, run_id, registry)
    refused = {code: result for code, result in done.items() if isinstance(result, ExtractRejected)}
    if refused:  # the task's first line: the steward reads why, and nothing else
        told = "\n".join(
            steward_message(rejected.rejected, problems_link(warehouse_url()))
            for rejected in refused.values()
        )
        log.error("%s", told)
    summary: dict[str, Any] = {"extracts": codes, "published": 0, "rows_published": 0, "batches": []}
    for result in done.values():
        outcomes = result.outcomes if isinstance(result, ExtractRejected) else result
        for outcome in outcomes:
            if outcome.status not in ("arriving", "rejected"):
                log.info("%s %s: %s", gettext(STATUS_WORDS[outcome.status]), outcome.file, outcome.message)
            if outcome.status == "published":
                summary["published"] += 1
                summary["rows_published"] += outcome.rows
                summary["batches"].append(outcome.batch_id)
        _log_arriving(outcomes)
    if refused:
        raise AirflowFailException(told) from None
    return summary


def report_failures(dag_id: str, run_id: str) -> None:
    """After every other task: fail the run, naming the tasks that failed, or skip when none did."""
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    states = RuntimeTaskInstance.get_task_states(dag_id=dag_id, run_ids=[run_id]).get(run_id, {})
    failed = sorted(
        t for t, s in states.items() if s in ("failed", "upstream_failed") and t != "report_failures"
    )
    if not failed:
        raise AirflowSkipException(gettext(N_("every task of the run succeeded")))
    message = render(
        N_("The reload failed: {tasks}. See each red task's log."),
        tasks=", ".join(failed),
    )
    log.error("%s", message)
    raise AirflowFailException(message)
