"""Every column type of the data dictionary in one place: how its cells are normalised, the rule
their text must match, how a value is parsed, how the warehouse stores it, which cells it can
store and which checks it gets. Readers, validation, the writers and the warehouse schema ask
here. Standard library only at import (the registry, which DAG files import, reads the type
names here); SQLAlchemy, pandas and NumPy are imported by the methods that use them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from deptstats.core.normalize import normalize_choice, normalize_date, normalize_number, normalize_text

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from sqlalchemy.types import TypeEngine

# A yes/no cell, as the data dictionary writes it; nothing else spells these two words.
YES, NO = "是", "否"
YES_NO = {YES: True, NO: False}


def yes_no(truth: bool) -> str:
    """A truth value as a yes/no cell."""
    return YES if truth else NO


# NUMERIC(24, 6): 18 digits before the point, 6 after (the amount rule allows no more)
AMOUNT_PRECISION, AMOUNT_SCALE = 24, 6
LARGEST_AMOUNT = 10.0 ** (AMOUNT_PRECISION - AMOUNT_SCALE)
LARGEST_INTEGER = 2.0**63  # BIGINT


@dataclass(frozen=True)
class ColumnType:
    """A type the warehouse keeps as text (id, text, area, enum). The subclasses below are the
    types it keeps otherwise: each answers the same questions for its own storage."""

    name: str
    normalize: Callable[[str], str]
    pattern: tuple[str, str] | None = None  # the rule its text must match, and its code (core.messages)
    free_text: bool = False  # mostly distinct values: no distinct sets kept for the checks
    summed: bool = False  # added up against the file's total row
    unique: bool = False  # may appear once in a file
    bounded: bool = False  # may carry min and max in the registry
    exclusive_min: bool = False  # may carry min_exclusive in the registry: must be greater than 0
    value_set: str | None = None  # enum, yesno or area: one of a set of words
    emptiness_checked: bool = True  # a required column of this type must not be empty

    parsed: ClassVar[bool] = False  # a number or date is kept beside the text, under <name>__value
    whole_number: ClassVar[bool] = False  # written from its parsed value, as a 64-bit integer
    exact_in_sqlite: ClassVar[bool] = True  # False: SQLite keeps it as REAL (15 significant digits)
    date_format: ClassVar[str | None] = None  # a date, its normal text written so (strptime)
    # how PostgreSQL's COPY must spell a normal text it does not read as it is; None: as it is
    copy_spelling: ClassVar[Mapping[str, str] | None] = None

    def sql_type(self) -> TypeEngine:
        """The warehouse column's type. Text: whatever passes validation fits."""
        from sqlalchemy import Text

        return Text()

    def parse(self, texts: list[str | None]) -> np.ndarray:
        """The parsed values of normal texts (missing where a text does not parse); only for a
        parsed type."""
        raise TypeError(f"a {self.name} column has no parsed value")

    def storable(self, texts: pd.Series, values: pd.Series | None) -> np.ndarray:
        """Per row, whether a present cell can be stored as this type (normal `texts`, parsed
        `values` where the type is parsed). Text: anything but a NUL character, which
        PostgreSQL cannot store."""
        nul = texts.str.contains("\x00", regex=False)
        return ~nul.fillna(False).to_numpy(dtype=bool)

    def sqlite_value(self, text: str) -> Any:
        """A storable normal text as SQLite keeps it."""
        return text


@dataclass(frozen=True)
class YesNoType(ColumnType):
    """A yes/no column (YES or NO), kept as a boolean."""

    copy_spelling: ClassVar[Mapping[str, str] | None] = {YES: "true", NO: "false"}

    def sql_type(self) -> TypeEngine:
        from sqlalchemy import Boolean

        return Boolean()

    def storable(self, texts: pd.Series, values: pd.Series | None) -> np.ndarray:
        return texts.isin(list(YES_NO)).to_numpy()

    def sqlite_value(self, text: str) -> Any:
        truth = YES_NO.get(text)
        return None if truth is None else int(truth)


