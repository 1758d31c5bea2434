"""One warehouse as it stood after load batch N: each extract and period's newest publication up
to N and the figures computed from it (indicator_history), so two such states can be compared
after later deliveries have replaced the rows. What each replacement changed comes from
publication_change."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine, func, select

from deptstats.indicators import query
from deptstats.publish import describe
from deptstats.warehouse import metadata_without_extracts

BATCH = re.compile(r"^(\d+|latest)$")
NOT_COMPUTED = "(not kept)"
NOT_KEPT = (
    "its figures were not kept: it was replaced before the indicators ran from it, or "
    "published before this warehouse kept figure history"
)


# a publication from before the warehouse recorded row changes (migration 0006)
NOT_RECORDED = "rows changed not recorded (published before this warehouse recorded them)"


class NoSuchBatch(ValueError):
    """A batch number the warehouse has not reached."""


def is_batch(argument: str) -> bool:
    return BATCH.match(argument) is not None


def resolve(engine: Engine, argument: str) -> int:
    """A batch number (0: before any load) or `latest`, checked against the warehouse."""
    load_batch = metadata_without_extracts().tables["load_batch"]
    with engine.connect() as conn:
        newest = conn.execute(select(func.max(load_batch.c.batch_id))).scalar() or 0
    batch_id = newest if argument == "latest" else int(argument)
    if batch_id > newest:
        raise NoSuchBatch(f"batch {batch_id}: the warehouse's newest load batch is {newest}")
    return batch_id


def figures_as_of(engine: Engine, batch_id: int) -> list[dict[str, Any]]:
    """The standing figures; a publication without computed values has indicator null."""
    return query(engine, "figures_as_of", batch_id=batch_id)


def replacements(engine: Engine, extract: str, period: str, after: int, upto: int) -> list[dict[str, Any]]:
    return query(engine, "replacements", extract=extract, period=period, after_batch_id=after, batch_id=upto)


def _delivery(source: dict[str, Any]) -> str:
    return f"{source['file']} (sha256 {source['sha256'][:12]}…, batch {source['batch_id']})"


def between(engine: Engine, before: dict[str, Any] | None, after: dict[str, Any]) -> str:
    """Which delivery replaced which between the two states, and the rows each changed."""
    if before is None:
        return f"first published by {_delivery(after)}"
    if before["batch_id"] == after["batch_id"]:
        return f"same publication {_delivery(after)}"
    if before["sha256"] == after["sha256"]:
        return (
            f"{_delivery(after)} delivered again the bytes of batch {before['batch_id']}; "
            "its figures were computed anew"
        )
    steps = replacements(engine, after["extract"], after["period"], before["batch_id"], after["batch_id"])
    rows = "; ".join(
        (f"batch {s['batch_id']}: " if len(steps) > 1 else "")
        + (
            describe(s["rows_added"], s["rows_removed"], s["rows_before"], s["rows_after"])
            if s["replaced_batch_id"] is not None
            else NOT_RECORDED
        )
        for s in steps
    )
    return f"{_delivery(after)} replaced {_delivery(before)}; {rows}"


def replacing(engine: Engine, batch_ids: list[int], metadata: Any) -> list[int]:
    """Those of the batches that replaced an earlier publication, in order."""
    change = metadata.tables["publication_change"]
    if not batch_ids:
        return []
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(change.c.batch_id).where(change.c.batch_id.in_(batch_ids)).order_by(change.c.batch_id)
            ).scalars()
        )


def replaced_rows(engine: Engine, batch_id: int) -> str:
    """What a replacing batch changed in the rows, as publication_change recorded it."""
    tables = metadata_without_extracts().tables
    change, batch = tables["publication_change"], tables["load_batch"]
    replaced, new = batch.alias("replaced"), batch.alias("new")
    with engine.connect() as conn:
        row = conn.execute(
            select(change, replaced.c.row_count.label("rows_before"), new.c.row_count.label("rows_after"))
            .join(replaced, replaced.c.batch_id == change.c.replaced_batch_id)
            .join(new, new.c.batch_id == change.c.batch_id)
            .where(change.c.batch_id == batch_id)
        ).first()
    if row is None:
        return "it replaced no publication"
    return f"it replaced batch {row.replaced_batch_id}; " + describe(
        row.rows_added, row.rows_removed, row.rows_before, row.rows_after
    )


def batch_line(engine: Engine, batch_id: int) -> str:
    """One load batch in a line: its file, bytes and outcome."""
    tables = metadata_without_extracts().tables
    b, d = tables["load_batch"], tables["delivery"]
    with engine.connect() as conn:
        row = conn.execute(
            select(b.c.outcome, b.c.row_count, b.c.extract, b.c.period, d.c.file, d.c.sha256)
            .join(d, d.c.delivery_id == b.c.delivery_id)
            .where(b.c.batch_id == batch_id)
        ).first()
    if row is None:
        return f"batch {batch_id}: no such load batch"
    return (
        f"batch {batch_id}: {row.file} (sha256 {row.sha256[:12]}…), {row.extract} "
        f"{row.period}, {row.outcome}" + (f", {row.row_count} rows" if row.row_count is not None else "")
    )
