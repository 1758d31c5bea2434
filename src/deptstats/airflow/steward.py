"""What a data steward needs to see of a run: each file it refused, each problem in the words of
the file (row, column, raw value, rule in the reader's language), what to do about it, which
task to clear, and, once a later publication of the same extract and period has fixed it, that
publication."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from deptstats.airflow.steward_text import fix_of
from deptstats.core import Message, Registry, cut, gettext
from deptstats.indicators import query

# Problems listed per file on a run's page; the problems page (/problems/<batch>) has them all.
PROBLEMS_SHOWN = 200
# A cell is shown to this many characters (a delivered cell may be megabytes long).
VALUE_SHOWN = 200
OUTCOME_KEYS = (
    "file",
    "extract",
    "period",
    "status",
    "message",
    "sha256",
    "row_count",
    "batch_id",
    "current_status",
    "standing",
    "recorded_at",
)


def task_id_of(extract_code: str | None, registry: Registry) -> str | None:
    """The nightly DAG's task that loads an extract (its department's group, then its code)."""
    if not extract_code:
        return None
    try:
        return registry.extract(extract_code).task_id
    except KeyError:
        return None


def column_title(extract_code: str | None, column: str | None, registry: Registry) -> str | None:
    if column is None or not extract_code:
        return column
    try:
        return registry.extract(extract_code).column(column).label
    except KeyError:
        return column


def shown(value: str | None) -> str | None:
    return None if value is None else cut(value, VALUE_SHOWN)


def rule_text(row: dict[str, Any], language: str | None) -> str:
    """A stored problem's rule in `language`; a legacy row (no code, or 'legacy') as stored."""
    return Message.from_stored(row.get("rule_code"), row.get("params"), row["rule"]).text(language)


def problem_of(
    row: dict[str, Any], extract_code: str | None, registry: Registry, language: str | None
) -> dict[str, Any]:
    """One row of the problem table as the steward reads it, with what to fix."""
    return {
        "row": row["row_number"],
        "row_key": shown(row["row_key"]),
        "column": row["column_name"],
        "title": column_title(extract_code, row["column_name"], registry),
        "value": shown(row["value"]),
        "other_column": row["other_column"],
        "other_title": column_title(extract_code, row["other_column"], registry),
        "other_value": shown(row["other_value"]),
        "rule": rule_text(row, language),
        "severity": row["severity"],
        "advice": gettext(fix_of(row["severity"], row["row_number"]), language),
    }


def problems_of(
    engine: Engine,
    extract_code: str | None,
    batch_id: int | None,
    message: str | None,
    registry: Registry,
    language: str | None = None,
) -> list[dict[str, Any]]:
    """The first PROBLEMS_SHOWN problems of a refused batch; a file refused unread (a link, two
    files for a period, a bad name) has its refusal's message as its one problem."""
    if batch_id is None:
        rows = [
            {
                "row_number": None,
                "row_key": None,
                "column_name": None,
                "value": None,
                "other_column": None,
                "other_value": None,
                "rule": message or "",
                "rule_code": None,
                "params": None,
                "severity": "error",
            }
        ]
    else:
        rows = query(engine, "batch_problems", batch_id=batch_id, max_rows=PROBLEMS_SHOWN, skip_rows=0)
    return [problem_of(row, extract_code, registry, language) for row in rows]


def fixed_by(refusal: dict[str, Any], publications: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first publication of the refused file's extract and period loaded after the refusal
    (by batch; a file refused unread has no batch: by time), or None."""
    for publication in publications:
        if refusal["batch_id"] is not None:
            if publication["batch_id"] > refusal["batch_id"]:
                return publication
        elif publication["finished_at"] > refusal["recorded_at"]:
            return publication
    return None


def run_report(
    engine: Engine, run_id: str, registry: Registry, language: str | None = None
) -> list[dict[str, Any]]:
    """Every file the run saw, refused ones first, each refused one with its problems and the
    publication that fixed it since (fixed_by, None while none has)."""
    files = []
    publications: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in query(engine, "run_deliveries", run_id=run_id):
        entry = {key: row[key] for key in OUTCOME_KEYS}
        entry["task_id"] = task_id_of(row["extract"], registry)
        entry["problems"], entry["fixed_by"] = [], None
        if row["status"] == "rejected":
            entry["problems"] = problems_of(
                engine, row["extract"], row["batch_id"], row["message"], registry, language
            )
            if row["extract"] and row["period"]:
                key = (row["extract"], row["period"])
                if key not in publications:
                    publications[key] = query(
                        engine, "publications_of", extract=row["extract"], period=row["period"]
                    )
                entry["fixed_by"] = fixed_by(entry, publications[key])
        files.append(entry)
    return files


def deliveries(engine: Engine) -> list[dict[str, Any]]:
    """Every delivered file with its standing (current, superseded, rejected …) and whether the
    latest run found it unchanged (the nav page)."""
    return query(engine, "deliveries")
