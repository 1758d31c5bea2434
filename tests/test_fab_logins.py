"""`deptstats airflow logins` as airflow-init runs it in docker-compose.yaml: on a new metadata
database, after `airflow db migrate`, with the sign-off connection's password and the approvers
the compose file names (FAB user ids)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from deptstats.airflow.logins import AUTH_MANAGER, all_users
from deptstats.airflow.signoff_settings import API_CONN_ID, APPROVERS_SETTING
from tests.conftest import REPO

pytestmark = pytest.mark.airflow
SIGNOFF_PASSWORD = "s1gnoffPassw0rd"


def _logins(env: dict[str, str], passwords) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "deptstats.cli", "airflow", "logins", "--passwords", str(passwords)]
    return subprocess.run(
        [*command, "--signoff-from-connection", "--check-approvers"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_init_makes_the_logins_with_the_approver_the_compose_file_names(tmp_path, registry):
    compose = (REPO / "docker-compose.yaml").read_text()
    [approvers] = [
        line.split(": ", 1)[1].strip().strip("'")
        for line in compose.splitlines()
        if line.strip().startswith(f"{APPROVERS_SETTING}:")
    ]
    env = dict(
        os.environ,
        AIRFLOW_HOME=str(tmp_path / "airflow"),
        AIRFLOW__CORE__AUTH_MANAGER=AUTH_MANAGER,
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        **{
            f"AIRFLOW_CONN_{API_CONN_ID.upper()}": json.dumps(
                {"conn_type": "http", "login": "signoff", "password": SIGNOFF_PASSWORD}
            ),
            APPROVERS_SETTING: approvers,
        },
    )
    migrated = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    passwords = tmp_path / "config" / "passwords.json"
    passwords.parent.mkdir()
    done = _logins(env, passwords)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    ids = json.loads(done.stdout.strip().splitlines()[-1])["ids"]
    departments = [department.code for department in registry.departments]
    assert list(ids) == list(all_users(departments)) and ids["approver"] == 4
    stored = json.loads(passwords.read_text())
    assert set(stored) == set(ids) and stored["signoff"] == SIGNOFF_PASSWORD
    assert stat.S_IMODE(passwords.stat().st_mode) == 0o600
    assert not any(password in " ".join(done.args) for password in stored.values())

    # again: nothing changes; approvers named otherwise (a login, not its id) are refused
    again = _logins(env, passwords)
    assert again.returncode == 0 and json.loads(again.stdout.strip().splitlines()[-1])["ids"] == ids
    assert json.loads(passwords.read_text()) == stored
    wrong = _logins(env | {APPROVERS_SETTING: '[{"id": "approver", "name": "approver"}]'}, passwords)
    assert wrong.returncode == 1
    assert 'set it to [{"id": "4", "name": "approver"}]' in wrong.stdout
