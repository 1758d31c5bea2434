"""The nightly job's steps, one function per DAG task, without Airflow: the DAG's task bodies
(deptstats.airflow.tasks) and `deptstats load` both call these."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from deptstats.core import DEFAULT_REPLY, N_, Contact, Registry, Speaker
from deptstats.ingest import Delivery, scan
from deptstats.publish import ExtractRejected, FileOutcome, load_extract, record_outcomes, record_unmatched
from deptstats.reply import Draft, draft_reply
from deptstats.warehouse import check_schema, sync_dimensions

if TYPE_CHECKING:
    from deptstats.audit import Notice

log = logging.getLogger(__name__)


def prepare_warehouse(engine: Engine, registry: Registry) -> str:
    """Refuse a warehouse whose schema is behind (SchemaBehind); refresh the dimensions."""
    revision = check_schema(engine)
    sync_dimensions(engine, registry)
    return revision


def report_unrecognised_files(
    engine: Engine,
    landing: Path,
    run_id: str,
    registry: Registry,
    scanned: list[Delivery] | None = None,
) -> list[FileOutcome]:
    """Files no extract takes, recorded against the run. `scanned`: the landing folder as
    scanned already (raises LandingMissing when it scans a folder that is not there)."""
    outcomes = record_unmatched(engine, landing, registry, scanned)
    record_outcomes(engine, run_id, outcomes)
    return outcomes


def load(
    engine: Engine,
    landing: Path,
    extract_code: str,
    run_id: str,
    registry: Registry,
    settle: float | None = None,
    scanned: list[Delivery] | None = None,
) -> list[FileOutcome]:
    """One extract's files; raises ExtractRejected when any is refused. What became of each
    file is recorded against the run either way. A file still being written (modified within
    `settle` seconds, default settle_seconds(), or changing while read) is left for the next
    run as `arriving`."""
    try:
        outcomes = load_extract(
            engine, landing, extract_code, run_id, registry, settle=settle, scanned=scanned
        )
    except ExtractRejected as rejected:
        record_outcomes(engine, run_id, rejected.outcomes)
        raise
    except Exception as crash:  # the files done before it still count for the run
        done = getattr(crash, "outcomes", None)
        if done:
            try:
                record_outcomes(engine, run_id, done)
            except Exception:  # the warehouse may be what failed: the crash is told, not this
                log.warning(
                    "what became of %d file(s) of %s before the crash could not be recorded",
                    len(done),
                    extract_code,
                )
        raise
    record_outcomes(engine, run_id, outcomes)
    return outcomes


def reload(
    engine: Engine, landing: Path, extract_codes: list[str], run_id: str, registry: Registry
) -> dict[str, list[FileOutcome] | ExtractRejected]:
    """Announced deliveries (an upload, a department's `.ready` flag): each extract of
    `extract_codes`, in that order, loaded as `load` does but without the settle time (an upload
    is renamed into place whole; the flag says the copy is done), from one scan of the landing
    folder. Extract code -> its outcomes, or the ExtractRejected that refused it: a refused
    extract does not stop the others."""
    scanned = scan(landing, registry)
    done: dict[str, list[FileOutcome] | ExtractRejected] = {}
    for code in extract_codes:
        try:
            done[code] = load(engine, landing, code, run_id, registry, settle=0, scanned=scanned)
        except ExtractRejected as rejected:
            done[code] = rejected
    return done


def compute_indicators(engine: Engine, registry: Registry) -> int:
    from deptstats.indicators import compute_indicators as compute

    rows = compute(engine, registry)
    sync_dimensions(engine, registry)  # the periods this run published
    return rows


def figures_changed(
    engine: Engine, registry: Registry, run_id: str | None = None, batch_ids: list[int] | None = None
) -> list[str]:
    """After the indicators: one line per re-delivery published by the run (or among the
    batches given), with the figures it changed and why."""
    from deptstats.audit import changed_by, changed_by_run

    try:
        if batch_ids is not None:
            return changed_by(engine, batch_ids, registry)
        return changed_by_run(engine, run_id or "", registry)
    except Exception:  # a diagnostic: it never fails the step that computed the figures
        log.exception(
            "the figures are computed, but what the re-deliveries changed could not "
            "be told (deptstats diff --batch N tells it)"
        )
        return []


def issued_figures_changed(
    engine: Engine, registry: Registry, run_id: str | None = None, batch_ids: list[int] | None = None
) -> list[str]:
    """After the indicators: one line per figure of an issued letter that the run's publications
    (or the batches given) changed, a matter for a correction; [] when they changed none."""
    from deptstats.indicators import query
    from deptstats.signoff import issued_figures_changed as changed_in_letters

    try:
        if batch_ids is None:
            batch_ids = [row["batch_id"] for row in query(engine, "run_batches", run_id=run_id or "")]
        if not batch_ids:  # nothing published: no figure can have changed
            return []
        return [notice.line() for notice in changed_in_letters(engine, registry, batch_ids)]
    except Exception:  # a diagnostic: it never fails the step that computed the figures
        log.exception(
            "the figures are computed, but whether they changed a figure of an issued letter "
            "could not be told (`deptstats verify` of the issued DOCX against the warehouse tells it)"
        )
        return []


def late_and_refused(engine: Engine, registry: Registry, reply: str, as_of: date) -> list[str]:
    """The end of the nightly's log: the submission board's late and refused cells of the reply
    as of `as_of` (the run's logical date), a heading first; [] when the board cannot be drawn."""
    from deptstats.audit import board, board_lines

    try:
        return board_lines(board(engine, reply, registry, as_of), reply, as_of)
    except Exception:  # a diagnostic: it never changes what the run's last task decides
        log.exception("the submission board of %s could not be drawn (deptstats board tells why)", reply)
        return []


def department_notices(
    engine: Engine,
    registry: Registry,
    reply: str,
    as_of: date,
    contacts: dict[str, Contact],
    link: Callable[[int], str] | None = None,
) -> tuple[list[Notice], list[str]]:
    """The notices to send after a run: one per department whose refused or late cells of the
    reply's board (as of `as_of`) include one no earlier notice carried (notice_sent), in its
    contact's language (else the deployment's); and the departments that have such cells but no
    contact."""
    from deptstats.audit import board, cell_digest, compose_notice, needs_notice, notice_items, unsent
    from deptstats.warehouse import notices_sent

    english = board(engine, reply, registry, as_of, "en")
    digests = {(c["extract"], c["period"]): cell_digest(c) for c in english}
    sent, worded = notices_sent(engine), {"en": english}
    notices, uncontacted = [], []
    for department in registry.departments:
        if not any(c["department"] == department.code and needs_notice(c) for c in english):
            continue
        contact = contacts.get(department.code)
        if contact is None:
            uncontacted.append(department.code)
            continue
        language = Speaker(contact.language).language
        if language not in worded:
            worded[language] = board(engine, reply, registry, as_of, language)
        cells = [c for c in worded[language] if c["department"] == department.code]
        items = notice_items(cells, digests, language, link)
        if not unsent(items, sent):
            continue
        name = department.name_en if language == "en" else department.name
        notices.append(compose_notice(contact, name, items, reply, as_of.isoformat(), language))
    return notices, uncontacted


def draft(engine: Engine, out: Path, registry: Registry, reply: str = DEFAULT_REPLY) -> Draft:
    return draft_reply(engine, out, reply, registry)


# What a failed step means for the reply, in the words the run's last task says it.
STEP_FAILURES = {
    "prepare_warehouse": N_("the warehouse was not ready, so nothing was loaded"),
    "report_unrecognised_files": N_("the landing folder could not be checked for unrecognised file names"),
    "compute_indicators": N_(
        "the indicators were not computed, so the draft's figures are missing or older than tonight's loads"
    ),
    "send_notices": N_("some departments were not notified of their refused or late deliveries"),
    "draft_reply": N_(
        "the draft is incomplete (written as <reply>.INCOMPLETE.docx/.md, the last complete draft left "
        "as it was) or was not written"
    ),
}


def failure_summary(
    states: dict[str, str | None], load_task_ids: set[str], language: str | None = None
) -> str | None:
    """The run's failures in plain words, from each task's final state (None: none failed), in
    `language` (the deployment's when None). A load that failed is a refused file or a fault that
    outlasted its retries; any other task that failed is a step of the nightly itself."""
    _ = Speaker(language)
    failed = sorted(t for t, s in states.items() if s == "failed")
    not_run = sorted(t for t, s in states.items() if s == "upstream_failed")
    loads = [t for t in failed if t in load_task_ids]
    steps = [t for t in failed if t not in load_task_ids]
    parts = []
    if loads:
        parts.append(
            _(
                "{count} extract load(s) failed: {tasks}. A refused file's task log names the file, "
                "row, column and rule: fix the file and clear that task; any other failure there "
                "outlasted its retries.",
                count=len(loads),
                tasks=", ".join(loads),
            )
        )
    for step in steps:
        why = _.gettext(STEP_FAILURES[step]) if step in STEP_FAILURES else _("see its log")
        parts.append(_("The step {step} failed: {why}.", step=step, why=why))
    if not_run:
        parts.append(_("Not run because a task they need failed: {tasks}.", tasks=", ".join(not_run)))
    if not parts:
        return None
    # Chinese sentences follow one another without a space
    return ("" if _.language == "zh_CN" else " ").join(
        [_("The nightly run failed."), *parts, _("See each red task's log.")]
    )
