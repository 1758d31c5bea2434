"""Every problem of one load batch: a page of them at a time for the problems page, and all of
them as CSV (UTF-8 with a BOM, so that Excel and WPS read the Chinese right) or XLSX, headed in
the reader's language. A delivered value may look like a formula: in a download every cell that
starts with = + - @, a tab or a carriage return gets a leading apostrophe, so that a spreadsheet
shows it as text and never runs it."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine

from deptstats.airflow.steward import problem_of
from deptstats.airflow.steward_text import severity_word
from deptstats.core import N_, Registry, Speaker, openpyxl_without_lxml
from deptstats.indicators import query

PAGE_SIZE = 200
# Rows read at a time for a download.
CHUNK = 5_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = (
    ("row", N_("Row")),
    ("row_key", N_("Row key")),
    ("title", N_("Column")),
    ("value", N_("Value")),
    ("other_title", N_("Other column")),
    ("other_value", N_("Other value")),
    ("rule", N_("Rule")),
    ("severity", N_("Severity")),
    ("advice", N_("What to fix")),
)


def batch(engine: Engine, batch_id: int) -> dict[str, Any] | None:
    """The load batch with its file, extract, period, run, times and problem counts, or None."""
    rows = query(engine, "batch", batch_id=batch_id)
    return rows[0] if rows else None


def pages(total: int) -> int:
    return max(1, math.ceil(total / PAGE_SIZE))


def page_of(
    engine: Engine, heading: dict[str, Any], page: int, registry: Registry, language: str
) -> list[dict[str, Any]]:
    """Problems (page - 1) * PAGE_SIZE + 1 … page * PAGE_SIZE of the batch."""
    rows = query(
        engine,
        "batch_problems",
        batch_id=heading["batch_id"],
        max_rows=PAGE_SIZE,
        skip_rows=(page - 1) * PAGE_SIZE,
    )
    return [problem_of(row, heading["extract"], registry, language) for row in rows]


def inert(value: Any) -> Any:
    """A cell a spreadsheet shows as text: one that could start a formula gets an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _all_rows(
    engine: Engine, heading: dict[str, Any], registry: Registry, language: str
) -> Iterator[list[Any]]:
    """Every problem of the batch as the download's cells, read CHUNK rows at a time."""
    speaker = Speaker(language)
    skip = 0
    while True:
        rows = query(engine, "batch_problems", batch_id=heading["batch_id"], max_rows=CHUNK, skip_rows=skip)
        for row in rows:
            problem = problem_of(row, heading["extract"], registry, language)
            problem["severity"] = speaker.gettext(severity_word(problem["severity"]))
            yield [inert(problem[key]) for key, _title in COLUMNS]
        if len(rows) < CHUNK:
            return
        skip += CHUNK


def header(language: str) -> list[str]:
    speaker = Speaker(language)
    return [speaker.gettext(title) for _key, title in COLUMNS]


def csv_lines(engine: Engine, heading: dict[str, Any], registry: Registry, language: str) -> Iterator[bytes]:
    """The CSV, a line at a time, as UTF-8 with a byte order mark first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header(language))
    yield b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")
    for cells in _all_rows(engine, heading, registry, language):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(["" if cell is None else cell for cell in cells])
        yield buffer.getvalue().encode("utf-8")


def xlsx_bytes(engine: Engine, heading: dict[str, Any], registry: Registry, language: str) -> bytes:
    """The workbook: one sheet, the header row, one row per problem, every value as text or a
    whole number (characters XLSX cannot hold are written as \\xNN)."""
    openpyxl = openpyxl_without_lxml()
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title=f"batch {heading['batch_id']}")
    sheet.append(header(language))

    def storable(cell: Any) -> Any:
        if not isinstance(cell, str):
            return cell
        return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", cell)

    for cells in _all_rows(engine, heading, registry, language):
        sheet.append([storable(cell) for cell in cells])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
