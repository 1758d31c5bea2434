"""What validation says about a file: each failing row (Problem), each expectation's outcome, the
report; and the rules' wording shared by the other modules."""

from __future__ import annotations

from dataclasses import dataclass, field

from deptstats.core import TYPES, Extract, Message, Speaker, cut
from deptstats.ingest import RawTable

ROW = "source_row"
VALUE = "__value"
# the value rule of each type that has one (deptstats.core.column_types): regex and code
PATTERNS = {name: spec.pattern for name, spec in TYPES.items() if spec.pattern}
CELL_CHARACTERS = 1000  # no cell of the data dictionary comes near this


@dataclass(frozen=True)
class Problem:
    """One failing row (or, for file-level rules, row None) of one rule: what it says is a
    code and its parameters (core.Message), worded when it is shown."""

    severity: str
    message: Message
    row: int | None
    column: str | None
    value: str | None
    row_key: str | None = None  # the row's id (or area) as delivered: how the steward names it
    # a rule between two columns: the other one (another extract's as `extract.column`) and,
    # if it is in this file, its value in the row
    other_column: str | None = None
    other_value: str | None = None

    def __post_init__(self) -> None:
        # what reaches a message, a log or the problem table: cut, and no NUL (PostgreSQL
        # text cannot hold one)
        for name in ("value", "row_key", "other_value"):
            text = getattr(self, name)
            if isinstance(text, str):
                object.__setattr__(self, name, cut(text).replace("\x00", "\\x00"))

    @property
    def rule(self) -> str:
        """The rule broken, in the deployment's language."""
        return self.message.text()

    def describe(
        self, file: str, extract: Extract, row_label: str = "row", language: str | None = None
    ) -> str:
        """Where the problem is and what it says, in `language` (the deployment's when None)."""
        _ = Speaker(language)
        rule = self.message.text(_.language)
        row = (
            _("record {number}", number=self.row)
            if row_label == "record"
            else _("row {number}", number=self.row)
        )
        where = [file]
        if self.column is not None and self.other_value is not None:
            # the only rule between two cells of a row (one must not exceed the other): the
            # row is named by its key, as the two values alone do not say which it is
            where.append(row + (f" ({self.row_key})" if self.row_key is not None else ""))
            return ", ".join(where) + _(
                ": {column} {value} exceeds {other_column} {other_value} (rule: {rule})",
                column=_column_label(extract, self.column),
                value=self.value,
                other_column=_column_label(extract, self.other_column),
                other_value=self.other_value,
                rule=rule,
            )
        if self.row is not None:
            where.append(row)
        if self.column is not None:
            where.append(_("column {column}", column=column_title(extract, self.column)))
        if self.row is not None:
            where.append(
                _("value {value}", value=repr(self.value)) if self.value is not None else _("value empty")
            )
        return ", ".join(where) + f": {rule}"


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


def column_title(extract: Extract, name: str) -> str:
    name = name.removesuffix(VALUE)
    try:
        return f"{extract.column(name).label} ({name})"
    except KeyError:
        return name


def _column_label(extract: Extract, name: str | None) -> str:
    try:
        return extract.column(name).label
    except KeyError:
        return str(name)


def key_column(extract: Extract) -> str | None:
    """The column a steward names a row by: its id, else its area (the extract's grain)."""
    if extract.id_column is not None:
        return extract.id_column.name
    return next((c.name for c in extract.columns if c.type == "area"), None)


def row_key_of(key: str | None, table: RawTable, index: int) -> str | None:
    """The row's key as the file has it (None: the extract has none, or the cell is empty)."""
    return table.value(index, key) if key is not None else None


def suite_name(extract: Extract) -> str:
    return f"deptstats.{extract.department}.{extract.code}"
