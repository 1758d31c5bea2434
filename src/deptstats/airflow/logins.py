"""The UI's logins and the components' shared secret, kept in the Airflow home folder.

SimpleAuthManager reads passwords from its own JSON file (user -> password). We write that file
before any component starts, so Airflow never generates (and prints) passwords itself, and we
show them only on the start that created them."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

# user -> SimpleAuthManager role: the steward may clear tasks (op), the analyst only reads. The
# approver answers the sign-off's approvals (role user: the least that may answer one, and it may
# also trigger and clear runs); `signoff` is the sign-off DAG's own login, with which a task ends
# the approval of a superseded snapshot through the REST API.
USERS = {"admin": "admin", "steward": "op", "analyst": "viewer", "approver": "user", "signoff": "user"}
# the logins assigned to every approval (DEPTSTATS_APPROVERS)
APPROVERS = ("approver",)
SIGNOFF_LOGIN = "signoff"
PASSWORDS_FILE = "simple_auth_manager_passwords.json.generated"
JWT_SECRET_FILE = "jwt_secret"


@dataclass(frozen=True)
class Logins:
    passwords_file: Path
    passwords: dict[str, str]
    created: list[str]  # users whose password this start created

    def users_setting(self) -> str:
        """AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS."""
        return ",".join(f"{user}:{role}" for user, role in USERS.items())


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def ensure_logins(home: Path) -> Logins:
    """Passwords of USERS, creating those missing; existing ones are kept as they are."""
    path = home / PASSWORDS_FILE
    passwords: dict[str, str] = {}
    if path.exists() and path.read_text(encoding="utf-8").strip():
        passwords = json.loads(path.read_text(encoding="utf-8"))
    created = [user for user in USERS if user not in passwords]
    for user in created:
        passwords[user] = secrets.token_urlsafe(12)
    if created:
        _write_private(path, json.dumps(passwords) + "\n")
    return Logins(path, passwords, created)


def jwt_secret(home: Path) -> str:
    """One secret for every component (tokens signed by the API server are checked by all)."""
    path = home / JWT_SECRET_FILE
    if not path.exists():
        _write_private(path, secrets.token_hex(64))
    return path.read_text(encoding="utf-8").strip()
