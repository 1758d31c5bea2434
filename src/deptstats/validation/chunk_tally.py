"""What framing a file's chunks carries from one chunk to the next, and the total row's rule
that needs it."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from deptstats.core import Extract, Message, normalize_cell
from deptstats.ingest import RawTable
from deptstats.validation.normalized_frame import build_frame
from deptstats.validation.results import Problem

if TYPE_CHECKING:
    import pandas as pd


class ChunkTally:
    """The rows and chunks framed so far, the reader's warnings (given with the first chunk),
    the total row, the rows of each text of every numeric column (for an exact sum) and the
    normal form of each value met (so a value is normalised once per file)."""

    def __init__(self, extract: Extract):
        self.extract = extract
        self.rows = 0
        self.chunks = 0
        self.warnings: list[Message] = []
        self._total_row: dict[str, str | None] | None = None
        self._total_row_number: int | None = None
        self._tallies: dict[str, dict[str, int]] = {}  # numeric column -> text -> rows
        self._normal: dict[str, dict[str, str | None]] = {}  # column -> value -> normalised

    def frame(self, table: RawTable) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
        """The chunk's frame and the distinct values of its columns; its rows counted."""
        distinct: dict[str, pd.DataFrame] = {}
        frame = build_frame(self.extract, table, distinct, self._tallies, self._normal)
        self.chunks += 1
        self.rows += len(frame)
        if self.chunks == 1:
            self.warnings = list(table.warnings)
        if table.total_row is not None:
            self._total_row, self._total_row_number = table.total_row, table.total_row_number
        return frame, distinct

    def is_whole_file(self, table: RawTable) -> bool:
        """Whether `table`, the last chunk framed, is the file in one piece."""
        return self.chunks == 1 and table.final

    def total_row_problems(self) -> list[Problem]:
        """A total row must equal the sum of the data rows in every numeric column it fills."""
        if self._total_row is None:
            return []
        problems = []
        for column in self.extract.columns:
            if column.name not in self._tallies:
                continue
            total_text = normalize_cell(column.type, self._total_row.get(column.name))
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
                        Message(
                            "total_row_sum",
                            {
                                "total": str(total),
                                "column": f"{column.label} ({column.name})",
                                "summed": str(summed),
                            },
                        ),
                        self._total_row_number,
                        column.name,
                        self._total_row.get(column.name),
                    )
                )
        return problems

    def _sum(self, column: str) -> Decimal | None:
        """The exact sum of a numeric column; None if a cell is no number (its own rule says
        so)."""
        try:
            return sum((Decimal(text) * rows for text, rows in self._tallies[column].items()), Decimal(0))
        except ArithmeticError:
            return None
