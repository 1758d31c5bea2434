"""Who to write to in each department: a deployment file outside the repository (names and
addresses are the office's, not the code's), named by $DEPTSTATS_CONTACTS, one table per
department of the registry:

    [health]
    name = "张三"
    email = "zhangsan@example.gov.cn"
    language = "zh_CN"   # optional: the language of the notices it reads (default the deployment's)
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from deptstats.core.i18n import language_of
from deptstats.core.registry import Registry

CONTACTS_SETTING = "DEPTSTATS_CONTACTS"
KEYS = {"name", "email", "language"}
# one @, no blanks or angle brackets, a dot in the domain: the shape of an address, not its proof
EMAIL = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+")


class ContactsError(ValueError):
    """The contacts file is missing, unreadable or wrong; the message names the file and entry."""


@dataclass(frozen=True)
class Contact:
    department: str
    name: str
    email: str
    language: str | None = None  # None: the deployment's


def contacts_path() -> Path | None:
    """$DEPTSTATS_CONTACTS, or None when the deployment names no contacts file."""
    configured = os.environ.get(CONTACTS_SETTING, "").strip()
    return Path(configured) if configured else None


def _contact(where: str, department: str, entry: object) -> Contact:
    if not isinstance(entry, dict):
        raise ContactsError(f"{where}: {department} must be a table with name and email")
    unknown = sorted(set(entry) - KEYS)
    if unknown:
        raise ContactsError(f"{where}: [{department}] has unknown key(s) {', '.join(unknown)}")
    name, email, language = entry.get("name"), entry.get("email"), entry.get("language")
    if not isinstance(name, str) or not name.strip():
        raise ContactsError(f"{where}: [{department}] needs a name")
    if not isinstance(email, str) or not EMAIL.fullmatch(email.strip()):
        raise ContactsError(f"{where}: [{department}] email {email!r} is not an e-mail address")
    if language is not None and (not isinstance(language, str) or language_of(language) is None):
        raise ContactsError(f"{where}: [{department}] language {language!r}: give zh_CN or en")
    return Contact(department, name.strip(), email.strip(), language_of(language) if language else None)


def load_contacts(registry: Registry, path: Path | None = None) -> dict[str, Contact]:
    """The contacts by department, from `path` (default $DEPTSTATS_CONTACTS; {} when neither
    names a file). ContactsError for a file that cannot be read, a department not in the registry,
    a missing name or an address of the wrong shape."""
    path = path or contacts_path()
    if path is None:
        return {}
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as error:
        raise ContactsError(f"{CONTACTS_SETTING}={path}: cannot read it ({error.strerror})") from None
    except tomllib.TOMLDecodeError as error:
        raise ContactsError(f"{path}: not TOML: {error}") from None
    known = {d.code for d in registry.departments}
    contacts = {}
    for department, entry in data.items():
        if department not in known:
            raise ContactsError(
                f"{path}: [{department}] is no department of the registry ({', '.join(sorted(known))})"
            )
        contacts[department] = _contact(str(path), department, entry)
    return contacts
