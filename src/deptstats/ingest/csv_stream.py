"""Large regular CSV files read as a stream: pyarrow parses a block at a time, rows come in
chunks of text (Arrow-backed), and total and footer rows are looked for at the end, where
departments put them."""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from deptstats.core import TUNING, Extract
from deptstats.ingest.file_kinds import refuse_wide_text
from deptstats.ingest.tables import (
    IrregularCsv,
    Opener,
    RawTable,
    ReadError,
    binary_opener,
    check_header,
    classify_row,
)

HEAD_BYTES = 65536


def reuse_arrow_memory() -> None:
    """Have Arrow keep freed memory for reuse (jemalloc), for the rest of the process. Its
    default allocator (mimalloc) hands freed memory back to the system at once, so every chunk
    of a stream paid again for fresh zeroed pages: a quarter of a large load's time. An
    operator's ARROW_DEFAULT_MEMORY_POOL wins."""
    import pyarrow as pa

    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    with contextlib.suppress(NotImplementedError):  # a pyarrow built without jemalloc
        pa.set_memory_pool(pa.jemalloc_memory_pool())


def _csv_header(head: bytes) -> tuple[str, list[str]]:
    """Encoding (for pyarrow) and header cells from the first bytes of a CSV file."""
    utf8 = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    try:
        text = utf8.decode("utf-8")
        encoding = "utf8"
    except UnicodeDecodeError as error:
        if error.start >= len(utf8) - 4:  # a character cut by the end of the head
            text, encoding = utf8[: error.start].decode("utf-8"), "utf8"
        else:
            text, encoding = utf8.decode("gb18030", errors="ignore"), "gb18030"
    return encoding, next(csv.reader(io.StringIO(text, newline="")), [])


class _HashingFile:
    """A binary file that feeds what it reads to a hash, so the bytes read are the bytes
    fingerprinted (the file is never held whole in memory)."""

    def __init__(self, source: BinaryIO, hasher: Any):
        self._file = source
        self._hasher = hasher
        self.closed = False

    def read(self, size: int = -1) -> bytes:
        data = self._file.read(size)
        if self._hasher is not None:
            self._hasher.update(data)
        return data

    def close(self) -> None:
        self._file.close()
        self.closed = True


def csv_chunks(
    path: Path,
    extract: Extract,
    chunk_rows: int,
    hasher: Any = None,
    data: bytes | None = None,
    opener: Opener | None = None,
) -> Iterator[RawTable]:
    """A regular CSV (the header on the first line, as the data dictionary has it) through
    pyarrow's streaming reader, chunk_rows data rows at a time, every cell as text. Total and
    footer rows are looked for among the last TUNING.tail_rows rows, where departments put them;
    blank lines keep their row numbers."""
    import pyarrow as pa

    encoding, header = _csv_header(_head(path, data, opener))
    checked = check_header(extract, header, path.name)
    if checked.missing or checked.repeated:  # the row-by-row reader says what is wrong
        raise IrregularCsv(path.name)
    mapping, warnings = checked.mapping, checked.warnings
    names = [f"c{i}" for i in range(len(header))]
    columns = checked.columns
    source = (
        _HashingFile((opener or binary_opener(path))(), hasher) if data is None else pa.BufferReader(data)
    )
    try:
        reader = _open_reader(source, names, encoding)
        # Each parsed block is stripped once; pending holds stripped blocks not yet yielded.
        pending: list[tuple[dict[str, Any], Any]] = []  # (cells, blank rows) per block
        filled_rows, first_row, yielded = 0, 2, 0  # the header is row 1
        for batch in reader:
            cells = _stripped(batch, names)
            blank = _blank_rows(cells, batch.num_rows)
            pending.append((cells, blank))
            filled_rows += batch.num_rows - int(blank.sum())
            # hold the last TUNING.tail_rows rows that are not blank back, so that the last chunk
            # has the whole tail
            while filled_rows > chunk_rows + TUNING.tail_rows:
                chunk, pending, rows, filled = _cut(pending, names, chunk_rows, first_row, mapping, columns)
                filled_rows -= filled
                first_row += rows
                if chunk is not None:
                    chunk.warnings = warnings if not yielded else []
                    chunk.final = False
                    yielded += 1
                    yield chunk
        cells, blank = _joined(pending, names, reader.schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError) as error:
        raise IrregularCsv(f"{path.name}: {error}") from error
    finally:
        source.close()
    chunk = _csv_chunk(cells, len(blank), first_row, mapping, columns, tail=True, blank=blank)
    if (chunk is None or not len(chunk)) and not yielded:
        raise ReadError(path.name, "no_data_rows")
    if chunk is None:  # only blank or footer rows after the last full chunk
        chunk = RawTable(columns=columns, cells={n: [] for n in columns}, row_numbers=[])
    chunk.warnings = warnings if not yielded else []
    yield chunk


