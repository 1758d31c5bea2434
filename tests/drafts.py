"""A SQLite warehouse holding the sample deliveries, and the drafts made from it, for the
tests of the DOCX, verify and diff."""

from __future__ import annotations

import shutil
from pathlib import Path

from deptstats.core.registry import Registry
from deptstats.core.settings import DEFAULT_REPLY
from deptstats.indicators.compute import compute_indicators
from deptstats.reply.drafting import draft_reply
from deptstats.warehouse.engine import open_engine
from deptstats.warehouse.schema import ensure_schema
from tests.helpers import load_all


def loaded_warehouse(folder: Path, sample_dir: Path, registry: Registry) -> tuple[str, Path]:
    """(warehouse URL, landing folder) with every sample delivery published."""
    landing = folder / "landing"
    shutil.copytree(sample_dir, landing)
    url = f"sqlite:///{folder / 'warehouse.db'}"
    engine = open_engine(url)
    ensure_schema(engine, registry)
    outcomes = load_all(engine, landing, registry)
    assert {o.status for o in outcomes} == {"published"}
    compute_indicators(engine, registry)
    engine.dispose()
    return url, landing


def draft(url: str, out: Path, registry: Registry, code: str = DEFAULT_REPLY):
    engine = open_engine(url, write=False)
    try:
        return draft_reply(engine, out, code, registry)
    finally:
        engine.dispose()


def redeliver_prepregnancy_checks(landing: Path) -> Path:
    """The health commission corrects one town's count: 浒山街道 checked 800, not 795."""
    path = landing / "health" / "prepregnancy_checks_2023.csv"
    text = path.read_bytes().decode("gbk")
    assert "浒山街道,944,795" in text
    path.write_bytes(text.replace("浒山街道,944,795", "浒山街道,944,800").encode("gbk"))
    return path
