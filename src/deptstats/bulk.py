"""Bulk writes of a validated frame into an extract's table, inside the caller's transaction:
PostgreSQL COPY (CSV text made by pyarrow), SQLite one executemany of plain tuples per chunk. Never a
round trip per row, never DataFrame.to_sql."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table

from deptstats.registry import Extract
from deptstats.validation import VALUE, _per_distinct, _text_series

if TYPE_CHECKING:
    import pandas as pd

BOOLEAN_TEXT = {"是": "true", "否": "false"}


def _per_row(texts: pd.Series, convert: Any) -> list[Any]:
    """convert() once per distinct value, as a list with one entry per row; missing is None."""
    import numpy as np

    codes, values = _per_distinct(texts, convert)
    lookup = np.empty(len(values) + 1, dtype=object)
    lookup[:len(values)] = values  # the extra last entry (None) is where code -1 points
    return lookup[codes].tolist()


def sqlite_columns(extract: Extract, frame: pd.DataFrame) -> dict[str, list[Any]]:
    """Each registry column as a list of values as SQLAlchemy stores them in SQLite (None for
    empty): amounts as REAL (SQLite has no decimal; sums are made exact again by
    indicators.exact), dates as ISO text, 是/否 as 1/0."""
    columns: dict[str, list[Any]] = {"source_row": frame["source_row"].tolist()}
    for column in extract.columns:
        texts = frame[column.name]
        if column.type in ("count", "integer"):
            values = frame[column.name + VALUE].astype("Int64").astype(object)
            columns[column.name] = values.where(values.notna(), None).tolist()
        elif column.type == "amount":
            columns[column.name] = _per_row(texts, lambda text: float(Decimal(text)))
        elif column.type == "yesno":
            columns[column.name] = _per_row(texts, {"是": 1, "否": 0}.get)
        else:  # dates are ISO text already
            columns[column.name] = _per_row(texts, lambda text: text)
    return columns


def csv_table(extract: Extract, frame: pd.DataFrame, period: str, batch_id: int) -> Any:
    """The frame's rows as an Arrow table of the text PostgreSQL's COPY (FORMAT csv) reads:
    period, batch_id, source_row, then the registry columns; missing values are empty (NULL)."""
    import numpy as np
    import pyarrow as pa

    count = len(frame)
    columns = {
        "period": pa.array([period]).take(np.zeros(count, dtype=np.int64)),
        "batch_id": pa.array(np.full(count, batch_id, dtype=np.int64)),
        "source_row": pa.array(frame["source_row"].to_numpy(dtype=np.int64)),
    }
    for column in extract.columns:
        texts = frame[column.name]
        if column.type in ("count", "integer"):
            values = pa.array(frame[column.name + VALUE].to_numpy(), from_pandas=True)
            columns[column.name] = values.cast(pa.int64())  # whole numbers, validated
        elif column.type == "yesno":
            values = _text_series(*_per_distinct(texts, BOOLEAN_TEXT.get))
            columns[column.name] = pa.array(values, type=pa.string(), from_pandas=True)
        else:  # amounts and dates are already canonical text (1234.5, 2023-05-01)
            columns[column.name] = pa.array(texts, type=pa.string(), from_pandas=True)
    return pa.table(columns)


class RowWriter:
    """Writes validated frames of one batch into an extract's table, inside the caller's
    transaction. On PostgreSQL one COPY spans every frame written, fed from a queue by a
    thread, so the server parses a chunk while the next one is read and validated."""

    def __init__(self, conn: Connection, target: Table, extract: Extract, period: str,
                 batch_id: int):
        self.conn, self.target, self.extract = conn, target, extract
        self.period, self.batch_id = period, batch_id
        self.names = ["period", "batch_id", "source_row", *(c.name for c in extract.columns)]
        self.written = 0  # rows handed to the database
        self.taken = 0  # rows the database says it took (known once the writer is closed)
        self._copy: Any = None
        self._copy_context: Any = None
        self._cursor: Any = None

    def __enter__(self) -> RowWriter:
        return self

    def write(self, frame: pd.DataFrame) -> int:
        if frame.empty:
            return 0
        if self.conn.dialect.name == "postgresql":
            self._copy_frame(frame)
        else:
            self._insert_frame(frame)
        self.written += len(frame)
        return len(frame)

    def _insert_frame(self, frame: pd.DataFrame) -> None:
        quote = self.conn.dialect.identifier_preparer.quote
        statement = (f"insert into {quote(self.target.name)} ({', '.join(map(quote, self.names))}) "
                     f"values ({', '.join('?' for _ in self.names)})")
        columns = sqlite_columns(self.extract, frame)
        count = len(frame)
        rows = zip([self.period] * count, [self.batch_id] * count,
                   *(columns[n] for n in self.names[2:]), strict=True)
        self.taken += self.conn.exec_driver_sql(statement, list(rows)).rowcount

    def _copy_frame(self, frame: pd.DataFrame) -> None:
        """CSV written by pyarrow's C++ writer (pandas' to_csv took as long as the COPY)."""
        import pyarrow.csv as pacsv

        if self._copy is None:
            from psycopg import sql
            from psycopg.copy import QueuedLibpqWriter

            statement = sql.SQL("copy {} ({}) from stdin with (format csv)").format(
                sql.Identifier(self.target.name),
                sql.SQL(", ").join(map(sql.Identifier, self.names)))
            self._cursor = self.conn.connection.dbapi_connection.cursor()
            self._copy_context = self._cursor.copy(statement,
                                                   writer=QueuedLibpqWriter(self._cursor))
            try:
                self._copy = self._copy_context.__enter__()
            except BaseException:
                self._cursor.close()
                self._cursor = self._copy_context = None
                raise
        buffer = io.BytesIO()
        pacsv.write_csv(csv_table(self.extract, frame, self.period, self.batch_id), buffer,
                        write_options=pacsv.WriteOptions(include_header=False))
        self._copy.write(buffer.getbuffer())

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        """Ends the COPY: waits until the server has every row (or, on an error, aborts it)."""
        if self._copy is not None:
            try:
                self._copy_context.__exit__(kind, error, trace)
                self.taken += max(self._cursor.rowcount, 0)  # from the server's "COPY n"
            finally:
                self._cursor.close()
                self._copy = self._copy_context = self._cursor = None

