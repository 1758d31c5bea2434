"""Great Expectations suites built from the registry, and what they say about one file.

The frame GX sees holds, per column, the normalised text under the canonical name and, for
numbers and dates, the parsed value under `<name>__value`; `source_row` is the row number as the
steward sees it in the file, so every failure names its row.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deptstats.periods import Period
from deptstats.readers import RawTable, normalize_cell
from deptstats.registry import Column, Extract, Registry

if TYPE_CHECKING:
    import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

ROW = "source_row"
VALUE = "__value"
TYPED = {"count", "integer", "amount", "date"}
PATTERNS = {
    "count": (r"^\d{1,15}$", "must be a whole number >= 0"),
    "integer": (r"^-?\d{1,15}$", "must be a whole number"),
    "amount": (r"^\d+(?:\.\d{1,6})?$", "must be a decimal amount >= 0 (at most 6 decimals)"),
}
DATE_WORDING = "must be a date: 2023-05-01, 2023/5/1, 2023年5月1日 or an Excel date"


@dataclass(frozen=True)
class Problem:
    """One failing row (or, for file-level rules, row None) of one rule."""

    severity: str
    rule: str
    row: int | None
    column: str | None
    value: str | None

    def describe(self, file: str, extract: Extract, row_label: str = "row") -> str:
        where = [file]
        if self.row is not None:
            where.append(f"{row_label} {self.row}")
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


# ------------------------------------------------------------------ the frame


def _normalized(column_type: str, cells: Any) -> pd.Series:
    """normalize_cell over a column, computed once per distinct value (ids aside, columns
    repeat their values a lot), so a million rows cost what their distinct values cost."""
    import pandas as pd

    series = cells if isinstance(cells, pd.Series) else pd.Series(cells, dtype="object")
    if column_type in ("id", "text", "area"):
        return series.where(series.isna(), series.str.strip())
    distinct = series.dropna().unique()
    mapping = {value: normalize_cell(column_type, value) for value in distinct}
    return series.map(mapping)


def build_frame(extract: Extract, table: RawTable) -> pd.DataFrame:
    """Normalised text and parsed values of every registry column (absent optional ones empty)."""
    import pandas as pd

    data: dict[str, Any] = {ROW: pd.Series(table.row_numbers, dtype="int64")}
    empty = [None] * len(table)
    for column in extract.columns:
        texts = _normalized(column.type, table.cells.get(column.name, empty))
        data[column.name] = texts
        if column.type in TYPED:
            data[column.name + VALUE] = _parsed(column.type, texts)
    return pd.DataFrame(data)


def _parsed(column_type: str, texts: pd.Series) -> pd.Series:
    """Numbers or dates of normalised text (missing where it is none), parsed once per
    distinct value."""
    import pandas as pd

    distinct = pd.Series(texts.dropna().unique(), dtype="object")
    if column_type == "date":
        values = pd.to_datetime(distinct, format="%Y-%m-%d", errors="coerce")
    else:
        values = pd.to_numeric(distinct, errors="coerce")
    parsed = texts.map(dict(zip(distinct, values, strict=True)))
    if column_type == "date":
        return pd.to_datetime(parsed)
    return pd.to_numeric(parsed, errors="coerce")


# ------------------------------------------------------------------ the suite


@dataclass(frozen=True)
class Check:
    """An expectation with the steward's wording of its rule and the columns it names.
    `keys`: the frame columns that decide its outcome for a row, so it can be run once per
    distinct combination of them; None when it needs the whole column (uniqueness)."""

    expectation: Any
    severity: str
    rule: str
    columns: tuple[str, ...]
    keys: tuple[str, ...] | None = ()

    def key_columns(self) -> tuple[str, ...] | None:
        if self.keys is None:
            return None
        if self.keys:
            return self.keys
        config = self.expectation
        found = [getattr(config, name, None) for name in ("column", "column_A", "column_B")]
        return tuple(name for name in found if name)


def _column_checks(column: Column, extract: Extract, period: Period, registry: Registry,
                   gxe: Any) -> list[Check]:
    import pandas as pd

    title = f"{column.label} ({column.name})"
    checks: list[Check] = []
    if column.required and column.type != "text":
        checks.append(Check(gxe.ExpectColumnValuesToNotBeNull(column=column.name), "error",
                            f"{title} must not be empty", (column.name,)))
    if column.type == "id":
        checks.append(Check(gxe.ExpectColumnValuesToBeUnique(column=column.name), "error",
                            f"{title} must be unique in the file", (column.name,), keys=None))
    if column.type in PATTERNS:
        regex, wording = PATTERNS[column.type]
        checks.append(Check(gxe.ExpectColumnValuesToMatchRegex(column=column.name, regex=regex),
                            "error", f"{title} {wording}", (column.name,)))
    if column.type == "date":
        # strptime, not a regex: 2023-02-30 has the shape of a date but is none
        checks.append(Check(
            gxe.ExpectColumnValuesToMatchStrftimeFormat(column=column.name,
                                                        strftime_format="%Y-%m-%d"),
            "error", f"{title} {DATE_WORDING}", (column.name,)))
    if column.type == "integer" and (column.min is not None or column.max is not None):
        bounds = []
        if column.min is not None:
            bounds.append(f">= {column.min}")
        if column.max is not None:
            bounds.append(f"<= {column.max}")
        checks.append(Check(
            gxe.ExpectColumnValuesToBeBetween(column=column.name + VALUE, min_value=column.min,
                                              max_value=column.max),
            "error", f"{title} must be " + " and ".join(bounds), (column.name,)))
    if column.type == "amount" and column.min_exclusive:
        checks.append(Check(
            gxe.ExpectColumnValuesToBeBetween(column=column.name + VALUE, min_value=0,
                                              strict_min=True),
            "error", f"{title} must be greater than 0", (column.name,)))
    if column.type in ("enum", "yesno", "area"):
        if column.type == "enum":
            allowed = list(column.values)
        elif column.type == "yesno":
            allowed = ["是", "否"]
        else:
            allowed = list(registry.areas) + ([registry.citywide] if column.citywide else [])
        shown = "、".join(allowed) if column.type != "area" else "the 17 areas of the reference list"
        if column.type == "area" and column.citywide:
            shown += f" or {registry.citywide}"
        checks.append(Check(gxe.ExpectColumnValuesToBeInSet(column=column.name, value_set=allowed),
                            "error", f"{title} must be one of {shown}", (column.name,)))
    if column.type == "date":
        last = pd.Timestamp(period.last_day)
        if extract.kind == "flow":
            first = pd.Timestamp(period.first_day)
            checks.append(Check(
                gxe.ExpectColumnValuesToBeBetween(column=column.name + VALUE, min_value=first,
                                                  max_value=last),
                "error",
                f"{title} must fall inside the period {period.code} "
                f"({period.first_day} to {period.last_day})",
                (column.name,)))
        else:
            checks.append(Check(
                gxe.ExpectColumnValuesToBeBetween(column=column.name + VALUE, max_value=last),
                "error",
                f"{title} must be on or before the period's last day, {period.last_day}",
                (column.name,)))
    return checks


def build_checks(extract: Extract, period: Period, registry: Registry,
                 reference_values: list[str] | None = None) -> list[Check]:
    """The extract's suite: every rule of the data dictionary about one file, and the
    cross-extract rule when the referenced extract is published."""
    import great_expectations.expectations as gxe

    checks: list[Check] = []
    reference = extract.references
    if reference is not None:
        column = extract.column(reference.column)
        checks.append(Check(gxe.ExpectColumnValuesToNotBeNull(column=column.name), "error",
                            f"{column.label} ({column.name}) must not be empty", (column.name,)))
    if reference is not None and reference_values is not None:
        other = registry.extract(reference.extract)
        column = extract.column(reference.column)
        checks.append(Check(
            gxe.ExpectColumnValuesToBeInSet(column=column.name, value_set=sorted(reference_values)),
            "error",
            f"{column.label} ({column.name}) must name an institution in the published "
            f"{other.name} ({other.code}) of {period.code}",
            (column.name,)))
    for column in extract.columns:
        checks.extend(_column_checks(column, extract, period, registry, gxe))
    for rule in extract.rules:
        title = _column_title(extract, rule.column) if rule.column else ""
        if rule.rule == "not_greater":
            checks.append(Check(
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A=rule.other + VALUE, column_B=rule.column + VALUE, or_equal=True,
                    ignore_row_if="either_value_is_missing"),
                rule.severity,
                f"{title} must not exceed {_column_title(extract, rule.other)}",
                (rule.column, rule.other)))
        elif rule.rule == "unique":
            checks.append(Check(gxe.ExpectColumnValuesToBeUnique(column=rule.column),
                                rule.severity, f"{title} may appear at most once in the file",
                                (rule.column,), keys=None))
        elif rule.rule in ("required_when", "empty_when"):
            condition = f'{rule.when_column}=="{rule.when_value}"'
            when = f"when {_column_title(extract, rule.when_column)} is {rule.when_value}"
            if rule.rule == "required_when":
                expectation = gxe.ExpectColumnValuesToNotBeNull(
                    column=rule.column, row_condition=condition, condition_parser="pandas")
                wording = f"{title} is required {when}"
            else:
                expectation = gxe.ExpectColumnValuesToBeNull(
                    column=rule.column, row_condition=condition, condition_parser="pandas")
                wording = f"{title} must be empty {when}"
            checks.append(Check(expectation, rule.severity, wording, (rule.column,),
                                keys=(rule.column, rule.when_column)))
        elif rule.rule == "all_areas":
            checks.append(Check(
                gxe.ExpectColumnDistinctValuesToContainSet(column="area",
                                                           value_set=list(registry.areas)),
                rule.severity, "every area of the reference list should be present", ("area",)))
    return checks


# ------------------------------------------------------------------ running it


@dataclass(frozen=True)
class DocsTarget:
    """Where Data Docs go, and the name this validation gets in them."""

    folder: Path
    name: str  # e.g. the delivered file's path under the landing folder
    shared_static: Path | None = None  # one copy of GX's 4 MB of styles and fonts for all sites


def _share_static(docs: DocsTarget) -> None:
    """Replace the site's static/ folder by a relative link to one shared copy."""
    static = docs.folder / "static"
    if docs.shared_static is None or not static.is_dir() or static.is_symlink():
        return
    if docs.shared_static.exists():
        shutil.rmtree(static)
    else:
        docs.shared_static.parent.mkdir(parents=True, exist_ok=True)
        try:
            static.rename(docs.shared_static)
        except OSError:  # another task moved its copy there first
            shutil.rmtree(static)
    static.symlink_to(os.path.relpath(docs.shared_static, docs.folder), target_is_directory=True)


