"""The production topology as shipped: the Dockerfile builds the locked versions, and
docker-compose.yaml is valid and wires every Airflow service to that image (no Docker engine
runs here, so compose is checked with `docker-compose config`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
import yaml

from deptstats.airflow.logins import APPROVERS, AUTH_MANAGER, SIGNOFF_LOGIN, all_users
from deptstats.airflow.signoff_settings import API_CONN_ID, APPROVERS_SETTING, approvers_setting
from tests.conftest import REPO

pytestmark = pytest.mark.external

AIRFLOW_SERVICES = {
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-worker",
    "airflow-triggerer",
    "airflow-init",
}
# the services the sign-off needs its settings in: the dag-processor parses the DAG (its
# approvers), the worker runs its tasks, the triggerer the approval while it waits, and the
# api-server answers the approval and the sign-off's REST calls
SIGNOFF_SERVICES = {"airflow-apiserver", "airflow-worker", "airflow-dag-processor", "airflow-triggerer"}
SIGNOFF_PASSWORD = "s1gnoffPassw0rd"
SECRETS = {"AIRFLOW_JWT_SECRET": "x" * 64, "DEPTSTATS_SIGNOFF_PASSWORD": SIGNOFF_PASSWORD}


def compose_config(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker-compose", "-f", str(REPO / "docker-compose.yaml"), "config"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        env=env,
    )


@pytest.fixture(scope="module")
def compose() -> dict:
    if shutil.which("docker-compose") is None:
        message = "docker-compose not found: `make test` installs Debian's docker-compose as root"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    done = compose_config(dict(os.environ, **SECRETS))
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


@pytest.mark.parametrize("secret", sorted(SECRETS))
def test_compose_needs_each_secret(secret):
    if shutil.which("docker-compose") is None:
        pytest.skip("docker-compose not found")
    env = {k: v for k, v in dict(os.environ, **SECRETS).items() if k != secret}
    done = compose_config(env)
    assert done.returncode != 0 and secret in done.stderr


def test_every_airflow_service_runs_the_built_image(compose):
    services = compose["services"]
    assert set(services) >= AIRFLOW_SERVICES
    for name in AIRFLOW_SERVICES:
        service = services[name]
        assert service["build"]["context"] == str(REPO)
        env = service["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == "x" * 64
        assert env["AIRFLOW__CORE__AUTH_MANAGER"] == AUTH_MANAGER
        assert not any(key.startswith("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER") for key in env)
        assert "AIRFLOW_CONN_DEPTSTATS_WAREHOUSE" in env and "PYTHONPATH" not in env
        targets = {
            volume["target"] if isinstance(volume, dict) else volume.split(":")[1]
            for volume in service["volumes"]
        }
        assert {"/opt/airflow/landing", "/opt/airflow/out"} <= targets
    assert len({services[name]["image"] for name in AIRFLOW_SERVICES}) == 1
    assert services["redis"]["image"].startswith("redis:")
    assert services["postgres"]["image"].startswith("postgres:")


def test_the_signoff_is_wired_where_it_runs(compose):
    services = compose["services"]
    for name in SIGNOFF_SERVICES:
        env = services[name]["environment"]
        # FAB numbers the users airflow-init creates on a new database in this order
        ids = {login: number for number, login in enumerate(all_users(()), start=1)}
        assert json.loads(env[APPROVERS_SETTING]) == json.loads(approvers_setting(list(APPROVERS), ids))
        connection = json.loads(env[f"AIRFLOW_CONN_{API_CONN_ID.upper()}"])
        assert (connection["conn_type"], connection["login"], connection["password"]) == (
            "http",
            SIGNOFF_LOGIN,
            SIGNOFF_PASSWORD,
        )
        # the api-server, as the workers reach it for the Execution API
        api_server = env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].removesuffix("/execution/")
        assert connection["extra"]["base_url"] == api_server == "http://airflow-apiserver:8080"


def test_init_creates_the_logins_through_fab_after_the_migration(compose):
    """airflow-init makes the roles and users once the metadata DB has FAB's tables, with the
    passwords in the mounted config folder (signoff's from its connection), checking that
    DEPTSTATS_APPROVERS names the approver's FAB id; no password is on its command line."""
    init = compose["services"]["airflow-init"]
    script = init["command"][-1]
    steps = [line.strip() for line in script.replace("\\\n", " ").splitlines() if line.strip()]
    assert steps[0] == "set -e"
    migrate = steps.index("/entrypoint airflow db migrate")
    [logins] = [i for i, step in enumerate(steps) if "deptstats airflow logins" in step]
    chown = next(i for i, step in enumerate(steps) if step.startswith("chown"))
    assert migrate < logins < chown
    options = steps[logins].split()
    assert options[options.index("--passwords") + 1] == "/opt/airflow/config/passwords.json"
    assert {"--signoff-from-connection", "--check-approvers"} <= set(options)
    assert SIGNOFF_PASSWORD not in script
