"""The `deptstats` command line: one module per group of commands (options, db, nightly,
airflow_up, reports, signoff) and `main`, which runs one."""

from deptstats.cli.entry import build_parser, main

__all__ = ["build_parser", "main"]
