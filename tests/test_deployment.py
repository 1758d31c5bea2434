"""The production topology as shipped: the Dockerfile builds the locked versions, and
docker-compose.yaml is valid and wires every Airflow service to that image (no Docker engine
runs here, so compose is checked with `docker-compose config`)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib

import pytest
import yaml

from tests.conftest import REPO

AIRFLOW_SERVICES = {
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-worker",
    "airflow-triggerer",
    "airflow-init",
}


def locked() -> dict[str, str]:
    pins = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    return pins


def test_the_image_carries_the_locked_versions():
    dockerfile = (REPO / "Dockerfile").read_text()
    base = re.search(r"^FROM apache/airflow:([\d.]+)-python([\d.]+)$", dockerfile, re.MULTILINE)
    assert base, "the image must start from an official apache/airflow:X-pythonY tag"
    pins = locked()
    assert base.group(1) == pins["apache-airflow"]
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["requires-python"].startswith(f">={base.group(2)}")
    install = re.search(r"^RUN pip install .*", dockerfile, re.MULTILINE).group(0)
    assert "-c /opt/deptstats/constraints.txt" in install and "[celery]" in install
    # everything the celery extra asks for is pinned, so the build resolves what CI tested
    for requirement in project["optional-dependencies"]["celery"]:
        name = re.split(r"[<>=!\[ ]", requirement)[0].lower()
        assert name in pins, f"{name} is not in constraints.txt"
    assert pins["celery"].startswith("5.6."), "celery 5.7 breaks the Celery provider's import"


@pytest.fixture(scope="module")
def compose() -> dict:
    if shutil.which("docker-compose") is None:
        message = "docker-compose not found: `make test` installs Debian's docker-compose as root"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    done = subprocess.run(
        ["docker-compose", "-f", str(REPO / "docker-compose.yaml"), "config"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        env=dict(os.environ, AIRFLOW_JWT_SECRET="x" * 64),
    )
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


def test_compose_needs_the_shared_secret():
    if shutil.which("docker-compose") is None:
        pytest.skip("docker-compose not found")
    env = {k: v for k, v in os.environ.items() if k != "AIRFLOW_JWT_SECRET"}
    done = subprocess.run(
        ["docker-compose", "-f", str(REPO / "docker-compose.yaml"), "config"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        env=env,
    )
    assert done.returncode != 0 and "AIRFLOW_JWT_SECRET" in done.stderr


def test_every_airflow_service_runs_the_built_image(compose):
    services = compose["services"]
    assert set(services) >= AIRFLOW_SERVICES
    for name in AIRFLOW_SERVICES:
        service = services[name]
        assert service["build"]["context"] == str(REPO)
        env = service["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"] == "x" * 64
        assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] == "admin:admin,steward:op,analyst:viewer"
        assert "AIRFLOW_CONN_DEPTSTATS_WAREHOUSE" in env and "PYTHONPATH" not in env
        targets = {
            volume["target"] if isinstance(volume, dict) else volume.split(":")[1]
            for volume in service["volumes"]
        }
        assert {"/opt/airflow/landing", "/opt/airflow/out"} <= targets
    assert len({services[name]["image"] for name in AIRFLOW_SERVICES}) == 1
    assert services["redis"]["image"].startswith("redis:")
    assert services["postgres"]["image"].startswith("postgres:")
