"""Where the project's data files live: the registry, SQL and reply templates under include/."""

from __future__ import annotations

import os
from pathlib import Path


def project_home() -> Path:
    """The folder holding include/: $DEPTSTATS_HOME, else the checkout this package sits in."""
    configured = os.environ.get("DEPTSTATS_HOME")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3]


def include_dir() -> Path:
    return project_home() / "include"


def sql_dir() -> Path:
    return include_dir() / "sql"


def read_sql(relative: str) -> str:
    """Text of a SQL file under include/sql; `relative` comes from the registry, never a user."""
    path = (sql_dir() / relative).resolve()
    if sql_dir().resolve() not in path.parents:
        raise ValueError(f"SQL file outside include/sql: {relative}")
    return path.read_text(encoding="utf-8")


def reply_codes() -> list[str]:
    """The replies configured under include/replies (<code>.toml)."""
    return sorted(path.stem for path in (include_dir() / "replies").glob("*.toml"))
