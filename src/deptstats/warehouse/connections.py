"""The warehouse as an Airflow connection (`deptstats_warehouse`) and back, without Airflow."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import URL, make_url

from deptstats.warehouse.engine import normalize_url

CONN_ID = "deptstats_warehouse"


def connection_json(url: str) -> str:
    """AIRFLOW_CONN_DEPTSTATS_WAREHOUSE value (Airflow's JSON form) for a warehouse URL."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() == "sqlite":
        return json.dumps({"conn_type": "sqlite", "host": parsed.database})
    return json.dumps(
        {
            "conn_type": "postgres",
            "host": parsed.host,
            "port": parsed.port or 5432,
            "login": parsed.username,
            "password": parsed.password,
            "schema": parsed.database,
        }
    )


def url_from_connection(
    conn_type: str | None,
    host: str | None = None,
    login: str | None = None,
    password: str | None = None,
    port: int | None = None,
    schema: str | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """SQLAlchemy URL of the warehouse an Airflow connection describes."""
    if extra and extra.get("sqlalchemy_url"):
        return normalize_url(extra["sqlalchemy_url"])
    if conn_type == "sqlite":
        if not host:
            raise ValueError("a sqlite warehouse connection needs the file path as host")
        return normalize_url(host)
    if conn_type in ("postgres", "postgresql"):
        return URL.create(
            "postgresql+psycopg", username=login, password=password, host=host, port=port, database=schema
        ).render_as_string(hide_password=False)
    raise ValueError(f"warehouse connection type {conn_type!r} is not supported (use sqlite or postgres)")
