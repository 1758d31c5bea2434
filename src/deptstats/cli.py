"""The `deptstats` command line."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from deptstats.core.registry import load_registry
from deptstats.core.settings import DEFAULT_REPLY

DEFAULT_WAREHOUSE = "warehouse.db"


def _warehouse(args: argparse.Namespace) -> str:
    """--warehouse (never with a password: `ps` shows it), else --warehouse-file, else
    $DEPTSTATS_WAREHOUSE, else warehouse.db."""
    from deptstats.core.secret_urls import WAREHOUSE, resolve_url
    from deptstats.warehouse.engine import normalize_url

    try:
        given = resolve_url(WAREHOUSE, args.warehouse, getattr(args, "warehouse_file", None))
    except ValueError as refused:
        sys.exit(f"deptstats {args.command}: {refused}")
    return normalize_url(given or DEFAULT_WAREHOUSE)


def cmd_sample(args: argparse.Namespace) -> int:
    from deptstats.sample.generate import write_sample

    paths = write_sample(Path(args.out), load_registry())
    print(f"wrote {len(paths)} sample deliveries under {args.out}")
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from deptstats.warehouse.engine import open_engine, redact
    from deptstats.warehouse.schema import current_revision, upgrade

    engine = open_engine(_warehouse(args))
    before = current_revision(engine)
    upgrade(engine, load_registry(), args.revision)
    print(f"warehouse {redact(_warehouse(args))}: revision {before or 'none'} -> {current_revision(engine)}")
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    from deptstats.warehouse.engine import open_engine
    from deptstats.warehouse.schema import current_revision, head_revision

    current = current_revision(open_engine(_warehouse(args), write=False))
    head = head_revision()
    print(
        f"current {current or 'none'}, head {head}"
        + ("" if current == head else ": run `deptstats db upgrade`")
    )
    return 0 if current == head else 1


def cmd_db_grant_analyst(args: argparse.Namespace) -> int:
    from deptstats.warehouse.engine import open_engine
    from deptstats.warehouse.roles import grant_analyst

    views = grant_analyst(open_engine(_warehouse(args)), args.member)
    print(
        f"role deptstats_analyst may read {', '.join(views)} and nothing else"
        + (f"; granted to {args.member}" if args.member else "")
    )
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    """The nightly steps in this process, without Airflow: for scripts and benchmarks."""
    from deptstats import pipeline
    from deptstats.core.printable import printable
    from deptstats.ingest.landing import LandingMissing, check_landing, scan
    from deptstats.publish.loading import ExtractRejected
    from deptstats.warehouse.engine import open_engine
    from deptstats.warehouse.faults import WarehouseFault
    from deptstats.warehouse.schema import upgrade

    landing, failed, published = Path(args.landing), 0, []
    try:  # a wrong --landing is told before anything is written
        check_landing(landing)
    except LandingMissing as missing:
        sys.exit(f"deptstats load: {missing}")
    if args.settle is not None and not args.settle >= 0:
        sys.exit("deptstats load: --settle takes a number of seconds, 0 or more")
    engine = open_engine(_warehouse(args), application_name=f"deptstats load {args.run_id}")
    registry = load_registry()
    upgrade(engine, registry)
    pipeline.prepare_warehouse(engine, registry)
    scanned = scan(landing, registry)  # once: each extract takes its files from it
    for outcome in pipeline.report_unrecognised_files(engine, landing, args.run_id, registry, scanned):
        print(printable(f"REJECTED  {outcome.file}: {outcome.message}"))
        failed += 1
    docs = Path(args.data_docs) if args.data_docs else None
    for extract in registry.extracts:
        try:
            outcomes = pipeline.load(
                engine, landing, extract.code, args.run_id, registry, docs, args.settle, scanned
            )
        except ExtractRejected as rejected:
            outcomes, failed = rejected.outcomes, failed + 1
        except WarehouseFault:
            raise  # every other extract would fail alike: main() says it in one line
        except Exception as crash:  # not a file's fault: the other extracts and the draft go on
            print(
                printable(f"FAILED    {extract.task_id}: {crash.__class__.__name__}: {crash}"),
                file=sys.stderr,
            )
            outcomes, failed = [], failed + 1
        for outcome in outcomes:
            print(printable(f"{outcome.status.upper():9} {outcome.file}: {outcome.message}"))
            for example in outcome.examples:
                print(f"          - {printable(example)}")
        published += [o.batch_id for o in outcomes if o.status == "published"]
    pipeline.compute_indicators(engine, registry)
    for line in pipeline.figures_changed(engine, registry, batch_ids=published):
        print(printable(f"CHANGED   {line}"))
    if args.out:
        draft = pipeline.draft(engine, Path(args.out), registry)
        print(f"draft: {', '.join(str(p) for p in draft.paths)}")
        if draft.incomplete:
            print(draft.missing_message(), file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def cmd_run(args: argparse.Namespace) -> int:
    from deptstats.airflow.local import run_nightly

    return run_nightly(
        landing=Path(args.landing),
        warehouse=_warehouse(args),
        out=Path(args.out),
        airflow_home=Path(args.airflow_home),
        registry=load_registry(),
    )


def cmd_airflow_up(args: argparse.Namespace) -> int:
    from deptstats.airflow.services import DEFAULT_BROKER, Settings, up
    from deptstats.core.secret_urls import BROKER, METADATA_DB, WAREHOUSE, resolve_url
    from deptstats.warehouse.engine import normalize_url

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


def cmd_figures(args: argparse.Namespace) -> int:
    from deptstats.indicators.reports import figures, render
    from deptstats.warehouse.engine import open_engine

    rows = figures(open_engine(_warehouse(args), write=False))
    if args.citywide:
        rows = [r for r in rows if r["area"] is None]
    print(
        render(
            rows,
            args.format,
            None
            if args.format == "json"
            else ["indicator", "period", "area", "value", "display", "status", "file"],
        )
    )
    return 0


def cmd_loads(args: argparse.Namespace) -> int:
    from deptstats.indicators.reports import loads, render
    from deptstats.warehouse.engine import open_engine

    rows = loads(open_engine(_warehouse(args), write=False))
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
    from deptstats.indicators.reports import problems, render
    from deptstats.warehouse.engine import open_engine

    rows = problems(open_engine(_warehouse(args), write=False), args.file)
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
    from deptstats.reply.drafting import FORMATS, draft_reply
    from deptstats.warehouse.engine import open_engine

    formats = tuple(args.format or FORMATS)
    draft = draft_reply(
        open_engine(_warehouse(args), write=False), Path(args.out), args.reply, load_registry(), formats
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
    from deptstats.audit.verify import verify_document
    from deptstats.indicators.reports import render
    from deptstats.warehouse.engine import open_engine

    engine = open_engine(_warehouse(args), write=False)
    result = verify_document(Path(args.file), engine, args.reply, load_registry())
    if result.findings:
        print(render(result.rows(), "table"))
    print(result.summary())
    return 1 if result.findings else 0


def cmd_diff(args: argparse.Namespace) -> int:
    from deptstats.audit.batch_states import NoSuchBatch, batch_line, is_batch, resolve
    from deptstats.audit.diff import diff, rows_for_table
    from deptstats.indicators.reports import render
    from deptstats.warehouse.engine import open_engine, redact

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
            engine, label = open_engine(_warehouse(args), write=False), redact(_warehouse(args))
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


def _with_warehouse(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    _url_options(
        p,
        "--warehouse",
        "DEPTSTATS_WAREHOUSE",
        "SQLAlchemy URL or SQLite file path (default $DEPTSTATS_WAREHOUSE, else warehouse.db)",
    )
    return p


def _with_format(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--format", choices=("json", "table"), default="table")
    return p


def _add_db_commands(sub: Any) -> None:
    db = sub.add_parser("db", help="the warehouse schema").add_subparsers(dest="db_command", required=True)
    p = _with_warehouse(db.add_parser("upgrade", help="migrate to the newest schema revision"))
    p.add_argument("--revision", default="head")
    p.set_defaults(func=cmd_db_upgrade)
    p = _with_warehouse(db.add_parser("current", help="the schema revision; exit 1 if behind"))
    p.set_defaults(func=cmd_db_current)
    p = _with_warehouse(
        db.add_parser("grant-analyst", help="PostgreSQL: the read-only role deptstats_analyst (mart_* only)")
    )
    p.add_argument("--member", help="a login role to make a member of deptstats_analyst")
    p.set_defaults(func=cmd_db_grant_analyst)


def _add_run_commands(sub: Any) -> None:
    p = _with_warehouse(sub.add_parser("load", help="load, compute and draft without Airflow"))
    p.add_argument("--landing", required=True)
    p.add_argument("--out")
    p.add_argument("--run-id", default="cli")
    p.add_argument("--data-docs", help="build GX Data Docs of every validation in this folder")
    p.add_argument(
        "--settle",
        type=float,
        metavar="SECONDS",
        help="leave files modified less than SECONDS ago for the next run, as "
        "still arriving (default $DEPTSTATS_SETTLE_SECONDS, else 300; 0: off)",
    )
    p.set_defaults(func=cmd_load)
    p = _with_warehouse(sub.add_parser("run", help="run the nightly DAG once through Airflow"))
    p.add_argument("--landing", required=True)
    p.add_argument("--out", required=True)
    p.add_argument(
        "--airflow-home",
        default=".airflow",
        help="AIRFLOW_HOME with its own metadata database (default .airflow)",
    )
    p.set_defaults(func=cmd_run)


NO_PASSWORD = (
    "; a URL with a password here is refused, as `ps` shows it to every user: "
    "give the whole URL in ${env} or {file} instead"
)


def _url_options(p: argparse.ArgumentParser, option: str, env: str, what: str) -> None:
    p.add_argument(option, help=f"{what}" + NO_PASSWORD.format(env=env, file=f"{option}-file"))
    p.add_argument(
        f"{option}-file",
        metavar="PATH",
        help=f"a file holding the {option} URL (read and stripped; keep it readable by you alone)",
    )


def _add_airflow_commands(sub: Any) -> None:
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
    _url_options(
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
    _url_options(
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
    _url_options(
        p,
        "--broker",
        "DEPTSTATS_BROKER",
        "Celery broker URL (default $DEPTSTATS_BROKER, else redis://127.0.0.1:6379/0)",
    )
    p.set_defaults(func=cmd_airflow_up)


def _add_report_commands(sub: Any) -> None:
    p = _with_format(_with_warehouse(sub.add_parser("figures", help="every indicator value")))
    p.add_argument("--citywide", action="store_true", help="citywide values only")
    p.set_defaults(func=cmd_figures)
    p = _with_format(_with_warehouse(sub.add_parser("loads", help="every delivered file")))
    p.set_defaults(func=cmd_loads)
    p = _with_format(_with_warehouse(sub.add_parser("problems", help="failing rows kept")))
    p.add_argument("--file", help="one delivered file, as listed by `deptstats loads`")
    p.set_defaults(func=cmd_problems)
    p = _with_warehouse(sub.add_parser("draft", help="draft a reply from the warehouse"))
    p.add_argument("--out", required=True)
    p.add_argument("--reply", default=DEFAULT_REPLY)
    p.add_argument(
        "--format",
        action="append",
        choices=("docx", "md"),
        help="docx (GB/T 9704-2012) or md; repeat for both (default both)",
    )
    p.set_defaults(func=cmd_draft)

    p = _with_warehouse(
        sub.add_parser("verify", help="check every figure of a draft (.docx or .md) against the warehouse")
    )
    p.add_argument("file")
    p.add_argument("--reply", help="the reply configuration (default: by the document number)")
    p.set_defaults(func=cmd_verify)
    p = _with_warehouse(
        _with_format(
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deptstats", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("sample", help="write the sample deliveries")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_sample)
    for add in (_add_db_commands, _add_run_commands, _add_airflow_commands, _add_report_commands):
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a command. A fault of the warehouse is one line on stderr and exit code 3; output
    cut short by its reader (`| head`) ends quietly; anything else keeps its traceback."""
    from deptstats.warehouse.faults import EXIT_WAREHOUSE_FAULT, fault_of

    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except BrokenPipeError:
        return _reader_gone()
    except Exception as error:
        # `run` and `airflow up` have Airflow's metadata database too: their faults stay raw
        warehouse = (
            _warehouse(args)
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


if __name__ == "__main__":
    sys.exit(main())
