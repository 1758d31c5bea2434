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

from deptstats.core import (
    TEXTS,
    TUNING,
    Extract,
    Message,
    cut,
    normalize_cell,
    normalize_date,
    normalize_number,
    render,
)
from deptstats.ingest.csv_stream import csv_chunks, reuse_arrow_memory
from deptstats.ingest.file_kinds import refuse_compound_file, refuse_wide_text
from deptstats.ingest.tables import (
    HEADER_SEARCH_ROWS,
    HeaderSearch,
    IrregularCsv,
    Opener,
    RawTable,
    ReadError,
    binary_opener,
    cell_text,
    check_header,
    classify_row,
    find_header,
    match_headers,
    normalize_header,
)
from deptstats.ingest.workbooks import XLSX_COLUMNS, XLSX_PART_BYTES, XLSX_TOTAL_BYTES, Workbook

__all__ = [
    "HEADER_SEARCH_ROWS",
    "XLSX_COLUMNS",
    "XLSX_PART_BYTES",
    "XLSX_TOTAL_BYTES",
    "IrregularCsv",
    "RawTable",
    "ReadError",
    "iter_tables",
    "normalize_cell",
    "normalize_date",
    "normalize_header",
    "normalize_number",
    "read_file",
    "reuse_arrow_memory",
    "streams",
]

# ------------------------------------------------------------------ physical readers


def _decode(data: bytes, path: Path) -> str:
    refuse_wide_text(data, path)
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as error:  # e.g. a copy cut inside a character
            raise ReadError(path.name, "bom_not_utf8", byte=error.start + 3) from None
    failures = []
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as error:
            failures.append(f"{encoding} (fails at byte {error.start})")
    raise ReadError(path.name, "undecodable", failures=", ".join(failures))


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
        raise ReadError(path.name, "csv_unreadable", row=number, error=str(error)) from error


def _read_xlsx(data: bytes, path: Path, extract: Extract) -> RawTable:
    """The workbook's data sheet (the visible one holding the header), with a warning for its
    hidden rows and columns."""
    workbook = Workbook(data, path)
    try:
        sheet, header = workbook.data_sheet(lambda rows: find_header(extract, rows))
        table = _tabulate(extract, path, workbook.rows(sheet))
        if header is not None and header.complete:
            table.warnings += workbook.hidden_warnings(sheet, header)
        return table
    finally:
        workbook.close()


def _json_rows(
    data: bytes, path: Path, extract: Extract
) -> tuple[list[str], Iterator[tuple[int, list[object]]]]:
    """Header and rows of a JSON delivery; keys naming the same column (Chinese or canonical
    name) are merged, so records may spell their keys either way."""
    repeated: list[_Repeated] = []
    text = _decode(data, path)  # its ReadError is no ValueError of json's
    try:
        document = json.loads(text, object_pairs_hook=lambda pairs: _json_object(pairs, repeated))
    except json.JSONDecodeError as error:
        raise ReadError(path.name, "json_invalid", error=str(error)) from error
    except RecursionError:
        raise ReadError(path.name, "json_too_deep") from None
    except ValueError as error:  # e.g. an integer of thousands of digits
        raise ReadError(path.name, "json_bad_value", error=str(error)[:120]) from None
    records = document.get("records") if isinstance(document, dict) else document
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ReadError(path.name, "json_not_records")
    if repeated:
        raise ReadError(
            path.name, "json_key_twice", said=_repeated_key_message(document, records, repeated[0])
        )
    header: list[str] = []
    key_to_header: dict[str, str] = {}
    for record in records:
        for key in record:
            if key in key_to_header:
                continue
            mapped = match_headers(extract, [key])
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
                    raise ReadError(
                        path.name,
                        "json_column_twice",
                        record=number,
                        column=name,
                        keys=", ".join(k for k in record if key_to_header[k] == name),
                    )
                merged[name] = value
            yield number, [merged.get(name) for name in header]

    return header, rows()


class _Repeated(dict):  # type: ignore[type-arg]
    """A JSON object that gives a key more than once: the key and its values, in order."""

    key: str
    values: list[object]


def _json_object(pairs: list[tuple[str, object]], repeated: list[_Repeated]) -> dict[str, Any]:
    """json's object_pairs_hook: the object as a dict, remembered if a key comes twice (json
    would keep the last value silently)."""
    document = dict(pairs)
    if len(document) == len(pairs):
        return document
    seen: set[str] = set()
    twice = ""
    for key, _ in pairs:
        if key in seen:
            twice = key
            break
        seen.add(key)
    marked = _Repeated(document)
    marked.key, marked.values = twice, [value for key, value in pairs if key == twice]
    repeated.append(marked)
    return marked


def _repeated_key_message(document: object, records: object, marked: _Repeated) -> str:
    values = ", then ".join(cut(json.dumps(v, ensure_ascii=False), 40) for v in marked.values)
    said = f"the key {cut(marked.key, 60)!r} twice ({values})"
    if isinstance(records, list):
        for number, record in enumerate(records, start=1):
            if record is marked:
                return f"record {number} gives {said}"
    where = _json_path(document, marked, records)
    return f"{where} gives {said}"


