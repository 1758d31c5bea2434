"""The unit tier (`make test-fast`): no Great Expectations validation, no database server, no
child process and so no Airflow run. A test here that starts one fails, saying so: it belongs
in tests/ with its marker (README, Testing). SQLite files in the test's folder are allowed."""

from __future__ import annotations

import subprocess

import psycopg
import pytest

from deptstats.validation import gx_runner


def _refused(what: str):
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError(f"a unit test {what}: move it out of tests/unit and mark it (README, Testing)")

    return refuse


@pytest.fixture(autouse=True)
def _unit_tier_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gx_runner.Gx, "__init__", _refused("ran a Great Expectations validation"))
    monkeypatch.setattr(psycopg, "connect", _refused("connected to a database server"))
    monkeypatch.setattr(subprocess, "Popen", _refused("started a child process"))
