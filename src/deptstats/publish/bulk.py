"""Bulk writes of a frame into an extract's table, inside the caller's transaction:
PostgreSQL COPY (CSV text made by pyarrow), SQLite one executemany of plain tuples per chunk. Never a
round trip per row, never DataFrame.to_sql."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table

from deptstats.core import TYPES, Column, Extract
from deptstats.validation import VALUE, per_distinct, text_series

if TYPE_CHECKING:
    import pandas as pd


def writable(column: Column, frame: pd.DataFrame) -> Any:
    """Per row, whether the column's cell can be stored as its warehouse type (an empty cell
    can: it is NULL). A chunk may be written before it is checked; a cell that cannot is
    written as NULL and counted, and the file is refused by its checks anyway."""
    spec = TYPES[column.type]
    present = frame[column.name].notna().to_numpy()
    values = frame[column.name + VALUE] if spec.parsed else None
    return ~present | spec.storable(frame[column.name], values)


def _whole_numbers(column: Column, frame: pd.DataFrame, ok: Any) -> tuple[Any, Any]:
    """A count or integer column as int64 (0 where nothing is stored) and where a value is
    stored (present and writable)."""
    import numpy as np

    values = frame[column.name + VALUE].to_numpy(dtype="float64")
    stored = ok & ~np.isnan(values)
    return np.where(stored, values, 0).astype(np.int64), stored


def _per_row(texts: pd.Series, convert: Any) -> list[Any]:
    """convert() once per distinct value, as a list with one entry per row; missing is None."""
    import numpy as np

    codes, values = per_distinct(texts, convert)
    lookup = np.empty(len(values) + 1, dtype=object)
    lookup[: len(values)] = values  # the extra last entry (None) is where code -1 points
    return lookup[codes].tolist()


def sqlite_columns(extract: Extract, frame: pd.DataFrame) -> tuple[dict[str, list[Any]], int]:
    """Each registry column as a list of values as SQLAlchemy stores them in SQLite (None for
    empty): amounts as REAL (SQLite has no decimal; sums are made exact again by
    indicators.exact), dates as ISO text, yes/no as 1/0. Also how many cells could not be
    stored (see writable) and are None instead."""
    import numpy as np

    columns: dict[str, list[Any]] = {"source_row": frame["source_row"].tolist()}
    unwritable = 0
    for column in extract.columns:
        ok = writable(column, frame)
        unwritable += int((~ok).sum())
        texts = frame[column.name].where(ok, None) if not ok.all() else frame[column.name]
        spec = TYPES[column.type]
        if spec.whole_number:
            integers, stored = _whole_numbers(column, frame, ok)
            columns[column.name] = np.where(stored, integers.astype(object), None).tolist()
        else:  # each distinct text once, as the type says SQLite keeps it
            columns[column.name] = _per_row(texts, spec.sqlite_value)
    return columns, unwritable


def csv_table(extract: Extract, frame: pd.DataFrame, period: str, batch_id: int) -> tuple[Any, int]:
    """The frame's rows as an Arrow table of the text PostgreSQL's COPY (FORMAT csv) reads:
    period, batch_id, source_row, then the registry columns; missing values are empty (NULL).
    Also how many cells could not be stored (see writable) and are NULL instead."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    count = len(frame)
    columns = {
        "period": pa.array([period]).take(np.zeros(count, dtype=np.int64)),
        "batch_id": pa.array(np.full(count, batch_id, dtype=np.int64)),
        "source_row": pa.array(frame["source_row"].to_numpy(dtype=np.int64)),
    }
    unwritable = 0
    for column in extract.columns:
        ok = writable(column, frame)
        unwritable += int((~ok).sum())
        texts = frame[column.name]
        spec = TYPES[column.type]
        if spec.whole_number:
            integers, stored = _whole_numbers(column, frame, ok)
            columns[column.name] = pa.array(integers, mask=~stored)
        elif spec.copy_spelling is not None:  # a text the server does not read as it is (yes/no)
            values = text_series(*per_distinct(texts, spec.copy_spelling.get))
            columns[column.name] = pa.array(values, type=pa.large_string(), from_pandas=True)
        else:  # amounts and dates are canonical text (1234.5, 2023-05-01) where they are valid
            text = pa.array(texts, type=pa.large_string(), from_pandas=True)
            if not ok.all():
                text = pc.if_else(pa.array(ok), text, pa.scalar(None, pa.large_string()))
            columns[column.name] = text
    return pa.table(columns), unwritable


