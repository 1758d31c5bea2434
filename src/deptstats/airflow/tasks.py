"""What the DAG's tasks do, given Airflow's runtime context. The only module of the package
that touches Airflow; it is imported by task bodies at run time, never at DAG parse time."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from airflow.sdk import Connection
from airflow.sdk.exceptions import AirflowFailException

from deptstats.core import DEFAULT_REPLY, N_, gettext, load_registry, render
from deptstats.ingest import sha256_of
from deptstats.publish import STATUS_WORDS
from deptstats.warehouse import CONN_ID, fault_of, open_engine, redact, url_from_connection

log = logging.getLogger(__name__)
# Great Expectations logs hundreds of INFO lines while it starts (one of its modules sets its own
# logger to INFO); the steward reads this log to find why a file was refused, and that message
# must be the first thing the task says.
NOISY = ("great_expectations", "py.warnings")


def _quiet(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING or not record.name.startswith(NOISY)


def _quiet_noisy_loggers() -> None:
    """Only warnings and errors of the NOISY loggers reach the handlers a task runs with
    (Airflow sets them up before the task starts); adding the filter again changes nothing."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(_quiet)


def _setting(key: str, env: str) -> Path:
    """A folder the deployment configures for the workers; never a param of the run, so that
    whoever may trigger a run cannot point the tasks at another path on the server."""
    value = os.environ.get(env)
    if not value:
        raise AirflowFailException(render(N_("no {key} folder: set {env} for the workers"), key=key, env=env))
    return Path(value)


def out_folder() -> Path:
    """The output folder the deployment configures (DEPTSTATS_OUT)."""
    return _setting("out", "DEPTSTATS_OUT")


def _landing() -> Path:
    """The landing folder, or AirflowFailException when it is missing or not a folder: a
    misconfiguration, which no retry mends."""
    from deptstats.ingest import LandingMissing, check_landing

    landing = _setting("landing", "DEPTSTATS_LANDING")
    try:
        check_landing(landing)
    except LandingMissing as missing:
        raise AirflowFailException(str(missing)) from None
    return landing


Task = TypeVar("Task", bound=Callable[..., Any])


def plain_faults(task: Task) -> Task:
    """A fault of the warehouse is the log's first error line, in plain words, and is raised
    as an ordinary (retryable) exception: the retry succeeds once the warehouse is fixed. The
    noisy loggers are quieted first."""

    @functools.wraps(task)
    def run(*args: Any, **kwargs: Any) -> Any:
        _quiet_noisy_loggers()
        try:
            return task(*args, **kwargs)
        except AirflowFailException:
            raise
        except Exception as error:
            fault = fault_of(error, _warehouse_or_none())
            if fault is None:
                raise
            log.error("%s", fault)
            raise fault from error

    return run  # type: ignore[return-value]


def _warehouse_or_none() -> str | None:
    try:
        return warehouse_url()
    except Exception:  # the connection itself is missing: that error stands as it is
        return None


def warehouse_url() -> str:
    conn = Connection.get(CONN_ID)
    return url_from_connection(
        conn.conn_type, conn.host, conn.login, conn.password, conn.port, conn.schema, conn.extra_dejson
    )


@plain_faults
def prepare_warehouse() -> str:
    from deptstats import pipeline
    from deptstats.warehouse import SchemaBehind

    url = warehouse_url()
    try:
        revision = pipeline.prepare_warehouse(open_engine(url), load_registry())
    except SchemaBehind as behind:
        raise AirflowFailException(f"{redact(url)}: {behind}") from None
    log.info(
        "%s", render(N_("warehouse {url} at schema revision {revision}"), url=redact(url), revision=revision)
    )
    return revision


@plain_faults
def report_unrecognised_files(run_id: str) -> dict[str, Any]:
    from deptstats import pipeline

    landing = _landing()
    outcomes = pipeline.report_unrecognised_files(
        open_engine(warehouse_url()), landing, run_id, load_registry()
    )
    for outcome in outcomes:
        log.warning("%s: %s", outcome.file, outcome.message)
    return {"unrecognised": len(outcomes)}