KEY = "distinct_key"
# Below this many rows one pass over the whole file is quicker than a pass per distinct set.
DISTINCT_FROM_ROWS = 50_000


def _groups(frame: pd.DataFrame, checks: list[Check]) -> list[tuple[pd.DataFrame, list[int]]]:
    """Frames to validate and the checks each carries: for a large file, per set of key
    columns, one row per distinct combination (tagged KEY), and for uniqueness the whole
    column; for a small file the whole frame, KEY being the row number."""
    import pandas as pd

    if len(frame) < DISTINCT_FROM_ROWS:
        whole = frame.copy()
        whole[KEY] = frame[ROW].to_numpy()
        whole.attrs["whole"] = True
        return [(whole, list(range(len(checks))))]
    by_keys: dict[tuple[str, ...] | None, list[int]] = {}
    for number, check in enumerate(checks):
        keys = check.key_columns()
        by_keys.setdefault(keys if keys is None else tuple(sorted(keys)), []).append(number)
    groups = []
    for keys, numbers in by_keys.items():
        if keys is None:
            columns = sorted({checks[n].expectation.column for n in numbers})
            part = frame[columns].copy()
            part[KEY] = frame[ROW].to_numpy()
            groups.append((part, numbers))
        else:
            distinct = frame[list(keys)].drop_duplicates(ignore_index=True)
            distinct[KEY] = pd.RangeIndex(len(distinct))
            groups.append((distinct, numbers))
    return groups


