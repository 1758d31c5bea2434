"""`deptstats screen`: an uploaded file read and checked as the loader would, nothing written.
The steward's upload page runs it in a subprocess (the api-server has one worker) with a
timeout, and reads its JSON."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from deptstats.cli.options import url_options, warehouse_url, with_format
from deptstats.core import Speaker, load_registry

EXIT_REFUSED = 1


def cmd_screen(args: argparse.Namespace) -> int:
    """Print the report (JSON or a table); exit 0 when the file would load, 1 when refused."""
    from deptstats.core import parse_period
    from deptstats.publish import screen

    _ = Speaker()
    registry = load_registry()
    try:
        extract = registry.extract(args.extract)
    except KeyError:
        sys.exit(_("deptstats screen: no extract named {code} in the registry", code=args.extract))
    try:
        period = parse_period(args.period)
    except ValueError as error:
        sys.exit(f"deptstats screen: {error}")
    if period.kind != extract.period:
        wanted = "YYYY" if extract.period == "year" else "YYYY-MM"
        sys.exit(
            _("deptstats screen: give the period of {code} as {wanted}", code=extract.code, wanted=wanted)
        )
    path = Path(args.file)
    if not path.exists():
        sys.exit(_("deptstats screen: no file {path}", path=args.file))
    report = screen(path, extract, period, registry, _warehouse(args))
    if args.format == "json":
        print(json.dumps(report.to_json(_.language), ensure_ascii=False))
    else:
        print(_table(report, extract, _))
    return EXIT_REFUSED if report.refused else 0


def _warehouse(args: argparse.Namespace) -> Any:
    """The warehouse, read-only, if one is given (else the cross-extract rule is unchecked)."""
    if not (args.warehouse or args.warehouse_file or os.environ.get("DEPTSTATS_WAREHOUSE")):
        return None
    from deptstats.warehouse import open_engine

    return open_engine(warehouse_url(args), write=False)


def _table(report: Any, extract: Any, _: Speaker) -> str:
    lines = [
        _(
            "{file}: {rows} rows read, {errors} error(s), {warnings} warning(s)",
            file=report.file,
            rows=report.rows if report.rows is not None else "-",
            errors=report.errors,
            warnings=report.warnings,
        )
    ]
    lines += [
        f"{p.severity}: {p.describe(report.file, extract, report.row_label, _.language)}"
        for p in report.problems
    ]
    return "\n".join(lines)


def add_screen_command(sub: Any) -> None:
    p = sub.add_parser("screen", help="check an uploaded file as the loader would, writing nothing")
    p.add_argument("--file", required=True, help="the file to check (its name does not matter)")
    p.add_argument("--extract", required=True, help="the extract it is, e.g. prepregnancy_checks")
    p.add_argument("--period", required=True, help="its period: YYYY or YYYY-MM")
    url_options(
        p,
        "--warehouse",
        "DEPTSTATS_WAREHOUSE",
        "the warehouse, read for the cross-extract rule's reference values (default "
        "$DEPTSTATS_WAREHOUSE; none: that rule is reported unchecked)",
    )
    with_format(p)
    p.set_defaults(func=cmd_screen)
