"""The extract's suite over one file fed chunk by chunk (FileValidation), and a whole table at
once (validate)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from deptstats.core import Extract, Period, Registry
from deptstats.ingest import RawTable
from deptstats.validation.cells import cell_problems, inexact_amounts
from deptstats.validation.chunk_tally import ChunkTally
from deptstats.validation.file_level import FileLevelChecks
from deptstats.validation.findings import Findings
from deptstats.validation.groups import check_groups
from deptstats.validation.gx_runner import Gx
from deptstats.validation.results import Problem, ValidationReport, key_column, suite_name
from deptstats.validation.row_problems import row_problems, together
from deptstats.validation.suite import build_checks

if TYPE_CHECKING:
    import pandas as pd


class FileValidation:
    """The extract's suite over one file fed chunk by chunk (a file in one piece is one
    chunk). frame() makes each chunk's frame; check() runs the rules about single rows on the
    chunks framed since the last check, together (a GX run costs much the same for 10,000 or
    a million rows, so chunks are written as they come and checked in groups). Rules about
    the file as a whole (uniqueness, every area present) and the total row run in
    check_file(), on what the chunks left behind (FileLevelChecks).

    Each part keeps its own state: the tally of the chunks framed (ChunkTally), the findings
    so far (Findings), what the rules about the whole file need (FileLevelChecks), and the
    chunks framed but not checked yet."""

    def __init__(
        self,
        extract: Extract,
        period: Period,
        registry: Registry,
        reference_values: list[str] | None = None,
        exact_digits: int | None = None,
    ):
        self.extract = extract
        self.exact_digits = exact_digits
        self.key = key_column(extract)
        self.checks = build_checks(extract, period, registry, reference_values)
        self.gx = Gx(extract)
        self.tally = ChunkTally(extract)
        self.findings = Findings(self.checks)
        self.file_level = FileLevelChecks(self.checks, self.key)
        # chunks framed but not checked yet: (table, frame, distinct values per column)
        self._held: list[tuple[RawTable, pd.DataFrame, dict[str, pd.DataFrame]]] = []
        self._file_checked = False

    @property
    def rows(self) -> int:
        """Rows framed so far."""
        return self.tally.rows

    @property
    def has_errors(self) -> bool:
        return self.findings.has_errors

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
        frame, distinct = self.tally.frame(table)
        self.findings.add(cell_problems(self.extract, table, self.key))
        if self.exact_digits is not None:
            self.findings.add(inexact_amounts(self.extract, table, self.exact_digits, self.key))
        self._held.append((table, frame, distinct))
        if not self.tally.is_whole_file(table):  # a file in one piece: checked whole
            self.file_level.unique.keep(frame)
        return frame

    def check(self) -> None:
        """Run the rules on the chunks framed since the last check, in one pass; a file in
        one piece gets the whole suite in one pass."""
        if not self._held:
            return
        held, self._held = self._held, []
        table, frame, distinct = held[0] if len(held) == 1 else together(held)
        held = None
        whole_file = self.tally.is_whole_file(table)
        numbers = (
            list(range(len(self.checks)))
            if whole_file
            else [n for n in range(len(self.checks)) if n not in self.file_level.numbers]
        )
        if numbers and len(frame):
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=1) as pool:
                # Arrow deals the new values of the unique columns (without the GIL) while
                # GX checks the rows
                dealt = pool.submit(self.file_level.unique.deal)
                results = self.gx.run(check_groups(frame, self.checks, numbers, distinct), self.checks)
                dealt.result()
            position: dict[int, int] = {}
            self.findings.record(
                results,
                lambda number, result, part: row_problems(
                    self.checks[number], number, result, part, frame, table, position, self.key
                ),
            )
        if not whole_file:
            self.file_level.keep_distinct_keys(frame)

    def check_file(self) -> None:
        """Every chunk is in: check the chunks still held, then the rules about the file as a
        whole (finish() runs this if it has not run yet)."""
        if self._file_checked:
            return
        self._file_checked = True
        self.check()  # deals the last values of the unique columns too
        if self.tally.chunks > 1:
            self.file_level.run(self.gx, self.findings)

    def finish(self) -> ValidationReport:
        """The file's report: every check's outcome and every problem, errors first."""
        self.check_file()
        report = ValidationReport(suite=suite_name(self.extract), docs_page=self.gx.page)
        report.outcomes.extend(self.findings.outcomes(self.tally.rows))
        report.problems.extend(self.findings.problems)
        report.problems.extend(self.tally.total_row_problems())
        report.problems.extend(
            Problem("warning", warning, None, None, None) for warning in self.tally.warnings
        )
        report.problems.sort(key=lambda p: (p.severity != "error", p.row or 0, p.column or ""))
        return report


def validate(
    extract: Extract,
    period: Period,
    table: RawTable,
    registry: Registry,
    reference_values: list[str] | None = None,
) -> tuple[ValidationReport, pd.DataFrame]:
    """Run the extract's suite on one file read whole; the report and the frame (for
    publishing). `reference_values`: the ids of the referenced extract's publication for the
    same period (None: not published, so the cross-extract rule is a warning)."""
    validation = FileValidation(extract, period, registry, reference_values)
    frame = validation.add(table)
    return validation.finish(), frame
