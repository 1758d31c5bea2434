"""The FAB auth manager's roles and users for deptstats, made through FAB's security manager
(`airflow roles add-perms` refuses resources it does not know, such as a department's), and the
check the steward's plugin makes of a clerk's department.

Roles: steward (FAB's Op: clears tasks, reads logs), analyst (Viewer), approver (Viewer, and may
answer the Required Actions of the sign-off DAG and clear its tasks), signoff (the sign-off DAG's
own login: may end an approval of that DAG through the REST API), and one role per department,
clerk_<code>, with no access to any DAG (their task logs show every department's files) and read
and create on its department's resource `deptstats_department_<code>` only. Admin also gets every department.

Run in a process whose environment is the components' (`deptstats airflow logins`): FAB reads
Airflow's configuration and metadata database."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from deptstats.airflow.logins import (
    APPROVERS,
    CLERK_PREFIX,
    SIGNOFF_LOGIN,
    USERS,
    all_users,
    clerk_login,
    ensure_passwords,
)
from deptstats.airflow.signoff_settings import (
    API_CONN_ID,
    APPROVERS_SETTING,
    SIGNOFF_DAG_ID,
    approvers_setting,
)

DEPARTMENT_RESOURCE_PREFIX = "deptstats_department_"
# what a clerk may do on its department's resource (GET and POST of the plugin's pages)
DEPARTMENT_ACTIONS = ("can_read", "can_create")
# every login may open the home page and see and change its own profile and password
OWN_ACCOUNT = [
    ("can_read", "Website"),
    # the UI draws a plugin's page (/plugin/deptstats-upload) from the list of plugins
    ("can_read", "Plugins"),
    ("can_read", "My Profile"),
    ("can_edit", "My Profile"),
    ("can_read", "My Password"),
    ("can_edit", "My Password"),
]


def department_resource(department: str) -> str:
    return DEPARTMENT_RESOURCE_PREFIX + department


def department_access(user: Any, department_code: str, method: str = "GET") -> bool:
    """Whether `user` (as the auth manager deserialized it) may act for `department_code`:
    through the auth manager, on the department's resource (GET reads, POST delivers)."""
    from airflow.api_fastapi.app import get_auth_manager

    return bool(
        get_auth_manager().is_authorized_custom_view(
            method=method, resource_name=department_resource(department_code), user=user
        )
    )


def role_permissions(sm: Any, departments: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    """role -> its (action, resource) pairs, built on FAB's own role definitions."""
    departments = list(departments)
    signoff_dag = f"DAG:{SIGNOFF_DAG_ID}"
    everything = [
        (action, department_resource(code)) for code in departments for action in DEPARTMENT_ACTIONS
    ]
    roles = {
        "steward": [*sm.VIEWER_PERMISSIONS, *sm.USER_PERMISSIONS, *sm.OP_PERMISSIONS, *everything],
        "analyst": list(sm.VIEWER_PERMISSIONS),
        # answering a HITL task needs can_edit on HITL Detail and on the DAG it belongs to; the
        # approver may also clear the sign-off's tasks (to ask again after a refused answer),
        # and no other DAG's: a DAG-level can_edit is on deptstats_signoff alone
        "approver": [
            *sm.VIEWER_PERMISSIONS,
            ("can_edit", "HITL Detail"),
            ("menu_access", "HITL Detail"),
            ("can_edit", "Task Instances"),
            ("can_edit", "DAG Runs"),
            ("can_edit", signoff_dag),
        ],
        # ends an approval: PATCH of the task instance and of its run, in the sign-off DAG only
        "signoff": [
            *sm.VIEWER_PERMISSIONS,
            ("can_edit", "Task Instances"),
            ("can_edit", "DAG Runs"),
            ("can_edit", signoff_dag),
        ],
        "Admin": everything,
    }
    for code in departments:
        roles[clerk_login(code)] = [
            *OWN_ACCOUNT,
            *((a, department_resource(code)) for a in DEPARTMENT_ACTIONS),
        ]
    return roles


def _sync_role(sm: Any, name: str, wanted: list[tuple[str, str]], exact: bool) -> None:
    role = sm.find_role(name) or sm.add_role(name)
    keep = set(wanted)
    for action, resource in keep:
        permission = sm.get_permission(action, resource) or sm.create_permission(action, resource)
        if permission not in role.permissions:
            sm.add_permission_to_role(role, permission)
    if exact:
        for permission in list(role.permissions):
            if (permission.action.name, permission.resource.name) not in keep:
                sm.remove_permission_from_role(role, permission)


def _sync_user(sm: Any, login: str, role_name: str, password: str) -> int:
    role = sm.find_role(role_name)
    user = sm.find_user(username=login)
    if user is None:
        user = sm.add_user(login, login, "deptstats", f"{login}@logins.invalid", role, password=password)
        if not user:
            raise RuntimeError(f"FAB refused to create the user {login}")
        return int(user.id)
    if [r.name for r in user.roles] != [role_name]:
        user.roles = [role]
        sm.update_user(user)
    if not sm.check_password(login, password):
        sm.reset_password(user.id, password)
    return int(user.id)


def provision(passwords: dict[str, str], departments: Iterable[str]) -> dict[str, int]:
    """Create or bring up to date the roles and users (their passwords as `passwords` gives
    them); login -> FAB user id. A deptstats role keeps exactly its permissions; Admin only gains."""
    from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder

    departments = list(departments)
    users = USERS | {clerk_login(code): clerk_login(code) for code in departments}
    with get_application_builder() as appbuilder:
        sm = appbuilder.sm
        sm.sync_roles()  # FAB's own roles (Admin, Op, Viewer...) exist before ours are added
        for name, wanted in role_permissions(sm, departments).items():
            _sync_role(sm, name, wanted, exact=name != "Admin")
        # a department dropped from the registry loses its clerk's role's permissions
        for role in sm.get_all_roles():
            if role.name.startswith(CLERK_PREFIX) and role.name not in users:
                _sync_role(sm, role.name, [], exact=True)
        return {login: _sync_user(sm, login, role, passwords[login]) for login, role in users.items()}


def make_logins(
    passwords_file: Path,
    departments: Iterable[str],
    signoff_from_connection: bool = False,
    check_approvers: bool = False,
) -> tuple[int, str]:
    """`deptstats airflow logins`: the passwords (missing ones drawn into `passwords_file`; the
    login signoff's from the connection deptstats_airflow_api if asked), then the roles and
    users; (exit code, the line to print: JSON {"ids", "approvers"}, or why the approvers
    configured are not the users' ids)."""
    departments = list(departments)
    given = {}
    if signoff_from_connection:
        given[SIGNOFF_LOGIN] = json.loads(os.environ[f"AIRFLOW_CONN_{API_CONN_ID.upper()}"])["password"]
    found = ensure_passwords(passwords_file, all_users(departments), given)
    ids = provision(found.passwords, departments)
    approvers = approvers_setting(list(APPROVERS), ids)
    configured = json.loads(os.environ.get(APPROVERS_SETTING) or "[]")
    if check_approvers and configured != json.loads(approvers):
        return 1, f"{APPROVERS_SETTING} must name the approvers by their FAB user ids: set it to {approvers}"
    return 0, json.dumps({"ids": ids, "approvers": approvers})
