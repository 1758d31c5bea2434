"""One writer at a time for a piece of the warehouse, waiting a bounded time. SQLite writers are
serialised already (BEGIN IMMEDIATE, a busy timeout); PostgreSQL takes a transaction advisory
lock keyed on a name, with `lock_timeout` so a load stuck behind another gives up, retryably,
naming the holder."""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, func, select, text
from sqlalchemy.exc import OperationalError

from deptstats.core import N_, gettext, read_sql, render
from deptstats.warehouse.engine import lock_timeout_seconds, redact
from deptstats.warehouse.faults import LoadLocked, describe_holder

LOCK_NOT_AVAILABLE = "55P03"


def lock_key(name: str) -> int:
    """The advisory lock's bigint key of a name."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def hold(conn: Connection, name: str, what: str) -> None:
    """Until the transaction ends, no other transaction holds `name` (described to the user as
    `what`: a message id, marked with N_ where it is written, or words already rendered). Waits
    up to lock_timeout_seconds(), then raises LoadLocked naming the holder."""
    if conn.dialect.name != "postgresql":
        return
    key, seconds = lock_key(name), lock_timeout_seconds()
    before = conn.execute(select(func.current_setting("lock_timeout"))).scalar_one()
    conn.execute(select(func.set_config("lock_timeout", f"{int(seconds * 1000)}ms", True)))
    try:
        conn.execute(select(func.pg_advisory_xact_lock(key)))
    except OperationalError as error:
        if getattr(error.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        raise LoadLocked(
            redact(conn.engine.url.render_as_string(hide_password=False)),
            render(
                N_("is busy: {holder} holds {what} and did not let go within {seconds} s ({variable})"),
                holder=holder(conn, key),
                what=gettext(what),
                seconds=f"{seconds:g}",
                variable="DEPTSTATS_LOCK_TIMEOUT_SECONDS",
            ),
            gettext(N_("run the load again once that one has finished (an Airflow task retries by itself)")),
        ) from None
    # the other statements of the transaction wait as they did before
    conn.execute(select(func.set_config("lock_timeout", before, True)))


def holder(conn: Connection, key: int) -> str:
    """Who holds the lock now, asked on a connection of its own (this transaction failed)."""
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    with conn.engine.connect() as other:
        row = other.execute(
            text(read_sql("locks/holder.sql")), {"high": unsigned >> 32, "low": unsigned & 0xFFFF_FFFF}
        ).first()
    return describe_holder(row)


def hold_period(conn: Connection, table: str, period: str) -> None:
    """Until the transaction ends, no other load records or replaces the rows of `table` for
    `period`, nor a delivery row of that extract and period. SQLite writers are serialised
    already (BEGIN IMMEDIATE); PostgreSQL waits a bounded time."""
    hold(conn, f"{table}/{period}", f"{table} {period}")