def _cut(
    pending: list[tuple[dict[str, Any], Any]],
    names: list[str],
    chunk_rows: int,
    first_row: int,
    mapping: dict[int, str],
    columns: list[str],
) -> tuple[RawTable | None, list[tuple[dict[str, Any], Any]], int, int]:
    """The first rows of the pending blocks as a chunk (chunk_rows of them, fewer if need be to
    hold the last TUNING.tail_rows rows that are not blank back), the blocks left, and the rows
    and the rows not blank taken."""
    import numpy as np

    cells, blank = _joined(pending, names)
    size = min(chunk_rows, int(np.flatnonzero(~blank)[-TUNING.tail_rows]))
    chunk = _csv_chunk(
        {n: c.slice(0, size) for n, c in cells.items()},
        size,
        first_row,
        mapping,
        columns,
        tail=False,
        blank=blank[:size],
    )
    left = [({n: c.slice(size) for n, c in cells.items()}, blank[size:])]
    return chunk, left, size, size - int(blank[:size].sum())


def _head(path: Path, data: bytes | None, opener: Opener | None) -> bytes:
    """The file's first bytes; text in UTF-16 or UTF-32 (that pyarrow would read as garbage)
    is refused, naming it."""
    if data is not None:
        head = data[:HEAD_BYTES]
    else:
        with (opener or binary_opener(path))() as source:
            head = source.read(HEAD_BYTES)
    refuse_wide_text(head, path)
    return head


def _open_reader(source: Any, names: list[str], encoding: str) -> Any:
    """pyarrow's streaming CSV reader, every cell as text, blank lines kept (row numbers)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    return pacsv.open_csv(
        source,
        read_options=pacsv.ReadOptions(
            column_names=names, skip_rows=1, block_size=TUNING.block_bytes, encoding=encoding
        ),
        parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.large_string() for n in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _stripped(batch: Any, names: list[str]) -> dict[str, Any]:
    """Each column's cells without surrounding white space; empty is None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = {}
    for name in names:
        stripped = pc.utf8_trim_whitespace(batch.column(name))
        cells[name] = pc.if_else(pc.equal(stripped, ""), pa.scalar(None, pa.large_string()), stripped)
    return cells


def _blank_rows(cells: dict[str, Any], rows: int) -> Any:
    """True for each row with nothing but white space in it (cells as _stripped gives them)."""
    import numpy as np
    import pyarrow.compute as pc

    blank = np.ones(rows, dtype=bool)
    for column in cells.values():
        blank &= pc.is_null(column).to_numpy(zero_copy_only=False)
    return blank


def _joined(
    pending: list[tuple[dict[str, Any], Any]], names: list[str], schema: Any = None
) -> tuple[dict[str, Any], Any]:
    """Stripped blocks as one: chunked columns (no copy) and their blank rows."""
    import numpy as np
    import pyarrow as pa

    if not pending:
        return {n: pa.chunked_array([], schema.field(n).type) for n in names}, np.zeros(0, bool)
    cells = {n: pa.chunked_array([c for block, _ in pending for c in _chunks(block[n])]) for n in names}
    return cells, np.concatenate([blank for _, blank in pending])


def _chunks(column: Any) -> list[Any]:
    return column.chunks if hasattr(column, "chunks") else [column]


def _csv_chunk(
    cells: dict[str, Any],
    rows: int,
    first_row: int,
    mapping: dict[int, str],
    columns: list[str],
    tail: bool,
    blank: Any,
) -> RawTable | None:
    """One chunk of the streamed CSV from its stripped cells: blank rows dropped and, for the
    file's last rows, footer and total rows taken out."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    names = list(cells)
    row_numbers = np.arange(first_row, first_row + rows, dtype=np.int64)
    keep = ~blank
    total_row = total_number = None
    if tail:
        for index in np.flatnonzero(keep)[-TUNING.tail_rows :]:
            row = [cells[n][index].as_py() for n in names]
            kind = classify_row(row)
            if kind == "footer":
                keep[index] = False
            elif kind == "total":
                total_number = int(row_numbers[index])
                total_row = {name: row[pos] for pos, name in mapping.items()}
                keep[index] = False
    kept_rows = row_numbers[keep]
    if not len(kept_rows) and total_row is None:
        return None
    by_name = {name: f"c{pos}" for pos, name in mapping.items()}
    everything = bool(keep.all())
    # Arrow-backed text columns: no Python string per cell, and hashing stays in Arrow
    table_cells = {
        name: pd.Series(
            pd.arrays.ArrowStringArray(
                cells[by_name[name]] if everything else cells[by_name[name]].filter(pa.array(keep))
            )
        )
        for name in columns
    }
    return RawTable(
        columns=columns,
        cells=table_cells,
        row_numbers=kept_rows,
        total_row=total_row,
        total_row_number=total_number,
    )
