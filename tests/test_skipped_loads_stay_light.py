"""A nightly over unchanged files must stay quick: a skipped load hashes the file and asks the
warehouse, and imports neither pandas nor Great Expectations (seconds per task otherwise)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from deptstats.warehouse.engine import open_engine
from tests.helpers import load_all

pytestmark = pytest.mark.gx

SCRIPT = """
import json, sys
from pathlib import Path
from deptstats import pipeline
from deptstats.core.registry import load_registry
from deptstats.warehouse.engine import open_engine
engine = open_engine(sys.argv[1])
statuses = []
registry = load_registry()
for extract in registry.extracts:
    statuses += [o.status for o in pipeline.load(engine, Path(sys.argv[2]), extract.code, "again", registry)]
print(json.dumps({"statuses": sorted(set(statuses)),
                  "heavy": sorted(m for m in ("pandas", "great_expectations") if m in sys.modules)}))
"""


def test_a_skipped_load_imports_neither_pandas_nor_gx(tmp_path, landing, registry):
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    from deptstats.warehouse.schema import ensure_schema

    ensure_schema(open_engine(url), registry)
    assert not [o for o in load_all(open_engine(url), landing, registry) if o.status != "published"]
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, url, str(landing)], capture_output=True, text=True, check=True
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"statuses": ["skipped"], "heavy": []}
