"""Loading one record-level extract at 100k, 1M and 10M rows, on SQLite and PostgreSQL,
measured side by side in one run (this machine is shared: compare ratios, not seconds):

  (a) deptstats: read, validate with the extract's full Great Expectations suite, publish
      (deptstats.publish.loading.load_extract: hashing and bookkeeping included);
  (b) a plain peer: pandas.read_csv, the same GX suite on the whole frame, DataFrame.to_sql;
  (c) the floor: pyarrow's CSV reader and the backend's fastest bulk load, no validation
      (PostgreSQL: COPY of the file; SQLite: one executemany in one transaction).

Each measurement runs in a fresh process, so its peak memory (max RSS) is its own. Up to 1M
rows each contender runs --repeat times (default 3), taking turns, and the median is shown with
every run's time; the ratios are of medians.

    python bench/load_benchmark.py [--sizes 100000,1000000,10000000] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

EXTRACT = "multi_child_loans"
PG_ADMIN = os.environ.get("DEPTSTATS_TEST_PG", "postgresql+psycopg://root@127.0.0.1:5432/postgres")


def generate(path: Path, rows: int) -> None:
    """A valid multi_child_loans CSV with `rows` loans (deterministic)."""
    from deptstats.sample.large import write_loans

    write_loans(path, rows)


# ------------------------------------------------------------------ the three contenders


def run_deptstats(file: Path, url: str) -> int:
    from deptstats.core.registry import load_registry
    from deptstats.publish.loading import load_extract
    from deptstats.warehouse.engine import open_engine

    landing = file.parent.parent
    outcomes = load_extract(open_engine(url), landing, EXTRACT, "bench", load_registry())
    assert outcomes[0].status == "published", outcomes[0].message
    return outcomes[0].rows


def run_peer(file: Path, url: str) -> int:
    import pandas as pd

    from deptstats.core.periods import parse_period
    from deptstats.core.registry import load_registry
    from deptstats.validation import ROW, VALUE, build_checks
    from deptstats.warehouse.engine import open_engine

    registry = load_registry()
    extract = registry.extract(EXTRACT)
    frame = pd.read_csv(file)
    frame.columns = [c.name for c in extract.columns]
    frame[ROW] = range(2, len(frame) + 2)
    for column in extract.columns:
        if column.type == "date":
            frame[column.name + VALUE] = pd.to_datetime(frame[column.name], errors="coerce")
        elif column.type in ("count", "integer", "amount"):
            frame[column.name + VALUE] = pd.to_numeric(frame[column.name], errors="coerce")
            frame[column.name] = frame[column.name].astype(str)
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    suite = gx.ExpectationSuite(name="peer")
    for check in build_checks(extract, parse_period("2023"), registry):
        suite.add_expectation(check.expectation)
    suite = context.suites.add(suite)
    batch = (
        context.data_sources.add_pandas("peer")
        .add_dataframe_asset("peer")
        .add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    result = batch.validate(
        suite, result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ROW]}
    )
    assert result.success
    data = frame[[c.name for c in extract.columns]]
    data.to_sql("peer_loans", open_engine(url), if_exists="replace", index=False)
    return len(data)


def run_floor(file: Path, url: str) -> int:
    import pyarrow.csv as pacsv

    from deptstats.warehouse.engine import open_engine

    table = pacsv.read_csv(file)
    engine = open_engine(url)
    columns = "loan_id text, issued_on date, area text, children bigint, amount_wan numeric, uplift text"
    with engine.begin() as conn:
        conn.exec_driver_sql("drop table if exists floor_loans")
        conn.exec_driver_sql(f"create table floor_loans ({columns})")
        if engine.dialect.name == "postgresql":
            raw = conn.connection.dbapi_connection
            with (
                raw.cursor() as cursor,
                cursor.copy("copy floor_loans from stdin with (format csv, header true)") as copy,
                file.open("rb") as source,
            ):
                while chunk := source.read(1 << 22):
                    copy.write(chunk)
        else:
            rows = zip(*(table.column(i).to_pylist() for i in range(table.num_columns)), strict=True)
            conn.exec_driver_sql("insert into floor_loans values (?, ?, ?, ?, ?, ?)", list(rows))
    return table.num_rows


CONTENDERS = {"a": run_deptstats, "b": run_peer, "c": run_floor}
LABELS = (("a", "(a) deptstats"), ("b", "(b) pandas+GX+to_sql"), ("c", "(c) pyarrow+bulk load"))
REPEAT_UP_TO = 1_000_000  # sizes up to this are run --repeat times; larger ones once


def _median(runs: list[dict]) -> dict:
    """The run of median time (its own peak memory), and the spread of the times."""
    done = sorted((r for r in runs if "error" not in r), key=lambda r: r["seconds"])
    if not done:
        return runs[0]
    chosen = dict(done[(len(done) - 1) // 2])
    chosen["spread"] = "runs " + " ".join(f"{r['seconds']:.2f}" for r in done) if len(done) > 1 else ""
    return chosen


def measure(which: str, file: Path, url: str) -> None:
    """In a child process: run one contender, print seconds, rows and peak memory. Libraries
    are imported before the clock starts (Great Expectations alone takes seconds)."""
    import great_expectations  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow.csv  # noqa: F401

    import deptstats.publish.loading
    import deptstats.validation  # noqa: F401
    from deptstats.ingest.readers import reuse_arrow_memory

    reuse_arrow_memory()  # what (a) does for a large file; the others read with Arrow too
    started = time.perf_counter()
    rows = CONTENDERS[which](file, url)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_mb": peak}))


# ------------------------------------------------------------------ orchestration


def fresh_warehouse(backend: str, folder: Path) -> tuple[str, callable]:
    from deptstats.core.registry import load_registry
    from deptstats.warehouse.engine import open_engine
    from deptstats.warehouse.schema import upgrade

    if backend == "sqlite":
        path = folder / f"warehouse-{uuid.uuid4().hex[:6]}.db"
        url = f"sqlite:///{path}"
        upgrade(open_engine(url), load_registry())
        return url, lambda: path.unlink(missing_ok=True)
    import psycopg

    name = f"deptstats_bench_{uuid.uuid4().hex[:8]}"
    admin = PG_ADMIN.replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    upgrade(open_engine(url), load_registry())

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')

    return url, drop


def child(which: str, file: Path, url: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", which, "--file", str(file), "--url", url],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, GX_ANALYTICS_ENABLED="false", DEPTSTATS_MAX_FILE_BYTES=str(1 << 40)),
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if "Error" in line or "REJECTED" in line]
        return {"error": (lines or ["failed"])[-1][:300]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000,10000000")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--skip", default="", help="e.g. b@10000000: contenders not to run")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help=f"runs per contender up to {REPEAT_UP_TO:,} rows (the median is shown); larger sizes run once",
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, Path(args.file), args.url)
        return
    skip = set(filter(None, args.skip.split(",")))
    work = Path(tempfile.mkdtemp(prefix="deptstats-bench-"))
    print(
        f"{'rows':>10} {'backend':8} {'run':22} {'seconds':>9} {'rows/s':>11} {'peak MB':>8}"
        "  (median of the runs listed)"
    )
    results: dict[tuple[int, str, str], dict] = {}
    try:
        for size in map(int, args.sizes.split(",")):
            landing = work / str(size) / "landing" / "housing_fund"
            landing.mkdir(parents=True)
            file = landing / f"{EXTRACT}_2023.csv"
            generate(file, size)
            for backend in args.backends.split(","):
                contenders = [(w, label) for w, label in LABELS if f"{w}@{size}" not in skip]
                for which, label in LABELS:
                    if f"{which}@{size}" in skip:
                        print(f"{size:>10} {backend:8} {label:22} {'skipped':>9}")
                # the contenders take turns, so that a slow spell of the machine hits all
                repeat = args.repeat if size <= REPEAT_UP_TO else 1
                runs: dict[str, list[dict]] = {w: [] for w, _ in contenders}
                for _ in range(repeat):
                    for which, _label in contenders:
                        url, drop = fresh_warehouse(backend, work)
                        try:
                            runs[which].append(child(which, file, url))
                        finally:
                            drop()
                for which, label in contenders:
                    result = _median(runs[which])
                    results[(size, backend, which)] = result
                    if "error" in result:
                        print(f"{size:>10} {backend:8} {label:22} error: {result['error']}")
                        continue
                    print(
                        f"{size:>10} {backend:8} {label:22} {result['seconds']:9.2f} "
                        f"{result['rows'] / result['seconds']:11,.0f} {result['peak_mb']:8.0f}"
                        f"  {result['spread']}",
                        flush=True,
                    )
                a, b, c = (results.get((size, backend, w), {}) for w in "abc")
                ratios = []
                if "seconds" in a and "seconds" in b:
                    ratios.append(f"a/b = {a['seconds'] / b['seconds']:.2f}")
                if "seconds" in a and "seconds" in c:
                    ratios.append(f"a/c = {a['seconds'] / c['seconds']:.2f}")
                print(f"{size:>10} {backend:8} {'ratios':22} {'  '.join(ratios)}", flush=True)
            shutil.rmtree(work / str(size))
        for backend in args.backends.split(","):
            one, ten = results.get((1_000_000, backend, "a")), results.get((10_000_000, backend, "a"))
            if one and ten and "seconds" in one and "seconds" in ten:
                print(
                    f"{backend}: (a) at 10M takes {ten['seconds'] / one['seconds']:.1f} x its "
                    f"1M time; peak memory {ten['peak_mb']:.0f} MB"
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
