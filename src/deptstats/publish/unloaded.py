"""Files recorded without being loaded: refused as a whole (never read if they must not be),
still being written (left for the next run), or matching no extract (reported, left in place).
Each gets a delivery row, so what a run did with it is recorded against the run."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from deptstats.core import LEGACY, N_, Message, Registry, render
from deptstats.ingest import Delivery, scan
from deptstats.publish.bookkeeping import supersede_arriving
from deptstats.publish.file_outcome import FileOutcome
from deptstats.warehouse import hold, hold_period, metadata_for, utcnow


def unread(delivery: Delivery, error: OSError) -> Message:
    """Why a file that could not be opened is refused, and what to do."""
    if isinstance(error, FileNotFoundError):
        return Message("disappeared", {"file": delivery.relative})
    if isinstance(error, PermissionError):
        return Message("permission_denied", {"file": delivery.relative})
    return getattr(error, "message", None) or Message(LEGACY, {}, str(error))


def refuse(engine: Engine, tables: Any, delivery: Delivery, message: str) -> FileOutcome:
    """Record a file refused as a whole (never read if it must not be) as rejected."""
    return _record_unloaded(engine, tables, delivery, "rejected", message)


def arriving(engine: Engine, tables: Any, delivery: Delivery, message: str) -> FileOutcome:
    """Record a file still being written as arriving: not read (again), nothing published,
    no problem rows; the next run takes it once it stops changing."""
    return _record_unloaded(engine, tables, replace(delivery, unreadable=True), "arriving", message)


def _size(delivery: Delivery) -> int:
    if delivery.size is not None:
        return delivery.size
    return delivery.path.lstat().st_size if os.path.lexists(delivery.path) else 0


def _record_unloaded(
    engine: Engine, tables: Any, delivery: Delivery, status: str, message: str
) -> FileOutcome:
    sha256 = delivery.fingerprint()
    now = utcnow().isoformat()
    errors = 1 if status == "rejected" else 0
    values = {"status": status, "errors": errors, "warnings": 0, "message": message, "last_seen_at": now}
    table = tables["delivery"]
    with engine.begin() as conn:
        # two loads of one landing at once record the file once, and under the same lock as
        # the publishing transaction of its extract and period when it has them
        if delivery.extract is not None and delivery.period is not None:
            hold_period(conn, delivery.extract.table, delivery.period.code)
        else:
            hold(conn, f"delivery/{delivery.relative}", delivery.relative)
        delivery_id = conn.execute(
            select(table.c.delivery_id).where(table.c.file == delivery.relative, table.c.sha256 == sha256)
        ).scalar()
        if delivery_id is None:
            delivery_id = conn.execute(
                insert(table).values(
                    file=delivery.relative,
                    sha256=sha256,
                    extract=delivery.extract.code if delivery.extract else None,
                    period=delivery.period.code if delivery.period else None,
                    size_bytes=_size(delivery),
                    first_seen_at=now,
                    **values,
                )
            ).inserted_primary_key[0]
        else:
            conn.execute(update(table).where(table.c.delivery_id == delivery_id).values(**values))
        supersede_arriving(conn, tables, delivery.relative, delivery_id)
    return FileOutcome(
        delivery.relative,
        delivery.extract.code if delivery.extract else "",
        delivery.period.code if delivery.period else "",
        sha256,
        status,
        errors=errors,
        message=message,
        delivery_id=delivery_id,
    )


def record_unmatched(
    engine: Engine, landing: Path, registry: Registry, scanned: list[Delivery] | None = None
) -> list[FileOutcome]:
    """Files no extract task takes (a name matching no extract or period, a folder that
    cannot be read): reported as rejected and left in place, all in one transaction.
    `scanned`: the landing folder as scanned already."""
    tables = metadata_for(registry).tables
    if scanned is None:
        scanned = scan(landing, registry)
    unmatched = [
        delivery
        for delivery in scanned
        if delivery.problem is not None and (delivery.extract is None or delivery.period is None)
    ]
    outcomes = [_unmatched(delivery) for delivery in unmatched]
    if outcomes:
        _record_unmatched(engine, tables, list(zip(outcomes, map(_size, unmatched), strict=True)))
    return outcomes


def _unmatched(delivery: Delivery) -> FileOutcome:
    """Never opened: what it holds does not matter (a stray backup is not read each night)."""
    problem = delivery.problem.text()
    message = (
        render(N_("{problem}; left in place"), problem=problem)
        if delivery.unreadable
        else render(N_("file name not recognised: {problem}; the file was left in place"), problem=problem)
    )
    return FileOutcome(
        delivery.relative,
        delivery.extract.code if delivery.extract else "",
        "",
        delivery.fingerprint_unopened(),
        "rejected",
        errors=1,
        message=message,
    )


def _record_unmatched(engine: Engine, tables: Any, sized: list[tuple[FileOutcome, int]]) -> None:
    """Their delivery rows, inserted or updated, with as many statements for 20,000 files as
    for one: the keys of every delivery are read in one query (one row per distinct content
    of a file: small beside the files read, and no list of 20,000 parameters), the rows
    written with one executemany each way."""
    delivery = tables["delivery"]
    now = utcnow().isoformat()

    def recorded(conn: Connection) -> dict[tuple[str, str], int]:
        return {
            (row.file, row.sha256): row.delivery_id
            for row in conn.execute(select(delivery.c.delivery_id, delivery.c.file, delivery.c.sha256))
        }

    with engine.begin() as conn:
        hold(conn, "delivery/unrecognised", "the unrecognised files")  # one load at a time
        known = recorded(conn)
        new = [(o, size) for o, size in sized if (o.file, o.sha256) not in known]
        old = [o for o, _size in sized if (o.file, o.sha256) in known]
        if new:
            conn.execute(
                insert(delivery),
                [
                    {
                        "file": o.file,
                        "sha256": o.sha256,
                        "extract": o.extract or None,
                        "period": None,
                        "size_bytes": size,
                        "status": "rejected",
                        "errors": 1,
                        "warnings": 0,
                        "message": o.message,
                        "first_seen_at": now,
                        "last_seen_at": now,
                    }
                    for o, size in new
                ],
            )
            known = recorded(conn)
        if old:
            conn.execute(
                update(delivery)
                .where(delivery.c.delivery_id == bindparam("known_id"))
                .values(
                    status="rejected",
                    errors=1,
                    warnings=0,
                    message=bindparam("new_message"),
                    last_seen_at=now,
                ),
                [{"known_id": known[(o.file, o.sha256)], "new_message": o.message} for o in old],
            )
    for outcome, _size_bytes in sized:
        outcome.delivery_id = known[(outcome.file, outcome.sha256)]
