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


def run_environment(airflow_home: Path, landing: Path, warehouse: str, out: Path) -> dict[str, str]:
    """The environment of `deptstats run`: dag.test() in a child process, which no api-server
    serves, so a refusal names the command that lists its problems (airflow.tasks.problems_link);
    `deptstats airflow up` serves the pages and keeps airflow_environment's."""
    # no triggerer awaits a deadline under dag.test(), and Airflow 3.3's dag.test() fails a
    # successful run of a DAG with one (it reads the alerts' ids from the DAG serialized in memory)
    return airflow_environment(airflow_home, landing, warehouse, out) | {
        "DEPTSTATS_NO_API_SERVER": "1",
        "DEPTSTATS_DEADLINE_MINUTES": "off",
    }


def run_nightly(
    landing: Path, warehouse: str, out: Path, airflow_home: Path, registry: Registry, log: Path | None = None
) -> int:
    """Migrate the local metadata database, run the DAG once, print a table of its tasks' states
    and return 1 if any task failed. Airflow's own output (hundreds of lines) goes to `log` when
    given, else to this process's output."""
    airflow_home.mkdir(parents=True, exist_ok=True)
    env = run_environment(airflow_home, landing, warehouse, out)
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("", encoding="utf-8")
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
    # the child writes the task states here, so that its output can go elsewhere
    result = airflow_home / "deptstats-run.json"
    result.unlink(missing_ok=True)
    command = [sys.executable, "-m", "deptstats.airflow.local", str(result)]
    if log is None:
        subprocess.run(command, env=env, check=False)
    else:
        with log.open("a", encoding="utf-8") as written:
            subprocess.run(command, env=env, stdout=written, stderr=subprocess.STDOUT, check=False)
    if not result.is_file():
        where = f"; Airflow's log: {log}" if log is not None else ""
        print(f"the nightly DAG did not run{where}", file=sys.stderr)
        return 2
    return _report(json.loads(result.read_text(encoding="utf-8")), out, log)


def _report(result: dict, out: Path, log: Path | None) -> int:
    """The run's summary: each task's state, where the draft is and where Airflow's log went."""
    for path, error in result.get("import_errors", {}).items():
        print(f"DAG import error in {path}:\n{error}", file=sys.stderr)
    if result.get("import_errors"):
        return 2
    states: dict[str, str] = result["states"]
    failed = sorted(t for t, s in states.items() if s in ("failed", "upstream_failed"))
    print(f"\nrun {result['run_id']}: {len(states)} tasks")
    for task_id in sorted(states):
        print(f"  {states[task_id]:16} {task_id}")
    for name, what in (
        # the DAG drafts its default reply: the run names none
        (f"{DEFAULT_REPLY}.md", "draft"),
        (f"{DEFAULT_REPLY}.INCOMPLETE.md", "incomplete draft (newer)"),
    ):
        if (out / name).exists():
            print(f"{what}: {out / name}")
    if log is not None:
        print(f"Airflow's log: {log}")
    if failed:
        print(f"FAILED tasks: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _test_run(result: Path) -> int:
    """Inside the Airflow-configured child: dag.test(), its task states written to `result`. The
    folders are the deployment's (DEPTSTATS_LANDING and DEPTSTATS_OUT), never the run's conf."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if bag.import_errors:
        errors = {str(path): str(error) for path, error in bag.import_errors.items()}
        result.write_text(json.dumps({"import_errors": errors}), encoding="utf-8")
        return 2
    dag_run = bag.dags[DAG_ID].test()
    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    result.write_text(json.dumps({"run_id": dag_run.run_id, "states": states}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(_test_run(Path(sys.argv[1])))
