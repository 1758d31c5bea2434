"""The `db` commands: the warehouse schema and the analysts' role."""

from __future__ import annotations

import argparse
from typing import Any

from deptstats.cli.options import warehouse_url, with_warehouse
from deptstats.core import load_registry


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from deptstats.warehouse import current_revision, open_engine, redact, upgrade

    engine = open_engine(warehouse_url(args))
    before = current_revision(engine)
    upgrade(engine, load_registry(), args.revision)
    print(
        f"warehouse {redact(warehouse_url(args))}: revision {before or 'none'} -> {current_revision(engine)}"
    )
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    from deptstats.warehouse import current_revision, head_revision, open_engine

    current = current_revision(open_engine(warehouse_url(args), write=False))
    head = head_revision()
    print(
        f"current {current or 'none'}, head {head}"
        + ("" if current == head else ": run `deptstats db upgrade`")
    )
    return 0 if current == head else 1


def cmd_db_grant_analyst(args: argparse.Namespace) -> int:
    from deptstats.warehouse import grant_analyst, open_engine

    views = grant_analyst(open_engine(warehouse_url(args)), args.member)
    print(
        f"role deptstats_analyst may read {', '.join(views)} and nothing else"
        + (f"; granted to {args.member}" if args.member else "")
    )
    return 0


def add_db_commands(sub: Any) -> None:
    db = sub.add_parser("db", help="the warehouse schema").add_subparsers(dest="db_command", required=True)
    p = with_warehouse(db.add_parser("upgrade", help="migrate to the newest schema revision"))
    p.add_argument("--revision", default="head")
    p.set_defaults(func=cmd_db_upgrade)
    p = with_warehouse(db.add_parser("current", help="the schema revision; exit 1 if behind"))
    p.set_defaults(func=cmd_db_current)
    p = with_warehouse(
        db.add_parser("grant-analyst", help="PostgreSQL: the read-only role deptstats_analyst (mart_* only)")
    )
    p.add_argument("--member", help="a login role to make a member of deptstats_analyst")
    p.set_defaults(func=cmd_db_grant_analyst)
