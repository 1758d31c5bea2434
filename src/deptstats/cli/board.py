"""`board`: the submission board of a reply, as JSON or as a table in the deployment's language."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any
from zoneinfo import ZoneInfo

from deptstats.cli.options import warehouse_url, with_format, with_warehouse
from deptstats.core import DEFAULT_REPLY, N_, Speaker, load_registry

LATE_STATE = N_("{state} ({outcome})")
LATER_REFUSED = N_("published; a later delivery was refused")
REFUSED_FILE = N_("{file}: {problem}")
COLUMNS = (
    ("department_name", N_("Department")),
    ("extract_name", N_("Extract")),
    ("period", N_("Period")),
    ("due", N_("Due")),
    ("state", N_("Status")),
    ("when", N_("Published")),
    ("rows", N_("Rows")),
    ("file", N_("File")),
    ("problem", N_("First problem")),
    ("batch_id", N_("Load batch")),
)


def today() -> dt.date:
    """Today in the deployment's time zone ($DEPTSTATS_TIMEZONE, default Asia/Shanghai)."""
    from deptstats.airflow import timezone_name

    return dt.datetime.now(ZoneInfo(timezone_name())).date()


def as_of_date(given: str | None) -> dt.date:
    if not given:
        return today()
    try:
        return dt.date.fromisoformat(given)
    except ValueError:
        sys.exit(f"deptstats board: --as-of {given!r}: give a date, e.g. 2024-05-24")


def table_row(cell: dict[str, Any], _: Speaker) -> list[Any]:
    from deptstats.airflow import local_time
    from deptstats.audit import STATE_WORDS

    published, refused = cell["published"] or {}, cell["refused"] or {}
    state = _.gettext(STATE_WORDS[cell["status"]])
    problem = refused.get("problem")
    if cell["late"]:  # late, and why: missing or refused
        state = _(LATE_STATE, state=state, outcome=_.gettext(STATE_WORDS[cell["outcome"]]))
    elif published and refused:  # the publication stands; the file that would replace it did not
        state = _.gettext(LATER_REFUSED)
        problem = _(REFUSED_FILE, file=refused["file"], problem=refused["problem"])
    shown = {
        **cell,
        "state": state,
        "when": local_time(published.get("at")),
        "rows": published.get("rows"),
        "file": published.get("file") or refused.get("file"),
        "problem": problem,
        "batch_id": refused.get("batch_id"),
    }
    return [shown[key] for key, _title in COLUMNS]


def cmd_board(args: argparse.Namespace) -> int:
    from deptstats.audit import board
    from deptstats.reply import DueConfigError
    from deptstats.warehouse import open_engine

    as_of = as_of_date(args.as_of)
    registry = load_registry()
    try:
        cells = board(open_engine(warehouse_url(args), write=False), args.reply, registry, as_of)
    except (DueConfigError, FileNotFoundError) as error:
        sys.exit(f"deptstats board: {error}")
    if args.format == "json":
        print(
            json.dumps(
                {"reply": args.reply, "as_of": as_of.isoformat(), "cells": cells},
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    from tabulate import tabulate

    from deptstats.core import printable

    _ = Speaker()
    print(_("Submission board of {reply} as of {as_of}", reply=args.reply, as_of=as_of.isoformat()))
    rows = [[None if v is None else printable(v) for v in table_row(cell, _)] for cell in cells]
    print(tabulate(rows, headers=[_.gettext(title) for _key, title in COLUMNS]))
    return 0


def add_board_command(sub: Any) -> None:
    p = with_format(
        with_warehouse(
            sub.add_parser(
                "board",
                help="who has delivered what a reply quotes: published, refused, missing or late",
            )
        )
    )
    p.add_argument("--reply", default=DEFAULT_REPLY, help=f"the reply (default {DEFAULT_REPLY})")
    p.add_argument(
        "--as-of",
        metavar="DATE",
        help="the day the board is drawn for (late: past the due date); default today in "
        "$DEPTSTATS_TIMEZONE (else Asia/Shanghai)",
    )
    p.set_defaults(func=cmd_board)