@plain_faults
def load_extract(extract_code: str, run_id: str) -> dict[str, Any]:
    """Load one extract; a refused file fails the task without retries, in the steward's words."""
    from deptstats import pipeline
    from deptstats.publish import ExtractRejected, steward_message

    landing = _landing()
    try:
        engine = open_engine(warehouse_url(), application_name=f"deptstats {extract_code} {run_id}")
        outcomes = pipeline.load(engine, landing, extract_code, run_id, load_registry())
    except ExtractRejected as rejected:
        told = steward_message(rejected.rejected, problems_link(warehouse_url()))
        log.error("%s", told)  # the task's first line: the steward reads why, and nothing else
        _log_arriving(rejected.outcomes)
        # Airflow's task runner logs the exception with its traceback whatever it is (no
        # setting stops it): raised here and `from None`, that traceback is a few lines
        raise AirflowFailException(told) from None
    for outcome in outcomes:
        if outcome.status != "arriving":
            log.info("%s %s: %s", gettext(STATUS_WORDS[outcome.status]), outcome.file, outcome.message)
    _log_arriving(outcomes)
    summary: dict[str, Any] = {"files": len(outcomes)}
    for status in ("published", "skipped", "arriving"):
        summary[status] = sum(o.status == status for o in outcomes)
    summary["rows_published"] = sum(o.rows for o in outcomes if o.status == "published")
    summary["batches"] = [o.batch_id for o in outcomes if o.status == "published"]
    return summary


def problems_link(warehouse: str) -> Callable[[int], str]:
    """Where the steward finds every problem of a batch: the steward plugin's page, absolute from
    [api] base_url, when an api-server serves this run; else (`deptstats load`, `deptstats run`,
    whose runs no api-server serves: DEPTSTATS_NO_API_SERVER) the command that lists them,
    naming the warehouse without its password."""
    from airflow.providers.common.compat.sdk import conf

    from deptstats.publish import problems_command

    base = (conf.get("api", "base_url", fallback="") or "").rstrip("/")
    if base and not os.environ.get("DEPTSTATS_NO_API_SERVER"):
        return lambda batch_id: f"{base}/deptstats/problems/{batch_id}"
    return problems_command(warehouse)


def _log_arriving(outcomes: list[Any]) -> None:
    """A file still being written is no data error: the task stays green, the log says it,
    the run records it (delivery_outcome), and the next run loads it."""
    for outcome in outcomes:
        if outcome.status == "arriving":
            log.warning("%s %s: %s", gettext(STATUS_WORDS["arriving"]), outcome.file, outcome.message)


@plain_faults
def compute_indicators(run_id: str) -> dict[str, int]:
    from deptstats import pipeline

    engine, registry = open_engine(warehouse_url()), load_registry()
    rows = pipeline.compute_indicators(engine, registry)
    # reviewers read here which figures a re-delivery changed, and why
    changed = pipeline.figures_changed(engine, registry, run_id)
    for line in changed:
        log.info("%s", line)
    # an issued letter is never rewritten: a figure it quoted that changed calls for a correction
    issued = pipeline.issued_figures_changed(engine, registry, run_id)
    for line in issued:
        log.warning("%s", line)
    return {"indicator_rows": rows, "redeliveries": len(changed), "issued_figures_changed": len(issued)}


