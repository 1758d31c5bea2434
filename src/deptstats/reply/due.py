"""What a reply needs from the departments, and by when: the extracts and periods of the figures
its template quotes (found by rendering the template, as drafting does, without the warehouse)
and the due date per department of its configuration's [due] table, checked strictly."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from deptstats.core import Registry
from deptstats.reply.drafting import figure_period, render_body, reply_config


class DueConfigError(ValueError):
    """A reply's [due] table is missing, names an unknown department or gives no date."""


@dataclass(frozen=True, order=True)
class Source:
    """One extract and period a reply quotes, of one department."""

    department: str
    extract: str
    period: str


@dataclass(frozen=True)
class Requirements:
    reply: str
    sources: tuple[Source, ...]  # in the registry's order of departments and extracts
    due: dict[str, dt.date]  # department -> the last day to deliver

    def due_of(self, department: str) -> dt.date:
        return self.due[department]


def quoted_sources(config: dict[str, Any], registry: Registry) -> set[Source]:
    """The extracts and periods the reply's template quotes: its text rendered with a fig() that
    notes each figure's source (the extract of the indicator, for the reply's period of its kind)."""
    found: set[Source] = set()

    def fig(indicator_code: str, area: str | None = None) -> str:
        try:
            extract = registry.extract(registry.indicator(indicator_code).extract)
        except KeyError as unknown:
            raise DueConfigError(f"{config.get('template')}: {unknown.args[0]}") from None
        found.add(Source(extract.department, extract.code, figure_period(config, indicator_code, registry)))
        return ""

    render_body(config, fig)
    return found


def due_dates(config: dict[str, Any], departments: set[str], registry: Registry) -> dict[str, dt.date]:
    """The [due] table checked: a date (not a date and time) for every department quoted, and no
    department that is not in the registry or that the reply does not quote."""
    name = f"{config.get('code', '?')}.toml"
    due = config.get("due")
    if not isinstance(due, dict):
        raise DueConfigError(
            f"{name}: no [due] table: give the last day to deliver for each department quoted "
            f"({', '.join(sorted(departments))}), e.g. health = 2024-05-24"
        )
    known = {d.code for d in registry.departments}
    for department, day in due.items():
        if department not in known:
            raise DueConfigError(
                f"{name}: [due] names {department!r}, which is no department of the registry "
                f"({', '.join(sorted(known))})"
            )
        if department not in departments:
            raise DueConfigError(
                f"{name}: [due] gives {department!r} a date, but the reply quotes none of its figures"
            )
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            raise DueConfigError(
                f"{name}: [due] {department} = {day!r}: give a date without quotes, e.g. 2024-05-24"
            )
    absent = sorted(departments - set(due))
    if absent:
        raise DueConfigError(
            f"{name}: [due] gives no date for {', '.join(absent)}, whose figures the reply quotes"
        )
    return dict(due)


def requirements(code: str, registry: Registry) -> Requirements:
    """What reply `code` needs (include/replies/<code>.toml and its template) and by when;
    DueConfigError says what is wrong with its [due] table."""
    config = reply_config(code)
    sources = quoted_sources(config, registry)
    due = due_dates(config, {s.department for s in sources}, registry)
    order = {e.code: i for i, e in enumerate(registry.extracts)}
    departments = {d.code: i for i, d in enumerate(registry.departments)}
    ordered = sorted(sources, key=lambda s: (departments[s.department], order[s.extract], s.period))
    return Requirements(code, tuple(ordered), due)
