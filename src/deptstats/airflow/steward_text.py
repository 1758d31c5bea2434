"""The words and times of the stewards' pages: the page's language (?lang=…, else the
deployment's), the statuses and severities as catalog words, what to fix per kind of problem,
and times in the deployment's time zone ($DEPTSTATS_TIMEZONE, default Asia/Shanghai) with the
zone's name beside them (the warehouse keeps UTC)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from deptstats.core import N_, deployment_language, language_of

TIMEZONE_SETTING = "DEPTSTATS_TIMEZONE"
DEFAULT_TIMEZONE = "Asia/Shanghai"

# What a file's status is called (delivery.status, delivery_outcome.status, and the standing
# the Deliveries page works out: current, superseded, rejected).
STATUS_WORDS: dict[str, str] = {
    "current": N_("published now"),
    "published": N_("published"),
    "rejected": N_("refused"),
    "skipped": N_("unchanged, already published"),
    "superseded": N_("superseded"),
    "arriving": N_("still arriving"),
    "loading": N_("loading"),
}
SEVERITY_WORDS: dict[str, str] = {"error": N_("error"), "warning": N_("warning")}

# What to fix, per kind of problem: an error refuses the file, a warning does not.
FIX_CELL = N_("Correct this value in the file, then deliver the file again.")
FIX_FILE = N_("Correct the file as a whole, then deliver it again.")
FIX_WARNING = N_("Check this value; a warning does not stop the file from being published.")


def page_language(asked: str | None) -> str:
    """The language a page is shown in: the one asked for (?lang=en, zh-CN …) if there is a
    catalog for it, else the deployment's."""
    return language_of(asked) or deployment_language()


def status_word(status: str | None) -> str:
    """The message id naming a status (translated where it is shown); unknown ones as they are."""
    return STATUS_WORDS.get(status or "", status or "")


def severity_word(severity: str | None) -> str:
    return SEVERITY_WORDS.get(severity or "", severity or "")


def fix_of(severity: str | None, row: int | None) -> str:
    """The message id of what to do about one problem."""
    if severity == "warning":
        return FIX_WARNING
    return FIX_FILE if row is None else FIX_CELL


def timezone_name() -> str:
    """$DEPTSTATS_TIMEZONE (an IANA name such as Asia/Shanghai), else Asia/Shanghai. ValueError
    names the variable when the zone is unknown."""
    name = os.environ.get(TIMEZONE_SETTING, "").strip() or DEFAULT_TIMEZONE
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{TIMEZONE_SETTING}={name!r}: not a time zone (e.g. Asia/Shanghai)") from None
    return name


def local_time(value: str | datetime | None) -> str:
    """A warehouse time (UTC, naive or aware, or its ISO text) in the deployment's zone,
    labelled: "2026-12-06 23:45 (Asia/Shanghai)"; "" for none."""
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    name = timezone_name()
    return f"{moment.astimezone(ZoneInfo(name)):%Y-%m-%d %H:%M} ({name})"
