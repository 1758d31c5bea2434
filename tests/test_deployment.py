"""The production topology as shipped: the Dockerfile builds the locked versions, and
docker-compose.yaml is valid and wires every Airflow service to that image (no Docker engine
runs here, so compose is checked with `docker-compose config`)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys

import pytest
import yaml

from deptstats.airflow.logins import APPROVERS, SIGNOFF_LOGIN, USERS
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
        assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] == ",".join(
            f"{user}:{role}" for user, role in USERS.items()
        )
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
        users = dict(entry.split(":") for entry in env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"].split(","))
        assert {login: users.get(login) for login in (*APPROVERS, SIGNOFF_LOGIN)} == {
            "approver": "user",
            "signoff": "user",
        }
        assert json.loads(env[APPROVERS_SETTING]) == json.loads(approvers_setting(list(APPROVERS)))
        connection = json.loads(env[f"AIRFLOW_CONN_{API_CONN_ID.upper()}"])
        assert (connection["conn_type"], connection["login"], connection["password"]) == (
            "http",
            SIGNOFF_LOGIN,
            SIGNOFF_PASSWORD,
        )
        # the api-server, as the workers reach it for the Execution API
        api_server = env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].removesuffix("/execution/")
        assert connection["extra"]["base_url"] == api_server == "http://airflow-apiserver:8080"


@pytest.mark.parametrize("before", [None, {"admin": "kept", "signoff": "old"}], ids=["first", "again"])
def test_init_gives_the_signoff_login_its_connection_password(compose, tmp_path, before):
    """airflow-init writes the login's password where SimpleAuthManager reads it (the api-server
    then adds the other logins' passwords and keeps this one)."""
    init = compose["services"]["airflow-init"]
    script = init["command"][-1].split("python - <<'PY'\n", 1)[1].split("\nPY\n", 1)[0]
    passwords = tmp_path / "passwords.json"
    if before is not None:
        passwords.write_text(json.dumps(before))
    env = dict(
        os.environ,
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=str(passwords),
        AIRFLOW_CONN_DEPTSTATS_AIRFLOW_API=init["environment"]["AIRFLOW_CONN_DEPTSTATS_AIRFLOW_API"],
    )
    subprocess.run([sys.executable, "-c", script], env=env, check=True)
    expected = (
        {"signoff": SIGNOFF_PASSWORD} if before is None else {"admin": "kept", "signoff": SIGNOFF_PASSWORD}
    )
    assert json.loads(passwords.read_text()) == expected
    assert stat.S_IMODE(passwords.stat().st_mode) == 0o600
