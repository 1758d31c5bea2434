"""The worksheet of a delivered XLSX that holds the data, as anyone opening the workbook sees it.

A hidden sheet is never read: a hidden copy of the data with some cells changed, put first,
would otherwise be published while the workbook shows the real one. The data sheet is the one
visible sheet holding the header; rows and columns hidden inside it are still read, and said.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.sax.handler import ContentHandler

from deptstats.core import TEXTS, Message, cut, openpyxl_without_lxml, printable, render
from deptstats.ingest.file_kinds import refuse_compound_file
from deptstats.ingest.tables import HeaderSearch, ReadError, cell_text

# A worksheet is read up to this column: a stray cell in column XFD would otherwise pad every
# row to 16,384 cells. Extracts have a dozen columns at most.
XLSX_COLUMNS = 64
# Uncompressed size of any one part of a workbook, and of all parts together: a 200 KB file can
# unpack to gigabytes.
XLSX_PART_BYTES = 64 * 1024 * 1024
XLSX_TOTAL_BYTES = 256 * 1024 * 1024
SHOWN_HIDDEN_ROWS = 10

Rows = Iterator[tuple[int, list[object]]]
HeaderFinder = Callable[[Rows], "HeaderSearch | None"]


class Workbook:
    """An XLSX opened read-only, its parts' sizes checked before any is unpacked."""

    def __init__(self, data: bytes, path: Path):
        openpyxl = openpyxl_without_lxml()
        refuse_compound_file(data, path)
        self.path = path
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
            _check_parts(self.archive, path)
            self.book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
            raise ReadError(
                path.name, "workbook_unreadable", error=f"{error.__class__.__name__}: {error}"
            ) from error

    def close(self) -> None:
        self.book.close()
        self.archive.close()

    def rows(self, sheet: Any) -> Rows:
        """The sheet's rows, numbered as Excel shows them."""
        number = 0
        try:
            sheet.reset_dimensions()  # the stored size may be wrong; read every row there is
            rows = sheet.iter_rows(values_only=True, max_col=XLSX_COLUMNS)
            for number, cells in enumerate(rows, start=1):
                yield number, list(cells)
        except Exception as error:  # a damaged sheet fails while its rows are read
            raise ReadError(
                self.path.name,
                "sheet_damaged",
                sheet=_name(sheet),
                row=number,
                error=f"{error.__class__.__name__}: {error}",
            ) from error

    def data_sheet(self, find_header: HeaderFinder) -> tuple[Any, HeaderSearch | None]:
        """The visible sheet holding the header, and the header. Refused when the header is on
        several visible sheets, or on a hidden one (never read: a hidden copy with changed
        cells beside the sheet everyone sees leaves open which figures are meant). A workbook
        without the header anywhere gives its first visible sheet (whose reading says what
        is missing)."""
        visible = [s for s in self.book.worksheets if s.sheet_state == "visible"]
        if not visible:
            raise ReadError(self.path.name, "no_visible_sheet")
        found = [(sheet, self._header(sheet, find_header)) for sheet in visible]
        holding = [(sheet, header) for sheet, header in found if header and header.complete]
        if len(holding) > 1:
            raise ReadError(
                self.path.name,
                "header_on_sheets",
                sheets=", ".join(
                    render(TEXTS["sheet_row"], sheet=_name(s), row=h.number) for s, h in holding
                ),
            )
        hidden = [
            s
            for s in self.book.worksheets
            if s.sheet_state != "visible" and (header := self._header(s, find_header)) and header.complete
        ]
        if hidden:
            which = ("very_hidden" if {s.sheet_state for s in hidden} == {"veryHidden"} else "hidden") + (
                "_sheets" if len(hidden) > 1 else "_sheet"
            )
            names = render(TEXTS[which], names=", ".join(_name(s) for s in hidden))
            if holding:
                raise ReadError(
                    self.path.name, "header_also_hidden", sheet=_name(holding[0][0]), hidden=names
                )
            raise ReadError(self.path.name, "header_only_hidden", hidden=names)
        if holding:
            return holding[0]
        return visible[0], found[0][1]

    def _header(self, sheet: Any, find_header: HeaderFinder) -> HeaderSearch | None:
        return find_header(self.rows(sheet))

    def hidden_warnings(self, sheet: Any, header: HeaderSearch) -> list[Message]:
        """Rows below the header and header columns that Excel hides: their cells are read
        and published all the same, so the steward is told which."""
        part = getattr(sheet, "_worksheet_path", "").lstrip("/")  # openpyxl's name of the part
        if not part or not self._mentions_hidden(part):
            return []
        finder = _HiddenRowsAndColumns(after_row=header.number)
        from defusedxml.sax import make_parser

        parser = make_parser()
        parser.setContentHandler(finder)
        with self.archive.open(part) as source:
            parser.parse(source)
        warnings = []
        if finder.rows:
            shown = ", ".join(map(str, finder.rows))
            more = finder.count - len(finder.rows)
            code = "hidden_row" if finder.count == 1 else ("hidden_rows_more" if more else "hidden_rows")
            warnings.append(Message(code, {"rows": shown, "more": more, "sheet": _name(sheet)}))
        named = [
            (position, header.cells[position])
            for position in sorted(finder.columns)
            if position < len(header.cells) and cell_text(header.cells[position])
        ]
        if named:
            shown = ", ".join(f"{_letter(p)} ({cut(printable(cell_text(c)), 40)})" for p, c in named)
            code = "hidden_columns" if len(named) > 1 else "hidden_column"
            warnings.append(Message(code, {"columns": shown, "sheet": _name(sheet)}))
        return warnings

    def _mentions_hidden(self, part: str) -> bool:
        """Whether the sheet's XML has the word at all: cheaper than parsing it."""
        tail = b""
        with self.archive.open(part) as source:
            while block := source.read(1 << 20):
                if b"hidden" in tail + block[:16] or b"hidden" in block:
                    return True
                tail = block[-16:]
        return False