@dataclass(frozen=True)
class NumberType(ColumnType):
    """A number: its text parsed as a float beside it."""

    parsed: ClassVar[bool] = True

    def parse(self, texts: list[str | None]) -> np.ndarray:
        import pandas as pd

        return pd.to_numeric(pd.Series(texts, dtype="object"), errors="coerce").astype("float64").to_numpy()


@dataclass(frozen=True)
class WholeNumberType(NumberType):
    """A whole number, kept as BIGINT. Text and BIGINT: whatever passes validation fits."""

    whole_number: ClassVar[bool] = True

    def sql_type(self) -> TypeEngine:
        from sqlalchemy import BigInteger

        return BigInteger()

    def storable(self, texts: pd.Series, values: pd.Series | None) -> np.ndarray:
        import numpy as np

        numbers = _floats(values)
        with np.errstate(invalid="ignore"):
            return np.isfinite(numbers) & (numbers == np.floor(numbers)) & (np.abs(numbers) < LARGEST_INTEGER)

    def sqlite_value(self, text: str) -> Any:
        raise TypeError("whole numbers are written from their parsed values")


@dataclass(frozen=True)
class AmountType(NumberType):
    """A decimal amount, kept as NUMERIC(24, 6); SQLite has no decimal and keeps a float."""

    exact_in_sqlite: ClassVar[bool] = False

    def sql_type(self) -> TypeEngine:
        from sqlalchemy import Numeric

        return Numeric(AMOUNT_PRECISION, AMOUNT_SCALE)

    def storable(self, texts: pd.Series, values: pd.Series | None) -> np.ndarray:
        import numpy as np

        numbers = _floats(values)
        with np.errstate(invalid="ignore"):
            return np.isfinite(numbers) & (np.abs(numbers) < LARGEST_AMOUNT)

    def sqlite_value(self, text: str) -> Any:
        from decimal import Decimal

        return float(Decimal(text))


@dataclass(frozen=True)
class DateType(ColumnType):
    """A calendar date, its normal text ISO (2023-05-01), kept as DATE."""

    parsed: ClassVar[bool] = True
    date_format: ClassVar[str | None] = "%Y-%m-%d"

    def sql_type(self) -> TypeEngine:
        from sqlalchemy import Date

        return Date()

    def parse(self, texts: list[str | None]) -> np.ndarray:
        import pandas as pd

        return pd.to_datetime(
            pd.Series(texts, dtype="object"), format=self.date_format, errors="coerce"
        ).to_numpy()

    def storable(self, texts: pd.Series, values: pd.Series | None) -> np.ndarray:
        return _required(values).notna().to_numpy()


def _required(values: pd.Series | None) -> pd.Series:
    if values is None:
        raise TypeError("a parsed type's cells are stored from their parsed values")
    return values


def _floats(values: pd.Series | None) -> np.ndarray:
    import numpy as np

    return _required(values).to_numpy(dtype="float64", na_value=np.nan)


TYPES: dict[str, ColumnType] = {
    t.name: t
    for t in (
        ColumnType("id", normalize_text, free_text=True, unique=True),
        ColumnType("text", normalize_text, free_text=True, emptiness_checked=False),
        ColumnType("area", normalize_text, value_set="area"),
        ColumnType("enum", normalize_choice, value_set="enum"),
        YesNoType("yesno", normalize_choice, value_set="yesno"),
        WholeNumberType(
            "count",
            normalize_number,
            summed=True,
            pattern=(r"^[0-9]{1,15}$", "count_format"),
        ),
        WholeNumberType(
            "integer",
            normalize_number,
            bounded=True,
            pattern=(r"^-?[0-9]{1,15}$", "integer_format"),
        ),
        AmountType(
            "amount",
            normalize_number,
            summed=True,
            exclusive_min=True,
            pattern=(
                r"^[0-9]{1,18}(?:\.[0-9]{1,6})?$",
                "amount_format",
            ),
        ),
        DateType("date", normalize_date),
    )
}


def normalize_cell(column_type: str, text: str | None) -> str | None:
    return None if text is None else TYPES[column_type].normalize(text)
