"""The extract's suite over one file fed chunk by chunk (FileValidation), and a whole table at
once (validate)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from deptstats.core import Extract, Period, Registry, normalize_cell
from deptstats.ingest import RawTable
from deptstats.validation.cells import cell_problems, inexact_amounts
from deptstats.validation.docs import DocsTarget
from deptstats.validation.groups import KEY, check_groups
from deptstats.validation.gx_runner import Gx
from deptstats.validation.normalized_frame import build_frame
from deptstats.validation.results import (
    ROW,
    ExpectationOutcome,
    Problem,
    ValidationReport,
    key_column,
    suite_name,
)
from deptstats.validation.row_problems import missing_values, row_problems, together
from deptstats.validation.suite import build_checks
from deptstats.validation.uniqueness import arrow_chunks, deal_all, encode_parts

if TYPE_CHECKING:
    import pandas as pd


class FileValidation:
    """The extract's suite over one file fed chunk by chunk (a file in one piece is one
    chunk). frame() makes each chunk's frame; check() runs the rules about single rows on the
    chunks framed since the last check, together (a GX run costs much the same for 10,000 or
    a million rows, so chunks are written as they come and checked in groups). Rules about
    the file as a whole (uniqueness, every area present) and the total row run in
    check_file(), on what the chunks left behind: exact codes of the unique columns and
    distinct values."""

    def __init__(
        self,
        extract: Extract,
        period: Period,
        registry: Registry,
        reference_values: list[str] | None = None,
        docs: DocsTarget | None = None,
        exact_digits: int | None = None,
    ):
        self.extract = extract
        self.exact_digits = exact_digits
        self.key = key_column(extract)
        self.checks = build_checks(extract, period, registry, reference_values)
        self.gx = Gx(extract, docs)
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
        self._dealt: dict[str, list[Any]] = {}  # unique column -> its values dealt (see exact_codes)
        self._dealt_arrays: dict[str, int] = {}  # unique column -> arrays dealt so far
        self._distinct: dict[int, pd.DataFrame] = {}
        # chunks framed but not checked yet: (table, frame, distinct values per column)
        self._held: list[tuple[RawTable, pd.DataFrame, dict[str, pd.DataFrame]]] = []
        self._file_checked = False
        self._file_level = [n for n, c in enumerate(self.checks) if c.key_columns() is None or c.aggregate]

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
        self.problems += cell_problems(self.extract, table, self.key)
        if self.exact_digits is not None:
            self.problems += inexact_amounts(self.extract, table, self.exact_digits, self.key)
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
        table, frame, distinct = held[0] if len(held) == 1 else together(held)
        held = None
        whole_file = self.chunks == 1 and table.final
        numbers = (
            list(range(len(self.checks)))
            if whole_file
            else [n for n in range(len(self.checks)) if n not in self._file_level]
        )
        if numbers and len(frame):
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=1) as pool:
                # Arrow deals the new values of the unique columns (without the GIL) while
                # GX checks the rows
                dealt = pool.submit(self._deal_unique_values)
                results = self.gx.run(check_groups(frame, self.checks, numbers, distinct), self.checks)
                dealt.result()
            position: dict[int, int] = {}
            self._results(
                results,
                lambda number, result, part: row_problems(
                    self.checks[number], number, result, part, frame, table, position, self.key
                ),
            )
        if not whole_file:
            for number in self._file_level:
                check = self.checks[number]
                if check.aggregate:
                    keys = list(check.key_columns())
                    seen = pd.concat([self._distinct.get(number), frame[keys]])
                    self._distinct[number] = seen.drop_duplicates(ignore_index=True)

    def _results(self, results: dict[int, tuple[Any, pd.DataFrame]], failing_rows: Any) -> None:
        """Record GX results per check: a check that could not run, values missing from the
        file, or failing rows (failing_rows(number, result, part) says which)."""
        for number, (result, part) in results.items():
            if result.success:
                continue
            check = self.checks[number]
            self.failed.add(number)
            details = result.result or {}
            if result.exception_info and result.exception_info.get("raised_exception"):
                problems = [
                    Problem(
                        "error",
                        f"{check.rule} (the check itself failed: "
                        f"{result.exception_info.get('exception_message')})",
                        None,
                        None,
                        None,
                    )
                ]
            elif "unexpected_index_list" not in details:
                problems = [missing_values(check, result)]
            else:
                problems = failing_rows(number, result, part)
            self.problems.extend(problems)
            self.unexpected[number] = self.unexpected.get(number, 0) + sum(
                p.row is not None for p in problems
            )

    def _keep_unique_columns(self, frame: pd.DataFrame) -> None:
        columns = {
            self.checks[n].expectation.column
            for n in self._file_level
            if self.checks[n].key_columns() is None
        }
        for column in columns:
            self._unique_values.setdefault(column, []).extend(arrow_chunks(frame[column]))
        if columns:
            self._unique_rows.append(frame[ROW].to_numpy())

    def _deal_unique_values(self) -> None:
        """Deal the values of the unique columns that came since the last time (see exact_codes)."""
        for column, arrays in self._unique_values.items():
            done = self._dealt_arrays.get(column, 0)
            self._dealt.setdefault(column, []).extend(
                deal_all(arrays[done:], sum(len(a) for a in arrays[:done]))
            )
            self._dealt_arrays[column] = len(arrays)

    def _sum(self, column: str) -> Decimal | None:
        """The exact sum of a numeric column; None if a cell is no number (its own rule says
        so)."""
        try:
            return sum((Decimal(text) * rows for text, rows in self._tallies[column].items()), Decimal(0))
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
            self._finish_file_level(
                {column: encode_parts(dealt, rows) for column, dealt in self._dealt.items()}
            )

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
        values = {
            c: pa.chunked_array(arrays, type=pa.large_string()) for c, arrays in self._unique_values.items()
        }
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
            failing = np.sort(
                np.array([e[KEY] for e in result.result["unexpected_index_list"]], dtype=np.int64)
            )
            column = values[check.expectation.column]
            # only the checked column's values are kept: the key if it is that column
            named = check.columns[0] == self.key
            found = [column[int(i)].as_py() for i in np.searchsorted(rows, failing)]
            return [
                Problem(
                    check.severity,
                    check.rule,
                    int(row),
                    check.columns[0],
                    value,
                    row_key=value if named else None,
                )
                for row, value in zip(failing, found, strict=True)
            ]

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
                problems.append(
                    Problem(
                        "error",
                        f"the total row gives {total} for {column.label} ({column.name}) but the "
                        f"data rows sum to {summed}",
                        self.total_row_number,
                        column.name,
                        self.total_row.get(column.name),
                    )
                )
        return problems

    def finish(self) -> ValidationReport:
        """The file's report: every check's outcome and every problem, errors first."""
        self.check_file()
        report = ValidationReport(suite=suite_name(self.extract), docs_page=self.gx.page)
        for number, check in enumerate(self.checks):
            report.outcomes.append(
                ExpectationOutcome(
                    expectation=check.expectation.expectation_type,
                    column=check.columns[0] if check.columns else None,
                    severity=check.severity,
                    rule=check.rule,
                    success=number not in self.failed,
                    element_count=self.rows,  # rows of the file, however the check was evaluated
                    unexpected_count=self.unexpected.get(number, 0),
                )
            )
        report.problems.extend(self.problems)
        report.problems.extend(self._total_problems())
        report.problems.extend(
            Problem("warning", warning.split(": ", 1)[-1], None, None, None) for warning in self.warnings
        )
        report.problems.sort(key=lambda p: (p.severity != "error", p.row or 0, p.column or ""))
        return report


def validate(
    extract: Extract,
    period: Period,
    table: RawTable,
    registry: Registry,
    reference_values: list[str] | None = None,
    docs: DocsTarget | None = None,
) -> tuple[ValidationReport, pd.DataFrame]:
    """Run the extract's suite on one file read whole; the report and the frame (for
    publishing). `reference_values`: the ids of the referenced extract's publication for the
    same period (None: not published, so the cross-extract rule is a warning)."""
    validation = FileValidation(extract, period, registry, reference_values, docs)
    frame = validation.add(table)
    return validation.finish(), frame