class _HiddenRowsAndColumns(ContentHandler):
    """Hidden rows holding a value below `after_row`, and hidden columns, of a sheet's XML
    read as a stream (memory stays bounded whatever the sheet's size)."""

    def __init__(self, after_row: int):
        super().__init__()
        self.after_row = after_row
        self.rows: list[int] = []  # the first SHOWN_HIDDEN_ROWS
        self.count = 0
        self.columns: set[int] = set()  # positions from 0
        self._row = 0
        self._row_hidden = False
        self._row_has_value = False

    def startElement(self, name: str, attrs: Any) -> None:  # noqa: N802 (SAX's name)
        local = name.rsplit(":", 1)[-1]
        if local == "row":
            number = attrs.get("r")
            self._row = int(number) if number and number.isdigit() else self._row + 1
            self._row_hidden = _true(attrs.get("hidden"))
            self._row_has_value = False
        elif local in ("v", "is") and self._row_hidden:
            self._row_has_value = True
        elif local == "col" and _true(attrs.get("hidden")):
            first, last = _int(attrs.get("min")), _int(attrs.get("max"))
            if first and last:
                self.columns.update(range(first - 1, min(last, XLSX_COLUMNS)))

    def endElement(self, name: str) -> None:  # noqa: N802 (SAX's name)
        if name.rsplit(":", 1)[-1] != "row":
            return
        if self._row_hidden and self._row_has_value and self._row > self.after_row:
            self.count += 1
            if len(self.rows) < SHOWN_HIDDEN_ROWS:
                self.rows.append(self._row)
        self._row_hidden = False


def _true(value: str | None) -> bool:
    return value in ("1", "true")


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def _letter(position: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(position + 1)


def _name(sheet: Any) -> str:
    return repr(cut(printable(sheet.title), 60))


def _check_parts(archive: Any, path: Path) -> None:
    """Refuse a workbook whose parts unpack too large, before any is unpacked (the sizes are
    the archive's own: zipfile reads no more than a part declares)."""
    total = 0
    for part in archive.infolist():
        total += part.file_size
        if part.file_size > XLSX_PART_BYTES or total > XLSX_TOTAL_BYTES:
            limit = XLSX_PART_BYTES if part.file_size > XLSX_PART_BYTES else XLSX_TOTAL_BYTES
            raise ReadError(
                path.name,
                "workbook_too_large",
                limit=limit // 2**20,
                part=cut(part.filename),
                size=part.file_size // 2**20,
            )
