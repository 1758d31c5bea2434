"""The `deptstats` command line."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from deptstats.cli.airflow_up import add_airflow_commands, cmd_airflow_up
from deptstats.cli.board import add_board_command
from deptstats.cli.db import add_db_commands
from deptstats.cli.nightly import add_run_commands, cmd_run, cmd_sample
from deptstats.cli.options import apply_language, warehouse_url
from deptstats.cli.reports import add_report_commands
from deptstats.cli.screen import add_screen_command
from deptstats.cli.signoff import add_signoff_commands

LANGUAGES = ("zh_CN", "en")
LANG_HELP = (
    "the language of messages, headers and the DAGs this command starts "
    "(sets DEPTSTATS_LANG; default $DEPTSTATS_LANG, else zh_CN)"
)


def _language(given: str) -> str:
    """--lang as people write it (zh, zh-CN, zh_CN, en, en-US): the catalog it names."""
    from deptstats.core import language_of

    language = language_of(given)
    if language is None:
        raise argparse.ArgumentTypeError(f"invalid choice: {given!r} (choose from {', '.join(LANGUAGES)})")
    return language


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deptstats", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("sample", help="write the sample deliveries and a sample contacts file")
    p.add_argument("--out", required=True)
    p.add_argument(
        "--contacts",
        metavar="FILE",
        help="where the sample department contacts go (default contacts.toml beside the --out folder; "
        "an existing file is kept)",
    )
    p.set_defaults(func=cmd_sample)
    for add in (
        add_db_commands,
        add_run_commands,
        add_airflow_commands,
        add_report_commands,
        add_signoff_commands,
        add_board_command,
        add_screen_command,
    ):
        add(sub)
    # before or after the command; a command's own default must not undo the global option
    parser.add_argument("--lang", type=_language, help=LANG_HELP)
    _lang_everywhere(sub)
    return parser


def _lang_everywhere(sub: Any) -> None:
    """--lang after a command too (`deptstats db upgrade --lang en`), down every level."""
    for command in sub.choices.values():
        command.add_argument("--lang", type=_language, default=argparse.SUPPRESS, help=LANG_HELP)
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                _lang_everywhere(action)


def main(argv: list[str] | None = None) -> int:
    """Run a command. A fault of the warehouse is one line on stderr and exit code 3; output
    cut short by its reader (`| head`) ends quietly; anything else keeps its traceback."""
    from deptstats.warehouse import EXIT_WAREHOUSE_FAULT, fault_of

    args = build_parser().parse_args(argv)
    apply_language(args)
    try:
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except BrokenPipeError:
        return _reader_gone()
    except Exception as error:
        # `run` and `airflow up` have Airflow's metadata database too: their faults stay raw
        warehouse = (
            warehouse_url(args)
            if hasattr(args, "warehouse") and args.func not in (cmd_run, cmd_airflow_up)
            else None
        )
        fault = fault_of(error, warehouse)
        if fault is None:
            raise
        print(f"deptstats: {fault}", file=sys.stderr)
        return EXIT_WAREHOUSE_FAULT


def _reader_gone() -> int:
    """The reader of stdout went away: Python's documented way out (the rest of the output
    goes to devnull, so the flush at exit raises nothing), with the shell's status for a
    process ended by SIGPIPE."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 128 + 13
