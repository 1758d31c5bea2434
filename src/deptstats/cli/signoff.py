"""The commands of the sign-off: the letters issued, and a document checked against one of them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from deptstats.cli.options import warehouse_url, with_format, with_warehouse
from deptstats.core import N_, gettext, load_registry

NO_LETTER_ISSUED = N_("no letter has been issued")
COLUMNS = ["number", "reply", "sequence", "docx", "sha256", "official", "login", "issued_at", "comment"]


def cmd_issued(args: argparse.Namespace) -> int:
    from deptstats.indicators import render
    from deptstats.signoff import issued_letters
    from deptstats.warehouse import open_engine

    rows = [
        {
            "number": letter.number,
            "reply": letter.reply,
            "sequence": letter.sequence,
            "docx": str(letter.docx),
            "markdown": str(letter.markdown),
            "sha256": letter.sha256,
            "official": letter.official,
            "login": letter.login,
            "issued_at": letter.issued_at.isoformat(),
            "comment": letter.comment,
            "signoff_run_id": letter.signoff_run_id,
        }
        for letter in issued_letters(open_engine(warehouse_url(args), write=False))
    ]
    if args.format == "json":
        print(render(rows, "json"))
    elif rows:
        print(render(rows, "table", COLUMNS))
    else:
        print(gettext(NO_LETTER_ISSUED))
    return 0


def verify_issued_letter(args: argparse.Namespace) -> int:
    """`verify FILE --issued N`: the document against what issued letter N made public."""
    from deptstats.indicators import render
    from deptstats.signoff import SignoffRefused, verify_issued
    from deptstats.warehouse import open_engine

    engine = open_engine(warehouse_url(args), write=False)
    try:
        result = verify_issued(engine, Path(args.file), args.issued, load_registry(), args.reply)
    except SignoffRefused as refused:
        sys.exit(f"deptstats verify: {refused}")
    if result.findings:
        print(render(result.rows(), "table"))
    print(result.summary())
    return 1 if result.findings else 0


def add_signoff_commands(sub: Any) -> None:
    p = with_format(with_warehouse(sub.add_parser("issued", help="the letters issued (签发), in order")))
    p.set_defaults(func=cmd_issued)
