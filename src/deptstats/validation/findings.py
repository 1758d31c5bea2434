"""What a file's checks found so far: the problems, and which checks failed on how many rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from deptstats.core import Message
from deptstats.validation.results import ExpectationOutcome, Problem
from deptstats.validation.row_problems import missing_values
from deptstats.validation.suite import Check

if TYPE_CHECKING:
    import pandas as pd

# (check number, its GX result, the frame it ran on) -> the failing rows as Problems
FailingRows = Callable[[int, Any, "pd.DataFrame"], list[Problem]]


class Findings:
    """The problems of one file, and per check whether it failed and on how many rows."""

    def __init__(self, checks: list[Check]):
        self.checks = checks
        self.problems: list[Problem] = []
        self._failed: set[int] = set()
        self._unexpected: dict[int, int] = {}  # failing rows per check

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def add(self, problems: Iterable[Problem]) -> None:
        """Problems found without GX (cells no column may hold)."""
        self.problems += problems

    def record(self, results: dict[int, tuple[Any, pd.DataFrame]], failing_rows: FailingRows) -> None:
        """Record GX results per check: a check that could not run, values missing from the
        file, or failing rows (failing_rows(number, result, part) says which)."""
        for number, (result, part) in results.items():
            if result.success:
                continue
            check = self.checks[number]
            self._failed.add(number)
            details = result.result or {}
            if result.exception_info and result.exception_info.get("raised_exception"):
                problems = [
                    Problem(
                        "error",
                        Message(
                            "check_failed",
                            {
                                "rule": check.rule,
                                "error": str(result.exception_info.get("exception_message")),
                            },
                        ),
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
            self._unexpected[number] = self._unexpected.get(number, 0) + sum(
                p.row is not None for p in problems
            )

    def outcomes(self, rows: int) -> list[ExpectationOutcome]:
        """Every check's outcome over a file of `rows` rows."""
        return [
            ExpectationOutcome(
                expectation=check.expectation.expectation_type,
                column=check.columns[0] if check.columns else None,
                severity=check.severity,
                rule=check.message.text("en"),  # validation_outcome keeps the English wording
                success=number not in self._failed,
                element_count=rows,  # rows of the file, however the check was evaluated
                unexpected_count=self._unexpected.get(number, 0),
            )
            for number, check in enumerate(self.checks)
        ]
