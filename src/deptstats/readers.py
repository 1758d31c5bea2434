"""Read a delivered file (CSV, XLSX or JSON) into rows of text, as the steward sees them.

Every reader yields (row number as seen in the file, cells). The shared tail finds the header,
drops blank rows, footer lines and the total row (kept aside for reconciliation), and maps
headers to the registry's canonical column names.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from deptstats.printable import cut
from deptstats.registry import Extract
from deptstats.settings import TUNING

Opener = Callable[[], BinaryIO]


def _binary(path: Path) -> Opener:
    return lambda: path.open("rb")

ENCODINGS = ("utf-8", "gb18030")
TOTAL_MARKERS = ("合计", "总计")
FOOTER_PREFIXES = ("填报单位", "填报人", "填报日期", "注:", "制表", "审核", "联系电话", "单位负责人")
HEADER_SEARCH_ROWS = 30
# A worksheet is read up to this column: a stray cell in column XFD would otherwise pad every
# row to 16,384 cells. Extracts have a dozen columns at most.
XLSX_COLUMNS = 64
# Uncompressed size of any one part of a workbook, and of all parts together: a 200 KB file can
# unpack to gigabytes.
XLSX_PART_BYTES = 64 * 1024 * 1024
XLSX_TOTAL_BYTES = 256 * 1024 * 1024
EXCEL_EPOCH = date(1899, 12, 30)


class ReadError(ValueError):
    """The file cannot be read as the extract it claims to be; the message is for a steward."""


@dataclass
class RawTable:
    """Data rows of one file as text, column by column under the canonical names; a column
    is a list or a pandas Series of str/None, one entry per data row."""

    columns: list[str]
    cells: dict[str, Sequence[str | None]]
    row_numbers: Sequence[int]
    total_row: dict[str, str | None] | None = None
    total_row_number: int | None = None
    warnings: list[str] = field(default_factory=list)
    row_label: str = "row"  # "record" for JSON
    final: bool = True  # False for a chunk that more rows of the same file follow

    def __len__(self) -> int:
        return len(self.row_numbers)

    def value(self, index: int, column: str) -> str | None:
        cells = self.cells.get(column)
        if cells is None:
            return None
        value = cells[index]
        return value if isinstance(value, str) else None  # None, NaN or pd.NA: empty

    @property
    def rows(self) -> list[dict[str, str | None]]:
        """Row by row (a copy): for small files and tests."""
        return [{c: self.value(i, c) for c in self.columns} for i in range(len(self))]


def normalize_header(text: object) -> str:
    """Header key: full-/half-width folded, white space removed, case folded."""
    folded = unicodedata.normalize("NFKC", str(text))
    return re.sub(r"\s+", "", folded).casefold()


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # Excel keeps 15 significant digits; more is binary noise (=0.1+0.2 caches 0.30000000000000004)
        value = float(f"{value:.15g}")
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value).strip().strip("\u3000").strip()
    return text or None


# ------------------------------------------------------------------ physical readers


def _decode(data: bytes, path: Path) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    failures = []
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as error:
            failures.append(f"{encoding} (fails at byte {error.start})")
    raise ReadError(
        f"{path.name}: cannot decode the file as text; tried UTF-8 with BOM, "
        + ", ".join(failures)
        + ". Save it again as CSV UTF-8 or GB18030."
    )


def _csv_rows(data: bytes, path: Path) -> Iterator[tuple[int, list[object]]]:
    """Records numbered as a spreadsheet shows them: a cell holding a line break is still one
    row."""
    text = _decode(data, path)
    reader = csv.reader(io.StringIO(text, newline=""))
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, list(cells)
    except csv.Error as error:
        raise ReadError(f"{path.name}: not readable as CSV after row {number} ({error}); "
                        "look for an unbalanced quote") from error


def _xlsx_rows(data: bytes, path: Path) -> Iterator[tuple[int, list[object]]]:
    import zipfile

    import openpyxl

    try:
        _check_parts(zipfile.ZipFile(io.BytesIO(data)), path)
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ReadError(
            f"{path.name}: not a readable XLSX workbook ({error.__class__.__name__}: {error})"
        ) from error
    number = 0
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the stored size may be wrong; read every row there is
        rows = sheet.iter_rows(values_only=True, max_col=XLSX_COLUMNS)
        for number, cells in enumerate(rows, start=1):
            yield number, list(cells)
    except ReadError:
        raise
    except Exception as error:  # a damaged sheet fails while its rows are read
        raise ReadError(f"{path.name}: the first sheet is damaged after row {number} "
                        f"({error.__class__.__name__}: {error})") from error
    finally:
        workbook.close()


def _check_parts(archive: Any, path: Path) -> None:
    """Refuse a workbook whose parts unpack too large, before any is unpacked (the sizes are
    the archive's own: zipfile reads no more than a part declares)."""
    total = 0
    for part in archive.infolist():
        total += part.file_size
        if part.file_size > XLSX_PART_BYTES or total > XLSX_TOTAL_BYTES:
            limit = XLSX_PART_BYTES if part.file_size > XLSX_PART_BYTES else XLSX_TOTAL_BYTES
            raise ReadError(
                f"{path.name}: the workbook unpacks to more than {limit // 2**20} MiB "
                f"({cut(part.filename)} alone is {part.file_size // 2**20} MiB); refused: "
                "save it again without the oversized content, or send CSV")


def _json_rows(data: bytes, path: Path, extract: Extract
               ) -> tuple[list[str], Iterator[tuple[int, list[object]]]]:
    """Header and rows of a JSON delivery; keys naming the same column (Chinese or canonical
    name) are merged, so records may spell their keys either way."""
    try:
        document = json.loads(_decode(data, path))
    except json.JSONDecodeError as error:
        raise ReadError(f"{path.name}: not valid JSON ({error})") from error
    except RecursionError:
        raise ReadError(f"{path.name}: JSON nested too deeply to be a list of records; "
                        "send an array of flat objects") from None
    except ValueError as error:  # e.g. an integer of thousands of digits
        raise ReadError(f"{path.name}: JSON holds a value no column can take "
                        f"({str(error)[:120]})") from None
    records = document.get("records") if isinstance(document, dict) else document
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ReadError(
            f"{path.name}: JSON must be an array of objects or an object whose 'records' "
            "member is that array"
        )
    header: list[str] = []
    key_to_header: dict[str, str] = {}
    for record in records:
        for key in record:
            if key in key_to_header:
                continue
            mapped = _match_headers(extract, [key])
            name = mapped.get(0, key)
            key_to_header[key] = name
            if name not in header:
                header.append(name)

    def rows() -> Iterator[tuple[int, list[object]]]:
        for number, record in enumerate(records, start=1):
            merged: dict[str, object] = {}
            for key, value in record.items():
                name = key_to_header[key]
                if name in merged:
                    raise ReadError(f"{path.name}: record {number} names column {name} twice "
                                    f"({', '.join(k for k in record if key_to_header[k] == name)})")
                merged[name] = value
            yield number, [merged.get(name) for name in header]

    return header, rows()


# ------------------------------------------------------------------ shared tail


def _match_headers(extract: Extract, headers: list[object]) -> dict[int, str]:
    """Position -> canonical name for every header cell that names a column of the extract
    (a column named twice keeps its first position; see _repeated)."""
    wanted: dict[str, str] = {}
    for column in extract.columns:
        wanted[normalize_header(column.label)] = column.name
        wanted[normalize_header(column.name)] = column.name
    mapping: dict[int, str] = {}
    for position, header in enumerate(headers):
        if header is None:
            continue
        name = wanted.get(normalize_header(header))
        if name is not None and name not in mapping.values():
            mapping[position] = name
    return mapping


def _repeated(extract: Extract, headers: list[object]) -> list[str]:
    """Columns that two header cells name."""
    seen: dict[str, int] = {}
    for header in headers:
        if header is None:
            continue
        found = _match_headers(extract, [header])
        if found:
            seen[found[0]] = seen.get(found[0], 0) + 1
    return [name for name, count in seen.items() if count > 1]


def _compact(text: str) -> str:
    """Full-width folded, all white space removed: 合  计 -> 合计, 注： -> 注:."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _first_text(cells: list[object]) -> str | None:
    for cell in cells:
        text = _cell_text(cell)
        if text is not None:
            return text
    return None


def _tabulate(
    extract: Extract,
    path: Path,
    numbered_rows: Iterable[tuple[int, list[object]]],
    row_label: str = "row",
    header_row: tuple[int, list[object]] | None = None,
) -> RawTable:
    rows_iter = iter(numbered_rows)
    required = [c.name for c in extract.columns if c.required]
    best: tuple[int, list[object], dict[int, str]] | None = None
    if header_row is not None:
        best = (header_row[0], header_row[1], _match_headers(extract, header_row[1]))
    else:
        # The header is the first row that names every required column; title rows sit above.
        for number, cells in rows_iter:
            mapping = _match_headers(extract, cells)
            if best is None or len(mapping) > len(best[2]):
                best = (number, cells, mapping)
            if set(required) <= set(mapping.values()):
                break
            if number >= HEADER_SEARCH_ROWS:
                break
    if best is None:
        raise ReadError(f"{path.name}: the file is empty")
    header_number, header_cells, mapping = best
    missing = [c for c in extract.columns if c.required and c.name not in mapping.values()]
    if missing:
        found = [str(h).strip() for h in header_cells if _cell_text(h) is not None]
        raise ReadError(
            f"{path.name}: required columns missing: "
            + ", ".join(f"{c.label} ({c.name})" for c in missing)
            + f". Header found at {row_label} {header_number}: "
            + (", ".join(found) if found else "(no header cells)")
        )
    repeated = _repeated(extract, header_cells)
    if repeated:
        raise ReadError(
            f"{path.name}: the header at {row_label} {header_number} names "
            + ", ".join(f"{extract.column(n).label} ({n})" for n in repeated)
            + " more than once; keep one column for each")
    warnings = [
        f"{path.name}: unknown column {str(h).strip()!r} ignored"
        for position, h in enumerate(header_cells)
        if _cell_text(h) is not None and position not in mapping
    ]
    columns = [c.name for c in extract.columns if c.name in mapping.values()]
    table = RawTable(columns=columns, cells={name: [] for name in columns}, row_numbers=[],
                     warnings=warnings, row_label=row_label)
    for number, cells in rows_iter:
        first = _first_text(cells)
        if first is None:
            continue  # blank row
        key = _compact(first)
        filled = [c for c in cells if _cell_text(c) is not None]
        if key.startswith(FOOTER_PREFIXES) or (len(filled) == 1 and ":" in key):
            continue  # footer line: 填报单位：…, 填报人：…, 注：…
        record = {
            name: _cell_text(cells[position]) if position < len(cells) else None
            for position, name in mapping.items()
        }
        if key in TOTAL_MARKERS:
            table.total_row, table.total_row_number = record, number
            continue
        for name, value in record.items():
            table.cells[name].append(value)
        table.row_numbers.append(number)
    if not table.row_numbers:
        raise ReadError(f"{path.name}: the file has a header but no data rows")
    return table


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


class IrregularCsv(Exception):
    """The column-wise reader cannot take this CSV (a title row, ragged rows, bytes that are
    not the encoding its head suggested); the row-by-row reader takes it and says what is
    wrong. Raised before or while chunks are yielded: the caller starts again."""


def _csv_header(head: bytes) -> tuple[str, list[str]]:
    """Encoding (for pyarrow) and header cells from the first bytes of a CSV file."""
    utf8 = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    try:
        text = utf8.decode("utf-8")
        encoding = "utf8"
    except UnicodeDecodeError as error:
        if error.start >= len(utf8) - 4:  # a character cut by the end of the head
            text, encoding = utf8[:error.start].decode("utf-8"), "utf8"
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


def _csv_chunks(path: Path, extract: Extract, chunk_rows: int, hasher: Any = None,
                data: bytes | None = None, opener: Opener | None = None
                ) -> Iterator[RawTable]:
    """A regular CSV (the header on the first line, as the data dictionary has it) through
    pyarrow's streaming reader, chunk_rows data rows at a time, every cell as text. Total and
    footer rows are looked for among the last TUNING.tail_rows rows, where departments put them;
    blank lines keep their row numbers."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if data is not None:
        encoding, header = _csv_header(data[:HEAD_BYTES])
    else:
        with (opener or _binary(path))() as source:
            encoding, header = _csv_header(source.read(HEAD_BYTES))
    mapping = _match_headers(extract, header)
    required = {c.name for c in extract.columns if c.required}
    if not required <= set(mapping.values()) or _repeated(extract, header):
        raise IrregularCsv(path.name)
    names = [f"c{i}" for i in range(len(header))]
    columns = [c.name for c in extract.columns if c.name in mapping.values()]
    warnings = [f"{path.name}: unknown column {str(h).strip()!r} ignored"
                for position, h in enumerate(header)
                if _cell_text(h) is not None and position not in mapping]
    source = (_HashingFile((opener or _binary(path))(), hasher) if data is None
              else pa.BufferReader(data))
    try:
        reader = pacsv.open_csv(
            source,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=TUNING.block_bytes,
                                           encoding=encoding),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.large_string() for n in names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False))
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
                cells, blank = _joined(pending, names)
                size = min(chunk_rows, int(np.flatnonzero(~blank)[-TUNING.tail_rows]))
                chunk = _csv_chunk({n: c.slice(0, size) for n, c in cells.items()}, size,
                                   first_row, mapping, columns, tail=False, blank=blank[:size])
                pending = [({n: c.slice(size) for n, c in cells.items()}, blank[size:])]
                filled_rows -= size - int(blank[:size].sum())
                first_row += size
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
        raise ReadError(f"{path.name}: the file has a header but no data rows")
    if chunk is None:  # only blank or footer rows after the last full chunk
        chunk = RawTable(columns=columns, cells={n: [] for n in columns}, row_numbers=[])
    chunk.warnings = warnings if not yielded else []
    yield chunk


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


