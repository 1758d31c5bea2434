"""What validation says about a file: each failing row (Problem), each expectation's outcome, the
report; and the rules' wording shared by the other modules."""

from __future__ import annotations

from dataclasses import dataclass, field

from deptstats.column_types import TYPES
from deptstats.printable import cut
from deptstats.registry import Extract

ROW = "source_row"
VALUE = "__value"
# the value rule of each type that has one (deptstats.column_types)
PATTERNS = {name: spec.pattern for name, spec in TYPES.items() if spec.pattern}
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
