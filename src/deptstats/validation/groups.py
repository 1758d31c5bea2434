"""How a frame is cut for GX: one row per distinct value (or combination) a check reads, so a
million rows cost as much as their distinct values."""

from __future__ import annotations

from typing import TYPE_CHECKING

from deptstats.core import TUNING
from deptstats.validation.results import ROW, VALUE
from deptstats.validation.suite import Check
from deptstats.validation.uniqueness import arrow_chunks, exact_codes

if TYPE_CHECKING:
    import pandas as pd


KEY = "distinct_key"


NOT_NULL = "expect_column_values_to_not_be_null"
PRESENT = "__present"  # a column padded with its own values, for the emptiness checks


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
        padded = (
            pd.concat([part, padding.astype(part.dtypes)], ignore_index=True)
            if length > len(part)
            else part.reset_index(drop=True)
        )
        columns |= {name: padded[name] for name in padded.columns}
    for column, has_empty in present.items():
        flags = np.zeros(length)
        flags[0] = np.nan if has_empty else 0.0
        columns[column + PRESENT] = pd.Series(flags)
    frame = pd.DataFrame(columns)
    frame[KEY] = np.arange(length)
    return frame


def check_groups(
    frame: pd.DataFrame,
    checks: list[Check],
    numbers: list[int],
    distinct: dict[str, pd.DataFrame] | None = None,
) -> list[tuple[pd.DataFrame, list[int]]]:
    """Frames to validate and the checks (numbers) each carries: for a small file the whole
    frame, KEY being the row number; for a large one, the distinct values of the columns the
    single-column checks name (one frame), the distinct combinations for each multi-column
    check, and exact codes of the column for uniqueness. `distinct`: what build_frame found."""
    import pandas as pd

    if len(frame) < TUNING.distinct_from_rows:
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
        if len(distinct[column]) <= TUNING.padded_rows:
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
    return groups + _whole_column_groups(frame, checks, by_keys)


def _whole_column_groups(
    frame: pd.DataFrame, checks: list[Check], by_keys: dict[tuple[str, ...] | None, list[int]]
) -> list[tuple[pd.DataFrame, list[int]]]:
    """Uniqueness on exact codes of whole columns, and each multi-column check on the
    distinct combinations of its columns."""
    import pandas as pd

    groups = []
    for keys, group in by_keys.items():
        if keys is None:
            columns = sorted({checks[n].expectation.column for n in group})
            part = pd.DataFrame({c: exact_codes(arrow_chunks(frame[c])) for c in columns})
            part[KEY] = frame[ROW].to_numpy()
            part.attrs["whole"] = True
            groups.append((part, group))
        elif len(keys) > 1:
            part = frame[list(keys)].drop_duplicates(ignore_index=True)
            part[KEY] = pd.RangeIndex(len(part))
            groups.append((part, group))
    return groups