def _joined(pending: list[tuple[dict[str, Any], Any]], names: list[str], schema: Any = None
            ) -> tuple[dict[str, Any], Any]:
    """Stripped blocks as one: chunked columns (no copy) and their blank rows."""
    import numpy as np
    import pyarrow as pa

    if not pending:
        return {n: pa.chunked_array([], schema.field(n).type) for n in names}, np.zeros(0, bool)
    cells = {n: pa.chunked_array([c for block, _ in pending for c in _chunks(block[n])])
             for n in names}
    return cells, np.concatenate([blank for _, blank in pending])


def _chunks(column: Any) -> list[Any]:
    return column.chunks if hasattr(column, "chunks") else [column]


def _csv_chunk(cells: dict[str, Any], rows: int, first_row: int, mapping: dict[int, str],
               columns: list[str], tail: bool, blank: Any) -> RawTable | None:
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
        for index in np.flatnonzero(keep)[-TUNING.tail_rows:]:
            row = [cells[n][index].as_py() for n in names]
            key = _compact(_first_text(row))
            filled = [c for c in row if c is not None]
            if key.startswith(FOOTER_PREFIXES) or (len(filled) == 1 and ":" in key):
                keep[index] = False
            elif key in TOTAL_MARKERS:
                total_number = int(row_numbers[index])
                total_row = {name: row[pos] for pos, name in mapping.items()}
                keep[index] = False
    kept_rows = row_numbers[keep]
    if not len(kept_rows) and total_row is None:
        return None
    by_name = {name: f"c{pos}" for pos, name in mapping.items()}
    everything = bool(keep.all())
    # Arrow-backed text columns: no Python string per cell, and hashing stays in Arrow
    table_cells = {name: pd.Series(pd.arrays.ArrowStringArray(
        cells[by_name[name]] if everything else cells[by_name[name]].filter(pa.array(keep))))
        for name in columns}
    return RawTable(columns=columns, cells=table_cells, row_numbers=kept_rows,
                    total_row=total_row, total_row_number=total_number)


