"""The landing folder: which delivered files there are, what each claims to be, its sha256."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from deptstats.periods import Period, parse_period
from deptstats.registry import Extract, Registry

FILE_NAME = re.compile(
    r"^(?P<extract>[a-z][a-z0-9_]*?)_(?P<period>\d{4}(?:-\d{2})?)\.(?P<ext>csv|xlsx|json)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Delivery:
    """One file in the landing folder, named <department>/<extract>_<period>.<ext>."""

    path: Path
    relative: str  # path under the landing folder, with forward slashes
    extract: Extract | None
    period: Period | None
    problem: str | None = None  # why the file cannot be taken, if it cannot


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def classify(landing: Path, path: Path, registry: Registry) -> Delivery:
    relative = path.relative_to(landing).as_posix()
    parts = path.relative_to(landing).parts
    match = FILE_NAME.match(path.name)
    if len(parts) != 2 or match is None:
        return Delivery(path, relative, None, None,
                        "name does not follow <department>/<extract>_<period>.<csv|xlsx|json>")
    department, code = parts[0], match.group("extract").lower()
    try:
        extract = registry.extract(code)
    except KeyError:
        return Delivery(path, relative, None, None, f"no extract named {code!r} in the registry")
    if extract.department != department:
        return Delivery(path, relative, extract, None,
                        f"extract {code} belongs in folder {extract.department}/, not {department}/")
    try:
        period = parse_period(match.group("period"))
    except ValueError as error:
        return Delivery(path, relative, extract, None, str(error))
    if period.kind != extract.period:
        wanted = "YYYY" if extract.period == "year" else "YYYY-MM"
        return Delivery(path, relative, extract, None,
                        f"extract {code} is delivered per {extract.period} ({wanted}), "
                        f"not {match.group('period')}")
    return Delivery(path, relative, extract, period)


def scan(landing: Path, registry: Registry) -> Iterator[Delivery]:
    """Every regular file under the landing folder, sorted, classified by its name."""
    for path in sorted(p for p in landing.rglob("*") if p.is_file()):
        if path.name.startswith("."):
            continue
        yield classify(landing, path, registry)


def deliveries_of(landing: Path, registry: Registry, extract_code: str) -> list[Delivery]:
    """The well-named deliveries of one extract, sorted by period."""
    found = [d for d in scan(landing, registry)
             if d.extract is not None and d.extract.code == extract_code and d.period is not None]
    return sorted(found, key=lambda d: (d.period.code, d.relative))
