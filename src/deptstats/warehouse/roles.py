"""PostgreSQL roles: a read-only analyst role that sees the mart_* views and nothing else."""

from __future__ import annotations

from sqlalchemy import Engine, text

ANALYST_ROLE = "deptstats_analyst"


def mart_views(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "select table_name from information_schema.views "
                    "where table_schema = current_schema() and table_name like 'mart\\_%' "
                    "order by table_name"
                )
            ).scalars()
        )


def grant_analyst(engine: Engine, member: str | None = None) -> list[str]:
    """Create (if missing) the NOLOGIN role deptstats_analyst with SELECT on every mart_*
    view only; optionally make the login role `member` a member of it. Names are quoted as
    identifiers by the driver, never pasted into SQL."""
    if engine.dialect.name != "postgresql":
        raise ValueError("roles exist on PostgreSQL only; a SQLite file is read by whoever can read the file")
    from psycopg import sql

    views = mart_views(engine)
    role = sql.Identifier(ANALYST_ROLE)
    with engine.begin() as conn:
        raw = conn.connection.dbapi_connection
        with raw.cursor() as cursor:
            cursor.execute("select 1 from pg_roles where rolname = %s", (ANALYST_ROLE,))
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("create role {} nologin").format(role))
            cursor.execute(
                sql.SQL("revoke all on all tables in schema {} from {}").format(
                    sql.Identifier(_schema(cursor)), role
                )
            )
            cursor.execute(
                sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(_schema(cursor)), role)
            )
            for view in views:
                cursor.execute(sql.SQL("grant select on {} to {}").format(sql.Identifier(view), role))
            if member:
                cursor.execute(sql.SQL("grant {} to {}").format(role, sql.Identifier(member)))
    return views


def _schema(cursor: object) -> str:
    cursor.execute("select current_schema()")
    return cursor.fetchone()[0]
