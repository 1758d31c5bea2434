"""Delivered text as a terminal, a log or a message may show it: control characters (ANSI
escapes, line breaks, NUL) written as escapes, so a cell or a file name cannot forge an output
line or recolour the screen; long values cut."""

from __future__ import annotations

import re

# C0 controls, DEL and C1 controls; the Unicode line and paragraph separators
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: object) -> str:
    """`text` with every control character escaped (\\n, \\r, \\t, else \\xNN or \\uNNNN)."""
    return _CONTROL.sub(_escape, str(text))


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


SHOWN_CHARACTERS = 200


def cut(text: str, limit: int = SHOWN_CHARACTERS) -> str:
    """A delivered string as a message, a log or the problem table may quote it: at most
    `limit` characters, with its full length said (a cell may be megabytes long)."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"
