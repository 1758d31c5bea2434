"""The Docker image is built from the locked versions (tests/test_deployment.py checks the
compose file with docker-compose)."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import REPO


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
