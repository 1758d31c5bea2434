"""The extract's suite: every rule of the data dictionary as a Great Expectations expectation,
with what it says to the steward as a code and parameters (core.messages)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from deptstats.core import TYPES, YES_NO, Column, ColumnType, Extract, Message, Period, Registry, Rule
from deptstats.validation.results import VALUE, column_title


@dataclass(frozen=True)
class Check:
    """An expectation with its rule as a code and parameters (core.messages) and the columns
    it names.
    `keys`: the frame columns that decide its outcome for a row, so it can be run once per
    distinct combination of them; None when it needs the whole column (uniqueness)."""

    expectation: Any
    severity: str
    code: str
    columns: tuple[str, ...]
    keys: tuple[str, ...] | None = ()
    aggregate: bool = False  # about the file's distinct values together (every area present)
    # a rule between two columns: the other one in this file (its value is shown with the
    # row's), or another extract's (`extract.column`) that the value must be found in
    other_column: str | None = None
    referenced: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> Message:
        return Message(self.code, self.params)

    @property
    def rule(self) -> str:
        """The rule in the deployment's language."""
        return self.message.text()

    def key_columns(self) -> tuple[str, ...] | None:
        if self.keys is None:
            return None
        if self.keys:
            return self.keys
        config = self.expectation
        found = [getattr(config, name, None) for name in ("column", "column_A", "column_B")]
        return tuple(name for name in found if name)


def _column_error(
    expectation: Any, code: str, column: Column, params: dict[str, Any], **fields: Any
) -> Check:
    """An error-severity check about one column; `params`: those of its code besides the
    column's title."""
    title = f"{column.label} ({column.name})"
    return Check(expectation, "error", code, (column.name,), params={"column": title, **params}, **fields)


def _column_checks(
    column: Column, extract: Extract, period: Period, registry: Registry, gxe: Any
) -> list[Check]:
    """Every check of one column: those its type implies, with the bounds and values the
    registry gives it."""
    spec = TYPES[column.type]
    checks = _presence_checks(column, spec, gxe) + _text_checks(column, spec, gxe)
    checks += _bound_checks(column, spec, gxe)
    if spec.value_set is not None:
        checks.append(_value_set_check(column, registry, gxe))
    if spec.date_format is not None:
        checks.append(_period_check(column, extract, period, gxe))
    return checks


def _presence_checks(column: Column, spec: ColumnType, gxe: Any) -> list[Check]:
    """A required column not empty (where its type asks); an id unique in the file."""
    checks = []
    if column.required and spec.emptiness_checked:
        checks.append(
            _column_error(gxe.ExpectColumnValuesToNotBeNull(column=column.name), "not_empty", column, {})
        )
    if spec.unique:
        checks.append(
            _column_error(
                gxe.ExpectColumnValuesToBeUnique(column=column.name),
                "unique_in_file",
                column,
                {},
                keys=None,
            )
        )
    return checks


def _text_checks(column: Column, spec: ColumnType, gxe: Any) -> list[Check]:
    """The rule the type's text must match, and for a date that it is a real one."""
    checks = []
    if spec.pattern is not None:
        regex, code = spec.pattern
        checks.append(
            _column_error(
                gxe.ExpectColumnValuesToMatchRegex(column=column.name, regex=regex), code, column, {}
            )
        )
    if spec.date_format is not None:
        # strptime, not a regex: 2023-02-30 has the shape of a date but is none
        checks.append(
            _column_error(
                gxe.ExpectColumnValuesToMatchStrftimeFormat(
                    column=column.name, strftime_format=spec.date_format
                ),
                "date_format",
                column,
                {},
            )
        )
    return checks


def _bound_checks(column: Column, spec: ColumnType, gxe: Any) -> list[Check]:
    """The registry's min and max of a bounded type; greater than 0 where it says so."""
    checks = []
    if spec.bounded and (column.min is not None or column.max is not None):
        code = "between" if column.min is not None and column.max is not None else None
        code = code or ("at_least" if column.min is not None else "at_most")
        bounds = {k: v for k, v in (("min", column.min), ("max", column.max)) if v is not None}
        checks.append(
            _column_error(
                gxe.ExpectColumnValuesToBeBetween(
                    column=column.name + VALUE, min_value=column.min, max_value=column.max
                ),
                code,
                column,
                bounds,
            )
        )
    if spec.exclusive_min and column.min_exclusive:
        checks.append(
            _column_error(
                gxe.ExpectColumnValuesToBeBetween(column=column.name + VALUE, min_value=0, strict_min=True),
                "greater_than_zero",
                column,
                {},
            )
        )
    return checks