@plain_faults
def draft_reply(params: dict[str, Any], run_id: str = "", outlet_events: Any = None) -> dict[str, Any]:
    """Draft the reply; a complete draft is announced as an asset event of that reply (see
    announce_draft), an incomplete one fails the task and announces nothing."""
    from deptstats import pipeline

    out = out_folder()
    reply = params.get("reply") or DEFAULT_REPLY
    result = pipeline.draft(open_engine(warehouse_url(), write=False), out, load_registry(), reply)
    log.info(
        "%s",
        render(
            N_("draft written: {paths} ({figures} figures, {missing} missing)"),
            paths=", ".join(str(p) for p in result.paths),
            figures=result.figures_used,
            missing=len(result.figures_missing),
        ),
    )
    for warning in result.warnings:
        log.warning("%s", warning)
    if result.incomplete:
        # written, but never green: a missing figure must be seen before the letter goes out
        log.error("%s", result.missing_message())
        raise AirflowFailException(result.missing_message())
    announced = None
    if outlet_events is not None:  # None: called outside a task (no asset events to add to)
        announced = announce_draft(outlet_events, reply, run_id, out, result.paths)
    return {
        "draft": str(result.path),
        "drafts": [str(p) for p in result.paths],
        "announced": announced,
        "figures": result.figures_used,
        "missing": result.figures_missing,
        "warnings": list(result.warnings),
    }


def quoted_figures(provenance: Path) -> str:
    """A digest of the figures a draft quotes (indicator, period, area and the value as written):
    two drafts with the same digest put the same figures before the official."""
    figures = json.loads(provenance.read_text(encoding="utf-8"))["figures"]
    quoted = sorted((f["indicator"], f["period"], f["area"] or "", f["shown"] or "") for f in figures)
    return hashlib.sha256(json.dumps(quoted, ensure_ascii=False).encode()).hexdigest()


def announce_draft(outlet_events: Any, reply: str, run_id: str, out: Path, paths: tuple[Path, ...]) -> dict:
    """The asset event of a complete draft, added through the alias the sign-off DAG listens to
    (one asset per reply): the run, the DOCX's sha256 (the sign-off refuses a DOCX changed since),
    the folder and a digest of the quoted figures."""
    from deptstats.airflow.signoff_settings import replies_alias, reply_asset

    docx = next(p for p in paths if p.suffix == ".docx")
    extra = {
        "reply": reply,
        "run_id": run_id,
        "complete": True,
        "sha256": sha256_of(docx.read_bytes()),
        "out": str(out.resolve()),
        "figures": quoted_figures(out / f"{reply}.provenance.json"),
    }
    outlet_events[replies_alias()].add(reply_asset(reply), extra=extra)
    log.info(
        "%s",
        render(
            N_("announced the draft {docx} to the sign-off (sha256 {sha256})"),
            docx=docx,
            sha256=extra["sha256"],
        ),
    )
    return extra


def report_failures(
    dag_id: str, run_id: str, reply: str | None = None, logical: datetime | None = None
) -> None:
    """After every other task: fail the run, saying what failed, or skip when nothing did. The log
    ends with the submission board's late and refused cells of the run's reply, as of its logical
    date in the deployment's time zone."""
    from airflow.sdk.exceptions import AirflowSkipException
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    from deptstats.pipeline import failure_summary

    states = RuntimeTaskInstance.get_task_states(dag_id=dag_id, run_ids=[run_id]).get(run_id, {})
    states.pop("report_failures", None)
    message = failure_summary(states, {e.task_id for e in load_registry().extracts})
    if message is not None:
        log.error("%s", message)
    _log_board(reply or DEFAULT_REPLY, logical)
    if message is None:
        raise AirflowSkipException(gettext(N_("every task of the run succeeded")))
    raise AirflowFailException(message)


def _log_board(reply: str, logical: datetime | None) -> None:
    """The board's heading, then each late or refused cell as a warning."""
    from deptstats import pipeline
    from deptstats.airflow.steward_text import timezone_name

    try:
        moment = logical or datetime.now(UTC)  # a run triggered without a logical date: its start
        as_of = moment.astimezone(ZoneInfo(timezone_name())).date()
        engine = open_engine(warehouse_url(), write=False)
    except Exception:  # a diagnostic: the run's outcome is decided without it
        log.exception("the submission board of %s could not be drawn", reply)
        return
    lines = pipeline.late_and_refused(engine, load_registry(), reply, as_of)
    for number, line in enumerate(lines):
        log.log(logging.INFO if number == 0 else logging.WARNING, "%s", line)
