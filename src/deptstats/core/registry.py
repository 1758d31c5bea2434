"""The registry: departments, extracts, columns, rules, areas and indicators, read from
include/registry/registry.toml. Standard library only (column_types too, at import), so DAG files
can import it cheaply."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from deptstats.core.column_types import TYPES
from deptstats.core.paths import include_dir

RULES = {"not_greater", "unique", "required_when", "empty_when", "all_areas"}
PERIOD_RE = {"year": re.compile(r"^[0-9]{4}$"), "month": re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")}


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    type: str
    values: tuple[str, ...] = ()
    optional: bool = False
    citywide: bool = False
    min: int | None = None
    max: int | None = None
    min_exclusive: bool = False

    @property
    def required(self) -> bool:
        return not self.optional


@dataclass(frozen=True)
class Rule:
    rule: str
    column: str | None = None
    other: str | None = None
    when_column: str | None = None
    when_value: str | None = None
    severity: str = "error"


@dataclass(frozen=True)
class Reference:
    column: str
    extract: str
    other: str


@dataclass(frozen=True)
class Extract:
    code: str
    department: str
    name: str
    period: str  # "year" or "month"
    kind: str  # "flow" or "snapshot"
    grain: str
    columns: tuple[Column, ...]
    rules: tuple[Rule, ...] = ()
    references: Reference | None = None

    @property
    def table(self) -> str:
        """Warehouse table holding the published rows."""
        return f"{self.department}_{self.code}"

    @property
    def task_id(self) -> str:
        return f"{self.department}.{self.code}"

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.code} has no column {name}")

    @property
    def id_column(self) -> Column | None:
        return next((c for c in self.columns if c.type == "id"), None)

    @property
    def has_area(self) -> bool:
        return any(c.type == "area" for c in self.columns)


@dataclass(frozen=True)
class Indicator:
    code: str
    extract: str
    name: str
    name_en: str
    definition: str
    unit: str
    decimals: int
    multiplier: Decimal = Decimal(1)
    approximate_people: bool = False

    @property
    def sql_file(self) -> str:
        """Path of the computing SQL, relative to include/sql."""
        return f"indicators/{self.code}.sql"

    @property
    def department(self) -> str:
        return self.code.split(".", 1)[0]


@dataclass(frozen=True)
class Registry:
    areas: tuple[str, ...]
    citywide: str
    departments: tuple[Department, ...]
    extracts: tuple[Extract, ...]
    indicators: tuple[Indicator, ...]

    def extract(self, code: str) -> Extract:
        for extract in self.extracts:
            if extract.code == code:
                return extract
        raise KeyError(f"no extract {code!r} in the registry")

    def indicator(self, code: str) -> Indicator:
        for indicator in self.indicators:
            if indicator.code == code:
                return indicator
        raise KeyError(f"no indicator {code!r} in the registry")

    def department(self, code: str) -> Department:
        for department in self.departments:
            if department.code == code:
                return department
        raise KeyError(f"no department {code!r} in the registry")

    def extracts_of(self, department: str) -> tuple[Extract, ...]:
        return tuple(e for e in self.extracts if e.department == department)

    def indicators_of(self, extract: str) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.extract == extract)


class RegistryError(ValueError):
    """The registry file contradicts itself."""


def _column(raw: dict) -> Column:
    if raw["type"] not in TYPES:
        raise RegistryError(f"column {raw['name']}: unknown type {raw['type']!r}")
    if raw["type"] == "enum" and not raw.get("values"):
        raise RegistryError(f"column {raw['name']}: an enum needs values")
    return Column(
        name=raw["name"],
        label=raw["label"],
        type=raw["type"],
        values=tuple(raw.get("values", ())),
        optional=bool(raw.get("optional", False)),
        citywide=bool(raw.get("citywide", False)),
        min=raw.get("min"),
        max=raw.get("max"),
        min_exclusive=bool(raw.get("min_exclusive", False)),
    )


def _extract(raw: dict, department_codes: set[str]) -> Extract:
    code = raw["code"]
    if raw["department"] not in department_codes:
        raise RegistryError(f"extract {code}: unknown department {raw['department']!r}")
    if raw["period"] not in PERIOD_RE or raw["kind"] not in {"flow", "snapshot"}:
        raise RegistryError(f"extract {code}: bad period or kind")
    columns = tuple(_column(c) for c in raw["columns"])
    names = [c.name for c in columns]
    if len(set(names)) != len(names):
        raise RegistryError(f"extract {code}: duplicate column names")
    rules = tuple(Rule(**r) for r in raw.get("rules", ()))
    for rule in rules:
        if rule.rule not in RULES:
            raise RegistryError(f"extract {code}: unknown rule {rule.rule!r}")
        for name in (rule.column, rule.other, rule.when_column):
            if name is not None and name not in names:
                raise RegistryError(f"extract {code}: rule names unknown column {name!r}")
    references = Reference(**raw["references"]) if "references" in raw else None
    return Extract(
        code=code,
        department=raw["department"],
        name=raw["name"],
        period=raw["period"],
        kind=raw["kind"],
        grain=raw["grain"],
        columns=columns,
        rules=rules,
        references=references,
    )


def parse_registry(text: str) -> Registry:
    raw = tomllib.loads(text)
    departments = tuple(Department(**d) for d in raw["departments"])
    codes = {d.code for d in departments}
    extracts = tuple(_extract(e, codes) for e in raw["extracts"])
    extract_codes = [e.code for e in extracts]
    if len(set(extract_codes)) != len(extract_codes):
        raise RegistryError("duplicate extract codes")
    indicators = []
    for i in raw["indicators"]:
        if i["extract"] not in extract_codes:
            raise RegistryError(f"indicator {i['code']}: unknown extract {i['extract']!r}")
        indicators.append(
            Indicator(
                code=i["code"],
                extract=i["extract"],
                name=i["name"],
                name_en=i["name_en"],
                definition=i["definition"],
                unit=i["unit"],
                decimals=int(i["decimals"]),
                multiplier=Decimal(i.get("multiplier", "1")),
                approximate_people=bool(i.get("approximate_people", False)),
            )
        )
    return Registry(
        areas=tuple(raw["areas"]["names"]),
        citywide=raw["areas"]["citywide"],
        departments=departments,
        extracts=extracts,
        indicators=tuple(indicators),
    )


def registry_path() -> Path:
    return include_dir() / "registry" / "registry.toml"


@cache
def load_registry(path: Path | None = None) -> Registry:
    """The registry, parsed once per process."""
    return parse_registry((path or registry_path()).read_text(encoding="utf-8"))
