"""Read a delivered file (CSV, XLSX or JSON) into rows of text, as the steward sees them.

Every reader yields (row number as seen in the file, cells). The shared tail finds the header,
drops blank rows, footer lines and the total row (kept aside for reconciliation), and maps
headers to the registry's canonical column names.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from deptstats.registry import Extract

ENCODINGS = ("utf-8", "gb18030")
TOTAL_MARKERS = ("合计", "总计")
FOOTER_PREFIXES = ("填报单位", "填报人", "填报日期", "注:", "制表", "审核", "联系电话", "单位负责人")
HEADER_SEARCH_ROWS = 30
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

    def __len__(self) -> int:
        return len(self.row_numbers)

    def value(self, index: int, column: str) -> str | None:
        cells = self.cells.get(column)
        if cells is None:
            return None
        value = cells[index]
        return None if value is None or value != value else value  # NaN from pandas: empty

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
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ReadError(
            f"{path.name}: not a readable XLSX workbook ({error.__class__.__name__}: {error})"
        ) from error
    number = 0
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the stored size may be wrong; read every row there is
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(cells)
    except ReadError:
        raise
    except Exception as error:  # a damaged sheet fails while its rows are read
        raise ReadError(f"{path.name}: the first sheet is damaged after row {number} "
                        f"({error.__class__.__name__}: {error})") from error
    finally:
        workbook.close()


def _json_rows(data: bytes, path: Path, extract: Extract
               ) -> tuple[list[str], Iterator[tuple[int, list[object]]]]:
    """Header and rows of a JSON delivery; keys naming the same column (Chinese or canonical
    name) are merged, so records may spell their keys either way."""
    try:
        document = json.loads(_decode(data, path))
    except json.JSONDecodeError as error:
        raise ReadError(f"{path.name}: not valid JSON ({error})") from error
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


FAST_CSV_BYTES = 4 * 1024 * 1024
TAIL_ROWS = 50


def _csv_columnar(data: bytes, path: Path, extract: Extract) -> RawTable | None:
    """Large CSV files through pyarrow's reader, every cell as text and the header on the
    first line (as the data dictionary has CSV). None when the file is not that regular (a
    title row, ragged rows): the row-by-row reader then takes it. Total and footer rows are
    looked for among the last TAIL_ROWS rows, where departments put them."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pacsv

    # UTF-8 (the usual case for large files) goes to pyarrow as the bytes it is, so the file
    # is never held as a Python str (up to four bytes a character); other encodings are
    # decoded and re-encoded first.
    utf8 = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        head = utf8[:65536].decode("utf-8", errors="strict")
    except UnicodeDecodeError as error:
        head = None if error.start < 65536 - 4 else utf8[:error.start].decode("utf-8")
    if head is None:
        utf8 = _decode(data, path).encode("utf-8")
        head = utf8[:65536].decode("utf-8", errors="ignore")
    header = next(csv.reader(io.StringIO(head, newline="")), [])
    mapping = _match_headers(extract, header)
    required = {c.name for c in extract.columns if c.required}
    if not required <= set(mapping.values()) or _repeated(extract, header):
        return None
    names = [f"c{i}" for i in range(len(header))]
    try:
        arrow = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(utf8)),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1,
                                           block_size=16 << 20),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # not UTF-8 after all, or ragged: the row-by-row reader says what is wrong
    del utf8
    frame = pd.DataFrame({name: arrow.column(name).to_pandas() for name in names})
    del arrow
    for name in names:
        stripped = frame[name].str.strip()
        frame[name] = stripped.where(stripped != "", None)
    frame["row"] = pd.RangeIndex(2, len(frame) + 2)  # the header is row 1
    frame = frame[frame[names].notna().any(axis=1)]  # blank rows
    tail = frame.tail(TAIL_ROWS)
    total_row = total_number = None
    drop = []
    for index, record in tail.iterrows():
        cells = [record[n] for n in names]
        first = _first_text(cells)
        key = _compact(first)
        filled = [c for c in cells if c is not None]
        if key.startswith(FOOTER_PREFIXES) or (len(filled) == 1 and ":" in key):
            drop.append(index)
        elif key in TOTAL_MARKERS:
            total_number = int(record["row"])
            total_row = {name: record[f"c{pos}"] for pos, name in mapping.items()}
            drop.append(index)
    frame = frame.drop(index=drop)
    if frame.empty:
        raise ReadError(f"{path.name}: the file has a header but no data rows")
    warnings = [f"{path.name}: unknown column {str(h).strip()!r} ignored"
                for position, h in enumerate(header)
                if _cell_text(h) is not None and position not in mapping]
    columns = [c.name for c in extract.columns if c.name in mapping.values()]
    by_name = {name: f"c{pos}" for pos, name in mapping.items()}
    return RawTable(columns=columns,
                    cells={name: frame[by_name[name]].reset_index(drop=True) for name in columns},
                    row_numbers=frame["row"].to_numpy(), total_row=total_row,
                    total_row_number=total_number, warnings=warnings)


def read_file(path: Path, extract: Extract, data: bytes | None = None) -> RawTable:
    """Rows of a delivered file as text, mapped to the extract's canonical column names."""
    if data is None:
        data = path.read_bytes()
    if not data.strip():
        raise ReadError(f"{path.name}: the file is empty")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        if len(data) >= FAST_CSV_BYTES:
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


# ------------------------------------------------------------------ cell normalisation

_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_DATE_FORMS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)
_EXCEL_SERIAL = re.compile(r"^\d{5}(\.0+)?$")


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
