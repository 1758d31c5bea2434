"""Cells no column may hold whatever its type, and amounts the warehouse cannot keep exactly:
found without Great Expectations, on the cells as delivered."""

from __future__ import annotations

import re

from deptstats.core import TYPES, Extract, Message, normalize_number
from deptstats.ingest import RawTable
from deptstats.validation.results import (
    CELL_CHARACTERS,
    PATTERNS,
    Problem,
    column_title,
    row_key_of,
)


def cell_problems(extract: Extract, table: RawTable, key: str | None = None) -> list[Problem]:
    """Cells no column may hold, whatever its type: a NUL character (PostgreSQL cannot store
    it; nothing a department types has one), or more than CELL_CHARACTERS characters. `key`:
    the column that names a row."""
    problems = []
    for column, cells in table.cells.items():
        if isinstance(cells, list):
            found = [
                i
                for i, cell in enumerate(cells)
                if isinstance(cell, str) and ("\x00" in cell or len(cell) > CELL_CHARACTERS)
            ]
        else:  # Arrow-backed text of a streamed chunk
            suspect = cells.str.contains("\x00", regex=False) | (cells.str.len() > CELL_CHARACTERS)
            found = suspect.fillna(False).to_numpy().nonzero()[0].tolist()
        title = column_title(extract, column)
        for index in found:
            value = table.value(index, column) or ""
            rule = (
                Message("nul_character", {"column": title})
                if "\x00" in value
                else Message("too_long", {"column": title, "limit": CELL_CHARACTERS})
            )
            problems.append(
                Problem(
                    "error",
                    rule,
                    int(table.row_numbers[index]),
                    column,
                    value,
                    row_key=row_key_of(key, table, index),
                )
            )
    return problems


AMOUNT = re.compile(PATTERNS["amount"][0])


def significant_digits(amount: str) -> int:
    """Significant digits of a decimal amount as written (1,234.50 has 5)."""
    whole, _, fraction = normalize_number(amount).lstrip("+-").partition(".")
    return len((whole + fraction.rstrip("0")).lstrip("0"))


def inexact_amounts(extract: Extract, table: RawTable, digits: int, key: str | None = None) -> list[Problem]:
    """Amounts the warehouse could not keep exactly (SQLite keeps 15 significant digits).
    `key`: the column that names a row."""
    problems = []
    for column in (c for c in extract.columns if not TYPES[c.type].exact_in_sqlite):
        cells = table.cells.get(column.name)
        if cells is None:
            continue
        # only a cell longer than `digits` characters can hold more digits
        if isinstance(cells, list):
            longer = [i for i, cell in enumerate(cells) if isinstance(cell, str) and len(cell) > digits]
        else:
            longer = (cells.str.len() > digits).fillna(False).to_numpy().nonzero()[0].tolist()
        for index in longer:
            value = table.value(index, column.name)
            # an amount the amount rule refuses is already a problem of its own
            if (
                value is not None
                and AMOUNT.match(normalize_number(value))
                and significant_digits(value) > digits
            ):
                problems.append(
                    Problem(
                        "error",
                        Message(
                            "inexact_amount", {"column": column_title(extract, column.name), "digits": digits}
                        ),
                        int(table.row_numbers[index]),
                        column.name,
                        value,
                        row_key=row_key_of(key, table, index),
                    )
                )
    return problems
