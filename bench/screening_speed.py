"""Screening an upload (deptstats.publish.screen, as the upload page runs it) against the
loader's own time for the same file, for a record-level extract of 10,000 and 1,000,000 rows,
measured side by side in one run on SQLite (this machine is shared: compare ratios, and CPU
seconds, rather than wall seconds):

  (a) screen: publish.screen of the file, in a process that has imported its libraries;
  (b) load: publish.loading.load_extract of the file into a fresh warehouse, likewise;
  (c) screen command: `deptstats screen` in a fresh subprocess: interpreter start, imports
      and (a);
  (d) page: POST /upload through the steward app (create_app and Starlette's TestClient, as
      tests/test_upload.py): the body streamed in, staged, screened in a child forked from the
      warm screening server (warm_screening), the report rendered. As a clerk meets it: the
      form is shown first (GET /upload starts the server), and the POST comes once the server
      is ready; (w) is how long that took after the GET;
  (e) cold page: the same POST with no server running (it is started by the POST itself).
      (d) and (e) for sizes up to --page-up-to only. The page should answer a 10,000-row file
      in under 5 s.

and, once, where (c)'s time goes before it reads a row: (s) the interpreter's start,
(i) `import great_expectations, pandas` and deptstats' screening modules.

Each measurement runs in a fresh process; up to 100,000 rows each runs --repeat times (default
3), taking turns, and the median is shown with every run's time. "cpu" is the user and system
time of the measured work (its subprocesses included): on a loaded machine, wall time is CPU
time plus waiting for a core. The screening child of (d) and (e) is the server's, not the
measured process's: their "cpu" leaves it out.

    python bench/screening_speed.py [--sizes 10000,1000000] [--page-up-to 100000]
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
from pathlib import Path

EXTRACT, PERIOD = "multi_child_loans", "2023"
REPEAT_UP_TO = 100_000
PAGE_ANSWER_SECONDS = 5.0
IMPORTS = "import great_expectations, pandas, deptstats.publish, deptstats.validation"


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _timed(work) -> dict:
    """Wall and CPU seconds of work() (with the subprocesses it waited for)."""
    cpu = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    rows = work()
    seconds = time.perf_counter() - started
    used = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN) - cpu
    return {"seconds": seconds, "cpu": used, "rows": rows}


# ------------------------------------------------------------------ the contenders (in a child)


def run_screen(file: Path, url: str) -> int:
    from deptstats.core import load_registry, parse_period
    from deptstats.publish import screen
    from deptstats.warehouse import open_engine

    registry = load_registry()
    report = screen(file, registry.extract(EXTRACT), parse_period(PERIOD), registry, open_engine(url))
    assert report.outcome == "clean", report.to_json()
    return report.rows


def run_load(file: Path, url: str) -> int:
    from deptstats.core import load_registry
    from deptstats.publish.loading import load_extract
    from deptstats.warehouse import open_engine

    [outcome] = load_extract(
        open_engine(url), file.parent.parent, EXTRACT, "bench", load_registry(), settle=0
    )
    assert outcome.status == "published", outcome.message
    return outcome.rows


def run_command(file: Path, url: str) -> int:
    command = [sys.executable, "-m", "deptstats.cli", "screen", "--file", str(file)]
    command += ["--extract", EXTRACT, "--period", PERIOD, "--format", "json", "--lang", "zh_CN"]
    env = dict(os.environ, DEPTSTATS_WAREHOUSE=url)
    done = subprocess.run(command, capture_output=True, check=False, env=env)
    report = json.loads(done.stdout)
    assert report["outcome"] == "clean", report
    return report["rows"]


def run_page(file: Path, url: str, warm: bool) -> dict:
    """One POST /upload of the file's bytes; the app is built before the clock starts (the
    api-server is up before anyone uploads). `warm`: the form shown first, and the POST once
    the screening server it started is ready."""
    from fastapi.testclient import TestClient

    from deptstats.airflow.steward_upload import UploadWiring
    from deptstats.airflow.steward_web import create_app
    from deptstats.airflow.warm_screening import SCREENER
    from deptstats.warehouse import open_engine

    engine, work = open_engine(url), Path(tempfile.mkdtemp(prefix="deptstats-page-"))
    (work / "landing").mkdir()
    wiring = UploadWiring(
        user=lambda: "clerk",
        may_read_loads=lambda: None,
        writer=lambda: engine,
        landing=lambda: work / "landing",
        base_url=lambda: "http://airflow.test:8080/",
        audit=lambda user, details: None,
        announce=lambda *told: None,
        staging=lambda: work / "staging",
    )
    client = TestClient(create_app(lambda: engine, lambda: "clerk", lambda: None, uploads=wiring))
    data = file.read_bytes()
    warming = None
    if warm:
        shown = time.perf_counter()
        assert client.get("/upload", params={"lang": "zh-CN"}).status_code == 200
        while not SCREENER.ready():
            time.sleep(0.01)
        warming = time.perf_counter() - shown
    try:

        def post() -> int:
            answer = client.post(
                "/upload",
                params={"lang": "zh-CN"},
                data={"extract": EXTRACT, "period": PERIOD},
                files={"file": ("upload.csv", data, "text/csv")},
                headers={"Origin": "http://airflow.test:8080"},
            )
            assert answer.status_code == 200 and 'data-outcome="clean"' in answer.text, answer.text[-500:]
            return data.count(b"\n") - 1

        return _timed(post) | {"warming": warming}
    finally:
        shutil.rmtree(work, ignore_errors=True)


CONTENDERS = {"a": run_screen, "b": run_load, "c": run_command}
LABELS = {
    "a": "(a) screen",
    "b": "(b) load",
    "c": "(c) screen command",
    "d": "(d) page POST, warm",
    "e": "(e) page POST, cold",
}


def measure(which: str, file: Path, url: str) -> None:
    """In a child process: libraries imported before the clock starts, then one contender."""
    import great_expectations  # noqa: F401
    import pandas  # noqa: F401

    import deptstats.publish
    import deptstats.publish.loading
    import deptstats.validation  # noqa: F401

    if which in "de":
        result = run_page(file, url, warm=which == "d")
    else:
        result = _timed(lambda: CONTENDERS[which](file, url))
    print(json.dumps(result))


# ------------------------------------------------------------------ orchestration


def fresh_warehouse(folder: Path, name: str) -> str:
    from deptstats.core import load_registry
    from deptstats.warehouse.engine import open_engine
    from deptstats.warehouse.schema import upgrade

    path = folder / f"{name}.db"
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    upgrade(open_engine(url), load_registry())
    return url


def child(which: str, file: Path, url: str) -> dict:
    env = dict(os.environ, GX_ANALYTICS_ENABLED="false", DEPTSTATS_MAX_FILE_BYTES=str(1 << 40))
    env["DEPTSTATS_UPLOAD_MAX_BYTES"] = str(1 << 40)
    done = subprocess.run(
        [sys.executable, __file__, "--measure", which, "--file", str(file), "--url", url],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        return {"error": (lines or ["failed"])[-1][:300]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def startup(code: str) -> dict:
    """A fresh interpreter running `code`: wall and CPU seconds, as the parent sees them."""
    cpu = _cpu(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code], check=True, env=dict(os.environ, GX_ANALYTICS_ENABLED="false")
    )
    return {"seconds": time.perf_counter() - started, "cpu": _cpu(resource.RUSAGE_CHILDREN) - cpu}


def _median(runs: list[dict]) -> dict:
    done = sorted((r for r in runs if "error" not in r), key=lambda r: r["seconds"])
    if not done:
        return runs[0]
    chosen = dict(done[(len(done) - 1) // 2])
    chosen["spread"] = "runs " + " ".join(f"{r['seconds']:.2f}" for r in done) if len(done) > 1 else ""
    return chosen


def _line(size: int | str, label: str, result: dict) -> str:
    if "error" in result:
        return f"{size:>9} {label:24} error: {result['error']}"
    rate = f"{result['rows'] / result['seconds']:11,.0f}" if result.get("rows") else f"{'':11}"
    spread = result.get("spread", "")
    return f"{size:>9} {label:24} {result['seconds']:8.2f} {result['cpu']:7.2f} {rate}  {spread}"


def run(sizes: list[int], page_up_to: int, repeat: int, work: Path) -> None:
    print(f"{'rows':>9} {'run':24} {'wall s':>8} {'cpu s':>7} {'rows/s':>11}  (median of the runs listed)")
    for label, code in (("(s) python start", "pass"), ("(i) imports of (c)", IMPORTS)):
        print(_line("-", label, _median([startup(code) for _ in range(repeat)])), flush=True)
    for size in sizes:
        from deptstats.sample.large import write_loans

        file = write_loans(work / str(size) / "landing" / "housing_fund" / f"{EXTRACT}_{PERIOD}.csv", size)
        contenders = [w for w in "abcde" if w not in "de" or size <= page_up_to]
        runs: dict[str, list[dict]] = {w: [] for w in contenders}
        # the contenders take turns, so that a slow spell of the machine hits all
        for _ in range(repeat if size <= REPEAT_UP_TO else 1):
            for which in contenders:
                runs[which].append(child(which, file, fresh_warehouse(work, f"{which}-{size}")))
        results = {w: _median(runs[w]) for w in contenders}
        for which in contenders:
            print(_line(size, LABELS[which], results[which]), flush=True)
        if results.get("d", {}).get("warming") is not None:
            warming = results["d"]["warming"]
            print(f"{size:>9} {'(w) server ready after':24} {warming:8.2f} s (after GET /upload)")
        ratios = []
        load = results["b"]
        for which in "acde":
            if which in results and "seconds" in results[which] and "seconds" in load:
                wall = results[which]["seconds"] / load["seconds"]
                cpu = results[which]["cpu"] / load["cpu"]
                ratios.append(f"{which}/b = {wall:.2f} (cpu {cpu:.2f})")
        print(f"{size:>9} {'ratios':24} {'  '.join(ratios)}")
        page = results.get("d")
        if page and "seconds" in page:
            verdict = "under" if page["seconds"] < PAGE_ANSWER_SECONDS else "OVER"
            print(
                f"{size:>9} {'page answer':24} {page['seconds']:.2f} s wall, {page['cpu']:.2f} s cpu: "
                f"{verdict} {PAGE_ANSWER_SECONDS:.0f} s (load average {os.getloadavg()[0]:.1f} on "
                f"{os.cpu_count()} cores)",
                flush=True,
            )
        shutil.rmtree(work / str(size), ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--page-up-to", type=int, default=100_000, help="the largest size (d) runs at")
    parser.add_argument("--repeat", type=int, default=3, help=f"runs up to {REPEAT_UP_TO:,} rows")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, Path(args.file), args.url)
        return
    work = Path(tempfile.mkdtemp(prefix="deptstats-screen-bench-"))
    try:
        run([int(s) for s in args.sizes.split(",")], args.page_up_to, args.repeat, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
