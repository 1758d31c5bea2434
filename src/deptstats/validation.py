"""Great Expectations suites built from the registry, and what they say about one file.

The frame GX sees holds, per column, the normalised text under the canonical name and, for
numbers and dates, the parsed value under `<name>__value`; `source_row` is the row number as the
steward sees it in the file, so every failure names its row.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deptstats.periods import Period
from deptstats.printable import cut
from deptstats.readers import RawTable, normalize_cell, normalize_number
from deptstats.registry import Column, Extract, Registry

if TYPE_CHECKING:
    import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

ROW = "source_row"
VALUE = "__value"
TYPED = {"count", "integer", "amount", "date"}
PATTERNS = {
    "count": (r"^[0-9]{1,15}$", "must be a whole number >= 0"),
    "integer": (r"^-?[0-9]{1,15}$", "must be a whole number"),
    # the warehouse keeps amounts as NUMERIC(24, 6): 18 digits before the point, 6 after
    "amount": (r"^[0-9]{1,18}(?:\.[0-9]{1,6})?$",
               "must be a decimal amount >= 0 (at most 18 digits before the point, 6 after)"),
}
CELL_CHARACTERS = 1000  # no cell of the data dictionary comes near this
DATE_WORDING = "must be a date: 2023-05-01, 2023/5/1, 2023年5月1日 or an Excel date"


@dataclass(frozen=True)
class Problem:
    """One failing row (or, for file-level rules, row None) of one rule."""

    severity: str
    rule: str
    row: int | None
    column: str | None
    value: str | None
    key: str | None = None  # the row's id or area, where the rule compares two columns
    detail: str | None = None  # both values of a rule between two columns

    def __post_init__(self) -> None:
        # what reaches a message, a log or the problem table: cut, and no NUL (PostgreSQL
        # text cannot hold one)
        for name in ("value", "key"):
            text = getattr(self, name)
            if isinstance(text, str):
                object.__setattr__(self, name, cut(text).replace("\x00", "\\x00"))

    def describe(self, file: str, extract: Extract, row_label: str = "row") -> str:
        where = [file]
        if self.row is not None:
            where.append(f"{row_label} {self.row}" + (f" ({self.key})" if self.key else ""))
        if self.detail is not None:
            return ", ".join(where) + f": {self.detail} (rule: {self.rule})"
        if self.column is not None:
            where.append(f"column {_column_title(extract, self.column)}")
        if self.row is not None:
            where.append(f"value {self.value!r}" if self.value is not None else "value empty")
        return ", ".join(where) + f": {self.rule}"


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str
    column: str | None
    severity: str
    rule: str
    success: bool
    element_count: int | None
    unexpected_count: int | None


@dataclass
class ValidationReport:
    suite: str
    docs_page: str | None = None
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def success(self) -> bool:
        return not self.errors


def _column_title(extract: Extract, name: str) -> str:
    name = name.removesuffix(VALUE)
    try:
        return f"{extract.column(name).label} ({name})"
    except KeyError:
        return name


def suite_name(extract: Extract) -> str:
    return f"deptstats.{extract.department}.{extract.code}"


# ------------------------------------------------------------------ the frame


def _per_distinct(series: pd.Series, convert: Any) -> tuple[Any, list[Any]]:
    """Codes of the series' values (-1: missing) and convert() of each distinct value."""
    codes, uniques = _factorized(series)
    return codes, [convert(value) for value in uniques]


def _factorized(series: pd.Series) -> tuple[Any, list[Any]]:
    """Codes of the series' values (-1: missing) and its distinct values. Arrow-backed text
    is encoded by Arrow (pandas would make a Python string of every distinct value twice)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if not isinstance(series.array, pd.arrays.ArrowExtensionArray):
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        return codes, list(uniques)
    values = pa.array(series, from_pandas=True)
    chunks = pc.dictionary_encode(values).chunks if isinstance(values, pa.ChunkedArray) \
        else [pc.dictionary_encode(values)]
    if not chunks:
        return np.zeros(0, dtype=np.int32), []
    # one hash table over the chunks: the last chunk's dictionary has every value
    codes = np.concatenate([c.indices.fill_null(-1).to_numpy(zero_copy_only=False)
                            for c in chunks])
    return codes, chunks[-1].dictionary.to_pylist()


def _text_series(codes: Any, texts: list[str | None]) -> pd.Series:
    """Text column (Arrow-backed) of per-distinct texts taken by codes."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    taken = pa.array(texts, type=pa.large_string()).take(
        pa.array(codes, mask=np.asarray(codes) < 0))
    return pd.Series(pd.arrays.ArrowStringArray(taken))


def _normalized(column_type: str, cells: Any) -> pd.Series:
    """normalize_cell over a column, computed once per distinct value (ids aside, columns
    repeat their values a lot), so a million rows cost what their distinct values cost."""
    import pandas as pd

    series = cells if isinstance(cells, pd.Series) else pd.Series(cells, dtype="object")
    if column_type in ("id", "text", "area"):
        if str(series.dtype) != "object":
            return series.str.strip()
        return series.where(series.isna(), series.str.strip())
    codes, texts = _per_distinct(series, lambda value: normalize_cell(column_type, value))
    return _text_series(codes, texts)


