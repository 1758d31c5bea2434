"""The warehouse's record of a load, written in the publishing transaction: the delivery and its
batch, the validation with each expectation's outcome and every problem, the publication, and
the audit that comes before it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, update

from deptstats.validation import Problem, ValidationReport
from deptstats.warehouse import utcnow


class AuditFailed(RuntimeError):
    """What was written is not what was validated; the transaction is rolled back."""


@dataclass(frozen=True)
class Batch:
    """One attempt at one delivered file."""

    delivery_id: int
    batch_id: int
    file: str
    sha256: str
    extract: str
    period: str
    started_at: str


def start_batch(
    conn: Connection,
    tables: Any,
    file: str,
    sha256: str,
    extract: str,
    period: str,
    size: int,
    run_id: str,
    reference_batch_id: int | None,
    delivery_id: int | None,
) -> Batch:
    """The delivery row (new bytes at this path) and a load batch for this attempt."""
    now = utcnow().isoformat()
    if delivery_id is None:
        delivery_id = conn.execute(
            insert(tables["delivery"]).values(
                file=file,
                sha256=sha256,
                extract=extract,
                period=period,
                size_bytes=size,
                status="loading",
                first_seen_at=now,
                last_seen_at=now,
            )
        ).inserted_primary_key[0]
    batch_id = conn.execute(
        insert(tables["load_batch"]).values(
            delivery_id=delivery_id,
            extract=extract,
            period=period,
            run_id=run_id,
            outcome="loading",
            reference_batch_id=reference_batch_id,
            started_at=now,
            finished_at=now,
        )
    ).inserted_primary_key[0]
    return Batch(delivery_id, batch_id, file, sha256, extract, period, now)


def audit_publication(
    target: Any, period: str, batch_id: int, expected: int, taken: int, unwritable: int = 0
) -> None:
    """Before the commit: the database took exactly the validated rows of this batch, every
    cell as the file has it. Loads of one extract and period are serialised (lock_period), and
    each deletes the period's rows first, so no other batch's rows are there."""
    if taken != expected:
        raise AuditFailed(
            f"{target.name} {period}: batch {batch_id} validated {expected} rows "
            f"but the database took {taken}"
        )
    if unwritable:
        raise AuditFailed(
            f"{target.name} {period}: batch {batch_id} passed its checks but "
            f"{unwritable} cell(s) could not be stored as their column's type"
        )


def record_validation(
    conn: Connection,
    tables: Any,
    batch: Batch,
    report: ValidationReport,
    problems: Sequence[Problem],
    status: str,
    row_count: int | None,
) -> None:
    """The batch's outcome, its validation run, each expectation's outcome, every problem."""
    errors = sum(p.severity == "error" for p in problems)
    conn.execute(
        update(tables["load_batch"])
        .where(tables["load_batch"].c.batch_id == batch.batch_id)
        .values(outcome=status, row_count=row_count, finished_at=utcnow().isoformat())
    )
    validation_id = conn.execute(
        insert(tables["validation_run"]).values(
            batch_id=batch.batch_id,
            suite=report.suite,
            success=not errors,
            expectations=len(report.outcomes),
            failed_expectations=sum(not o.success for o in report.outcomes),
            errors=errors,
            warnings=len(problems) - errors,
            docs_page=report.docs_page,
            validated_at=batch.started_at,
        )
    ).inserted_primary_key[0]
    if report.outcomes:
        conn.execute(insert(tables["validation_outcome"]), _outcome_rows(validation_id, report))
    if problems:
        conn.execute(
            insert(tables["problem"]),
            [
                {
                    "batch_id": batch.batch_id,
                    "delivery_id": batch.delivery_id,
                    "file": batch.file,
                    "sha256": batch.sha256,
                    "row_number": p.row,
                    "column_name": p.column,
                    "value": p.value,
                    "rule": p.rule,  # in the deployment's language
                    "rule_code": p.message.code,
                    "params": p.message.params_json(),
                    "severity": p.severity,
                    "row_key": p.row_key,
                    "other_column": p.other_column,
                    "other_value": p.other_value,
                }
                for p in problems
            ],
        )


def _outcome_rows(validation_id: int, report: ValidationReport) -> list[dict[str, Any]]:
    return [
        {
            "validation_id": validation_id,
            "seq": seq,
            "expectation": o.expectation,
            "column_name": o.column,
            "severity": o.severity,
            "rule": o.rule,
            "success": o.success,
            "element_count": o.element_count,
            "unexpected_count": o.unexpected_count,
        }
        for seq, o in enumerate(report.outcomes)
    ]


def publish(conn: Connection, tables: Any, batch: Batch, rows: int, warnings: int) -> None:
    """The batch becomes the extract and period's publication; earlier deliveries of it no
    longer stand behind any figure."""
    publication, delivery = tables["publication"], tables["delivery"]
    conn.execute(
        delete(publication).where(
            publication.c.extract == batch.extract, publication.c.period == batch.period
        )
    )
    conn.execute(
        insert(publication).values(
            extract=batch.extract,
            period=batch.period,
            batch_id=batch.batch_id,
            delivery_id=batch.delivery_id,
            row_count=rows,
            warnings=warnings,
            published_at=batch.started_at,
        )
    )
    conn.execute(
        update(delivery)
        .where(
            delivery.c.extract == batch.extract,
            delivery.c.period == batch.period,
            delivery.c.delivery_id != batch.delivery_id,
            delivery.c.status.in_(("published", "skipped")),
        )
        .values(status="superseded")
    )


def finish_delivery(
    conn: Connection,
    tables: Any,
    batch: Batch,
    status: str,
    row_count: int | None,
    errors: int,
    warnings: int,
    message: str,
) -> None:
    conn.execute(
        update(tables["delivery"])
        .where(tables["delivery"].c.delivery_id == batch.delivery_id)
        .values(
            status=status,
            row_count=row_count,
            errors=errors,
            warnings=warnings,
            message=message,
            batch_id=batch.batch_id,
            last_seen_at=batch.started_at,
        )
    )
    supersede_arriving(conn, tables, batch.file, batch.delivery_id)


def supersede_arriving(conn: Connection, tables: Any, file: str, delivery_id: int) -> None:
    """What was seen of a file while it was still being written no longer stands once a later
    look at it is recorded: those delivery rows become superseded."""
    delivery = tables["delivery"]
    conn.execute(
        update(delivery)
        .where(
            delivery.c.file == file, delivery.c.status == "arriving", delivery.c.delivery_id != delivery_id
        )
        .values(status="superseded")
    )
