"""What a data steward needs to see of a run: each file it refused, each problem in the words of
the file (row, column, raw value, rule), what to do about it, and which task to clear."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from deptstats.core import Registry, cut
from deptstats.indicators import query

# Problems listed per file; the full list stays in the warehouse (`deptstats problems`).
PROBLEMS_SHOWN = 200
# A cell is shown to this many characters (a delivered cell may be megabytes long).
VALUE_SHOWN = 200


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


def advice(file: str, problem: dict[str, Any]) -> str:
    """What to do about one problem, as a steward would be told."""
    if problem["row"] is None:
        return f"Fix {file} as a whole: {problem['rule']}."
    where = (
        f"row {problem['row']}"
        + (f" ({problem['row_key']})" if problem["row_key"] is not None else "")
        + (f", column {problem['title']}" if problem["title"] else "")
    )
    value = "an empty cell" if problem["value"] in (None, "") else repr(problem["value"])
    if problem["other_value"] is not None:
        value += f", {problem['other_title']} {problem['other_value']!r}"
    verb = "Check" if problem["severity"] == "warning" else "Correct"
    return f"{verb} {where} of {file} (now {value}): {problem['rule']}."


def problems_of(
    engine: Engine,
    file: str,
    extract_code: str | None,
    batch_id: int | None,
    message: str | None,
    registry: Registry,
) -> list[dict[str, Any]]:
    if batch_id is None:  # refused unread (a link, two files for a period, a bad name)
        rows = [
            {
                "row_number": None,
                "row_key": None,
                "column_name": None,
                "value": None,
                "other_column": None,
                "other_value": None,
                "rule": message or "refused",
                "severity": "error",
            }
        ]
    else:
        rows = query(engine, "batch_problems", batch_id=batch_id, max_rows=PROBLEMS_SHOWN)
    problems = []
    for row in rows:
        problem = {
            "row": row["row_number"],
            "row_key": shown(row["row_key"]),
            "column": row["column_name"],
            "title": column_title(extract_code, row["column_name"], registry),
            "value": shown(row["value"]),
            "other_column": row["other_column"],
            "other_title": column_title(extract_code, row["other_column"], registry),
            "other_value": shown(row["other_value"]),
            "rule": row["rule"],
            "severity": row["severity"],
        }
        problem["advice"] = advice(file, problem)
        problems.append(problem)
    return problems


def run_report(engine: Engine, run_id: str, registry: Registry) -> list[dict[str, Any]]:
    """Every file the run saw, refused ones first, each refused one with its problems."""
    files = []
    for row in query(engine, "run_deliveries", run_id=run_id):
        entry = {
            key: row[key]
            for key in (
                "file",
                "extract",
                "period",
                "status",
                "message",
                "sha256",
                "row_count",
                "batch_id",
                "validation_id",
                "current_status",
                "recorded_at",
            )
        }
        entry["task_id"] = task_id_of(row["extract"], registry)
        entry["problems"] = (
            problems_of(engine, row["file"], row["extract"], row["batch_id"], row["message"], registry)
            if row["status"] == "rejected"
            else []
        )
        entry["has_docs"] = bool(row["docs_page"])
        files.append(entry)
    return files


def deliveries(engine: Engine) -> list[dict[str, Any]]:
    """Every delivered file with its latest outcome (the nav page)."""
    return query(engine, "loads")
