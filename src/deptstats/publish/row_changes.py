"""What a publication changed in the rows it replaced: rows only in the new delivery and rows
only in the old, compared as whole rows (their batch and row number aside, so a row that only
moved is not a change). Counted in the publishing transaction, before the old rows are
deleted, and kept in publication_change; a period too large to compare row by row in memory
is recorded as not counted."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select

# A department extract is hundreds of rows; a period of more than this is left uncounted (its
# row totals are told instead), so a large re-delivery costs nothing more than it did. Counting
# 50,000 rows costs about 0.1 s a side.
COUNTED_ROWS = 50_000
NOT_COMPARED = ("batch_id", "source_row")


@dataclass
class Replaced:
    """The publication about to be replaced, and its rows when they are few enough."""

    batch_id: int
    rows: Counter[tuple[Any, ...]] | None


def period_rows(conn: Connection, table: Any, period: str, typed: bool = False) -> Counter[tuple[Any, ...]]:
    """The period's rows as a multiset of whole rows. Within one database, as the driver
    returns them (SQLAlchemy's conversion of each value to Python types tripled the cost);
    `typed` for two databases, whose drivers differ (SQLite's 0 and 14881.61, psycopg's False
    and Decimal('14881.610000')) where SQLAlchemy's types agree."""
    columns = [c for c in table.columns if c.name not in NOT_COMPARED]
    statement = select(*columns).where(table.c.period == period)
    if typed:
        return Counter(tuple(row) for row in conn.execute(statement))
    compiled = statement.compile(dialect=conn.dialect)
    params = compiled.params
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(compiled.string, params)
        return Counter(map(tuple, cursor.fetchall()))
    finally:
        cursor.close()


def before_replacing(conn: Connection, tables: Any, table: Any, extract: str, period: str) -> Replaced | None:
    """The standing publication of (extract, period), or None for a first publication."""
    publication = tables["publication"]
    standing = conn.execute(
        select(publication.c.batch_id, publication.c.row_count).where(
            publication.c.extract == extract, publication.c.period == period
        )
    ).first()
    if standing is None:
        return None
    rows = period_rows(conn, table, period) if standing.row_count <= COUNTED_ROWS else None
    return Replaced(standing.batch_id, rows)


def as_text(rows: Counter[tuple[Any, ...]]) -> Counter[tuple[str, ...]]:
    """Rows of two databases made comparable: each value as text (None as empty)."""
    text: Counter[tuple[str, ...]] = Counter()
    for row, count in rows.items():
        text[tuple("" if v is None else str(v) for v in row)] += count
    return text


def counted(old: Counter[tuple[Any, ...]], new: Counter[tuple[Any, ...]]) -> tuple[int, int]:
    """(rows only in new, rows only in old)."""
    return sum((new - old).values()), sum((old - new).values())


def record_change(
    conn: Connection,
    tables: Any,
    table: Any,
    batch_id: int,
    period: str,
    replaced: Replaced | None,
    written: int,
) -> None:
    """After the new rows are written, in the same transaction."""
    if replaced is None:
        return
    added = removed = None
    if replaced.rows is not None and written <= COUNTED_ROWS:
        added, removed = counted(replaced.rows, period_rows(conn, table, period))
    conn.execute(
        insert(tables["publication_change"]).values(
            batch_id=batch_id, replaced_batch_id=replaced.batch_id, rows_added=added, rows_removed=removed
        )
    )


def describe(
    added: int | None, removed: int | None, rows_before: int | None = None, rows_after: int | None = None
) -> str:
    if added is None or removed is None:
        totals = (
            f"rows {rows_before} → {rows_after}; "
            if rows_before is not None and rows_after is not None
            else ""
        )
        return f"{totals}not compared row by row (over {COUNTED_ROWS:,} rows)"
    return (
        f"rows changed: {added} only in the new delivery, {removed} only in the old "
        "(an edited row counts in both)"
    )
