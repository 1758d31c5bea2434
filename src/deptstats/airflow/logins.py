"""The UI's logins and the components' shared secret, kept in the Airflow home folder.

The FAB auth manager keeps users, roles and password hashes in Airflow's metadata database. The
passwords themselves are drawn here, at random, into a JSON file (login -> password) readable by
its owner only; `deptstats airflow logins` (fab_logins) creates the roles and users from it
through FAB's security manager, so no password is ever on a command line. They are shown only
on the start that created them."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
# login -> role. steward: like FAB's Op (clears tasks, reads logs); analyst: like Viewer; approver:
# reads like Viewer and answers the sign-off's approvals (Required Actions); signoff: the sign-off
# DAG's own login, with which a task ends the approval of a superseded snapshot through the
# REST API. Each department's clerk (CLERK_PREFIX + code) has a role of the same name.
USERS = {
    "admin": "Admin",
    "steward": "steward",
    "analyst": "analyst",
    "approver": "approver",
    "signoff": "signoff",
}
CLERK_PREFIX = "clerk_"
# the logins assigned to every approval (DEPTSTATS_APPROVERS, by their FAB user ids)
APPROVERS = ("approver",)
SIGNOFF_LOGIN = "signoff"
PASSWORDS_FILE = "logins.json"
JWT_SECRET_FILE = "jwt_secret"


def clerk_login(department: str) -> str:
    """The demo clerk's login of a department, and the name of its role."""
    return CLERK_PREFIX + department


def all_users(departments: Iterable[str]) -> dict[str, str]:
    """login -> role: USERS and one clerk per department."""
    return USERS | {clerk_login(code): clerk_login(code) for code in departments}


@dataclass(frozen=True)
class Logins:
    passwords_file: Path
    passwords: dict[str, str]
    created: list[str]  # users whose password this start created


def write_private(path: Path, text: str) -> None:
    """Write `text` to a file only its owner may read (mode 0600, also when it existed)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def ensure_passwords(path: Path, users: Iterable[str], given: dict[str, str] | None = None) -> Logins:
    """Passwords of `users` in `path`, creating those missing; existing ones are kept, except
    those in `given` (a password set elsewhere, e.g. the sign-off connection's)."""
    passwords: dict[str, str] = {}
    if path.exists() and path.read_text(encoding="utf-8").strip():
        passwords = json.loads(path.read_text(encoding="utf-8"))
    created = [user for user in users if user not in passwords and user not in (given or {})]
    for user in created:
        passwords[user] = secrets.token_urlsafe(12)
    changed = bool(created) or any(passwords.get(u) != p for u, p in (given or {}).items())
    passwords.update(given or {})
    if changed or not path.exists():
        write_private(path, json.dumps(passwords) + "\n")
    return Logins(path, passwords, created)


def ensure_logins(home: Path, departments: Iterable[str] = ()) -> Logins:
    """Passwords of every login of `deptstats airflow up`, in HOME/logins.json."""
    return ensure_passwords(home / PASSWORDS_FILE, all_users(departments))


def jwt_secret(home: Path) -> str:
    """One secret for every component (tokens signed by the API server are checked by all)."""
    path = home / JWT_SECRET_FILE
    if not path.exists():
        write_private(path, secrets.token_hex(64))
    return path.read_text(encoding="utf-8").strip()
