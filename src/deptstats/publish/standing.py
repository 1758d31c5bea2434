"""What an earlier load decided about the same bytes, and whether it still stands: an outcome
stands while what it depended on stands, the same bytes and, for the cross-extract rule, the
same publication of the referenced extract."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from deptstats.core import N_, Extract, Message, Registry, render
from deptstats.ingest import Delivery, readers
from deptstats.publish.file_outcome import FileOutcome
from deptstats.validation import Problem
from deptstats.warehouse import metadata_for, utcnow

EXAMPLES_IN_MESSAGE = 5


def reference_state(
    conn: Connection, extract: Extract, period: str, registry: Registry
) -> tuple[int | None, list[str] | None]:
    """For the cross-extract rule: the batch of the referenced extract's publication for the
    period and the ids it holds, or (None, None) when it is not published (or no rule)."""
    reference = extract.references
    if reference is None:
        return None, None
    tables = metadata_for(registry).tables
    publication = tables["publication"]
    batch_id = conn.execute(
        select(publication.c.batch_id).where(
            publication.c.extract == reference.extract, publication.c.period == period
        )
    ).scalar()
    if batch_id is None:
        return None, None
    other = tables[registry.extract(reference.extract).table]
    return batch_id, [
        value
        for value in conn.execute(select(other.c[reference.other]).where(other.c.period == period)).scalars()
    ]


def known_delivery(conn: Connection, tables: Any, delivery: Delivery, sha256: str) -> Any:
    """The delivery row of these bytes at this path, with the outcome of its last load batch,
    the referenced publication that batch was checked against, and what is published now."""
    d, p, b = tables["delivery"], tables["publication"], tables["load_batch"]
    return conn.execute(
        select(
            d,
            p.c.delivery_id.label("published_delivery"),
            b.c.outcome.label("batch_outcome"),
            b.c.reference_batch_id,
            b.c.run_id.label("batch_run_id"),
        )
        .outerjoin(p, (p.c.extract == d.c.extract) & (p.c.period == d.c.period))
        .outerjoin(b, b.c.batch_id == d.c.batch_id)
        .where(d.c.file == delivery.relative, d.c.sha256 == sha256)
    ).first()


def done_already(
    conn: Connection,
    tables: Any,
    known: Any,
    delivery: Delivery,
    sha256: str,
    reference_batch_id: int | None,
    run_id: str,
) -> FileOutcome | None:
    """The outcome of these bytes that still stands, if any: refused, or published and current,
    against the same referenced publication (also when a load that finished while this one
    read the file decided it). A task cleared and rerun within the run that published the file
    leaves the file's status as that run set it; a later run marks it skipped."""
    if known.reference_batch_id != reference_batch_id:
        return None
    if known.status == "rejected" and known.batch_outcome == "rejected":
        return _rejected_again(conn, tables, known, sha256, delivery)
    if known.published_delivery != known.delivery_id:
        return None
    status = known.status if known.batch_run_id == run_id else "skipped"
    conn.execute(
        update(tables["delivery"])
        .where(tables["delivery"].c.delivery_id == known.delivery_id)
        .values(status=status, last_seen_at=utcnow().isoformat())
    )
    return FileOutcome(
        known.file,
        known.extract,
        known.period,
        sha256,
        "skipped",
        known.row_count or 0,
        0,
        known.warnings,
        known.batch_id,
        render(N_("unchanged: already published")),
        delivery_id=known.delivery_id,
    )


def _rejected_again(
    conn: Connection, tables: Any, known: Any, sha256: str, delivery: Delivery
) -> FileOutcome:
    """An unchanged file that was refused before stays refused, with its recorded reasons,
    told as the refusing run told them."""
    problem = tables["problem"]
    examples = [
        Problem(
            r.severity,
            Message.from_stored(r.rule_code, r.params, r.rule),
            r.row_number,
            r.column_name,
            r.value,
            row_key=r.row_key,
            other_column=r.other_column,
            other_value=r.other_value,
        ).describe(known.file, delivery.extract, readers.row_label_of(delivery.path))
        for r in conn.execute(
            select(problem)
            .where(problem.c.batch_id == known.batch_id, problem.c.severity == "error")
            .order_by(problem.c.problem_id)
            .limit(EXAMPLES_IN_MESSAGE)
        )
    ]
    conn.execute(
        update(tables["delivery"])
        .where(tables["delivery"].c.delivery_id == known.delivery_id)
        .values(last_seen_at=utcnow().isoformat())
    )
    return FileOutcome(
        known.file,
        known.extract,
        known.period,
        sha256,
        "rejected",
        0,
        known.errors,
        known.warnings,
        known.batch_id,
        render(N_("unchanged since it was refused: {message}"), message=known.message),
        examples,
        delivery_id=known.delivery_id,
    )