def _value_set_check(column: Column, registry: Registry, gxe: Any) -> Check:
    """An enum, a yes/no or an area column: one of its values."""
    kind = TYPES[column.type].value_set
    if kind == "enum":
        allowed = list(column.values)
    elif kind == "yesno":
        allowed = list(YES_NO)
    else:
        allowed = list(registry.areas) + ([registry.citywide] if column.citywide else [])
    if kind != "area":
        code, params = "one_of", {"allowed": allowed}
    elif column.citywide:
        code, params = "one_of_areas_or_citywide", {"citywide": registry.citywide}
    else:
        code, params = "one_of_areas", {}
    return _column_error(
        gxe.ExpectColumnValuesToBeInSet(column=column.name, value_set=allowed), code, column, params
    )


def _period_check(column: Column, extract: Extract, period: Period, gxe: Any) -> Check:
    """A date inside the period (a flow extract) or not after its end (a snapshot)."""
    import pandas as pd

    last = pd.Timestamp(period.last_day)
    if extract.kind == "flow":
        return _column_error(
            gxe.ExpectColumnValuesToBeBetween(
                column=column.name + VALUE, min_value=pd.Timestamp(period.first_day), max_value=last
            ),
            "inside_period",
            column,
            {"period": period.code, "first_day": str(period.first_day), "last_day": str(period.last_day)},
        )
    return _column_error(
        gxe.ExpectColumnValuesToBeBetween(column=column.name + VALUE, max_value=last),
        "not_after_period",
        column,
        {"last_day": str(period.last_day)},
    )


def _reference_checks(
    extract: Extract, period: Period, registry: Registry, reference_values: list[str] | None, gxe: Any
) -> list[Check]:
    """A column naming a row of another extract: never empty, and, when that extract is
    published (`reference_values`: what its column holds), one of its values."""
    reference = extract.references
    if reference is None:
        return []
    column = extract.column(reference.column)
    checks = [
        _column_error(
            gxe.ExpectColumnValuesToNotBeNull(column=column.name),
            "not_empty",
            column,
            {},
        )
    ]
    if reference_values is not None:
        other = registry.extract(reference.extract)
        checks.append(
            _column_error(
                gxe.ExpectColumnValuesToBeInSet(column=column.name, value_set=sorted(reference_values)),
                "in_reference",
                column,
                {"extract_name": other.name, "extract": other.code, "period": period.code},
                referenced=f"{other.code}.{reference.other}",
            )
        )
    return checks


def _rule_check(rule: Rule, extract: Extract, registry: Registry, gxe: Any) -> Check:
    """The check of one of the extract's rules (registry `rules`)."""
    title = column_title(extract, rule.column) if rule.column else ""
    if rule.rule == "not_greater":
        return Check(
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=rule.other + VALUE,
                column_B=rule.column + VALUE,
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
            rule.severity,
            "not_greater",
            (rule.column, rule.other),
            other_column=rule.other,
            params={"column": title, "other_column": column_title(extract, rule.other)},
        )
    if rule.rule == "unique":
        return Check(
            gxe.ExpectColumnValuesToBeUnique(column=rule.column),
            rule.severity,
            "at_most_once",
            (rule.column,),
            keys=None,
            params={"column": title},
        )
    if rule.rule in ("required_when", "empty_when"):
        return _condition_check(rule, extract, gxe, title)
    if rule.rule == "all_areas":
        return Check(
            gxe.ExpectColumnDistinctValuesToContainSet(column="area", value_set=list(registry.areas)),
            rule.severity,
            "all_areas",
            ("area",),
            aggregate=True,
        )
    raise ValueError(f"no check for the rule {rule.rule!r}")


def _condition_check(rule: Rule, extract: Extract, gxe: Any, title: str) -> Check:
    """A column required, or to be empty, where another column has a given value."""
    condition = f'{rule.when_column}=="{rule.when_value}"'
    params = {
        "column": title,
        "when_column": column_title(extract, rule.when_column),
        "when_value": rule.when_value,
    }
    if rule.rule == "required_when":
        expectation = gxe.ExpectColumnValuesToNotBeNull(
            column=rule.column, row_condition=condition, condition_parser="pandas"
        )
        code = "required_when"
    else:
        expectation = gxe.ExpectColumnValuesToBeNull(
            column=rule.column, row_condition=condition, condition_parser="pandas"
        )
        code = "empty_when"
    return Check(
        expectation, rule.severity, code, (rule.column,), keys=(rule.column, rule.when_column), params=params
    )


def build_checks(
    extract: Extract, period: Period, registry: Registry, reference_values: list[str] | None = None
) -> list[Check]:
    """The extract's suite: every rule of the data dictionary about one file, and the
    cross-extract rule when the referenced extract is published."""
    import great_expectations.expectations as gxe

    checks = _reference_checks(extract, period, registry, reference_values, gxe)
    for column in extract.columns:
        checks += _column_checks(column, extract, period, registry, gxe)
    checks += [_rule_check(rule, extract, registry, gxe) for rule in extract.rules]
    return checks
