"""Faults of the warehouse itself (read-only, locked, full, gone, connection lost), told in one
plain line: what is wrong, which warehouse (never its password) and what to do. They are not
the data's fault, so they stay retryable: the next attempt succeeds once the warehouse is
fixed. Anything not recognised here is left as it is, traceback and all."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from sqlalchemy.exc import DBAPIError

from deptstats.core import N_, gettext, render

# A command that stopped on a warehouse fault exits with this code (1: refused data or
# differing figures, 2: wrong usage, as argparse does).
EXIT_WAREHOUSE_FAULT = 3


class WarehouseFault(Exception):
    """The warehouse cannot do what a command or task needs; the transaction in progress was
    rolled back, so nothing half-written stands."""

    # `fault` and `advice` come worded in the deployment's language (deptstats.core.render)
    def __init__(self, warehouse: str, fault: str, advice: str, file: str | None = None):
        self.warehouse, self.fault, self.advice, self.file = warehouse, fault, advice, file
        self.outcomes: list = []  # the files of the extract done before it (FileOutcome)
        super().__init__(self.line())

    def line(self) -> str:
        kept = (
            render(N_("nothing of {file} was published"), file=self.file)
            if self.file
            else gettext(N_("what was being written was rolled back"))
        )
        return render(
            N_("the warehouse {warehouse} {fault}; {kept}; {advice}"),
            warehouse=self.warehouse,
            fault=self.fault,
            kept=kept,
            advice=self.advice,
        )

    def for_file(self, file: str) -> WarehouseFault:
        """The same fault, met while `file` was being loaded."""
        return type(self)(self.warehouse, self.fault, self.advice, file)


class LoadLocked(WarehouseFault):
    """Another load holds the extract and period past the lock timeout."""


# SQLite primary result codes (the low byte of an extended code)
_SQLITE = {
    5: (
        N_("is locked by another process past the busy timeout of {busy}"),
        N_("let the other writer finish (`fuser FILE` names it), then run again"),
    ),
    6: (
        N_("is locked by another connection past the busy timeout of {busy}"),
        N_("let the other writer finish, then run again"),
    ),
    8: (
        N_("is read-only"),
        N_(
            "give the user running deptstats write access to the file and its folder (SQLite writes "
            "-wal and -shm files beside it), then run again"
        ),
    ),
    10: (
        N_("could not be read or written (a disk or file system error)"),
        N_("check the disk and the file system, then run again"),
    ),
    11: (N_("is damaged"), N_("restore it from a backup")),
    13: (
        N_("is full: the disk (or a size limit) left no room to write"),
        N_("free space where the file lives, then run again"),
    ),
    14: (N_("cannot be opened"), N_("check that the file and its folder exist and may be opened")),
    26: (N_("is not a SQLite database"), N_("check the path, or restore the file from a backup")),
}

_LOST = (
    N_("lost its connection (the server ended it, restarted or cannot be reached)"),
    N_("check that the server is up and reachable, then run again"),
)
# PostgreSQL SQLSTATEs, exact or by class (the first two characters)
_POSTGRES = {
    "57P01": (
        N_("closed the connection: an administrator or a shutdown ended the session"),
        N_("run again once the server accepts connections"),
    ),
    "57P02": (N_("closed the connection: the server crashed"), N_("run again once it is back")),
    "57P03": (
        N_("does not accept connections now (starting up or shutting down)"),
        N_("run again once it is up"),
    ),
    "3D000": (
        N_("does not exist (dropped, or never created)"),
        N_("create the database and run `deptstats db upgrade`, or correct the URL"),
    ),
    "08": _LOST,
    "53100": (
        N_("is full: the server's disk has no room left"),
        N_("free space on the database server, then run again"),
    ),
    "53": (N_("has run out of a resource (memory or connections)"), N_("run again later")),
    "25006": (
        N_("is read-only (a standby server, or read-only transactions for this user)"),
        N_("point deptstats at the primary server, or let its user write, then run again"),
    ),
    "55P03": (
        N_("is busy: a lock was not granted within the lock timeout"),
        N_("run again once the other work has finished"),
    ),
    "28": (N_("refused the login"), N_("check the user and password of the warehouse connection")),
    "42501": (
        N_("refused permission to its user"),
        N_("grant the warehouse user the rights deptstats needs (it owns its tables)"),
    ),
}
# psycopg gives no SQLSTATE for a connection refused at the start; the server's words do
_CONNECTION_WORDS = (
    (r'database ".*" does not exist', "3D000"),
    (r'role ".*" does not exist|password authentication failed', "28P01"),
    ("no pg_hba.conf entry", "28000"),
    ("the database system is", "57P03"),
    ("due to administrator command", "57P01"),
)


def _dbapi_errors(error: BaseException) -> list[BaseException]:
    """The driver's errors behind `error`: SQLAlchemy's `orig`, causes and contexts."""
    found, seen, todo = [], set(), [error]
    while todo and len(seen) < 10:
        current = todo.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, DBAPIError):
            todo.append(current.orig)
        elif _is_driver_error(current):
            found.append(current)
        todo += [current.__cause__, current.__context__]
    return found


def _is_driver_error(error: BaseException) -> bool:
    if isinstance(error, sqlite3.Error):
        return True
    module = type(error).__module__
    return module.startswith("psycopg") and hasattr(error, "sqlstate")


def _detail(error: BaseException, password: str | None) -> str:
    """The driver's own words, first line, spaces folded, the password (never expected there)
    masked."""
    text = " ".join(str(error).strip().splitlines()[0].split()) if str(error).strip() else ""
    if password:
        text = text.replace(password, "***")
    return text[:300]


def _plain_words(error: BaseException, busy: str) -> tuple[str, str] | None:
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        if code is None:
            return None
        fault, advice = _SQLITE.get(code & 0xFF, (None, None))
        return (render(fault, busy=busy), gettext(advice)) if fault and advice else None
    state = getattr(error, "sqlstate", None)
    if state is None:  # a connection that failed or dropped: the server's words say why
        from psycopg import OperationalError

        if not isinstance(error, OperationalError):
            return None
        said = str(error)
        state = next((s for words, s in _CONNECTION_WORDS if re.search(words, said)), "08000")
    words = _POSTGRES.get(state) or _POSTGRES.get(state[:2])
    return (gettext(words[0]), gettext(words[1])) if words else None


def fault_of(error: BaseException, warehouse: str | None, file: str | None = None) -> WarehouseFault | None:
    """`error` as a WarehouseFault of `warehouse` (a URL, redacted here), or None when it is
    not a fault of the warehouse."""
    if isinstance(error, WarehouseFault):
        return error.for_file(file) if file and not error.file else error
    if warehouse is None:
        return None
    from sqlalchemy import make_url

    from deptstats.warehouse.engine import normalize_url, redact, sqlite_busy_timeout_ms

    for driver_error in _dbapi_errors(error):
        words = _plain_words(
            driver_error,
            render(
                N_("{seconds} s ({variable})"),
                seconds=f"{sqlite_busy_timeout_ms() / 1000:g}",
                variable="DEPTSTATS_SQLITE_BUSY_TIMEOUT_MS",
            ),
        )
        if words is not None:
            fault, advice = words
            detail = _detail(driver_error, make_url(normalize_url(warehouse)).password)
            if detail:  # the driver's own words, as it said them
                fault = render(N_("{fault} ({detail})"), fault=fault, detail=detail)
            return WarehouseFault(redact(warehouse), fault, advice, file)
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return WarehouseFault(redact(warehouse), gettext(_LOST[0]), gettext(_LOST[1]), file)
    return None


def describe_holder(row: Any) -> str:
    """Who holds a lock, from pg_stat_activity (include/sql/locks/holder.sql)."""
    if row is None:
        return gettext(N_("a load that has just finished"))
    since = row.xact_start.strftime("%Y-%m-%d %H:%M:%S %Z").strip() if row.xact_start else "?"
    application = repr(row.application_name or gettext(N_("no application name")))
    if row.client_addr:
        return render(
            N_("another load ({application}, server pid {pid} at {client}, in a transaction since {since})"),
            application=application,
            pid=row.pid,
            client=row.client_addr,
            since=since,
        )
    return render(
        N_("another load ({application}, server pid {pid}, in a transaction since {since})"),
        application=application,
        pid=row.pid,
        since=since,
    )
