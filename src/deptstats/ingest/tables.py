"""What every reader hands on: the rows of a delivered file as text (RawTable), the header
matched to the registry's columns, and each row classified as blank, footer, total or data. The
row-by-row readers (deptstats.ingest.readers) and the streaming CSV reader (deptstats.ingest.csv_stream)
share these, so both read a file the same way."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from deptstats.core import Column, Extract, Message, yes_no

TOTAL_MARKERS = ("合计", "总计")
HEADER_SEARCH_ROWS = 30  # the header is looked for among a sheet's first rows, under its title
FOOTER_PREFIXES = ("填报单位", "填报人", "填报日期", "注:", "制表", "审核", "联系电话", "单位负责人")

Opener = Callable[[], BinaryIO]


def binary_opener(path: Path) -> Opener:
    return lambda: path.open("rb")


class IrregularCsv(Exception):
    """The column-wise reader cannot take this CSV (a title row, ragged rows, bytes that are
    not the encoding its head suggested); the row-by-row reader takes it and says what is
    wrong. Raised before or while chunks are yielded: the caller starts again."""


class ReadError(ValueError):
    """The file cannot be read as the extract it claims to be: why, as a code of
    core.messages and its parameters (`message`); str() says it after the file's name, in the
    deployment's language."""

    def __init__(self, file_name: str, code: str, **params: Any) -> None:
        self.file_name = file_name
        self.message = Message(code, params)
        super().__init__(f"{file_name}: {self.message.text()}")


@dataclass
class RawTable:
    """Data rows of one file as text, column by column under the canonical names; a column
    is a list or a pandas Series of str/None, one entry per data row."""

    columns: list[str]
    cells: dict[str, Sequence[str | None]]
    row_numbers: Sequence[int]
    total_row: dict[str, str | None] | None = None
    total_row_number: int | None = None
    warnings: list[Message] = field(default_factory=list)  # said of the file as a whole
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


def cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return yes_no(value)
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


def match_headers(extract: Extract, headers: list[object]) -> dict[int, str]:
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
        found = match_headers(extract, [header])
        if found:
            seen[found[0]] = seen.get(found[0], 0) + 1
    return [name for name, count in seen.items() if count > 1]


def _compact(text: str) -> str:
    """Full-width folded, all white space removed: 合  计 -> 合计, 注： -> 注:."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _first_text(cells: list[object]) -> str | None:
    for cell in cells:
        text = cell_text(cell)
        if text is not None:
            return text
    return None


def classify_row(cells: Sequence[object]) -> str:
    """blank, footer (填报单位：…, 注：…: one filled cell with a colon), total (合计) or data."""
    first = _first_text(cells)
    if first is None:
        return "blank"
    key = _compact(first)
    filled = sum(cell_text(cell) is not None for cell in cells)
    if key.startswith(FOOTER_PREFIXES) or (filled == 1 and ":" in key):
        return "footer"
    return "total" if key in TOTAL_MARKERS else "data"


@dataclass(frozen=True)
class Header:
    """A header row matched to the extract: position -> column, what it lacks or repeats."""

    mapping: dict[int, str]
    missing: list[Column]
    repeated: list[str]
    warnings: list[Message] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # the columns it has, in extract order


def check_header(extract: Extract, cells: list[object], file_name: str) -> Header:
    mapping = match_headers(extract, cells)
    missing = [c for c in extract.columns if c.required and c.name not in mapping.values()]
    warnings = [
        Message("unknown_column", {"header": repr(str(h).strip())})
        for position, h in enumerate(cells)
        if cell_text(h) is not None and position not in mapping
    ]
    columns = [c.name for c in extract.columns if c.name in mapping.values()]
    return Header(mapping, missing, _repeated(extract, cells), warnings, columns)


@dataclass(frozen=True)
class HeaderSearch:
    """The row that names most of the extract's columns among a file's first rows."""

    number: int
    cells: list[object]
    complete: bool  # it names every required column
    named_any: bool  # it names at least one column
    searched: int  # rows looked at


def find_header(extract: Extract, rows: Iterator[tuple[int, list[object]]]) -> HeaderSearch | None:
    """The first row naming every required column, else the row naming most, among the first
    HEADER_SEARCH_ROWS rows (title rows sit above the header); None for no rows. Consumes
    `rows` up to and including that row, so the data rows follow."""
    required = {c.name for c in extract.columns if c.required}
    best: tuple[int, list[object], dict[int, str]] | None = None
    searched = 0
    for number, cells in rows:
        searched += 1
        mapping = match_headers(extract, cells)
        complete = required <= set(mapping.values())
        if best is None or complete or len(mapping) > len(best[2]):
            best = (number, cells, mapping)
        if complete or searched >= HEADER_SEARCH_ROWS:
            break
    if best is None:
        return None
    number, cells, mapping = best
    return HeaderSearch(number, cells, required <= set(mapping.values()), bool(mapping), searched)
