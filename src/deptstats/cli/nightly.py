"""`sample`, `load` and `run`: the sample deliveries, and the nightly steps in this process or
once through Airflow."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from deptstats.cli.options import warehouse_url, with_warehouse
from deptstats.core import load_registry


def cmd_sample(args: argparse.Namespace) -> int:
    from deptstats.sample import write_sample, write_sample_contacts

    registry = load_registry()
    paths = write_sample(Path(args.out), registry)
    print(f"wrote {len(paths)} sample deliveries under {args.out}")
    # beside the landing folder, never in it (the scan would report it as a delivery)
    contacts = Path(args.contacts) if args.contacts else Path(args.out).resolve().parent / "contacts.toml"
    if contacts.exists():  # perhaps a deployment's own: never overwritten by made-up people
        print(f"kept the contacts file {contacts} as it was")
    else:
        write_sample_contacts(contacts, registry)
        print(f"wrote the sample contacts {contacts} (set DEPTSTATS_CONTACTS to it for the demo)")
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    """The nightly steps in this process, without Airflow: for scripts and benchmarks."""
    from deptstats import pipeline
    from deptstats.core import N_, gettext, load_registry, printable, render
    from deptstats.ingest import LandingMissing, check_landing, scan
    from deptstats.publish import STATUS_WORDS, ExtractRejected, problems_command
    from deptstats.warehouse import WarehouseFault, open_engine, upgrade

    landing, failed, published = Path(args.landing), 0, []
    try:  # a wrong --landing is told before anything is written
        check_landing(landing)
    except LandingMissing as missing:
        sys.exit(f"deptstats load: {missing}")
    if args.settle is not None and not args.settle >= 0:
        sys.exit("deptstats load: --settle takes a number of seconds, 0 or more")
    engine = open_engine(warehouse_url(args), application_name=f"deptstats load {args.run_id}")
    listed = problems_command(warehouse_url(args))
    registry = load_registry()
    upgrade(engine, registry)
    pipeline.prepare_warehouse(engine, registry)
    scanned = scan(landing, registry)  # once: each extract takes its files from it
    for outcome in pipeline.report_unrecognised_files(engine, landing, args.run_id, registry, scanned):
        print(printable(f"{gettext(STATUS_WORDS['rejected']):9} {outcome.file}: {outcome.message}"))
        failed += 1
    for extract in registry.extracts:
        try:
            outcomes = pipeline.load(
                engine, landing, extract.code, args.run_id, registry, args.settle, scanned
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
            print(printable(f"{gettext(STATUS_WORDS[outcome.status]):9} {outcome.file}: {outcome.message}"))
            for example in outcome.examples:
                print(f"          - {printable(example)}")
            if outcome.status == "rejected" and outcome.batch_id is not None:
                print("          " + render(N_("Full list: {link}"), link=listed(outcome.batch_id)))
        published += [o.batch_id for o in outcomes if o.status == "published"]
    pipeline.compute_indicators(engine, registry)
    for line in pipeline.figures_changed(engine, registry, batch_ids=published):
        print(printable(f"CHANGED   {line}"))
    for line in pipeline.issued_figures_changed(engine, registry, batch_ids=published):
        print(printable(f"NOTICE    {line}"))
    if args.out:
        draft = pipeline.draft(engine, Path(args.out), registry)
        print(f"draft: {', '.join(str(p) for p in draft.paths)}")
        if draft.incomplete:
            print(draft.missing_message(), file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def cmd_run(args: argparse.Namespace) -> int:
    from deptstats.airflow import run_nightly

    return run_nightly(
        landing=Path(args.landing),
        warehouse=warehouse_url(args),
        out=Path(args.out),
        airflow_home=Path(args.airflow_home),
        registry=load_registry(),
        log=Path(args.log) if args.log else None,
    )


def add_run_commands(sub: Any) -> None:
    p = with_warehouse(sub.add_parser("load", help="load, compute and draft without Airflow"))
    p.add_argument("--landing", required=True)
    p.add_argument("--out")
    p.add_argument("--run-id", default="cli")
    p.add_argument(
        "--settle",
        type=float,
        metavar="SECONDS",
        help="leave files modified less than SECONDS ago for the next run, as "
        "still arriving (default $DEPTSTATS_SETTLE_SECONDS, else 300; 0: off)",
    )
    p.set_defaults(func=cmd_load)
    p = with_warehouse(sub.add_parser("run", help="run the nightly DAG once through Airflow"))
    p.add_argument("--landing", required=True)
    p.add_argument("--out", required=True)
    p.add_argument(
        "--airflow-home",
        default=".airflow",
        help="AIRFLOW_HOME with its own metadata database (default .airflow)",
    )
    p.add_argument(
        "--log",
        metavar="FILE",
        help="write Airflow's output to FILE (default: here); the table of the tasks' states stays here",
    )
    p.set_defaults(func=cmd_run)
