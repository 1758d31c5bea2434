"""The frame Great Expectations sees: per column the normalised text under the canonical name and,
for numbers and dates, the parsed value under `<name>__value`; `source_row` is the row number as
the steward sees it in the file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from deptstats.core import TYPES, Extract, normalize_cell, normalize_text
from deptstats.ingest import RawTable
from deptstats.validation.results import ROW, VALUE

if TYPE_CHECKING:
    import pandas as pd


def per_distinct(series: pd.Series, convert: Any) -> tuple[Any, list[Any]]:
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
    chunks = (
        pc.dictionary_encode(values).chunks
        if isinstance(values, pa.ChunkedArray)
        else [pc.dictionary_encode(values)]
    )
    if not chunks:
        return np.zeros(0, dtype=np.int32), []
    # one hash table over the chunks: the last chunk's dictionary has every value
    codes = np.concatenate([c.indices.fill_null(-1).to_numpy(zero_copy_only=False) for c in chunks])
    return codes, chunks[-1].dictionary.to_pylist()


def text_series(codes: Any, texts: list[str | None]) -> pd.Series:
    """Text column (Arrow-backed) of per-distinct texts taken by codes."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    taken = pa.array(texts, type=pa.large_string()).take(pa.array(codes, mask=np.asarray(codes) < 0))
    return pd.Series(pd.arrays.ArrowStringArray(taken))


def _normalized(column_type: str, cells: Any) -> pd.Series:
    """normalize_cell over a column, computed once per distinct value (ids aside, columns
    repeat their values a lot), so a million rows cost what their distinct values cost."""
    import pandas as pd

    series = cells if isinstance(cells, pd.Series) else pd.Series(cells, dtype="object")
    if TYPES[column_type].normalize is normalize_text:  # stripping is vectorised
        if str(series.dtype) != "object":
            return series.str.strip()
        return series.where(series.isna(), series.str.strip())
    codes, texts = per_distinct(series, lambda value: normalize_cell(column_type, value))
    return text_series(codes, texts)


def build_frame(
    extract: Extract,
    table: RawTable,
    distinct: dict[str, pd.DataFrame] | None = None,
    tallies: dict[str, dict[str, int]] | None = None,
    normal: dict[str, dict[str, str | None]] | None = None,
) -> pd.DataFrame:
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
        spec = TYPES[column.type]
        if spec.free_text:
            data[column.name] = _normalized(column.type, cells)
            continue
        series = cells if isinstance(cells, pd.Series) else pd.Series(cells, dtype="object")
        codes, uniques = _factorized(series)
        texts = _normal_texts(
            column.type, uniques, normal.setdefault(column.name, {}) if normal is not None else {}
        )
        if texts == uniques and isinstance(series.array, pd.arrays.ArrowExtensionArray):
            data[column.name] = series  # already normal: no copy
        else:
            data[column.name] = text_series(codes, texts)
        values = _parsed(column.type, texts) if spec.parsed else None
        if values is not None:
            data[column.name + VALUE] = pd.Series(values[codes])
        if tallies is not None and spec.summed and column.name in table.columns:
            tally = tallies.setdefault(column.name, {})
            rows = np.bincount(codes[codes >= 0], minlength=len(texts))
            for text, count in zip(texts, rows.tolist(), strict=True):
                if text is not None and count:
                    tally[text] = tally.get(text, 0) + count
        if distinct is not None:
            positions = np.arange(len(texts) + (1 if (codes < 0).any() else 0))
            positions[len(texts) :] = -1  # the missing value, where there is one
            part = {column.name: text_series(positions, texts)}
            if values is not None:
                part[column.name + VALUE] = pd.Series(values[positions])
            distinct[column.name] = pd.DataFrame(part)
    return pd.DataFrame(data)


NORMAL_MEMORY = 100_000  # values remembered per column


def _normal_texts(column_type: str, values: list[Any], memory: dict[str, str | None]) -> list[str | None]:
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

    values = TYPES[column_type].parse(texts)
    return np.append(values, np.full(1, np.nan).astype(values.dtype))  # NaN, or NaT for dates