def copy_text(table: Any) -> memoryview:
    """The table as COPY (FORMAT csv) text. Unquoted where it can be: the server parses that
    faster. pyarrow refuses to leave a delimiter, quote or line break unquoted, and an
    unquoted empty string would read as NULL; either way the text is quoted."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    text = [c for c in table.columns if pa.types.is_large_string(c.type) or pa.types.is_string(c.type)]
    empty_text = any(pc.any(pc.equal(column, "")).as_py() for column in text)
    buffer = io.BytesIO()
    if not empty_text:
        try:
            pacsv.write_csv(
                table, buffer, write_options=pacsv.WriteOptions(include_header=False, quoting_style="none")
            )
            return buffer.getbuffer()
        except pa.ArrowInvalid:  # a cell with a delimiter, quote or line break
            buffer = io.BytesIO()
    pacsv.write_csv(table, buffer, write_options=pacsv.WriteOptions(include_header=False))
    return buffer.getbuffer()


class RowWriter:
    """Writes the frames of one batch into an extract's table, inside the caller's
    transaction. On PostgreSQL one COPY spans every frame written, fed from a queue by a
    thread, so the server parses a chunk while the next one is read and checked. A frame may
    be written before it is checked: cells that cannot be stored are written empty and
    counted (`unwritable`); the caller publishes nothing unless the checks pass and that
    count is 0."""

    def __init__(self, conn: Connection, target: Table, extract: Extract, period: str, batch_id: int):
        self.conn, self.target, self.extract = conn, target, extract
        self.period, self.batch_id = period, batch_id
        self.names = ["period", "batch_id", "source_row", *(c.name for c in extract.columns)]
        self.written = 0  # rows handed to the database
        self.taken = 0  # rows the database says it took (known once the writer is closed)
        self.unwritable = 0  # cells written empty because they could not be stored
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
        statement = (
            f"insert into {quote(self.target.name)} ({', '.join(map(quote, self.names))}) "
            f"values ({', '.join('?' for _ in self.names)})"
        )
        columns, unwritable = sqlite_columns(self.extract, frame)
        self.unwritable += unwritable
        count = len(frame)
        rows = zip(
            [self.period] * count, [self.batch_id] * count, *(columns[n] for n in self.names[2:]), strict=True
        )
        self.taken += self.conn.exec_driver_sql(statement, list(rows)).rowcount

    def _copy_frame(self, frame: pd.DataFrame) -> None:
        """CSV written by pyarrow's C++ writer (pandas' to_csv took as long as the COPY)."""
        if self._copy is None:
            from psycopg import sql
            from psycopg.copy import QueuedLibpqWriter

            statement = sql.SQL("copy {} ({}) from stdin with (format csv)").format(
                sql.Identifier(self.target.name), sql.SQL(", ").join(map(sql.Identifier, self.names))
            )
            self._cursor = self.conn.connection.dbapi_connection.cursor()
            self._copy_context = self._cursor.copy(statement, writer=QueuedLibpqWriter(self._cursor))
            try:
                self._copy = self._copy_context.__enter__()
            except BaseException:
                self._cursor.close()
                self._cursor = self._copy_context = None
                raise
        table, unwritable = csv_table(self.extract, frame, self.period, self.batch_id)
        self.unwritable += unwritable
        self._copy.write(copy_text(table))

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        """Ends the COPY: waits until the server has every row (or, on an error, aborts it)."""
        if self._copy is not None:
            try:
                self._copy_context.__exit__(kind, error, trace)
                self.taken += max(self._cursor.rowcount, 0)  # from the server's "COPY n"
            finally:
                self._cursor.close()
                self._copy = self._copy_context = self._cursor = None
