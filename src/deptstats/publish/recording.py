"""The publishing transaction of one file: under the period's lock, its delivery row, load
batch, validation results and problems and, when it passes, its publication."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection

from deptstats.core import N_, Extract, render
from deptstats.publish.bookkeeping import Batch, finish_delivery, publish, record_validation, start_batch
from deptstats.publish.file_outcome import FileOutcome
from deptstats.publish.file_reading import CheckedAgainst, FileChanged, Fingerprinted, Opened, Unread
from deptstats.publish.publishing import Verdict, write_audit
from deptstats.publish.standing import EXAMPLES_IN_MESSAGE, done_already, known_delivery
from deptstats.validation import Problem
from deptstats.warehouse import explanation_of, hold_period, metadata_for


def record(
    conn: Connection, content: Fingerprinted, basis: CheckedAgainst, opened: Opened | Unread, run_id: str
) -> FileOutcome:
    """Write the file's delivery, batch, validation and (if it passes) publication."""
    tables = metadata_for(basis.registry).tables
    delivery, extract, period = content.delivery, content.delivery.extract, content.delivery.period
    # Another load of the same landing may have recorded these bytes since they were looked
    # up: under the period's lock, look again, so a delivery is recorded and published once.
    lock_period(conn, tables[extract.table], period.code)
    known = known_delivery(conn, tables, delivery, content.sha256)
    if known is not None:
        done = done_already(conn, tables, known, delivery, content.sha256, basis.reference_batch_id, run_id)
        if done is not None:
            return done
    batch = start_batch(
        conn,
        tables,
        delivery.relative,
        content.sha256,
        extract.code,
        period.code,
        content.size,
        run_id,
        basis.reference_batch_id,
        None if known is None else known.delivery_id,
    )
    verdict = write_audit(conn, content, basis, opened, tables, batch)
    if delivery.changed_since_scan():  # read whole by now: what was read may be a part
        raise FileChanged(delivery.relative)
    errors = verdict.errors
    warnings = len(verdict.problems) - len(errors)
    status = "rejected" if errors else "published"
    record_validation(conn, tables, batch, verdict.report, verdict.problems, status, verdict.row_count)
    if not errors:
        publish(conn, tables, batch, verdict.published, warnings)
    # warnings its uploader explained (填写说明后上报) are told as explained, not raised again
    explained = explanation_of(conn, content.sha256) if warnings and not errors else None
    message = _message(extract, period.code, errors, verdict.published, warnings, explained)
    finish_delivery(conn, tables, batch, status, verdict.row_count, len(errors), warnings, message)
    outcome = _outcome(content, batch, verdict, status, message)
    outcome.explained_by = None if explained is None else explained["uploaded_by"]
    return outcome


def _outcome(
    content: Fingerprinted, batch: Batch, verdict: Verdict, status: str, message: str
) -> FileOutcome:
    delivery, errors = content.delivery, verdict.errors
    return FileOutcome(
        delivery.relative,
        delivery.extract.code,
        delivery.period.code,
        content.sha256,
        status,
        verdict.published,
        len(errors),
        len(verdict.problems) - len(errors),
        batch.batch_id,
        message,
        [
            p.describe(delivery.relative, delivery.extract, verdict.row_label)
            for p in errors[:EXAMPLES_IN_MESSAGE]
        ],
        delivery_id=batch.delivery_id,
    )


def _message(
    extract: Extract,
    period: str,
    errors: list[Problem],
    rows: int,
    warnings: int,
    explained: dict[str, Any] | None = None,
) -> str:
    """The outcome in one line: each rule broken and how often, or what was published (its
    warnings explained by their uploader when `explained` is that upload's explanation)."""
    if not errors:
        if warnings and explained is not None:
            return render(
                N_("published {rows} rows with {warnings} warning(s), explained by {uploaded_by}"),
                rows=rows,
                warnings=warnings,
                uploaded_by=explained["uploaded_by"],
            )
        if warnings:
            return render(
                N_("published {rows} rows with {warnings} warning(s)"), rows=rows, warnings=warnings
            )
        return render(N_("published {rows} rows"), rows=rows)
    rules: dict[str, int] = defaultdict(int)
    for problem in errors:
        rules[problem.rule] += 1
    return render(
        N_("{errors} error(s) in {extract_name} ({extract}) {period}: {rules}"),
        errors=len(errors),
        extract_name=extract.name,
        extract=extract.code,
        period=period,
        rules="; ".join(f"{n} x {rule}" for rule, n in rules.items()),
    )


def lock_period(conn: Connection, target: Any, period: str) -> None:
    """Until the transaction ends, no other load records or replaces this table's rows of this
    period (locks.hold_period)."""
    hold_period(conn, target.name, period)
