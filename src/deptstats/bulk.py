"""Bulk writes of a validated frame into an extract's table, inside the caller's transaction:
PostgreSQL COPY (CSV text made by pandas), SQLite one executemany of plain tuples. Never a
round trip per row, never DataFrame.to_sql."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table

from deptstats.registry import Extract
from deptstats.validation import VALUE

if TYPE_CHECKING:
    import pandas as pd

COPY_CHUNK_ROWS = 200_000


def _by_distinct(series: pd.Series, convert: Any) -> pd.Series:
    """convert() once per distinct value; missing values stay missing."""
    mapping = {value: convert(value) for value in series.dropna().unique()}
    return series.map(mapping)


def sqlite_columns(extract: Extract, frame: pd.DataFrame) -> dict[str, list[Any]]:
    """Each registry column as a list of values as SQLAlchemy stores them in SQLite (None for
    empty): amounts as REAL (SQLite has no decimal; sums are made exact again by
    indicators.exact), dates as ISO text, 是/否 as 1/0."""
    columns: dict[str, list[Any]] = {"source_row": frame["source_row"].tolist()}
    for column in extract.columns:
        texts = frame[column.name]
        if column.type in ("count", "integer"):
            values = frame[column.name + VALUE].astype("Int64").astype(object)
        elif column.type == "amount":
            values = _by_distinct(texts, lambda text: float(Decimal(text)))
        elif column.type == "yesno":
            values = texts.map({"是": 1, "否": 0})
        else:  # dates are ISO text already
            values = texts
        columns[column.name] = values.astype(object).where(values.notna(), None).tolist()
    return columns


def csv_columns(extract: Extract, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as the text PostgreSQL's COPY (FORMAT csv) reads; empty means NULL."""
    import pandas as pd

    out = pd.DataFrame({"source_row": frame["source_row"]})
    for column in extract.columns:
        texts = frame[column.name]
        if column.type in ("count", "integer"):
            out[column.name] = frame[column.name + VALUE].astype("Int64")
        elif column.type == "yesno":
            out[column.name] = texts.map({"是": "true", "否": "false"})
        else:  # amounts and dates are already canonical text (1234.5, 2023-05-01)
            out[column.name] = texts
    return out


def write_rows(conn: Connection, target: Table, extract: Extract, frame: pd.DataFrame,
               period: str, batch_id: int) -> int:
    """Insert the frame's rows for (period, batch_id); returns the number written."""
    if frame.empty:
        return 0
    names = ["period", "batch_id", "source_row", *(c.name for c in extract.columns)]
    if conn.dialect.name == "postgresql":
        return _copy(conn, target, extract, frame, period, batch_id, names)
    quote = conn.dialect.identifier_preparer.quote
    statement = (f"insert into {quote(target.name)} ({', '.join(map(quote, names))}) "
                 f"values ({', '.join('?' for _ in names)})")
    columns = sqlite_columns(extract, frame)
    count = len(frame)
    rows = zip([period] * count, [batch_id] * count,
               *(columns[n] for n in names[2:]), strict=True)
    conn.exec_driver_sql(statement, list(rows))
    return count


def _copy(conn: Connection, target: Table, extract: Extract, frame: pd.DataFrame, period: str,
          batch_id: int, names: list[str]) -> int:
    """COPY in CSV written by pyarrow's C++ writer (pandas' to_csv took as long as the COPY)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    from psycopg import sql

    text = csv_columns(extract, frame)
    text.insert(0, "batch_id", batch_id)
    text.insert(0, "period", period)
    statement = sql.SQL("copy {} ({}) from stdin with (format csv)").format(
        sql.Identifier(target.name), sql.SQL(", ").join(map(sql.Identifier, names)))
    options = pacsv.WriteOptions(include_header=False)
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for start in range(0, len(text), COPY_CHUNK_ROWS):
            chunk = pa.Table.from_pandas(text.iloc[start:start + COPY_CHUNK_ROWS],
                                         preserve_index=False)
            buffer = io.BytesIO()
            pacsv.write_csv(chunk, buffer, write_options=options)
            copy.write(buffer.getbuffer())
    return len(frame)
