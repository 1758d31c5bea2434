"""The figures as an XLSX workbook, for people who work in Excel or WPS: the same columns as
`deptstats figures --format json`, headed in the reader's language."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from deptstats.core import N_, Speaker, openpyxl_without_lxml

HEADERS = {
    "indicator": N_("Indicator"),
    "period": N_("Period"),
    "area": N_("Area (blank = citywide)"),
    "value": N_("Value"),
    "numerator": N_("Numerator"),
    "denominator": N_("Denominator"),
    "display": N_("As the reply writes it"),
    "status": N_("Status"),
    "note": N_("Note"),
    "sql_file": N_("SQL file"),
    "batch_id": N_("Load batch"),
    "file": N_("Delivered file"),
    "sha256": N_("File SHA-256"),
    "validation_id": N_("Validation run"),
    "suite": N_("Validation suite"),
    "validation": N_("Validation result"),
    "validation_errors": N_("Validation errors"),
    "validation_warnings": N_("Validation warnings"),
    "source_rows": N_("Rows in the file"),
}
NUMBERS = {"value", "numerator", "denominator"}  # exact strings in the rows; numbers in a sheet
FORMULA_START = ("=", "+", "-", "@")


def write_figures_xlsx(rows: list[dict[str, Any]], path: Path, language: str | None = None) -> int:
    """Write `rows` (deptstats.indicators.figures) to one sheet at `path`; the number of rows.
    A text cell that a spreadsheet would take for a formula (= + - @ first) is kept as text."""
    openpyxl = openpyxl_without_lxml()
    _ = Speaker(language)
    columns = list(rows[0]) if rows else list(HEADERS)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = _("Figures")
    sheet.append([_(HEADERS[c]) if c in HEADERS else c for c in columns])
    for row in rows:
        sheet.append([_cell_value(c, row.get(c)) for c in columns])
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                cell.data_type = "s"  # openpyxl took it for a formula
                cell.quotePrefix = True  # and Excel or WPS would, once the cell is edited
    sheet.freeze_panes = "A2"
    book.save(path)
    return len(rows)


def _cell_value(column: str, value: Any) -> Any:
    if column in NUMBERS and isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value