def _json_path(document: object, marked: _Repeated, records: object) -> str:
    """Where in the document the object `marked` sits, as a steward can look it up; found
    without recursion (the document may be deeply nested)."""
    stack: list[tuple[object, str]] = [(document, "")]
    while stack:
        node, where = stack.pop()
        if node is marked:
            return f"the object at {where}" if where else "the top-level object"
        if node is records and isinstance(node, list):
            stack += [(item, f"record {n}") for n, item in enumerate(node, start=1)]
        elif isinstance(node, dict):
            stack += [
                (value, f"{where}, inside {cut(key, 60)!r}" if where else repr(cut(key, 60)))
                for key, value in node.items()
            ]
        elif isinstance(node, list):
            stack += [
                (item, f"{where}, item {n}" if where else f"item {n}") for n, item in enumerate(node, start=1)
            ]
    return "an object"


# ------------------------------------------------------------------ shared tail


def _tabulate(
    extract: Extract,
    path: Path,
    numbered_rows: Iterable[tuple[int, list[object]]],
    row_label: str = "row",
    header_row: tuple[int, list[object]] | None = None,
) -> RawTable:
    rows_iter = iter(numbered_rows)
    if header_row is not None:
        header_number, header_cells = header_row
        search = None
    else:
        search = find_header(extract, rows_iter)
        if search is None:
            raise ReadError(path.name, "empty_file")
        header_number, header_cells = search.number, search.cells
    checked = check_header(extract, header_cells, path.name)
    if checked.missing:
        raise ReadError(
            path.name,
            "columns_missing",
            columns=", ".join(f"{c.label} ({c.name})" for c in checked.missing),
            where=_where_the_header_was_looked_for(search, header_cells, row_label),
        )
    if checked.repeated:
        raise ReadError(
            path.name,
            "header_repeats",
            row_label=row_label,
            row=header_number,
            columns=", ".join(f"{extract.column(n).label} ({n})" for n in checked.repeated),
        )
    mapping, warnings = checked.mapping, checked.warnings
    columns = checked.columns
    table = RawTable(
        columns=columns,
        cells={name: [] for name in columns},
        row_numbers=[],
        warnings=warnings,
        row_label=row_label,
    )
    for number, cells in rows_iter:
        kind = classify_row(cells)
        if kind in ("blank", "footer"):
            continue
        record = {
            name: cell_text(cells[position]) if position < len(cells) else None
            for position, name in mapping.items()
        }
        if kind == "total":
            table.total_row, table.total_row_number = record, number
            continue
        for name, value in record.items():
            table.cells[name].append(value)
        table.row_numbers.append(number)
    if not table.row_numbers:
        raise ReadError(path.name, "no_data_rows")
    return table


def _where_the_header_was_looked_for(
    search: HeaderSearch | None, header_cells: list[object], row_label: str
) -> str:
    found = [str(h).strip() for h in header_cells if cell_text(h) is not None]
    if search is None:  # JSON: the records' keys are the header
        return render(TEXTS["header_keys"], found=", ".join(found) if found else "(none)")
    if search.named_any:
        return Message(
            "header_found_at", {"row_label": row_label, "row": search.number, "found": ", ".join(found)}
        ).text()
    if search.searched >= HEADER_SEARCH_ROWS:
        return Message(
            "header_not_in_first_rows", {"row_label": row_label, "limit": HEADER_SEARCH_ROWS}
        ).text()
    return Message("header_nowhere", {"row_label": row_label}).text()


def streams(path: Path) -> bool:
    """Whether the file is read as a stream of chunks: a CSV of TUNING.fast_csv_bytes or more."""
    return path.suffix.lower() == ".csv" and path.stat().st_size >= TUNING.fast_csv_bytes


def iter_tables(
    path: Path,
    extract: Extract,
    data: bytes | None = None,
    chunk_rows: int | None = None,
    hasher: Any = None,
    opener: Opener | None = None,
) -> Iterator[RawTable]:
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
        raise ReadError(path.name, "empty_file")
    refuse_compound_file(data, path)  # also when named .csv or .json
    suffix = path.suffix.lower()
    if suffix == ".csv":
        if len(data) >= TUNING.fast_csv_bytes:
            table = read_csv_columnar(data, path, extract)
            if table is not None:
                return table
        return _tabulate(extract, path, _csv_rows(data, path))
    if suffix == ".xlsx":
        return _read_xlsx(data, path, extract)
    if suffix == ".json":
        keys, rows = _json_rows(data, path, extract)
        return _tabulate(extract, path, rows, row_label=row_label_of(path), header_row=(0, list(keys)))
    raise ReadError(path.name, "unsupported_file_type", suffix=repr(suffix))


def read_csv_columnar(data: bytes, path: Path, extract: Extract) -> RawTable | None:
    """A large CSV already in memory, column-wise in one piece; None when it is not regular
    enough for that (the row-by-row reader then takes it)."""
    try:
        return next(csv_chunks(path, extract, chunk_rows=1 << 62, data=data))
    except IrregularCsv:
        return None
