"""A large, valid delivery of the record-level housing-fund extract, for benchmarks and for
tests that need a load to take a while (deterministic for a given row count)."""

from __future__ import annotations

import random
from pathlib import Path

from deptstats.core import load_registry, yes_no

EXTRACT = "multi_child_loans"


def write_loans(path: Path, rows: int, year: int = 2023) -> Path:
    """A multi_child_loans CSV of `rows` loans granted in `year`."""
    registry = load_registry()
    extract = registry.extract(EXTRACT)
    areas = registry.areas
    rng = random.Random(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(c.label for c in extract.columns) + "\r\n")
        for i in range(rows):
            out.write(
                f"GJJ{i:010d},{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},"
                f"{areas[i % len(areas)]},{2 + (i % 6 == 0)},{rng.randint(2000, 15000) / 100},"
                f"{yes_no(i % 9 != 0)}\r\n"
            )
    return path
