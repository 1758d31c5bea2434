"""A sample contacts file for the demo (the deployment's own lives outside the repository and is
named by $DEPTSTATS_CONTACTS): one made-up statistics liaison per department, at addresses of
the reserved example.org domain, so that no demo ever writes to a real person."""

from __future__ import annotations

from pathlib import Path

from deptstats.core import Registry

# made-up people: department -> name
NAMES = {
    "health": "王芳",
    "education": "李静",
    "housing_fund": "张伟",
    "hrss": "刘洋",
    "civil_affairs": "陈晨",
}


def write_sample_contacts(path: Path, registry: Registry) -> Path:
    """Write one contact per department of the registry to `path` (TOML) and return it."""
    lines = [
        "# Sample department contacts for the demo: made-up people at example.org. A deployment",
        "# keeps its own file outside the repository and names it in DEPTSTATS_CONTACTS.",
    ]
    for department in registry.departments:
        name = NAMES.get(department.code, f"{department.name}联络员")
        lines += [
            "",
            f"# {department.name}",
            f"[{department.code}]",
            f'name = "{name}"',
            f'email = "{department.code.replace("_", "-")}.stats@example.org"',
            'language = "zh_CN"',
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
