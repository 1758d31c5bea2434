"""Read-side queries of the warehouse (include/sql/report/) as plain records, and their
rendering as JSON or a table for the command line."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, String, bindparam, text

from deptstats.core import Message, read_sql
from deptstats.indicators.compute import exact, plain

# Exact numbers travel as strings, the same on every backend (SQLite hands back int or float,
# PostgreSQL Decimal).
EXACT_COLUMNS = {"numerator", "denominator"}


def _plain(key: str, value: Any) -> Any:
    if value is not None and (key in EXACT_COLUMNS or isinstance(value, Decimal)):
        return plain(exact(value))
    return value


def query(engine: Engine, name: str, **params: Any) -> list[dict[str, Any]]:
    """Rows of include/sql/report/<name>.sql; string parameters are typed so PostgreSQL can
    plan `:x is null` tests."""
    statement = text(read_sql(f"report/{name}.sql"))
    typed = [
        bindparam(key, type_=String())
        for key, value in params.items()
        if value is None or isinstance(value, str)
    ]
    if typed:
        statement = statement.bindparams(*typed)
    with engine.connect() as conn:
        return [{k: _plain(k, v) for k, v in row._mapping.items()} for row in conn.execute(statement, params)]


def figures(engine: Engine) -> list[dict[str, Any]]:
    return query(engine, "figures")


def figures_by_key(engine: Engine) -> dict[tuple[str, str, str | None], dict[str, Any]]:
    """Every figure by (indicator, period, area); area None is citywide."""
    return {(f["indicator"], f["period"], f["area"]): f for f in figures(engine)}


def loads(engine: Engine) -> list[dict[str, Any]]:
    return query(engine, "loads")


def problems(
    engine: Engine, file: str | None = None, batch_id: int | None = None, language: str | None = None
) -> list[dict[str, Any]]:
    """The problems kept (of one file, of one batch), each rule worded in `language` (the
    deployment's when None) from its code and parameters: a problem recorded before problems
    had codes (rule_code legacy) keeps its stored text."""
    return [worded(row, language) for row in query(engine, "problems", file=file, batch_id=batch_id)]


def worded(row: dict[str, Any], language: str | None = None) -> dict[str, Any]:
    """A problem row with `rule` worded in `language` from rule_code and params (a JSON
    text, given back as an object)."""
    message = Message.from_stored(row.get("rule_code"), row.get("params"), row.get("rule"))
    return {**row, "rule": message.text(language), "rule_code": message.code, "params": dict(message.params)}


def render(rows: list[dict[str, Any]], fmt: str, columns: list[str] | None = None) -> str:
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2, default=str)
    from tabulate import tabulate

    from deptstats.core import printable

    columns = columns or (list(rows[0]) if rows else [])
    # a delivered cell or file name must not forge a line of the table or recolour the screen
    return tabulate(
        [[None if row.get(c) is None else printable(row.get(c)) for c in columns] for row in rows],
        headers=columns,
        tablefmt="simple",
        disable_numparse=True,
    )