def streams(path: Path) -> bool:
    """Whether the file is read as a stream of chunks: a CSV of TUNING.fast_csv_bytes or more."""
    return path.suffix.lower() == ".csv" and path.stat().st_size >= TUNING.fast_csv_bytes


def iter_tables(path: Path, extract: Extract, data: bytes | None = None,
                chunk_rows: int | None = None, hasher: Any = None,
                opener: Opener | None = None) -> Iterator[RawTable]:
    """The file's data rows, chunk_rows at a time for a large regular CSV (read as a stream)
    and in one piece otherwise; the last piece has final=True. `hasher` (e.g. sha256) is fed
    the bytes as they are read; `opener` opens the file (landing.Delivery.open: no links, no
    pipes). Raises IrregularCsv, possibly after some chunks: start again
    with read_file."""
    if data is None and streams(path):
        yield from _csv_chunks(path, extract, chunk_rows or TUNING.chunk_rows, hasher, opener=opener)
        return
    if data is None:
        with (opener or _binary(path))() as source:
            data = source.read()
        if hasher is not None:
            hasher.update(data)
    yield read_file(path, extract, data)


def read_file(path: Path, extract: Extract, data: bytes | None = None) -> RawTable:
    """Rows of a delivered file as text, mapped to the extract's canonical column names."""
    if data is None:
        data = path.read_bytes()
    if not data.strip():
        raise ReadError(f"{path.name}: the file is empty")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        if len(data) >= TUNING.fast_csv_bytes:
            table = _csv_columnar(data, path, extract)
            if table is not None:
                return table
        return _tabulate(extract, path, _csv_rows(data, path))
    if suffix == ".xlsx":
        return _tabulate(extract, path, _xlsx_rows(data, path))
    if suffix == ".json":
        keys, rows = _json_rows(data, path, extract)
        return _tabulate(extract, path, rows, row_label="record", header_row=(0, list(keys)))
    raise ReadError(f"{path.name}: unsupported file type {suffix!r}; send CSV, XLSX or JSON")