def build_frame(extract: Extract, table: RawTable,
                distinct: dict[str, pd.DataFrame] | None = None,
                tallies: dict[str, dict[str, int]] | None = None,
                normal: dict[str, dict[str, str | None]] | None = None) -> pd.DataFrame:
    """Normalised text and parsed values of every registry column (absent optional ones empty),
    each computed once per distinct value. `distinct`, if given, receives for each column but
    ids and free text its distinct values (text and parsed value; missing as a row of its own
    if there is any), so the checks need not look for them again. `tallies`, if given, counts
    the rows of each value of the numeric columns the file has (for its total row).
    `normal`, if given, remembers normalised values per column from chunk to chunk."""
    import numpy as np
    import pandas as pd

    data: dict[str, Any] = {ROW: pd.Series(table.row_numbers, dtype="int64")}
    empty = [None] * len(table)
    for column in extract.columns:
        cells = table.cells.get(column.name, empty)
        if column.type in ("id", "text"):
            data[column.name] = _normalized(column.type, cells)
            continue
        series = cells if isinstance(cells, pd.Series) else pd.Series(cells, dtype="object")
        codes, uniques = _factorized(series)
        texts = _normal_texts(column.type, uniques,
                              normal.setdefault(column.name, {}) if normal is not None else {})
        if texts == uniques and isinstance(series.array, pd.arrays.ArrowExtensionArray):
            data[column.name] = series  # already normal: no copy
        else:
            data[column.name] = _text_series(codes, texts)
        values = _parsed(column.type, texts) if column.type in TYPED else None
        if values is not None:
            data[column.name + VALUE] = pd.Series(values[codes])
        if tallies is not None and column.type in ("count", "amount") \
                and column.name in table.columns:
            tally = tallies.setdefault(column.name, {})
            rows = np.bincount(codes[codes >= 0], minlength=len(texts))
            for text, count in zip(texts, rows.tolist(), strict=True):
                if text is not None and count:
                    tally[text] = tally.get(text, 0) + count
        if distinct is not None:
            positions = np.arange(len(texts) + (1 if (codes < 0).any() else 0))
            positions[len(texts):] = -1  # the missing value, where there is one
            part = {column.name: _text_series(positions, texts)}
            if values is not None:
                part[column.name + VALUE] = pd.Series(values[positions])
            distinct[column.name] = pd.DataFrame(part)
    return pd.DataFrame(data)


NORMAL_MEMORY = 100_000  # values remembered per column


def _normal_texts(column_type: str, values: list[Any], memory: dict[str, str | None]
                  ) -> list[str | None]:
    """normalize_cell of each value, remembering up to NORMAL_MEMORY of them (a value is
    normalised once per file, not once per chunk)."""
    texts = []
    for value in values:
        text = memory.get(value, memory)  # memory itself: not remembered
        if text is memory:
            text = normalize_cell(column_type, value)
            if len(memory) < NORMAL_MEMORY:
                memory[value] = text
        texts.append(text)
    return texts


def _parsed(column_type: str, texts: list[str | None]) -> Any:
    """Numbers or dates of the normalised distinct texts, with a missing value appended:
    indexing it with codes (-1: missing) gives a column's parsed values."""
    import numpy as np
    import pandas as pd

    distinct = pd.Series(texts, dtype="object")
    if column_type == "date":
        values = pd.to_datetime(distinct, format="%Y-%m-%d", errors="coerce").to_numpy()
        missing = np.datetime64("NaT")
    else:
        values = pd.to_numeric(distinct, errors="coerce").astype("float64").to_numpy()
        missing = np.nan
    return np.append(values, np.array([missing], dtype=values.dtype))


# ------------------------------------------------------------------ the suite


@dataclass(frozen=True)
class Check:
    """An expectation with the steward's wording of its rule and the columns it names.
    `keys`: the frame columns that decide its outcome for a row, so it can be run once per
    distinct combination of them; None when it needs the whole column (uniqueness)."""

    expectation: Any
    severity: str
    rule: str
    columns: tuple[str, ...]
    keys: tuple[str, ...] | None = ()
    aggregate: bool = False  # about the file's distinct values together (every area present)
    # a rule between two columns: their labels, and the column that names the row (id or area)
    pair_labels: tuple[str, str] | None = None
    row_key: str | None = None

    def key_columns(self) -> tuple[str, ...] | None:
        if self.keys is None:
            return None
        if self.keys:
            return self.keys
        config = self.expectation
        found = [getattr(config, name, None) for name in ("column", "column_A", "column_B")]
        return tuple(name for name in found if name)


def _column_checks(column: Column, extract: Extract, period: Period, registry: Registry,
                   gxe: Any) -> list[Check]:
    import pandas as pd

    title = f"{column.label} ({column.name})"
    checks: list[Check] = []
    if column.required and column.type != "text":
        checks.append(Check(gxe.ExpectColumnValuesToNotBeNull(column=column.name), "error",
                            f"{title} must not be empty", (column.name,)))
    if column.type == "id":
        checks.append(Check(gxe.ExpectColumnValuesToBeUnique(column=column.name), "error",
                            f"{title} must be unique in the file", (column.name,), keys=None))
    if column.type in PATTERNS:
        regex, wording = PATTERNS[column.type]
        checks.append(Check(gxe.ExpectColumnValuesToMatchRegex(column=column.name, regex=regex),
                            "error", f"{title} {wording}", (column.name,)))
    if column.type == "date":
        # strptime, not a regex: 2023-02-30 has the shape of a date but is none
        checks.append(Check(
            gxe.ExpectColumnValuesToMatchStrftimeFormat(column=column.name,
                                                        strftime_format="%Y-%m-%d"),
            "error", f"{title} {DATE_WORDING}", (column.name,)))
    if column.type == "integer" and (column.min is not None or column.max is not None):
        bounds = []
        if column.min is not None:
            bounds.append(f">= {column.min}")
        if column.max is not None:
            bounds.append(f"<= {column.max}")
        checks.append(Check(
            gxe.ExpectColumnValuesToBeBetween(column=column.name + VALUE, min_value=column.min,
                                              max_value=column.max),
            "error", f"{title} must be " + " and ".join(bounds), (column.name,)))
    if column.type == "amount" and column.min_exclusive:
        checks.append(Check(
            gxe.ExpectColumnValuesToBeBetween(column=column.name + VALUE, min_value=0,
                                              strict_min=True),
            "error", f"{title} must be greater than 0", (column.name,)))
    if column.type in ("enum", "yesno", "area"):
        if column.type == "enum":
            allowed = list(column.values)
        elif column.type == "yesno":
            allowed = ["是", "否"]
        else:
            allowed = list(registry.areas) + ([registry.citywide] if column.citywide else [])
        shown = "、".join(allowed) if column.type != "area" else "the 17 areas of the reference list"
        if column.type == "area" and column.citywide:
            shown += f" or {registry.citywide}"
        checks.append(Check(gxe.ExpectColumnValuesToBeInSet(column=column.name, value_set=allowed),
                            "error", f"{title} must be one of {shown}", (column.name,)))
    if column.type == "date":
        last = pd.Timestamp(period.last_day)
        if extract.kind == "flow":
            first = pd.Timestamp(period.first_day)
            checks.append(Check(
                gxe.ExpectColumnValuesToBeBetween(column=column.name + VALUE, min_value=first,
                                                  max_value=last),
                "error",
                f"{title} must fall inside the period {period.code} "
                f"({period.first_day} to {period.last_day})",
                (column.name,)))
        else:
            checks.append(Check(
                gxe.ExpectColumnValuesToBeBetween(column=column.name + VALUE, max_value=last),
                "error",
                f"{title} must be on or before the period's last day, {period.last_day}",
                (column.name,)))
    return checks


