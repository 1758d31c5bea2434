"""The FAB auth manager's logins as `deptstats airflow up` and airflow-init make them, without
Airflow's database: the passwords file and what each role may do."""

from __future__ import annotations

import json
import stat
from typing import ClassVar

from deptstats.airflow.fab_logins import department_resource, role_permissions
from deptstats.airflow.logins import all_users, ensure_logins, ensure_passwords

DEPARTMENTS = ["health", "education"]


class _SecurityManager:
    """FAB's role definitions as its security manager holds them (a few of each; importing the
    provider here would start Airflow)."""

    VIEWER_PERMISSIONS: ClassVar = [
        ("can_read", "DAGs"),
        ("can_read", "Task Instances"),
        ("can_read", "Task Logs"),
        ("can_read", "HITL Detail"),
        ("can_read", "My Password"),
        ("can_edit", "My Password"),
        ("can_read", "My Profile"),
        ("can_edit", "My Profile"),
        ("menu_access", "DAGs"),
    ]
    USER_PERMISSIONS: ClassVar = [
        ("can_edit", "DAGs"),
        ("can_edit", "Task Instances"),
        ("can_edit", "HITL Detail"),
    ]
    OP_PERMISSIONS: ClassVar = [("can_read", "Connections"), ("can_edit", "Variables")]


def _security_manager() -> type[_SecurityManager]:
    return _SecurityManager


def test_passwords_are_random_kept_and_readable_by_the_owner_only(tmp_path):
    logins = ensure_logins(tmp_path, DEPARTMENTS)
    assert (
        set(logins.passwords) == set(all_users(DEPARTMENTS)) >= {"admin", "clerk_health", "clerk_education"}
    )
    assert len(set(logins.passwords.values())) == len(logins.passwords)
    assert stat.S_IMODE(logins.passwords_file.stat().st_mode) == 0o600
    again = ensure_logins(tmp_path, [*DEPARTMENTS, "hrss"])
    assert again.created == ["clerk_hrss"]
    assert {u: again.passwords[u] for u in logins.passwords} == logins.passwords


def test_a_given_password_replaces_the_files_and_keeps_the_others(tmp_path):
    path = tmp_path / "passwords.json"
    path.write_text(json.dumps({"admin": "kept", "signoff": "old"}))
    path.chmod(0o644)
    logins = ensure_passwords(path, all_users(DEPARTMENTS), {"signoff": "from-the-connection"})
    stored = json.loads(path.read_text())
    assert stored["admin"] == "kept" and stored["signoff"] == "from-the-connection"
    assert "signoff" not in logins.created and "clerk_health" in logins.created
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_clerk_reads_no_dag_only_its_department():
    roles = role_permissions(_security_manager(), DEPARTMENTS)
    clerk = set(roles["clerk_health"])
    assert ("can_read", department_resource("health")) in clerk
    assert not any(resource == department_resource("education") for _, resource in clerk)
    # no DAG, run, task instance or log: a task's log names every department's files
    assert not any(r.startswith("DAG") or r in ("Task Instances", "Task Logs", "XComs") for _, r in clerk)


def test_the_other_roles_are_built_on_fabs():
    sm = _security_manager()
    roles = role_permissions(sm, DEPARTMENTS)
    assert set(sm.OP_PERMISSIONS) <= set(roles["steward"])
    assert ("can_read", "Task Logs") in roles["steward"] and ("can_edit", "Task Instances") in roles[
        "steward"
    ]
    assert set(roles["analyst"]) == set(sm.VIEWER_PERMISSIONS)
    assert {
        resource for action, resource in roles["analyst"] if action not in ("can_read", "menu_access")
    } == {
        "My Password",
        "My Profile",
    }
    # the approver answers Required Actions and clears tasks of the sign-off DAG, of no other
    assert {("can_edit", "HITL Detail"), ("can_edit", "DAG:deptstats_signoff")} <= set(roles["approver"])
    assert not any(r.startswith("DAG:") and r != "DAG:deptstats_signoff" for _, r in roles["approver"])
    assert ("can_edit", "DAGs") not in roles["approver"] and ("can_edit", "HITL Detail") not in roles[
        "analyst"
    ]
    assert ("can_edit", "Task Instances") in roles["signoff"] and ("can_edit", "DAGs") not in roles["signoff"]
    assert {department_resource(code) for code in DEPARTMENTS} <= {r for _, r in roles["steward"]}
