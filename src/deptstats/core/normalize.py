"""A delivered cell's text in normal form: full-width digits folded, thousands separators
removed, dates as ISO; what cannot be read is left as given for the rules to refuse."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

EXCEL_EPOCH = date(1899, 12, 30)

_THOUSANDS = re.compile(r"^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$")
_DATE_FORMS = (
    re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$"),
    re.compile(r"^([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})$"),
    re.compile(r"^([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日$"),
)
_EXCEL_SERIAL = re.compile(r"^[0-9]{5}(\.0+)?$")


def normalize_number(text: str) -> str:
    """Full-width digits folded, thousands separators removed; anything else left as given."""
    folded = unicodedata.normalize("NFKC", text).strip()
    if _THOUSANDS.match(folded):
        folded = folded.replace(",", "")
    return folded


def normalize_date(text: str) -> str:
    """ISO date for the accepted date forms of a real calendar date; else the text unchanged."""
    folded = unicodedata.normalize("NFKC", text).strip()
    for form in _DATE_FORMS:
        match = form.match(folded)
        if match:
            try:
                return date(*(int(g) for g in match.groups())).isoformat()
            except ValueError:
                return text
    if _EXCEL_SERIAL.match(folded):
        return (EXCEL_EPOCH + timedelta(days=int(float(folded)))).isoformat()
    return text


def normalize_choice(text: str) -> str:
    """One of a set of words: full-width folded (公　办 and 公办 are one word)."""
    return unicodedata.normalize("NFKC", text).strip()


def normalize_text(text: str) -> str:
    return text.strip()
