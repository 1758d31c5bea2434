"""Each column type answers for its own storage: its warehouse type, how its text is parsed,
which cells it can store and what the writers put. No GX, no database server."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import BigInteger, Boolean, Date, Numeric, Text

from deptstats.core.column_types import NO, TYPES, YES, YES_NO, yes_no
from deptstats.core.registry import RegistryError, parse_registry
from tests.fixtures.shared_spec import DATA_DICTIONARY


def _registry_text(column_types: list[str]) -> str:
    """A registry of one extract with one column of each given type."""
    columns = ",\n".join(
        f'  {{ name = "c{i}", label = "列{i}", type = "{name}"'
        + (', values = ["甲", "乙"]' if name == "enum" else "")
        + " }"
        for i, name in enumerate(column_types)
    )
    return f"""
indicators = []

[areas]
names = ["浒山街道"]
citywide = "全市"

[[departments]]
code = "d"
name = "部门"
name_en = "Department"

[[extracts]]
code = "e"
department = "d"
name = "样例"
period = "year"
kind = "flow"
grain = "one row per thing"
columns = [
{columns}
]
"""


def test_the_registry_accepts_exactly_the_types_there_are():
    registry = parse_registry(_registry_text(list(TYPES)))
    assert [c.type for c in registry.extract("e").columns] == list(TYPES)
    with pytest.raises(RegistryError, match="unknown type 'number'"):
        parse_registry(_registry_text(["id", "number"]))


def test_yes_and_no_are_the_words_of_the_data_dictionary():
    dictionary = json.loads(DATA_DICTIONARY.read_text(encoding="utf-8"))
    assert dictionary["yes_no"] == [YES, NO]
    assert YES_NO == {YES: True, NO: False}
    assert (yes_no(True), yes_no(False)) == (YES, NO)


def test_each_type_names_its_warehouse_type():
    kinds = {name: type(spec.sql_type()) for name, spec in TYPES.items()}
    assert kinds == {
        "id": Text,
        "text": Text,
        "area": Text,
        "enum": Text,
        "yesno": Boolean,
        "count": BigInteger,
        "integer": BigInteger,
        "amount": Numeric,
        "date": Date,
    }
    amount = TYPES["amount"].sql_type()
    assert (amount.precision, amount.scale) == (24, 6)


def test_only_numbers_and_dates_are_parsed_and_only_whole_numbers_written_as_integers():
    assert {n for n, t in TYPES.items() if t.parsed} == {"count", "integer", "amount", "date"}
    assert {n for n, t in TYPES.items() if t.whole_number} == {"count", "integer"}
    assert {n for n, t in TYPES.items() if not t.exact_in_sqlite} == {"amount"}
    assert {n: t.date_format for n, t in TYPES.items() if t.date_format} == {"date": "%Y-%m-%d"}
    with pytest.raises(TypeError, match="no parsed value"):
        TYPES["text"].parse(["a"])


def test_numbers_parse_as_floats_and_what_is_no_number_is_missing():
    values = TYPES["amount"].parse(["10.5", "abc", None, "1e400"])
    assert values.dtype == np.float64
    assert values[0] == 10.5 and math.isnan(values[1]) and math.isnan(values[2]) and math.isinf(values[3])
    assert TYPES["count"].parse(["7"]).tolist() == [7.0]


def test_dates_parse_as_dates_and_an_impossible_date_is_missing():
    values = TYPES["date"].parse(["2023-05-01", "2023-02-30", None])
    assert np.issubdtype(values.dtype, np.datetime64)
    assert values[0] == np.datetime64("2023-05-01")
    assert np.isnat(values[1]) and np.isnat(values[2])


def _storable(name: str, texts: list[str | None]) -> list[bool]:
    spec = TYPES[name]
    parsed = pd.Series(spec.parse(texts)) if spec.parsed else None
    return spec.storable(pd.Series(texts, dtype="object"), parsed).tolist()


def test_which_cells_each_type_can_store():
    assert _storable("text", ["a", "a\x00b"]) == [True, False]  # PostgreSQL stores no NUL
    assert _storable("yesno", [YES, NO, "Y"]) == [True, True, False]
    assert _storable("count", ["2", "2.5", "abc", "9223372036854775808"]) == [True, False, False, False]
    assert _storable("integer", ["-3"]) == [True]
    # NUMERIC(24, 6) holds 18 digits before the point
    assert _storable("amount", ["10.5", "abc", "1e400", "1" + "0" * 18]) == [True, False, False, False]
    assert _storable("date", ["2023-05-01", "2023-02-30"]) == [True, False]


def test_a_parsed_type_needs_its_parsed_values_to_tell():
    with pytest.raises(TypeError, match="parsed values"):
        TYPES["count"].storable(pd.Series(["2"]), None)


def test_what_sqlite_keeps_of_each_type():
    assert TYPES["amount"].sqlite_value("14881.61") == 14881.61
    assert [TYPES["yesno"].sqlite_value(t) for t in (YES, NO, "Y")] == [1, 0, None]
    assert TYPES["date"].sqlite_value("2023-05-01") == "2023-05-01"
    assert TYPES["id"].sqlite_value(" L1") == " L1"
    with pytest.raises(TypeError, match="parsed values"):
        TYPES["count"].sqlite_value("2")


def test_only_yes_and_no_are_spelled_otherwise_for_copy():
    assert {n: t.copy_spelling for n, t in TYPES.items() if t.copy_spelling} == {
        "yesno": {YES: "true", NO: "false"}
    }