def cell_problems(extract: Extract, table: RawTable) -> list[Problem]:
    """Cells no column may hold, whatever its type: a NUL character (PostgreSQL cannot store
    it; nothing a department types has one), or more than CELL_CHARACTERS characters."""
    problems = []
    for column, cells in table.cells.items():
        if isinstance(cells, list):
            found = [i for i, cell in enumerate(cells) if isinstance(cell, str)
                     and ("\x00" in cell or len(cell) > CELL_CHARACTERS)]
        else:  # Arrow-backed text of a streamed chunk
            suspect = cells.str.contains("\x00", regex=False) | (cells.str.len() > CELL_CHARACTERS)
            found = suspect.fillna(False).to_numpy().nonzero()[0].tolist()
        title = _column_title(extract, column)
        for index in found:
            value = table.value(index, column) or ""
            rule = (f"{title} must not contain a NUL character (\\x00)" if "\x00" in value
                    else f"{title} must be at most {CELL_CHARACTERS} characters long")
            problems.append(Problem("error", rule, int(table.row_numbers[index]), column, value))
    return problems


def significant_digits(amount: str) -> int:
    """Significant digits of a decimal amount as written (1,234.50 has 5)."""
    whole, _, fraction = normalize_number(amount).lstrip("+-").partition(".")
    return len((whole + fraction.rstrip("0")).lstrip("0"))


def inexact_amounts(extract: Extract, table: RawTable, digits: int) -> list[Problem]:
    """Amounts the warehouse could not keep exactly (SQLite keeps 15 significant digits)."""
    problems = []
    for column in (c for c in extract.columns if c.type == "amount"):
        cells = table.cells.get(column.name)
        if cells is None:
            continue
        # only a cell longer than `digits` characters can hold more digits
        if isinstance(cells, list):
            longer = [i for i, cell in enumerate(cells) if isinstance(cell, str)
                      and len(cell) > digits]
        else:
            longer = (cells.str.len() > digits).fillna(False).to_numpy().nonzero()[0].tolist()
        for index in longer:
            value = table.value(index, column.name)
            if value is not None and significant_digits(value) > digits:
                problems.append(Problem(
                    "error", f"{_column_title(extract, column.name)} has more than {digits} "
                    "significant digits, more than the embedded (SQLite) warehouse keeps "
                    "exactly: round it, or load into PostgreSQL", int(table.row_numbers[index]),
                    column.name, value))
    return problems


def _row_key(extract: Extract) -> str | None:
    """The column a steward names a row by: its id, else its area."""
    if extract.id_column is not None:
        return extract.id_column.name
    return next((c.name for c in extract.columns if c.type == "area"), None)


def build_checks(extract: Extract, period: Period, registry: Registry,
                 reference_values: list[str] | None = None) -> list[Check]:
    """The extract's suite: every rule of the data dictionary about one file, and the
    cross-extract rule when the referenced extract is published."""
    import great_expectations.expectations as gxe

    checks: list[Check] = []
    reference = extract.references
    if reference is not None:
        column = extract.column(reference.column)
        checks.append(Check(gxe.ExpectColumnValuesToNotBeNull(column=column.name), "error",
                            f"{column.label} ({column.name}) must not be empty", (column.name,)))
    if reference is not None and reference_values is not None:
        other = registry.extract(reference.extract)
        column = extract.column(reference.column)
        checks.append(Check(
            gxe.ExpectColumnValuesToBeInSet(column=column.name, value_set=sorted(reference_values)),
            "error",
            f"{column.label} ({column.name}) must name an institution in the published "
            f"{other.name} ({other.code}) of {period.code}",
            (column.name,)))
    for column in extract.columns:
        checks.extend(_column_checks(column, extract, period, registry, gxe))
    for rule in extract.rules:
        title = _column_title(extract, rule.column) if rule.column else ""
        if rule.rule == "not_greater":
            checks.append(Check(
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A=rule.other + VALUE, column_B=rule.column + VALUE, or_equal=True,
                    ignore_row_if="either_value_is_missing"),
                rule.severity,
                f"{title} must not exceed {_column_title(extract, rule.other)}",
                (rule.column, rule.other),
                pair_labels=(extract.column(rule.column).label, extract.column(rule.other).label),
                row_key=_row_key(extract)))
        elif rule.rule == "unique":
            checks.append(Check(gxe.ExpectColumnValuesToBeUnique(column=rule.column),
                                rule.severity, f"{title} may appear at most once in the file",
                                (rule.column,), keys=None))
        elif rule.rule in ("required_when", "empty_when"):
            condition = f'{rule.when_column}=="{rule.when_value}"'
            when = f"when {_column_title(extract, rule.when_column)} is {rule.when_value}"
            if rule.rule == "required_when":
                expectation = gxe.ExpectColumnValuesToNotBeNull(
                    column=rule.column, row_condition=condition, condition_parser="pandas")
                wording = f"{title} is required {when}"
            else:
                expectation = gxe.ExpectColumnValuesToBeNull(
                    column=rule.column, row_condition=condition, condition_parser="pandas")
                wording = f"{title} must be empty {when}"
            checks.append(Check(expectation, rule.severity, wording, (rule.column,),
                                keys=(rule.column, rule.when_column)))
        elif rule.rule == "all_areas":
            checks.append(Check(
                gxe.ExpectColumnDistinctValuesToContainSet(column="area",
                                                           value_set=list(registry.areas)),
                rule.severity, "every area of the reference list should be present", ("area",),
                aggregate=True))
    return checks


