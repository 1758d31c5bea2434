"""`airflow up`: Airflow's components, started and stopped together."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from deptstats.cli.options import url_options
from deptstats.core import load_registry


def cmd_airflow_up(args: argparse.Namespace) -> int:
    from deptstats.airflow import DEFAULT_BROKER, Settings, up
    from deptstats.core import BROKER, METADATA_DB, WAREHOUSE, resolve_url
    from deptstats.warehouse import normalize_url

    home = Path(args.home).resolve()
    try:
        warehouse = resolve_url(WAREHOUSE, args.warehouse, args.warehouse_file)
        metadata_db = resolve_url(METADATA_DB, args.metadata_db, args.metadata_db_file)
        broker = resolve_url(BROKER, args.broker, args.broker_file) or DEFAULT_BROKER
    except ValueError as refused:
        sys.exit(f"deptstats airflow up: {refused}")
    return up(
        Settings(
            home=home,
            landing=Path(args.landing or os.environ.get("DEPTSTATS_LANDING") or home / "landing").resolve(),
            warehouse=normalize_url(warehouse) if warehouse else f"sqlite:///{home / 'warehouse.db'}",
            out=Path(args.out or home / "out").resolve(),
            port=args.port,
            host=args.host,
            metadata_db=metadata_db,
            executor=args.executor,
            workers=args.workers,
            broker=broker,
        ),
        load_registry(),
    )


def cmd_airflow_logins(args: argparse.Namespace) -> int:
    """The FAB roles and users, passwords from (and missing ones drawn into) --passwords; prints
    {"ids": {login: FAB user id}, "approvers": DEPTSTATS_APPROVERS} as one JSON line."""
    from deptstats.airflow import make_logins

    code, said = make_logins(
        Path(args.passwords),
        [department.code for department in load_registry().departments],
        signoff_from_connection=args.signoff_from_connection,
        check_approvers=args.check_approvers,
    )
    print(said)
    return code


def add_airflow_commands(sub: Any) -> None:
    airflow = sub.add_parser("airflow", help="Airflow as its users run it").add_subparsers(
        dest="airflow_command", required=True
    )
    p = airflow.add_parser(
        "up",
        help="start api-server, scheduler, dag-processor and triggerer; Ctrl-C stops them",
        description="Database and broker passwords never go on the command line: each URL "
        "comes from its option (without a password), its -file option or its environment "
        "variable, and reaches the components through their environment; PostgreSQL reads a "
        "password left out of the URL from ~/.pgpass or $PGPASSWORD. The api-server "
        "listens on --host; the scheduler and triggerer serve no logs (the api-server reads "
        "the log files); Celery workers started here share one log server, on every address, "
        "at [logging] worker_log_server_port (8793 unless set).",
    )
    url_options(
        p,
        "--warehouse",
        "DEPTSTATS_WAREHOUSE",
        "warehouse SQLAlchemy URL or SQLite file path (default $DEPTSTATS_WAREHOUSE, else HOME/warehouse.db)",
    )
    p.add_argument("--home", default=".airflow", help="AIRFLOW_HOME (default .airflow)")
    p.add_argument(
        "--landing",
        help="landing folder (default $DEPTSTATS_LANDING, else "
        "HOME/landing, filled with the sample deliveries if missing)",
    )
    p.add_argument("--out", help="folder for drafts and Data Docs (default HOME/out)")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--host", default="127.0.0.1", help="address the api-server (UI and REST API) listens on")
    url_options(
        p,
        "--metadata-db",
        "DEPTSTATS_METADATA_DB",
        "Airflow metadata database URL, "
        "e.g. postgresql://user@host/airflow (default $DEPTSTATS_METADATA_DB, else "
        "SQLite in HOME)",
    )
    p.add_argument(
        "--executor",
        choices=("local", "celery"),
        default="local",
        help="celery: tasks go through the broker to Celery workers (needs a PostgreSQL metadata database)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=0,
        help="Celery workers to start on this machine (with --executor celery)",
    )
    url_options(
        p,
        "--broker",
        "DEPTSTATS_BROKER",
        "Celery broker URL (default $DEPTSTATS_BROKER, else redis://127.0.0.1:6379/0)",
    )
    p.set_defaults(func=cmd_airflow_up)
    _add_logins_command(airflow)


def _add_logins_command(airflow: Any) -> None:
    p = airflow.add_parser(
        "logins",
        help="create the FAB auth manager's roles and users (run with the components' environment)",
        description="Roles steward, analyst, approver, signoff and clerk_<department>; users of the "
        "same names and admin. Passwords are read from --passwords (JSON, login -> password), "
        "missing ones drawn at random into it (mode 0600): never on a command line.",
    )
    p.add_argument("--passwords", required=True, help="the passwords file (JSON, login -> password)")
    p.add_argument(
        "--signoff-from-connection",
        action="store_true",
        help="the login signoff takes the password of the connection deptstats_airflow_api",
    )
    p.add_argument(
        "--check-approvers",
        action="store_true",
        help="fail unless DEPTSTATS_APPROVERS names the approvers by their FAB user ids",
    )
    p.set_defaults(func=cmd_airflow_logins)
