"""Database and broker URLs that may carry a password, taken from where `ps` does not show it.

A command line is readable by every user of the machine (`ps`, /proc/PID/cmdline); a process's
environment only by its own user and root, and a file by whom its mode lets read it. So a URL
given on the command line with a password is refused, and the whole URL may come from an
environment variable or a file instead."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

PASSWORD_KEYS = {"password", "passwd", "pwd"}


@dataclass(frozen=True)
class UrlOption:
    """A command-line option for a URL, its file twin and its environment variable."""

    option: str  # e.g. --warehouse
    env: str  # e.g. DEPTSTATS_WAREHOUSE

    @property
    def file_option(self) -> str:
        return f"{self.option}-file"


WAREHOUSE = UrlOption("--warehouse", "DEPTSTATS_WAREHOUSE")
METADATA_DB = UrlOption("--metadata-db", "DEPTSTATS_METADATA_DB")
BROKER = UrlOption("--broker", "DEPTSTATS_BROKER")


def has_password(url: str) -> bool:
    """True if the URL carries a password, in its user part or as a query parameter."""
    if "://" not in url:
        return False  # a SQLite file path
    parts = urlsplit(url)
    if parts.password:
        return True
    return any(
        key.lower() in PASSWORD_KEYS and value
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    )


def refusal(option: UrlOption, url: str) -> str:
    """What to tell a user who gave a password on the command line."""
    message = (
        f"{option.option} carries a password, and a command line is visible to every "
        f"user of this machine (ps): put the whole URL in ${option.env} or in a file "
        f"named by {option.file_option} PATH"
    )
    if urlsplit(url).scheme.startswith("postgres"):
        message += (
            ", or leave the password out of the URL and let PostgreSQL read it from ~/.pgpass or $PGPASSWORD"
        )
    return message


def resolve_url(
    option: UrlOption, given: str | None, file: str | None, environ: Mapping[str, str] = os.environ
) -> str | None:
    """The URL from the command line (refused if it carries a password), else from the file
    (read and stripped), else from the environment variable; None if none of them is set.
    ValueError says, in one line, what is wrong."""
    if given and file:
        raise ValueError(f"give {option.option} or {option.file_option}, not both")
    if given:
        if has_password(given):
            raise ValueError(refusal(option, given))
        return given
    if file:
        try:
            url = Path(file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(
                f"{option.file_option} {file}: cannot read it ({getattr(error, 'strerror', None) or error})"
            ) from error
        if not url:
            raise ValueError(f"{option.file_option} {file} is empty: it should hold the URL")
        return url
    return environ.get(option.env) or None
