"""Reporting periods: a calendar year (YYYY) or a month (YYYY-MM)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_YEAR = re.compile(r"^([0-9]{4})$")
_MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True)
class Period:
    code: str
    kind: str  # "year" or "month"
    first_day: date
    last_day: date

    @property
    def label(self) -> str:
        """As the letter writes it: 2023年 or 2024年3月."""
        if self.kind == "year":
            return f"{self.first_day.year}年"
        return f"{self.first_day.year}年{self.first_day.month}月"


def parse_period(code: str) -> Period:
    """A Period from YYYY or YYYY-MM; ValueError otherwise."""
    if match := _YEAR.match(code):
        year = int(match.group(1))
        return Period(code, "year", date(year, 1, 1), date(year, 12, 31))
    if match := _MONTH.match(code):
        year, month = int(match.group(1)), int(match.group(2))
        last = calendar.monthrange(year, month)[1]
        return Period(code, "month", date(year, month, 1), date(year, month, last))
    raise ValueError(f"{code!r} is not a period (YYYY or YYYY-MM)")
