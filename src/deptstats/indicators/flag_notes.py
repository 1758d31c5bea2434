"""Why a value is flagged, as indicator_value.note keeps it: its parts joined by "; ", each in
one of the forms below. The note is stored data (the marts and the reports show it as it is);
the reply's review reads its parts back here, beside where they are written, so that no reader
depends on the wording."""

from __future__ import annotations

import re

SEPARATOR = "; "
MOVED = "moved {change}% against {earlier_period} ({earlier})"
SOURCE_WARNINGS = "source publication has {count} warning(s)"

_MOVED = re.compile(r"moved (?P<change>-?[\d.]+)% against (?P<earlier_period>\S+) \((?P<earlier>.*)\)")
_SOURCE_WARNINGS = re.compile(r"source publication has (?P<count>\d+) warning\(s\)")


def moved_note(change: str, earlier_period: str, earlier: str) -> str:
    return MOVED.format(change=change, earlier_period=earlier_period, earlier=earlier)


def source_warnings_note(count: int) -> str:
    return SOURCE_WARNINGS.format(count=count)


def read_note(note: str | None) -> dict[str, str | int]:
    """The parts of a stored note: change, earlier_period and earlier (a move against the last
    earlier period), warnings (the source publication's count) and, for a part of another form
    (written by an older version), other: those parts as stored."""
    found: dict[str, str | int] = {}
    others = []
    for part in (note or "").split(SEPARATOR):
        if moved := _MOVED.fullmatch(part):
            found.update(moved.groupdict())
        elif warned := _SOURCE_WARNINGS.fullmatch(part):
            found["warnings"] = int(warned["count"])
        elif part.strip():
            others.append(part)
    if others:
        found["other"] = SEPARATOR.join(others)
    return found