# ------------------------------------------------------------------ running it


@dataclass(frozen=True)
class DocsTarget:
    """Where Data Docs go, and the name this validation gets in them."""

    folder: Path
    name: str  # e.g. the delivered file's path under the landing folder
    shared_static: Path | None = None  # one copy of GX's 4 MB of styles and fonts for all sites


def _share_static(docs: DocsTarget) -> None:
    """Replace the site's static/ folder by a relative link to one shared copy."""
    static = docs.folder / "static"
    if docs.shared_static is None or not static.is_dir() or static.is_symlink():
        return
    if docs.shared_static.exists():
        shutil.rmtree(static)
    else:
        docs.shared_static.parent.mkdir(parents=True, exist_ok=True)
        try:
            static.rename(docs.shared_static)
        except OSError:  # another task moved its copy there first
            shutil.rmtree(static)
    static.symlink_to(os.path.relpath(docs.shared_static, docs.folder), target_is_directory=True)


KEY = "distinct_key"
# Below this many rows one pass over the whole file is quicker than a pass per distinct set.
DISTINCT_FROM_ROWS = 50_000
# Columns with at most this many distinct values are checked together in one padded frame.
PADDED_ROWS = 100_000


NOT_NULL = "expect_column_values_to_not_be_null"
PRESENT = "__present"  # a column padded with its own values, for the emptiness checks


# From this many values on, uniqueness codes are made by parts (see _codes).
PARTS_FROM = 2_000_000
PARTS = 64


