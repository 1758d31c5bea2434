"""What counting a re-delivery's changed rows (deptstats.publish.row_changes) costs a load: a
multi_child_loans delivery published, then re-delivered with one cell edited, loaded in turns
with the count and without it (as a period over the bound is loaded), on SQLite and PostgreSQL.
Compare the ratios, not the seconds: this machine is shared.

    python bench/redelivery_rows.py [--sizes 500,5000,50000] [--repeat 3] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from deptstats.core.registry import load_registry
from deptstats.publish import row_changes
from deptstats.publish.loading import load_extract
from deptstats.sample.large import write_loans
from deptstats.warehouse.engine import open_engine
from deptstats.warehouse.schema import ensure_schema

ADMIN = "postgresql+psycopg://root@127.0.0.1:5432/postgres"
YES, NO = "是\r\n".encode(), "否\r\n".encode()


def warehouse(backend: str, folder: Path) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'warehouse.db'}", None
    name = f"deptstats_bench_{uuid.uuid4().hex[:8]}"
    with create_engine(ADMIN, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'create database "{name}"'))
    return f"postgresql+psycopg://root@127.0.0.1:5432/{name}", name


def drop(name: str | None) -> None:
    if name is not None:
        with create_engine(ADMIN, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'drop database if exists "{name}" with (force)'))


def measure(backend: str, rows: int, repeat: int) -> dict[str, list[float]]:
    registry = load_registry()
    times: dict[str, list[float]] = {"counted": [], "not counted": []}
    with tempfile.TemporaryDirectory(prefix="deptstats-redelivery-") as scratch:
        folder = Path(scratch)
        url, name = warehouse(backend, folder)
        try:
            engine = open_engine(url)
            ensure_schema(engine, registry)
            path = write_loans(folder / "landing" / "housing_fund" / "multi_child_loans_2023.csv", rows)
            load_extract(engine, folder / "landing", "multi_child_loans", "first", registry)
            for turn in range(2 * repeat):
                mode = "counted" if turn % 2 == 0 else "not counted"
                row_changes.COUNTED_ROWS = 10**12 if mode == "counted" else 0
                data = path.read_bytes()  # one cell edited, back and forth
                path.write_bytes(data.replace(YES, NO, 1) if turn % 2 == 0 else data.replace(NO, YES, 1))
                start = time.perf_counter()
                (outcome,) = load_extract(
                    engine, folder / "landing", "multi_child_loans", f"turn-{turn}", registry
                )
                times[mode].append(time.perf_counter() - start)
                assert outcome.status == "published", outcome.message
            engine.dispose()
        finally:
            drop(name)
    return times


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="500,5000,50000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    print(f"{'backend':9} {'rows':>7} {'counted (s)':>24} {'not counted (s)':>24} ratio")
    for backend in args.backends.split(","):
        for rows in map(int, args.sizes.split(",")):
            times = measure(backend, rows, args.repeat)
            shown = {k: " ".join(f"{t:.2f}" for t in v) for k, v in times.items()}
            print(
                f"{backend:9} {rows:>7} {shown['counted']:>24} {shown['not counted']:>24} "
                f"{median(times['counted']) / median(times['not counted']):.2f}"
            )


if __name__ == "__main__":
    main()
