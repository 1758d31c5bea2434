"""Every column type of the data dictionary in one place: how its cells are normalised, the rule
their text must match, whether a value is parsed, how the warehouse stores it and which checks
it gets. Readers, validation, the writers and the warehouse schema ask here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import BigInteger, Boolean, Date, Numeric, Text
from sqlalchemy.types import TypeEngine

from deptstats.core.normalize import normalize_choice, normalize_date, normalize_number, normalize_text

# NUMERIC(24, 6): 18 digits before the point, 6 after (the amount rule allows no more)
AMOUNT_SQL = Numeric(24, 6)


@dataclass(frozen=True)
class ColumnType:
    name: str
    normalize: Callable[[str], str]
    sql: Callable[[], TypeEngine]  # Text and BigInteger: whatever passes validation fits
    stored: str = "text"  # how writers store it: text, integer, decimal, date or boolean
    pattern: tuple[str, str] | None = None  # the rule its text must match, and its wording
    parsed: bool = False  # a number or date is kept beside the text, under <name>__value
    free_text: bool = False  # mostly distinct values: no distinct sets kept for the checks
    summed: bool = False  # added up against the file's total row
    unique: bool = False  # may appear once in a file
    bounded: bool = False  # may carry min and max in the registry
    value_set: str | None = None  # enum, yesno or area: one of a set of words
    emptiness_checked: bool = True  # a required column of this type must not be empty


TYPES: dict[str, ColumnType] = {
    t.name: t
    for t in (
        ColumnType("id", normalize_text, Text, free_text=True, unique=True),
        ColumnType("text", normalize_text, Text, free_text=True, emptiness_checked=False),
        ColumnType("area", normalize_text, Text, value_set="area"),
        ColumnType("enum", normalize_choice, Text, value_set="enum"),
        ColumnType("yesno", normalize_choice, Boolean, stored="boolean", value_set="yesno"),
        ColumnType(
            "count",
            normalize_number,
            BigInteger,
            stored="integer",
            parsed=True,
            summed=True,
            pattern=(r"^[0-9]{1,15}$", "must be a whole number >= 0"),
        ),
        ColumnType(
            "integer",
            normalize_number,
            BigInteger,
            stored="integer",
            parsed=True,
            bounded=True,
            pattern=(r"^-?[0-9]{1,15}$", "must be a whole number"),
        ),
        ColumnType(
            "amount",
            normalize_number,
            lambda: AMOUNT_SQL,
            stored="decimal",
            parsed=True,
            summed=True,
            pattern=(
                r"^[0-9]{1,18}(?:\.[0-9]{1,6})?$",
                "must be a decimal amount >= 0 (at most 18 digits before the point, 6 after)",
            ),
        ),
        ColumnType("date", normalize_date, Date, stored="date", parsed=True),
    )
}


def normalize_cell(column_type: str, text: str | None) -> str | None:
    return None if text is None else TYPES[column_type].normalize(text)
