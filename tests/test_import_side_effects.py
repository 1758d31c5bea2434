"""Importing deptstats changes nothing around it: no module of the package, the DAG file or the
plugin sets an environment variable or touches the root logger (its level, its handlers, their
filters) when imported. Each is imported in turn in a fresh process, as a host would."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REPO

SOURCE = REPO / "src"
# Variables the package has set when imported: gone from the child's environment, so that a
# module setting one (with setdefault) shows.
WATCHED = ("OPENPYXL_LXML", "GX_ANALYTICS_ENABLED")
# deptstats.validation still sets this one when imported (test_validation_sets_no_variable)

IMPORT_EACH = """
import importlib, importlib.util, json, logging, os, sys
from pathlib import Path

import airflow.sdk  # noqa: F401  Airflow sets up logging when first imported: not ours to judge

root = logging.getLogger()
if not root.handlers:
    root.addHandler(logging.StreamHandler())  # a host's handler, which no module may touch


def state():
    return {
        "environ": dict(os.environ),
        "level": root.level,
        "handlers": [[repr(h), [repr(f) for f in h.filters]] for h in root.handlers],
    }


changes = {}
for target in sys.argv[1:]:
    before = state()
    if target.endswith(".py"):
        spec = importlib.util.spec_from_file_location(Path(target).stem, target)
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    else:
        importlib.import_module(target)
    after = state()
    names = sorted(before["environ"].keys() | after["environ"].keys())
    changed = {
        "environ": {n: [before["environ"].get(n), after["environ"].get(n)] for n in names
                    if before["environ"].get(n) != after["environ"].get(n)},
        "root logger": {k: [before[k], after[k]] for k in ("level", "handlers") if before[k] != after[k]},
    }
    changed = {k: v for k, v in changed.items() if v}
    if changed:
        changes[target] = changed
print(json.dumps(changes))
"""


def package_modules() -> list[str]:
    """Every module of src/deptstats, by its dotted name; the migrations are alembic's scripts,
    run by alembic, never imported, and a `__main__` runs its command when imported."""
    modules = []
    for path in sorted((SOURCE / "deptstats").rglob("*.py")):
        parts = path.relative_to(SOURCE).with_suffix("").parts
        if "migrations" not in parts and parts[-1] != "__main__":
            modules.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules


def changes_on_import(targets: list[str], tmp_path) -> dict:
    env = {name: value for name, value in os.environ.items() if name not in WATCHED}
    env |= {"AIRFLOW_HOME": str(tmp_path / "airflow"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH, *targets],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_sets_no_variable_and_leaves_logging_alone(tmp_path):
    targets = [
        *package_modules(),
        str(REPO / "dags" / "deptstats_nightly.py"),
        str(REPO / "dags" / "deptstats_reload.py"),
        str(REPO / "plugins" / "deptstats_steward.py"),
    ]
    assert len(targets) > 50
    changes = changes_on_import(targets, tmp_path)
    assert {target: change for target, change in changes.items() if any(change.values())} == {}