def _codes(chunks: list[Any]) -> Any:
    """Exact codes of a text column given as Arrow chunks: equal values get equal numbers,
    missing stays missing (NaN). What uniqueness needs, without GX hashing and comparing
    millions of strings. From PARTS_FROM values on, the values are dealt into parts (_deal)
    and each part is encoded on its own (_encode_parts): one hash table over ten million
    values spends its time waiting for memory (2.4 s here, against 0.15 s for a million),
    small ones stay in the cache."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if sum(len(chunk) for chunk in chunks) < PARTS_FROM:
        encoded = pc.dictionary_encode(pa.chunked_array(chunks, type=pa.large_string()))
        codes = [chunk.indices.to_numpy(zero_copy_only=False) for chunk in encoded.chunks]
        return np.concatenate(codes) if codes else np.array([], dtype=np.int32)
    return _encode_parts(_deal_all(chunks, 0), sum(len(chunk) for chunk in chunks))


def _deal_all(arrays: list[Any], start: int) -> list[list[tuple[Any, Any]]]:
    """_deal of consecutive arrays of a column, the first value being its `start`-th."""
    import numpy as np

    arrays = _regrouped(arrays, 250_000)  # Arrow's 1 MB blocks are too small to deal one by one
    starts = start + np.cumsum([0] + [len(array) for array in arrays])
    return [_deal(array, int(at)) for array, at in zip(arrays, starts, strict=False)]


def _deal(chunk: Any, start: int) -> list[tuple[Any, Any]]:
    """A text column's values (an Arrow array whose first value is the column's `start`-th)
    dealt into PARTS parts by their last characters, each with the values' positions in the
    column; one more part holds the missing values. Equal values land in the same part."""
    from itertools import pairwise

    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    endings = pc.dictionary_encode(pc.utf8_slice_codeunits(chunk, -3))
    # hash() of the endings: the same part for the same ending within this process
    part_of = np.array([hash(e) % PARTS for e in endings.dictionary.to_pylist()] + [PARTS],
                       dtype=np.int64)
    parts = part_of[endings.indices.fill_null(-1).to_numpy()]  # -1: missing
    order = np.argsort(parts, kind="stable")
    bounds = np.searchsorted(parts[order], np.arange(PARTS + 2))
    values = chunk.take(pa.array(order))
    positions = order + start
    return [(values.slice(a, b - a), positions[a:b]) for a, b in pairwise(bounds)]


def _encode_parts(deals: list[list[tuple[Any, Any]]], total: int) -> Any:
    """Codes of a column of `total` values from its dealt chunks: each part encoded on its own,
    two at a time (Arrow's kernels run without the GIL), numbered one after the other."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    def encode(part: int) -> tuple[Any, Any, int]:
        held = [dealt[part] for dealt in deals if len(dealt[part][0])]
        if not held:
            return np.array([], dtype=np.int64), np.array([], dtype=np.int64), 0
        encoded = pc.dictionary_encode(pa.chunked_array([v for v, _ in held],
                                                        type=pa.large_string()))
        local = np.concatenate([c.indices.to_numpy() for c in encoded.chunks])
        return np.concatenate([p for _, p in held]), local, len(encoded.chunks[-1].dictionary)

    codes = np.full(total, -1, dtype=np.int64)
    offset = 0
    with ThreadPoolExecutor(max_workers=2) as pool:
        for positions, local, distinct in pool.map(encode, range(PARTS)):  # not the missing
            codes[positions] = local + offset
            offset += distinct
    # whole numbers hash and compare faster; floats only if NaN must mark missing values
    if (codes < 0).any():
        return np.where(codes < 0, np.nan, codes)
    return codes.astype(np.int32) if offset < 2**31 else codes


def _regrouped(chunks: list[Any], rows: int) -> list[Any]:
    """Consecutive Arrow arrays joined into arrays of at least `rows` rows (the last fewer)."""
    import pyarrow as pa

    groups: list[list[Any]] = [[]]
    held = 0  # rows in the last group
    for chunk in chunks:
        if held >= rows:
            groups.append([])
            held = 0
        groups[-1].append(chunk.cast(pa.large_string()))
        held += len(chunk)
    return [pa.concat_arrays(group) if len(group) > 1 else group[0] for group in groups if group]


def _arrow_chunks(series: pd.Series) -> list[Any]:
    """A text column as Arrow string arrays (no copy for an Arrow-backed one)."""
    import pyarrow as pa

    values = pa.array(series, type=pa.large_string(), from_pandas=True)
    return values.chunks if isinstance(values, pa.ChunkedArray) else [values]


def _padded(distinct: dict[str, pd.DataFrame], present: dict[str, bool]) -> pd.DataFrame:
    """Distinct values of several columns side by side, the shorter ones padded with missing
    values (which the value rules skip, so each distinct value is checked once). Emptiness
    checks run on `<column>__present`: missing in the first row if the column has an empty
    cell, 0 everywhere else."""
    import numpy as np
    import pandas as pd

    length = max([len(part) for part in distinct.values()] + [2])
    columns = {}
    for part in distinct.values():
        padding = pd.DataFrame(index=range(length - len(part)), columns=part.columns)
        padded = pd.concat([part, padding.astype(part.dtypes)], ignore_index=True) \
            if length > len(part) else part.reset_index(drop=True)
        columns |= {name: padded[name] for name in padded.columns}
    for column, has_empty in present.items():
        flags = np.zeros(length)
        flags[0] = np.nan if has_empty else 0.0
        columns[column + PRESENT] = pd.Series(flags)
    frame = pd.DataFrame(columns)
    frame[KEY] = np.arange(length)
    return frame


def _groups(frame: pd.DataFrame, checks: list[Check], numbers: list[int],
            distinct: dict[str, pd.DataFrame] | None = None
            ) -> list[tuple[pd.DataFrame, list[int]]]:
    """Frames to validate and the checks (numbers) each carries: for a small file the whole
    frame, KEY being the row number; for a large one, the distinct values of the columns the
    single-column checks name (one frame), the distinct combinations for each multi-column
    check, and exact codes of the column for uniqueness. `distinct`: what build_frame found."""
    import pandas as pd

    if len(frame) < DISTINCT_FROM_ROWS:
        whole = frame.copy()
        whole[KEY] = frame[ROW].to_numpy()
        whole.attrs["whole"] = True
        return [(whole, numbers)]
    distinct = dict(distinct or {})
    by_keys: dict[tuple[str, ...] | None, list[int]] = {}
    for number in numbers:
        keys = checks[number].key_columns()
        by_keys.setdefault(keys if keys is None else tuple(sorted(keys)), []).append(number)
    groups = []
    single: dict[str, list[int]] = {}  # registry column -> checks on it (text or value)
    for keys, group in by_keys.items():
        if keys is not None and len(keys) == 1:
            single.setdefault(keys[0].removesuffix(VALUE), []).extend(group)
    few: dict[str, pd.DataFrame] = {}
    few_numbers: list[int] = []
    present: dict[str, bool] = {}
    renamed: dict[int, str] = {}
    for column, group in single.items():
        for n in group:
            if checks[n].expectation.expectation_type == NOT_NULL:
                present[column] = bool(frame[column].isna().any())
                renamed[n] = column + PRESENT
                few_numbers.append(n)
        group = [n for n in group if n not in renamed]
        if not group:
            continue  # an id: whether it is ever empty is all that is asked of it
        if column not in distinct:
            names = [c for c in (column, column + VALUE) if c in frame.columns]
            distinct[column] = frame[names].drop_duplicates(ignore_index=True)
        if len(distinct[column]) <= PADDED_ROWS:
            few[column] = distinct[column]
            few_numbers.extend(group)
        else:
            part = distinct[column].copy()
            part[KEY] = pd.RangeIndex(len(part))
            groups.append((part, group))
    if few or present:
        padded = _padded(few, present)
        padded.attrs["columns"] = renamed  # check -> the column it runs on here
        groups.insert(0, (padded, few_numbers))
    for keys, group in by_keys.items():
        if keys is None:
            columns = sorted({checks[n].expectation.column for n in group})
            part = pd.DataFrame({c: _codes(_arrow_chunks(frame[c])) for c in columns})
            part[KEY] = frame[ROW].to_numpy()
            part.attrs["whole"] = True
            groups.append((part, group))
        elif len(keys) > 1:
            part = frame[list(keys)].drop_duplicates(ignore_index=True)
            part[KEY] = pd.RangeIndex(len(part))
            groups.append((part, group))
    return groups


class _Gx:
    """One ephemeral GX context for a file: suites run on frames, results kept per check, and
    (if asked for) Data Docs as static HTML, rebuilt with every validation of the file."""

    def __init__(self, extract: Extract, docs: DocsTarget | None):
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.extract, self.docs, self.runs, self.page = extract, docs, 0, None
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.source = self.context.data_sources.add_pandas("deptstats")
        if docs is not None:
            self.context.add_data_docs_site(site_name="deptstats", site_config={
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                  "base_directory": str(docs.folder.resolve())},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"}})

    def run(self, groups: list[tuple[pd.DataFrame, list[int]]], checks: list[Check]
            ) -> dict[int, tuple[Any, pd.DataFrame]]:
        """Per check number: its GX result and the frame it ran on."""
        import great_expectations as gx

        results: dict[int, tuple[Any, pd.DataFrame]] = {}
        result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": [KEY]}
        for part, numbers in groups:
            self.runs += 1
            name = f"{suite_name(self.extract)}.{self.runs}"
            batch_definition = self.source.add_dataframe_asset(f"{self.extract.code}_{self.runs}") \
                .add_batch_definition_whole_dataframe("whole file")
            suite = gx.ExpectationSuite(name=name)
            for n in numbers:
                # a shallow copy: a suite takes its own expectation objects
                expectation = checks[n].expectation.copy(update={
                    "meta": {"check": n, "severity": checks[n].severity,
                             "rule": checks[n].rule}})
                if n in part.attrs.get("columns", {}):
                    expectation.column = part.attrs["columns"][n]
                suite.add_expectation(expectation)
            suite = self.context.suites.add(suite)
            if self.docs is None:
                # What Batch.validate does, without first getting the batch on its own (GX
                # fingerprints the whole frame each time it makes a batch of it). A quick pass
                # says whether anything fails; only then are failing rows listed.
                from great_expectations.validator.v1_validator import Validator

                # (GX fingerprints every column of the frame: the quick pass does without KEY)
                run = Validator(batch_definition=batch_definition,
                                batch_parameters={"dataframe": part.drop(columns=[KEY])},
                                result_format={"result_format": "BOOLEAN_ONLY"}
                                ).validate_expectation_suite(suite)
                if not run.success:
                    run = Validator(batch_definition=batch_definition,
                                    batch_parameters={"dataframe": part},
                                    result_format=result_format).validate_expectation_suite(suite)
                results |= {r.expectation_config.meta["check"]: (r, part) for r in run.results}
                continue
            from great_expectations.checkpoint import UpdateDataDocsAction

            definition = self.context.validation_definitions.add(gx.ValidationDefinition(
                name=f"{self.docs.name} #{self.runs}", data=batch_definition, suite=suite))
            checkpoint = self.context.checkpoints.add(gx.Checkpoint(
                name=name, validation_definitions=[definition], result_format=result_format))
            outcome = checkpoint.run(batch_parameters={"dataframe": part})
            run = next(iter(outcome.run_results.values()))
            # GX renders delivered values into the pages as HTML: the stored copy the pages are
            # built from gets them escaped (a cell may be <img src=x onerror=...>)
            for key, result in outcome.run_results.items():
                self.context.validation_results_store.set(key, _escaped(result))
            UpdateDataDocsAction(name="data_docs", site_names=["deptstats"]).run(outcome)
            results |= {r.expectation_config.meta["check"]: (r, part) for r in run.results}
            urls = self.context.get_docs_sites_urls(site_names=["deptstats"])
            self.page = urls[0]["site_url"] if urls else None
            _share_static(self.docs)
        return results


def _escaped(result: Any) -> Any:
    """A copy of a GX suite result with every string in its results HTML-escaped."""
    import copy
    import html

    def escape(value: Any) -> Any:
        if isinstance(value, str):
            return html.escape(value)
        if isinstance(value, dict):
            return {key: escape(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(escape(item) for item in value)
        return value

    copied = copy.deepcopy(result)
    for expectation in copied.results:
        expectation.result = escape(expectation.result)
    return copied


def _together(held: list[tuple[RawTable, pd.DataFrame, dict[str, pd.DataFrame]]]
              ) -> tuple[RawTable, pd.DataFrame, dict[str, pd.DataFrame]]:
    """Consecutive chunks of a file as one: their rows, frames and distinct values."""
    import numpy as np
    import pandas as pd

    tables = [table for table, _, _ in held]
    last = tables[-1]
    table = RawTable(
        columns=last.columns,
        cells={c: pd.concat([pd.Series(t.cells[c]) for t in tables], ignore_index=True)
               for c in last.columns},
        row_numbers=np.concatenate([np.asarray(t.row_numbers, dtype=np.int64) for t in tables]),
        total_row=last.total_row, total_row_number=last.total_row_number,
        warnings=tables[0].warnings, row_label=last.row_label, final=last.final)
    frame = pd.concat([frame for _, frame, _ in held], ignore_index=True)
    distinct = {column: pd.concat([d[column] for _, _, d in held], ignore_index=True)
                .drop_duplicates(ignore_index=True) for column in held[0][2]}
    return table, frame, distinct


def _failing_rows(check: Check, number: int, result: Any, part: pd.DataFrame,
                  frame: pd.DataFrame) -> pd.DataFrame:
    """The file's rows (ROW and the check's first column) that the failing keys stand for."""
    failing = [entry[KEY] for entry in result.result.get("unexpected_index_list", [])]
    keys = check.key_columns()
    if number in part.attrs.get("columns", {}):  # an emptiness check: the empty cells
        rows = frame[frame[check.expectation.column].isna()]
    elif keys is None or part.attrs.get("whole"):
        rows = frame[frame[ROW].isin(failing)]
    else:
        chosen = part[part[KEY].isin(failing)][list(keys)].drop_duplicates()
        rows = frame.merge(chosen, on=list(keys), how="inner")
    return rows.sort_values(ROW)


def _missing_values(check: Check, result: Any) -> Problem:
    details = result.result or {}
    missing = set(details.get("missing_list") or details.get("partial_missing_list") or [])
    missing = [a for a in check.expectation.value_set if a in missing]  # registry order
    return Problem(check.severity, f"{check.rule}; missing: {'、'.join(missing)}", None,
                   check.columns[0], None)


def _row_problems(check: Check, number: int, result: Any, part: pd.DataFrame,
                  frame: pd.DataFrame, table: RawTable, position: dict[int, int]
                  ) -> list[Problem]:
    """The failing rows of a check run on a chunk, with the cell as the file has it
    (`position`: row number -> index in the table, filled here once for all checks)."""
    if not position:
        position.update({int(row): index for index, row in enumerate(table.row_numbers)})
    return [_row_problem(check, int(row), table, position[int(row)])
            for row in _failing_rows(check, number, result, part, frame)[ROW]]


def _row_problem(check: Check, row: int, table: RawTable, index: int) -> Problem:
    column = check.columns[0]
    value = table.value(index, column)
    if check.pair_labels is None:
        return Problem(check.severity, check.rule, row, column, value)
    other = table.value(index, check.columns[1])
    return Problem(check.severity, check.rule, row, column, value,
                   key=table.value(index, check.row_key) if check.row_key else None,
                   detail=f"{check.pair_labels[0]} {value} exceeds {check.pair_labels[1]} {other}")


class FileValidation:
    """The extract's suite over one file fed chunk by chunk (a file in one piece is one
    chunk). frame() makes each chunk's frame; check() runs the rules about single rows on the
    chunks framed since the last check, together (a GX run costs much the same for 10,000 or
    a million rows, so chunks are written as they come and checked in groups). Rules about
    the file as a whole (uniqueness, every area present) and the total row run in
    check_file(), on what the chunks left behind: exact codes of the unique columns and
    distinct values."""

    def __init__(self, extract: Extract, period: Period, registry: Registry,
                 reference_values: list[str] | None = None, docs: DocsTarget | None = None,
                 exact_digits: int | None = None):
        self.extract = extract
        self.exact_digits = exact_digits
        self.checks = build_checks(extract, period, registry, reference_values)
        self.gx = _Gx(extract, docs)
        self.rows = 0
        self.chunks = 0
        self.problems: list[Problem] = []
        self.failed: set[int] = set()
        self.unexpected: dict[int, int] = {}  # failing rows per check
        self.warnings: list[str] = []
        self.total_row: dict[str, str | None] | None = None
        self.total_row_number: int | None = None
        self._tallies: dict[str, dict[str, int]] = {}  # numeric column -> text -> rows
        self._normal: dict[str, dict[str, str | None]] = {}  # column -> value -> normalised
        self._unique_values: dict[str, list[Any]] = {}
        self._unique_rows: list[Any] = []
        self._dealt: dict[str, list[Any]] = {}  # unique column -> its values dealt (see _codes)
        self._dealt_arrays: dict[str, int] = {}  # unique column -> arrays dealt so far
        self._distinct: dict[int, pd.DataFrame] = {}
        # chunks framed but not checked yet: (table, frame, distinct values per column)
        self._held: list[tuple[RawTable, pd.DataFrame, dict[str, pd.DataFrame]]] = []
        self._file_checked = False
        self._file_level = [n for n, c in enumerate(self.checks)
                            if c.key_columns() is None or c.aggregate]

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    @property
    def unchecked_rows(self) -> int:
        """Rows framed but not checked yet."""
        return sum(len(frame) for _, frame, _ in self._held)

    def add(self, table: RawTable) -> pd.DataFrame:
        """Validate one chunk; its frame, to be published if the whole file passes."""
        frame = self.frame(table)
        self.check()
        return frame

    def frame(self, table: RawTable) -> pd.DataFrame:
        """The chunk's frame (normalised text and parsed values), held for check(); its rows
        are counted and summed for the total row."""
        distinct: dict[str, pd.DataFrame] = {}
        frame = build_frame(self.extract, table, distinct, self._tallies, self._normal)
        self.chunks += 1
        self.rows += len(frame)
        if self.chunks == 1:
            self.warnings = list(table.warnings)
        if table.total_row is not None:
            self.total_row, self.total_row_number = table.total_row, table.total_row_number
        self.problems += cell_problems(self.extract, table)
        if self.exact_digits is not None:
            self.problems += inexact_amounts(self.extract, table, self.exact_digits)
        self._held.append((table, frame, distinct))
        if not (self.chunks == 1 and table.final):  # a file in one piece: checked whole
            self._keep_unique_columns(frame)
        return frame

    def check(self) -> None:
        """Run the rules on the chunks framed since the last check, in one pass; a file in
        one piece gets the whole suite in one pass."""
        import pandas as pd

        if not self._held:
            return
        held, self._held = self._held, []
        table, frame, distinct = held[0] if len(held) == 1 else _together(held)
        held = None
        whole_file = self.chunks == 1 and table.final
        numbers = (list(range(len(self.checks))) if whole_file else
                   [n for n in range(len(self.checks)) if n not in self._file_level])
        if numbers and len(frame):
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=1) as pool:
                # Arrow deals the new values of the unique columns (without the GIL) while
                # GX checks the rows
                dealt = pool.submit(self._deal_unique_values)
                results = self.gx.run(_groups(frame, self.checks, numbers, distinct),
                                      self.checks)
                dealt.result()
            position: dict[int, int] = {}
            self._results(results, lambda number, result, part: _row_problems(
                self.checks[number], number, result, part, frame, table, position))
        if not whole_file:
            for number in self._file_level:
                check = self.checks[number]
                if check.aggregate:
                    keys = list(check.key_columns())
                    seen = pd.concat([self._distinct.get(number), frame[keys]])
                    self._distinct[number] = seen.drop_duplicates(ignore_index=True)

    def _results(self, results: dict[int, tuple[Any, pd.DataFrame]],
                 failing_rows: Any) -> None:
        """Record GX results per check: a check that could not run, values missing from the
        file, or failing rows (failing_rows(number, result, part) says which)."""
        for number, (result, part) in results.items():
            if result.success:
                continue
            check = self.checks[number]
            self.failed.add(number)
            details = result.result or {}
            if result.exception_info and result.exception_info.get("raised_exception"):
                problems = [Problem("error", f"{check.rule} (the check itself failed: "
                                    f"{result.exception_info.get('exception_message')})",
                                    None, None, None)]
            elif "unexpected_index_list" not in details:
                problems = [_missing_values(check, result)]
            else:
                problems = failing_rows(number, result, part)
            self.problems.extend(problems)
            self.unexpected[number] = (self.unexpected.get(number, 0)
                                       + sum(p.row is not None for p in problems))

    def _keep_unique_columns(self, frame: pd.DataFrame) -> None:
        columns = {self.checks[n].expectation.column for n in self._file_level
                   if self.checks[n].key_columns() is None}
        for column in columns:
            self._unique_values.setdefault(column, []).extend(_arrow_chunks(frame[column]))
        if columns:
            self._unique_rows.append(frame[ROW].to_numpy())

    def _deal_unique_values(self) -> None:
        """Deal the values of the unique columns that came since the last time (see _codes)."""
        for column, arrays in self._unique_values.items():
            done = self._dealt_arrays.get(column, 0)
            self._dealt.setdefault(column, []).extend(
                _deal_all(arrays[done:], sum(len(a) for a in arrays[:done])))
            self._dealt_arrays[column] = len(arrays)

    def _sum(self, column: str) -> Decimal | None:
        """The exact sum of a numeric column; None if a cell is no number (its own rule says
        so)."""
        try:
            return sum((Decimal(text) * rows for text, rows in self._tallies[column].items()),
                       Decimal(0))
        except ArithmeticError:
            return None

    def check_file(self) -> None:
        """Every chunk is in: check the chunks still held, then the rules about the file as a
        whole (finish() runs this if it has not run yet)."""
        if self._file_checked:
            return
        self._file_checked = True
        self.check()  # deals the last values of the unique columns too
        if self.chunks > 1:
            self._deal_unique_values()  # if the last check had no rows to run on
            rows = sum(len(r) for r in self._unique_rows)
            self._finish_file_level({column: _encode_parts(dealt, rows)
                                     for column, dealt in self._dealt.items()})

    def _finish_file_level(self, codes: dict[str, Any]) -> None:
        import numpy as np
        import pandas as pd
        import pyarrow as pa

        groups: list[tuple[pd.DataFrame, list[int]]] = []
        for number, distinct in self._distinct.items():
            distinct = distinct.copy()
            distinct[KEY] = pd.RangeIndex(len(distinct))
            groups.append((distinct, [number]))
        unique = [n for n in self._file_level if self.checks[n].key_columns() is None]
        values = {c: pa.chunked_array(arrays, type=pa.large_string())
                  for c, arrays in self._unique_values.items()}
        if unique and self._unique_rows:
            rows = np.concatenate(self._unique_rows)  # increasing: chunks come in file order
            self._unique_rows = []
            part = pd.DataFrame(codes)
            part[KEY] = rows
            part.attrs["whole"] = True
            groups.append((part, unique))
        if not groups:
            return
        def duplicates(number: int, result: Any, _part: pd.DataFrame) -> list[Problem]:
            check = self.checks[number]
            failing = np.sort(np.array([e[KEY] for e in result.result["unexpected_index_list"]],
                                       dtype=np.int64))
            column = values[check.expectation.column]
            return [Problem(check.severity, check.rule, int(row), check.columns[0],
                            column[int(i)].as_py())
                    for row, i in zip(failing, np.searchsorted(rows, failing), strict=True)]

        self._results(self.gx.run(groups, self.checks), duplicates)

    def _total_problems(self) -> list[Problem]:
        """A total row must equal the sum of the data rows in every numeric column it fills."""
        if self.total_row is None:
            return []
        problems = []
        for column in self.extract.columns:
            if column.name not in self._tallies:
                continue
            total_text = normalize_cell(column.type, self.total_row.get(column.name))
            if total_text is None:
                continue
            try:
                total = Decimal(total_text)
            except ArithmeticError:
                continue
            summed = self._sum(column.name)
            if summed is None:
                continue
            if total != summed:
                problems.append(Problem(
                    "error",
                    f"the total row gives {total} for {column.label} ({column.name}) but the "
                    f"data rows sum to {summed}",
                    self.total_row_number, column.name, self.total_row.get(column.name)))
        return problems

    def finish(self) -> ValidationReport:
        """The file's report: every check's outcome and every problem, errors first."""
        self.check_file()
        report = ValidationReport(suite=suite_name(self.extract), docs_page=self.gx.page)
        for number, check in enumerate(self.checks):
            report.outcomes.append(ExpectationOutcome(
                expectation=check.expectation.expectation_type,
                column=check.columns[0] if check.columns else None,
                severity=check.severity,
                rule=check.rule,
                success=number not in self.failed,
                element_count=self.rows,  # rows of the file, however the check was evaluated
                unexpected_count=self.unexpected.get(number, 0),
            ))
        report.problems.extend(self.problems)
        report.problems.extend(self._total_problems())
        report.problems.extend(
            Problem("warning", warning.split(": ", 1)[-1], None, None, None)
            for warning in self.warnings)
        report.problems.sort(key=lambda p: (p.severity != "error", p.row or 0, p.column or ""))
        return report


def validate(extract: Extract, period: Period, table: RawTable, registry: Registry,
             reference_values: list[str] | None = None, docs: DocsTarget | None = None,
             ) -> tuple[ValidationReport, pd.DataFrame]:
    """Run the extract's suite on one file read whole; the report and the frame (for
    publishing). `reference_values`: the ids of the referenced extract's publication for the
    same period (None: not published, so the cross-extract rule is a warning)."""
    validation = FileValidation(extract, period, registry, reference_values, docs)
    frame = validation.add(table)
    return validation.finish(), frame


# ------------------------------------------------------------------ period over period

MOVE_LIMIT = 0.30  # extracts.md: a citywide indicator moving more than 30% is a warning


def large_moves(moves: list[Any]) -> list[Any]:
    """The moves (indicators.Move) beyond +-30%, found by a GX suite over all of them."""
    import pandas as pd

    if not moves:
        return []
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

    frame = pd.DataFrame({"move": range(len(moves)),
                          "change": [float(m.change) for m in moves]})
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (context.data_sources.add_pandas("deptstats").add_dataframe_asset("indicator_moves")
             .add_batch_definition_whole_dataframe("all").get_batch(
                 batch_parameters={"dataframe": frame}))
    result = batch.validate(
        gxe.ExpectColumnValuesToBeBetween(column="change", min_value=-MOVE_LIMIT,
                                          max_value=MOVE_LIMIT,
                                          meta={"severity": "warning"}),
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["move"]})
    return [moves[int(entry["move"])] for entry in result.result.get("unexpected_index_list", [])]
