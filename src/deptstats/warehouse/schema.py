"""The warehouse schema: Alembic migrations (deptstats/warehouse/migrations) and the dimension tables
kept in step with the registry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, delete, insert, select

from deptstats.core import N_, Registry, parse_period
from deptstats.warehouse.engine import metadata_for
from deptstats.warehouse.locks import hold

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class SchemaBehind(RuntimeError):
    """The warehouse is not at the revision this code writes."""


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, registry: Registry, revision: str = "head") -> None:
    """Migrate the warehouse to `revision` (default: the newest) and refresh the dimensions."""
    config = alembic_config()
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        conn.commit()
    if current_revision(engine) == head_revision():
        sync_dimensions(engine, registry)


def check_schema(engine: Engine) -> str:
    """The revision, if it is the one this code needs; SchemaBehind otherwise."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaBehind(
            f"the warehouse schema is at revision {current or 'none (empty)'} but this version "
            f"of deptstats writes revision {head}: run `deptstats db upgrade --warehouse URL` "
            "first"
        )
    return current


def ensure_schema(engine: Engine, registry: Registry) -> None:
    """A warehouse at the newest revision, for tests, demos and the CLI."""
    upgrade(engine, registry)


def sync_dimensions(engine: Engine, registry: Registry) -> None:
    """Rewrite the registry's dimensions and the periods that have data, in one transaction."""
    tables = metadata_for(registry).tables
    with engine.begin() as conn:
        hold(conn, "dimensions", N_("the dim_* tables"))  # two loads at once rewrite them in turn
        for name in ("dim_department", "dim_extract", "dim_area", "dim_indicator", "dim_period"):
            conn.execute(delete(tables[name]))
        for name, rows in _registry_dimensions(registry).items():
            conn.execute(insert(tables[name]), rows)
        periods = sorted(set(conn.execute(select(tables["publication"].c.period)).scalars()))
        if periods:
            conn.execute(
                insert(tables["dim_period"]),
                [
                    {"period": p.code, "kind": p.kind, "first_day": p.first_day, "last_day": p.last_day}
                    for p in map(parse_period, periods)
                ],
            )


def _registry_dimensions(registry: Registry) -> dict[str, list[dict[str, Any]]]:
    """The rows of the dimensions the registry defines, by table, in the order they are written."""
    return {
        "dim_department": [
            {"department": d.code, "name": d.name, "name_en": d.name_en} for d in registry.departments
        ],
        "dim_extract": [
            {
                "extract": e.code,
                "department": e.department,
                "name": e.name,
                "period_kind": e.period,
                "kind": e.kind,
                "grain": e.grain,
                "table_name": e.table,
            }
            for e in registry.extracts
        ],
        "dim_area": [
            {"area": area, "is_citywide": False, "sort_order": n}
            for n, area in enumerate(registry.areas, start=1)
        ]
        + [{"area": registry.citywide, "is_citywide": True, "sort_order": 0}],
        "dim_indicator": [
            {
                "indicator": i.code,
                "extract": i.extract,
                "department": i.department,
                "name": i.name,
                "name_en": i.name_en,
                "unit": i.unit,
                "decimals": i.decimals,
                "definition": i.definition,
                "sql_file": i.sql_file,
            }
            for i in registry.indicators
        ],
    }
