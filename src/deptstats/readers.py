"""Read a delivered file (CSV, XLSX or JSON) into rows of text, as the steward sees them.

Every reader yields (row number as seen in the file, cells). The shared tail finds the header,
drops blank rows, footer lines and the total row (kept aside for reconciliation), and maps
headers to the registry's canonical column names.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from deptstats.column_types import normalize_cell
from deptstats.csv_stream import csv_chunks, reuse_arrow_memory
from deptstats.normalize import normalize_date, normalize_number
from deptstats.printable import cut
from deptstats.registry import Extract
from deptstats.settings import TUNING
from deptstats.tables import (
    IrregularCsv,
    Opener,
    RawTable,
    ReadError,
    _cell_text,
    _match_headers,
    binary_opener,
    check_header,
    classify_row,
    normalize_header,
)

__all__ = ["IrregularCsv", "RawTable", "ReadError", "iter_tables", "normalize_cell",
           "normalize_date", "normalize_header", "normalize_number", "read_file",
           "reuse_arrow_memory", "streams"]

HEADER_SEARCH_ROWS = 30
# A worksheet is read up to this column: a stray cell in column XFD would otherwise pad every
# row to 16,384 cells. Extracts have a dozen columns at most.
XLSX_COLUMNS = 64
# Uncompressed size of any one part of a workbook, and of all parts together: a 200 KB file can
# unpack to gigabytes.
XLSX_PART_BYTES = 64 * 1024 * 1024
XLSX_TOTAL_BYTES = 256 * 1024 * 1024


# ------------------------------------------------------------------ physical readers


def _decode(data: bytes, path: Path) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    failures = []
    for encoding in ("utf-8", "gb18030"):
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
    header_number, header_cells, _ = best
    checked = check_header(extract, header_cells, path.name)
    if checked.missing:
        found = [str(h).strip() for h in header_cells if _cell_text(h) is not None]
        raise ReadError(
            f"{path.name}: required columns missing: "
            + ", ".join(f"{c.label} ({c.name})" for c in checked.missing)
            + f". Header found at {row_label} {header_number}: "
            + (", ".join(found) if found else "(no header cells)")
        )
    if checked.repeated:
        raise ReadError(
            f"{path.name}: the header at {row_label} {header_number} names "
            + ", ".join(f"{extract.column(n).label} ({n})" for n in checked.repeated)
            + " more than once; keep one column for each")
    mapping, warnings = checked.mapping, checked.warnings
    columns = checked.columns
    table = RawTable(columns=columns, cells={name: [] for name in columns}, row_numbers=[],
                     warnings=warnings, row_label=row_label)
    for number, cells in rows_iter:
        kind = classify_row(cells)
        if kind in ("blank", "footer"):
            continue
        record = {
            name: _cell_text(cells[position]) if position < len(cells) else None
            for position, name in mapping.items()
        }
        if kind == "total":
            table.total_row, table.total_row_number = record, number
            continue
        for name, value in record.items():
            table.cells[name].append(value)
        table.row_numbers.append(number)
    if not table.row_numbers:
        raise ReadError(f"{path.name}: the file has a header but no data rows")
    return table


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
        yield from csv_chunks(path, extract, chunk_rows or TUNING.chunk_rows, hasher, opener=opener)
        return
    if data is None:
        with (opener or binary_opener(path))() as source:
            data = source.read()
        if hasher is not None:
            hasher.update(data)
    yield read_file(path, extract, data)


def row_label_of(path: Path) -> str:
    """What a steward calls one data row of the file: a JSON file holds records."""
    return "record" if path.suffix.lower() == ".json" else "row"


def read_file(path: Path, extract: Extract, data: bytes | None = None) -> RawTable:
    """Rows of a delivered file as text, mapped to the extract's canonical column names."""
    if data is None:
        data = path.read_bytes()
    if not data.strip():
        raise ReadError(f"{path.name}: the file is empty")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        if len(data) >= TUNING.fast_csv_bytes:
            table = read_csv_columnar(data, path, extract)
            if table is not None:
                return table
        return _tabulate(extract, path, _csv_rows(data, path))
    if suffix == ".xlsx":
        return _tabulate(extract, path, _xlsx_rows(data, path))
    if suffix == ".json":
        keys, rows = _json_rows(data, path, extract)
        return _tabulate(extract, path, rows, row_label=row_label_of(path),
                         header_row=(0, list(keys)))
    raise ReadError(f"{path.name}: unsupported file type {suffix!r}; send CSV, XLSX or JSON")


def read_csv_columnar(data: bytes, path: Path, extract: Extract) -> RawTable | None:
    """A large CSV already in memory, column-wise in one piece; None when it is not regular
    enough for that (the row-by-row reader then takes it)."""
    try:
        return next(csv_chunks(path, extract, chunk_rows=1 << 62, data=data))
    except IrregularCsv:
        return None

