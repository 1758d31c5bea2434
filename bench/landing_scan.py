"""`deptstats load` over a landing folder holding N stray files (names matching no extract: half
as department/junk_N.txt in a department's folder, half as stray/junk_N.txt in a folder of no
department), beside no delivery at all, for N = 2,000 and 20,000, measured side by side in one
run (this machine is shared: compare the per-file ratio, not seconds). The time over an empty
landing folder, per file, should stay flat as N grows: a ratio near 1 means the scan and its
bookkeeping grow linearly.

    python bench/landing_scan.py [--sizes 2000,20000] [--warehouse sqlite|postgres]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

PG_ADMIN = os.environ.get("DEPTSTATS_TEST_PG", "postgresql+psycopg://root@127.0.0.1:5432/postgres")


def stray_landing(root: Path, files: int) -> Path:
    landing = root / "landing"
    for folder in ("health", "stray"):
        (landing / folder).mkdir(parents=True)
    for n in range(files):
        (landing / ("health" if n % 2 else "stray") / f"junk_{n}.txt").write_text(f"{n}\n")
    return landing


@contextlib.contextmanager
def warehouse(kind: str, root: Path, files: int):
    if kind == "sqlite":
        yield f"sqlite:///{root / f'warehouse_{files}.db'}"
        return
    import psycopg

    name = f"deptstats_bench_{uuid.uuid4().hex[:12]}"
    admin = PG_ADMIN.replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


def timed_load(landing: Path, url: str) -> tuple[float, int]:
    """Seconds for `deptstats load` (schema upgrade included) and the lines it printed."""
    from deptstats.cli import main
    from deptstats.core.registry import load_registry
    from deptstats.warehouse.engine import open_engine
    from deptstats.warehouse.schema import upgrade

    upgrade(open_engine(url), load_registry())  # the migrations are not what is measured
    printed = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(printed):
        main(["load", "--landing", str(landing), "--warehouse", url, "--settle", "0"])
    return time.perf_counter() - start, len(printed.getvalue().splitlines())


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="2000,20000")
    parser.add_argument("--warehouse", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        # the first load pays the imports; an empty landing folder then gives the fixed cost
        # (schema check, indicators), which is taken off each size's time
        for files in (0, 0, *sizes):
            landing = stray_landing(root / str(len(results)), files)
            with warehouse(args.warehouse, root, len(results)) as url:
                seconds, lines = timed_load(landing, url)
            results.append((files, seconds))
            if files:
                extra = seconds - results[1][1]
                print(
                    f"{files:>7} stray files: {seconds:7.2f} s ({extra:6.2f} s over an empty "
                    f"landing folder: {extra / files * 1e6:6.1f} µs per file; {lines} lines "
                    "printed)"
                )
            elif len(results) == 2:
                print(f"      0 stray files: {seconds:7.2f} s (the fixed cost)")
    (base_files, base_seconds), *others = results[2:]
    fixed = results[1][1]
    for files, seconds in others:
        ratio = ((seconds - fixed) / files) / ((base_seconds - fixed) / base_files)
        print(f"per-file time at {files} vs {base_files} files: x{ratio:.2f} (1.0 is linear)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