def _run_gx(extract: Extract, frame: pd.DataFrame, checks: list[Check],
            docs: DocsTarget | None = None) -> tuple[list[tuple[Any, pd.DataFrame]], str | None]:
    """Validate with GX Core; per check (in order) its result and the frame it ran on, and the
    Data Docs page built for this validation (static HTML, no network), if asked for."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("deptstats")
    result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": [KEY]}
    definitions, frames, suites = [], [], []
    for number, (part, numbers) in enumerate(_groups(frame, checks)):
        batch_definition = source.add_dataframe_asset(f"{extract.code}_{number}") \
            .add_batch_definition_whole_dataframe("whole file")
        suite = gx.ExpectationSuite(name=f"{suite_name(extract)}.{number}")
        for n in numbers:
            checks[n].expectation.meta = {"check": n, "severity": checks[n].severity,
                                          "rule": checks[n].rule}
            suite.add_expectation(checks[n].expectation)
        suites.append(context.suites.add(suite))
        definitions.append(batch_definition)
        frames.append(part)
    results: dict[int, tuple[Any, pd.DataFrame]] = {}
    page = None
    if docs is None:
        for batch_definition, suite, part in zip(definitions, suites, frames, strict=True):
            batch = batch_definition.get_batch(batch_parameters={"dataframe": part})
            # A quick pass says whether anything fails; only then are failing rows listed.
            quick = batch.validate(suite, result_format={"result_format": "BOOLEAN_ONLY"})
            if not quick.success:
                quick = batch.validate(suite, result_format=result_format)
            results |= {r.expectation_config.meta["check"]: (r, part) for r in quick.results}
    else:
        from great_expectations.checkpoint import UpdateDataDocsAction

        context.add_data_docs_site(site_name="deptstats", site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(docs.folder.resolve())},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"}})
        for number, (batch_definition, suite, part) in enumerate(
                zip(definitions, suites, frames, strict=True)):
            definition = context.validation_definitions.add(gx.ValidationDefinition(
                name=f"{docs.name} #{number}", data=batch_definition, suite=suite))
            checkpoint = context.checkpoints.add(gx.Checkpoint(
                name=suite.name, validation_definitions=[definition],
                result_format=result_format,
                actions=[UpdateDataDocsAction(name="data_docs", site_names=["deptstats"])]))
            run = next(iter(checkpoint.run(batch_parameters={"dataframe": part})
                            .run_results.values()))
            results |= {r.expectation_config.meta["check"]: (r, part) for r in run.results}
        urls = context.get_docs_sites_urls(site_names=["deptstats"])
        page = urls[0]["site_url"] if urls else None
        _share_static(docs)
    return [results[number] for number in range(len(checks))], page


def _failing_rows(check: Check, result: Any, part: pd.DataFrame, frame: pd.DataFrame
                  ) -> pd.DataFrame:
    """The file's rows (ROW and the check's first column) that the failing keys stand for."""
    failing = [entry[KEY] for entry in result.result.get("unexpected_index_list", [])]
    keys = check.key_columns()
    if keys is None or part.attrs.get("whole"):
        rows = frame[frame[ROW].isin(failing)]
    else:
        chosen = part[part[KEY].isin(failing)][list(keys)]
        rows = frame.merge(chosen, on=list(keys), how="inner")
    return rows.sort_values(ROW)


def _problems_of(check: Check, result: Any, part: pd.DataFrame, frame: pd.DataFrame,
                 table: RawTable) -> list[Problem]:
    if result.success:
        return []
    if result.exception_info and result.exception_info.get("raised_exception"):
        return [Problem("error", f"{check.rule} (the check itself failed: "
                        f"{result.exception_info.get('exception_message')})", None, None, None)]
    details = result.result or {}
    if "unexpected_index_list" not in details:
        missing = set(details.get("missing_list") or details.get("partial_missing_list") or [])
        missing = [a for a in check.expectation.value_set if a in missing]  # registry order
        return [Problem(check.severity, f"{check.rule}; missing: {'、'.join(missing)}", None,
                        check.columns[0], None)]
    column = check.columns[0]
    position = {row: index for index, row in enumerate(table.row_numbers)}
    return [Problem(check.severity, check.rule, int(row), column,
                    table.value(position[int(row)], column))
            for row in _failing_rows(check, result, part, frame)[ROW]]


def _total_problems(extract: Extract, table: RawTable) -> list[Problem]:
    """A total row must equal the sum of the data rows in every numeric column it fills."""
    if table.total_row is None:
        return []
    problems = []
    for column in extract.columns:
        if column.type not in ("count", "amount") or column.name not in table.columns:
            continue
        total_text = normalize_cell(column.type, table.total_row.get(column.name))
        if total_text is None:
            continue
        try:
            total = Decimal(total_text)
            counts = _normalized(column.type, table.cells[column.name]).value_counts()
            summed = sum((Decimal(v) * n for v, n in counts.items()), Decimal(0))
        except ArithmeticError:
            continue  # a malformed cell is reported by its own rule
        if total != summed:
            problems.append(Problem(
                "error",
                f"the total row gives {total} for {column.label} ({column.name}) but the data "
                f"rows sum to {summed}",
                table.total_row_number, column.name, table.total_row.get(column.name)))
    return problems


def validate(extract: Extract, period: Period, table: RawTable, registry: Registry,
             reference_values: list[str] | None = None, docs: DocsTarget | None = None,
             ) -> tuple[ValidationReport, pd.DataFrame]:
    """Run the extract's suite on one file; the report and the frame (for publishing).
    `reference_values`: the ids of the referenced extract's publication for the same period
    (None: not published, so the cross-extract rule is a warning)."""
    frame = build_frame(extract, table)
    checks = build_checks(extract, period, registry, reference_values)
    results, page = _run_gx(extract, frame, checks, docs)
    report = ValidationReport(suite=suite_name(extract), docs_page=page)
    for check, (result, part) in zip(checks, results, strict=True):
        problems = _problems_of(check, result, part, frame, table)
        report.outcomes.append(ExpectationOutcome(
            expectation=result.expectation_config.type,
            column=check.columns[0] if check.columns else None,
            severity=check.severity,
            rule=check.rule,
            success=bool(result.success),
            element_count=len(frame),  # rows of the file, however the check was evaluated
            unexpected_count=sum(p.row is not None for p in problems),
        ))
        report.problems.extend(problems)
    report.problems.extend(_total_problems(extract, table))
    report.problems.extend(
        Problem("warning", warning.split(": ", 1)[-1], None, None, None)
        for warning in table.warnings)
    report.problems.sort(key=lambda p: (p.severity != "error", p.row or 0, p.column or ""))
    return report, frame


# ------------------------------------------------------------------ period over period

MOVE_LIMIT = 0.30  # extracts.md: a citywide indicator moving more than 30% is a warning


def large_moves(moves: list[Any]) -> list[Any]:
    """The moves (indicators.Move) beyond +-30%, found by a GX suite over all of them."""
    import pandas as pd

    if not moves:
        return []
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

    frame = pd.DataFrame({"move": range(len(moves)),
                          "change": [float(m.change) for m in moves]})
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (context.data_sources.add_pandas("deptstats").add_dataframe_asset("indicator_moves")
             .add_batch_definition_whole_dataframe("all").get_batch(
                 batch_parameters={"dataframe": frame}))
    result = batch.validate(
        gxe.ExpectColumnValuesToBeBetween(column="change", min_value=-MOVE_LIMIT,
                                          max_value=MOVE_LIMIT,
                                          meta={"severity": "warning"}),
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["move"]})
    return [moves[int(entry["move"])] for entry in result.result.get("unexpected_index_list", [])]
