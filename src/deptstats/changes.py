"""What changed between two drafts, or two warehouse states, and why.

A side is a draft (.md or .docx: its figures found as `verify` finds them, their provenance
from the <reply>.provenance.json written beside it) or a warehouse (a URL or SQLite file: every
figure, citywide and per area, with the delivery behind it). For each figure that differs the
cause names the deliveries: which file and sha256 replaced which, in which load batch, and how
many rows changed (counted row by row when both sides are warehouses)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from deptstats.extraction import figures_in
from deptstats.registry import Registry, load_registry

Key = tuple[str, str, str | None]
DRAFT_SUFFIXES = (".md", ".docx")


@dataclass
class Side:
    label: str
    values: dict[Key, str]
    sources: dict[Key, dict[str, Any]] = field(default_factory=dict)
    engine: Engine | None = None


@dataclass(frozen=True)
class Change:
    key: Key
    name: str
    old: str
    new: str
    cause: str


def is_draft(argument: str) -> bool:
    return Path(argument).suffix.lower() in DRAFT_SUFFIXES


def draft_side(path: Path, registry: Registry) -> Side:
    code, found = figures_in(path, None, registry)
    values = {f.key: f.shown or "(not found)" for f in found}
    sources = {}
    provenance = path.with_name(f"{code}.provenance.json")
    if provenance.is_file():
        for item in json.loads(provenance.read_text(encoding="utf-8"))["figures"]:
            if item["sha256"]:
                sources[(item["indicator"], item["period"], item["area"])] = item
    return Side(str(path), values, sources)


def warehouse_side(url: str) -> Side:
    from deptstats.reports import figures
    from deptstats.warehouse import normalize_url, open_engine, redact

    engine = open_engine(normalize_url(url), write=False)
    records = figures(engine)
    return Side(redact(normalize_url(url)),
                {(r["indicator"], r["period"], r["area"]): r["display"] for r in records},
                {(r["indicator"], r["period"], r["area"]): r for r in records}, engine)


def side_of(argument: str, registry: Registry) -> Side:
    return draft_side(Path(argument), registry) if is_draft(argument) else warehouse_side(argument)


def rows_changed(old: Side, new: Side, indicator: str, period: str,
                 registry: Registry) -> str:
    """Rows of the extract's period, compared as whole rows (batch and row number aside)."""
    from deptstats.warehouse import metadata_for

    extract = registry.extract(registry.indicator(indicator).extract)
    table = metadata_for(registry).tables[extract.table]
    columns = [c for c in table.columns if c.name not in ("batch_id", "source_row")]
    counts = []
    for side in (old, new):
        with side.engine.connect() as conn:
            rows = conn.execute(select(*columns).where(table.c.period == period)).all()
        counts.append(Counter(tuple(str(v) for v in row) for row in rows))
    added, removed = sum((counts[1] - counts[0]).values()), sum((counts[0] - counts[1]).values())
    return (f"rows changed: {added} only in the new delivery, {removed} only in the old "
            "(an edited row counts in both)")


def cause(old: Side, new: Side, key: Key, registry: Registry) -> str:
    before, after = old.sources.get(key), new.sources.get(key)
    if before is None or after is None:
        missing = old.label if before is None else new.label
        return f"cause unknown: no provenance for this figure in {missing}"
    if before["sha256"] == after["sha256"]:
        return (f"same delivery {after['file']} (sha256 {after['sha256'][:12]}…, "
                f"batch {after['batch_id']}): the document was edited")
    if old.engine is not None and new.engine is not None:
        rows = rows_changed(old, new, key[0], key[1], registry)
    else:
        rows = f"rows {before['source_rows']} → {after['source_rows']}"
    return (f"{after['file']} (sha256 {after['sha256'][:12]}…, batch {after['batch_id']}) "
            f"replaced {before['file']} (sha256 {before['sha256'][:12]}…, batch "
            f"{before['batch_id']}); {rows}")


def diff(old_argument: str, new_argument: str,
         registry: Registry | None = None) -> list[Change]:
    registry = registry or load_registry()
    old, new = side_of(old_argument, registry), side_of(new_argument, registry)
    changes = []
    for key in sorted(set(old.values) | set(new.values),
                      key=lambda k: (k[0], k[1], k[2] is not None, k[2] or "")):
        before, after = old.values.get(key, "(absent)"), new.values.get(key, "(absent)")
        if before != after:
            changes.append(Change(key, registry.indicator(key[0]).name, before, after,
                                  cause(old, new, key, registry)))
    return changes


def rows_for_table(changes: list[Change]) -> list[dict[str, str]]:
    return [{"indicator": f"{c.name} ({c.key[0]})", "period": c.key[1],
             "area": c.key[2] or "全市", "old": c.old, "new": c.new, "cause": c.cause}
            for c in changes]
