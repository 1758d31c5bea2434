"""Small helpers shared by the tests."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, func, inspect, select

from deptstats.core.registry import Registry
from deptstats.publish.loading import ExtractRejected, FileOutcome, load_extract
from deptstats.warehouse.engine import metadata_for


def write_csv(landing: Path, relative: str, lines: list[str], encoding: str = "utf-8") -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def set_cell(path: Path, line: int, column: int, value: str, encoding: str = "utf-8-sig") -> None:
    """A department's hand edit of a delivered CSV: one cell (line 0 is the header) set to
    `value`, the file written back in `encoding`."""
    lines = path.read_bytes().decode("utf-8-sig").split("\r\n")
    cells = lines[line].split(",")
    cells[column] = value
    lines[line] = ",".join(cells)
    path.write_bytes("\r\n".join(lines).encode(encoding))


def table_counts(engine: Engine, registry: Registry, dimensions: bool = True) -> dict[str, int]:
    """Rows in every warehouse table the schema has (without the dim_* tables if asked); an
    older revision lacks the newer tables."""
    present = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {
            name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in metadata_for(registry).tables.items()
            if name in present and (dimensions or not name.startswith("dim_"))
        }


def load_all(engine: Engine, landing: Path, registry: Registry, run_id: str = "test") -> list[FileOutcome]:
    """Load every extract, collecting outcomes of refused files instead of raising."""
    outcomes: list[FileOutcome] = []
    for extract in registry.extracts:
        try:
            outcomes += load_extract(engine, landing, extract.code, run_id, registry)
        except ExtractRejected as rejected:
            outcomes += rejected.outcomes
    return outcomes


def snapshot(engine: Engine, table: str, registry: Registry, period: str) -> list[tuple]:
    """Published rows of one extract table and period, in a stable order."""
    target = metadata_for(registry).tables[table]
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(target).where(target.c.period == period).order_by(target.c.source_row)
            )
        ]


def smtp_connection(port: int, sender: str) -> str:
    """The deptstats_smtp connection (AIRFLOW_CONN_DEPTSTATS_SMTP) for a local SMTP server on
    `port`, without TLS, sending as `sender`."""
    return json.dumps(
        {
            "conn_type": "smtp",
            "host": "127.0.0.1",
            "port": port,
            "extra": {"from_email": sender, "disable_tls": True, "disable_ssl": True},
        }
    )
