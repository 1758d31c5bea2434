"""The nightly under the real scheduler, timed: `deptstats airflow up` over the sample deliveries
on a free port, then

  first nightly      the run the scheduler creates when the DAG is unpaused (every file new),
                     from the unpause request to the run's success as the API reports it;
  unchanged nightly  a run triggered through the REST API over the same files (every load
                     skipped), from the trigger request to success; --repeat times.

Prints each time, the run's own start-to-end duration, and the unchanged/first ratio. Times are
wall-clock seconds on a shared machine: compare within one run.

    .venv/bin/python bench/nightly_live.py [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.live.conftest import DAG_ID, READY_LINE, free_port  # noqa: E402
from tests.live.rest import Airflow  # noqa: E402


def _seconds(run: dict) -> float:
    start = datetime.fromisoformat(run["start_date"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(run["end_date"].replace("Z", "+00:00"))
    return (end - start).total_seconds()


def _wait(client: Airflow, run_id: str) -> dict:
    while True:
        run = client.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}")
        if run["state"] in ("success", "failed"):
            return run
        time.sleep(0.25)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", help="use this folder (kept) instead of a temporary one")
    args = parser.parse_args()
    root = Path(args.keep or tempfile.mkdtemp(prefix="deptstats-bench-"))
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "deptstats.cli",
            "airflow",
            "up",
            "--home",
            str(root / "airflow"),
            "--landing",
            str(root / "landing"),
            "--warehouse",
            f"sqlite:///{root / 'warehouse.db'}",
            "--out",
            str(root / "out"),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        started = time.monotonic()
        for line in process.stdout:
            if line.strip() == READY_LINE:
                break
        else:
            print("deptstats airflow up did not start", file=sys.stderr)
            return 1
        print(f"components healthy after {time.monotonic() - started:.1f} s")
        import json

        from deptstats.airflow.logins import PASSWORDS_FILE

        passwords = root / "airflow" / PASSWORDS_FILE

        client = Airflow(f"http://127.0.0.1:{port}", "admin", json.loads(passwords.read_text())["admin"])
        unpaused = time.monotonic()
        client.call("PATCH", f"/api/v2/dags/{DAG_ID}", {"is_paused": False})
        while not (runs := client.get(f"/api/v2/dags/{DAG_ID}/dagRuns")["dag_runs"]):
            time.sleep(0.25)
        first = _wait(client, runs[0]["dag_run_id"])
        first_wall = time.monotonic() - unpaused
        print(
            f"first nightly      {first['state']:8} {first_wall:6.1f} s from unpause "
            f"(run itself {_seconds(first):.1f} s)"
        )
        unchanged = []
        for _ in range(args.repeat):
            triggered = time.monotonic()
            run = client.call("POST", f"/api/v2/dags/{DAG_ID}/dagRuns", {"logical_date": None})
            done = _wait(client, run["dag_run_id"])
            unchanged.append(time.monotonic() - triggered)
            print(
                f"unchanged nightly  {done['state']:8} {unchanged[-1]:6.1f} s from trigger "
                f"(run itself {_seconds(done):.1f} s)"
            )
        median = statistics.median(unchanged)
        print(f"median unchanged nightly {median:.1f} s; unchanged/first = {median / first_wall:.2f}")
        return 0
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=90)


if __name__ == "__main__":
    sys.exit(main())