def _csv_columnar(data: bytes, path: Path, extract: Extract) -> RawTable | None:
    """A large CSV already in memory, column-wise in one piece; None when it is not regular
    enough for that (the row-by-row reader then takes it)."""
    try:
        return next(_csv_chunks(path, extract, chunk_rows=1 << 62, data=data))
    except IrregularCsv:
        return None


# ------------------------------------------------------------------ cell normalisation

_THOUSANDS = re.compile(r"^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$")
_DATE_FORMS = (
    re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$"),
    re.compile(r"^([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})$"),
    re.compile(r"^([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日$"),
)
_EXCEL_SERIAL = re.compile(r"^[0-9]{5}(\.0+)?$")


def normalize_number(text: str) -> str:
    """Full-width digits folded, thousands separators removed; anything else left as given."""
    folded = unicodedata.normalize("NFKC", text).strip()
    if _THOUSANDS.match(folded):
        folded = folded.replace(",", "")
    return folded


def normalize_date(text: str) -> str:
    """ISO date for the accepted date forms of a real calendar date; else the text unchanged."""
    folded = unicodedata.normalize("NFKC", text).strip()
    for form in _DATE_FORMS:
        match = form.match(folded)
        if match:
            try:
                return date(*(int(g) for g in match.groups())).isoformat()
            except ValueError:
                return text
    if _EXCEL_SERIAL.match(folded):
        return (EXCEL_EPOCH + timedelta(days=int(float(folded)))).isoformat()
    return text


def normalize_cell(column_type: str, text: str | None) -> str | None:
    if text is None:
        return None
    if column_type in ("count", "integer", "amount"):
        return normalize_number(text)
    if column_type == "date":
        return normalize_date(text)
    if column_type in ("enum", "yesno"):
        return unicodedata.normalize("NFKC", text).strip()
    return text.strip()
