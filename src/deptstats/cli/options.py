"""What the commands share: the warehouse URL and the options that give it, --format."""

from __future__ import annotations

import argparse
import os
import sys

DEFAULT_WAREHOUSE = "warehouse.db"

NO_PASSWORD = (
    "; a URL with a password here is refused, as `ps` shows it to every user: "
    "give the whole URL in ${env} or {file} instead"
)


def warehouse_url(args: argparse.Namespace) -> str:
    """--warehouse (never with a password: `ps` shows it), else --warehouse-file, else
    $DEPTSTATS_WAREHOUSE, else warehouse.db."""
    from deptstats.core import WAREHOUSE, resolve_url
    from deptstats.warehouse import normalize_url

    try:
        given = resolve_url(WAREHOUSE, args.warehouse, getattr(args, "warehouse_file", None))
    except ValueError as refused:
        sys.exit(f"deptstats {args.command}: {refused}")
    return normalize_url(given or DEFAULT_WAREHOUSE)


def url_options(p: argparse.ArgumentParser, option: str, env: str, what: str) -> None:
    p.add_argument(option, help=f"{what}" + NO_PASSWORD.format(env=env, file=f"{option}-file"))
    p.add_argument(
        f"{option}-file",
        metavar="PATH",
        help=f"a file holding the {option} URL (read and stripped; keep it readable by you alone)",
    )


def with_warehouse(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    url_options(
        p,
        "--warehouse",
        "DEPTSTATS_WAREHOUSE",
        "SQLAlchemy URL or SQLite file path (default $DEPTSTATS_WAREHOUSE, else warehouse.db)",
    )
    return p


def apply_language(args: argparse.Namespace) -> None:
    """--lang sets DEPTSTATS_LANG for this process and its children; a language without a
    catalog is refused in one line."""
    from deptstats.core import LANGUAGES, language_of

    given = getattr(args, "lang", None)
    if not given:
        return
    language = language_of(given)
    if language is None:
        sys.exit(f"deptstats: --lang {given}: give one of {', '.join(LANGUAGES)}")
    os.environ["DEPTSTATS_LANG"] = language


def with_format(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--format", choices=("json", "table"), default="table")
    return p
