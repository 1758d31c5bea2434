"""`deptstats run`: the nightly DAG, once, through Airflow itself, in a local AIRFLOW_HOME with
its own SQLite metadata database. Airflow is started in a child process so that its settings
come from the environment set here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from deptstats.core import DEFAULT_REPLY, Registry, project_home
from deptstats.warehouse import connection_json

DAG_ID = "deptstats_nightly"


def airflow_environment(airflow_home: Path, landing: Path, warehouse: str, out: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(airflow_home.resolve()),
            "AIRFLOW__CORE__DAGS_FOLDER": str(project_home() / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(project_home() / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Shanghai",
            "AIRFLOW_CONN_DEPTSTATS_WAREHOUSE": connection_json(warehouse),
            "DEPTSTATS_LANDING": str(landing.resolve()),
            "DEPTSTATS_OUT": str(out.resolve()),
            "DEPTSTATS_HOME": str(project_home()),
            "GX_ANALYTICS_ENABLED": "false",
        }
    )
    return env


def run_nightly(landing: Path, warehouse: str, out: Path, airflow_home: Path, registry: Registry) -> int:
    """Migrate the local metadata database, run the DAG once, return 1 if any task failed."""
    airflow_home.mkdir(parents=True, exist_ok=True)
    env = airflow_environment(airflow_home, landing, warehouse, out)
    migrate = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if migrate.returncode != 0:
        print(migrate.stdout[-4000:], migrate.stderr[-4000:], sep="\n", file=sys.stderr)
        return migrate.returncode
    # The demo runner migrates the warehouse itself, as `airflow db migrate` does Airflow's;
    # the nightly DAG only checks the revision.
    from deptstats.warehouse import open_engine, upgrade

    upgrade(open_engine(warehouse), registry)
    conf = {"landing": env["DEPTSTATS_LANDING"], "out": env["DEPTSTATS_OUT"]}
    return subprocess.run(
        [sys.executable, "-m", "deptstats.airflow.local", json.dumps(conf)], env=env, check=False
    ).returncode


def _test_run(conf: dict[str, str]) -> int:
    """Inside the Airflow-configured child: dag.test() and a verdict from the task states."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if bag.import_errors:
        for path, error in bag.import_errors.items():
            print(f"DAG import error in {path}:\n{error}", file=sys.stderr)
        return 2
    dag_run = bag.dags[DAG_ID].test(run_conf=conf)
    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    failed = sorted(t for t, s in states.items() if s in ("failed", "upstream_failed"))
    print(f"\nrun {dag_run.run_id}: {len(states)} tasks")
    for task_id in sorted(states):
        print(f"  {states[task_id]:16} {task_id}")
    for name, what in (
        # the DAG drafts its default reply: the run's conf names none
        (f"{DEFAULT_REPLY}.md", "draft"),
        (f"{DEFAULT_REPLY}.INCOMPLETE.md", "incomplete draft (newer)"),
    ):
        if (Path(conf["out"]) / name).exists():
            print(f"{what}: {Path(conf['out']) / name}")
    if failed:
        print(f"FAILED tasks: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_test_run(json.loads(sys.argv[1])))
