"""From a GX result back to the file: the failing rows each check stands for, as Problems."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from deptstats.core import TEXTS, Message
from deptstats.ingest import RawTable
from deptstats.validation.groups import KEY
from deptstats.validation.results import ROW, Problem, row_key_of
from deptstats.validation.suite import Check

if TYPE_CHECKING:
    import pandas as pd


def together(
    held: list[tuple[RawTable, pd.DataFrame, dict[str, pd.DataFrame]]],
) -> tuple[RawTable, pd.DataFrame, dict[str, pd.DataFrame]]:
    """Consecutive chunks of a file as one: their rows, frames and distinct values."""
    import numpy as np
    import pandas as pd

    tables = [table for table, _, _ in held]
    last = tables[-1]
    table = RawTable(
        columns=last.columns,
        cells={
            c: pd.concat([pd.Series(t.cells[c]) for t in tables], ignore_index=True) for c in last.columns
        },
        row_numbers=np.concatenate([np.asarray(t.row_numbers, dtype=np.int64) for t in tables]),
        total_row=last.total_row,
        total_row_number=last.total_row_number,
        warnings=tables[0].warnings,
        row_label=last.row_label,
        final=last.final,
    )
    frame = pd.concat([frame for _, frame, _ in held], ignore_index=True)
    distinct = {
        column: pd.concat([d[column] for _, _, d in held], ignore_index=True).drop_duplicates(
            ignore_index=True
        )
        for column in held[0][2]
    }
    return table, frame, distinct


def _failing_rows(
    check: Check, number: int, result: Any, part: pd.DataFrame, frame: pd.DataFrame
) -> pd.DataFrame:
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


def missing_values(check: Check, result: Any) -> Problem:
    details = result.result or {}
    missing = set(details.get("missing_list") or details.get("partial_missing_list") or [])
    missing = [a for a in check.expectation.value_set if a in missing]  # registry order
    code = f"{check.code}_missing"
    if code not in TEXTS:
        code, params = "check_failed", {"rule": check.rule, "error": f"missing: {'、'.join(missing)}"}
    else:
        params = {**check.params, "missing": missing}
    return Problem(check.severity, Message(code, params), None, check.columns[0], None)


def row_problems(
    check: Check,
    number: int,
    result: Any,
    part: pd.DataFrame,
    frame: pd.DataFrame,
    table: RawTable,
    position: dict[int, int],
    key: str | None,
) -> list[Problem]:
    """The failing rows of a check run on a chunk, with the cells as the file has them
    (`position`: row number -> index in the table, filled here once for all checks; `key`:
    the column that names a row)."""
    if not position:
        position.update({int(row): index for index, row in enumerate(table.row_numbers)})
    return [
        _row_problem(check, int(row), table, position[int(row)], key)
        for row in _failing_rows(check, number, result, part, frame)[ROW]
    ]


def _row_problem(check: Check, row: int, table: RawTable, index: int, key: str | None) -> Problem:
    column = check.columns[0]
    other_value = table.value(index, check.other_column) if check.other_column is not None else None
    return Problem(
        check.severity,
        check.message,
        row,
        column,
        table.value(index, column),
        row_key=row_key_of(key, table, index),
        other_column=check.other_column or check.referenced,
        other_value=other_value,
    )
