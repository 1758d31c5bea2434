"""The commands that read the warehouse: figures, loads, problems, the draft, verify (also against
an issued letter), diff."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from deptstats.cli.options import warehouse_url, with_format, with_warehouse
from deptstats.core import DEFAULT_REPLY, Speaker, load_registry


def cmd_figures(args: argparse.Namespace) -> int:
    from deptstats.indicators import figures, render
    from deptstats.warehouse import open_engine

    _ = Speaker()
    if args.format == "xlsx" and not args.output:
        # a workbook is binary: never onto a terminal or into a pipe
        sys.exit(_("deptstats figures: --format xlsx writes a workbook; give the file: --output FILE.xlsx"))
    rows = figures(open_engine(warehouse_url(args), write=False))
    if args.citywide:
        rows = [r for r in rows if r["area"] is None]
    if args.format == "xlsx":
        from deptstats.indicators import write_figures_xlsx

        count = write_figures_xlsx(rows, Path(args.output))
        print(_("{count} figures written to {path}", count=count, path=args.output))
        return 0
    output = render(
        rows,
        args.format,
        None
        if args.format == "json"
        else ["indicator", "period", "area", "value", "display", "status", "file"],
    )
    if args.output:
        Path(args.output).write_text(output + "\n", encoding="utf-8")
    else:
        print(output)
    return 0


def cmd_loads(args: argparse.Namespace) -> int:
    from deptstats.indicators import loads, render
    from deptstats.warehouse import open_engine

    rows = loads(open_engine(warehouse_url(args), write=False))
    print(
        render(
            rows,
            args.format,
            None
            if args.format == "json"
            else ["file", "extract", "period", "status", "errors", "warnings", "message"],
        )
    )
    return 0


def cmd_problems(args: argparse.Namespace) -> int:
    from deptstats.indicators import problems, render
    from deptstats.warehouse import open_engine

    rows = problems(open_engine(warehouse_url(args), write=False), args.file, args.batch)
    print(
        render(
            rows,
            args.format,
            None
            if args.format == "json"
            else ["file", "row_number", "row_key", "column_name", "value", "rule", "severity"],
        )
    )
    return 0


def cmd_draft(args: argparse.Namespace) -> int:
    from deptstats.reply import FORMATS, draft_reply
    from deptstats.warehouse import open_engine

    formats = tuple(args.format or FORMATS)
    draft = draft_reply(
        open_engine(warehouse_url(args), write=False), Path(args.out), args.reply, load_registry(), formats
    )
    for warning in draft.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(
        f"draft: {', '.join(str(p) for p in draft.paths)} ({draft.figures_used} figures, "
        f"{len(draft.figures_missing)} missing)"
    )
    if draft.incomplete:
        print(draft.missing_message(), file=sys.stderr)
        return 1
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from deptstats.audit import verify_document
    from deptstats.indicators import render
    from deptstats.warehouse import open_engine

    if args.issued is not None:
        from deptstats.cli.signoff import verify_issued_letter

        return verify_issued_letter(args)

    engine = open_engine(warehouse_url(args), write=False)
    result = verify_document(Path(args.file), engine, args.reply, load_registry())
    if result.findings:
        print(render(result.rows(), "table"))
    print(result.summary())
    return 1 if result.findings else 0


def cmd_diff(args: argparse.Namespace) -> int:
    from deptstats.audit import NoSuchBatch, batch_line, diff, is_batch, resolve, rows_for_table
    from deptstats.indicators import render
    from deptstats.warehouse import open_engine, redact

    old, new = args.old, args.new
    if args.batch is not None:
        if args.batch < 1:
            sys.exit("deptstats diff: load batches are numbered from 1")
        if old is not None:
            sys.exit("deptstats diff: give --batch N or OLD NEW, not both")
        old, new = str(args.batch - 1), str(args.batch)
    elif new is None:
        sys.exit("deptstats diff: give OLD and NEW, or --batch N")
    engine, label = None, ""
    # the summary lines go to stderr under --format json, so stdout stays one JSON document
    say = sys.stderr if args.format == "json" else sys.stdout
    try:
        if is_batch(old) or is_batch(new):
            engine, label = open_engine(warehouse_url(args), write=False), redact(warehouse_url(args))
            old, new = (str(resolve(engine, side)) if side == "latest" else side for side in (old, new))
            if args.batch is not None:
                print(batch_line(engine, args.batch), file=say)
        changes = diff(old, new, load_registry(), engine, label)
    except NoSuchBatch as error:
        sys.exit(f"deptstats diff: {error}")
    if changes or args.format == "json":
        print(render(rows_for_table(changes), args.format))
    sides = [
        f"batch {side} of {label}" if engine is not None and is_batch(side) else side for side in (old, new)
    ]
    print(f"{len(changes)} figure(s) changed between {sides[0]} and {sides[1]}", file=say)
    return 0


def add_report_commands(sub: Any) -> None:
    p = with_warehouse(sub.add_parser("figures", help="every indicator value"))
    p.add_argument(
        "--format",
        choices=("json", "table", "xlsx"),
        default="table",
        help="xlsx: a workbook for Excel or WPS, with every column of json (needs --output)",
    )
    p.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--citywide", action="store_true", help="citywide values only")
    p.set_defaults(func=cmd_figures)
    p = with_format(with_warehouse(sub.add_parser("loads", help="every delivered file")))
    p.set_defaults(func=cmd_loads)
    p = with_format(with_warehouse(sub.add_parser("problems", help="failing rows kept")))
    p.add_argument("--file", help="one delivered file, as listed by `deptstats loads`")
    p.add_argument("--batch", type=int, help="one load batch (batch_id), as a refusal names it")
    p.set_defaults(func=cmd_problems)
    p = with_warehouse(sub.add_parser("draft", help="draft a reply from the warehouse"))
    p.add_argument("--out", required=True)
    p.add_argument("--reply", default=DEFAULT_REPLY)
    p.add_argument(
        "--format",
        action="append",
        choices=("docx", "md"),
        help="docx (GB/T 9704-2012) or md; repeat for both (default both)",
    )
    p.set_defaults(func=cmd_draft)

    p = with_warehouse(
        sub.add_parser("verify", help="check every figure of a draft (.docx or .md) against the warehouse")
    )
    p.add_argument("file")
    p.add_argument("--reply", help="the reply configuration (default: by the document number)")
    p.add_argument(
        "--issued",
        type=int,
        metavar="N",
        help="check against what issued letter N made public (deptstats issued), not today's warehouse",
    )
    p.set_defaults(func=cmd_verify)
    p = with_warehouse(
        with_format(
            sub.add_parser(
                "diff",
                help="figures changed between two drafts, two warehouses or two load batches "
                "of one warehouse, and why",
            )
        )
    )
    p.add_argument(
        "old",
        nargs="?",
        help="a draft (.md/.docx), a warehouse URL / SQLite file, "
        "or a load batch number of --warehouse (the state after that batch)",
    )
    p.add_argument("new", nargs="?", help="as OLD; a batch number may be `latest`")
    p.add_argument("--batch", type=int, help="what load batch N changed: the same as OLD N-1 NEW N")
    p.set_defaults(func=cmd_diff)
