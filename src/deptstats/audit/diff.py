"""What changed between two drafts, or two warehouse states, and why.

A side is a draft (.md or .docx: its figures found as `verify` finds them, their provenance
from the <reply>.provenance.json written beside it), a warehouse (a URL or SQLite file: every
figure, citywide and per area, with the delivery behind it), or one warehouse as it stood after
load batch N (deptstats.audit.batch_states). For each figure that differs the cause names the
deliveries: which file and sha256 replaced which, in which load batch, and how many rows
changed (counted row by row between two warehouses; recorded when published between two
batches of one)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from deptstats.audit.batch_states import (
    NOT_COMPUTED,
    NOT_KEPT,
    between,
    figures_as_of,
    is_batch,
    resolve,
)
from deptstats.audit.find_figures import figures_in
from deptstats.core import Registry
from deptstats.publish import as_text, counted, describe, period_rows

Key = tuple[str, str, str | None]
DRAFT_SUFFIXES = (".md", ".docx")


@dataclass
class Side:
    label: str
    values: dict[Key, str]
    sources: dict[Key, dict[str, Any]] = field(default_factory=dict)
    engine: Engine | None = None
    batch_id: int | None = None  # a state of one warehouse after this load batch
    # (extract, period) -> the standing publication whose figures were never computed
    uncomputed: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def shown(self, key: Key, registry: Registry) -> str:
        if key in self.values:
            return self.values[key]
        if (registry.indicator(key[0]).extract, key[1]) in self.uncomputed:
            return NOT_COMPUTED
        return "(absent)"


def known(key: Key, registry: Registry) -> bool:
    """An indicator the registry still has (history may hold values of one since removed)."""
    return any(i.code == key[0] for i in registry.indicators)


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
    # beside the draft under its own name (an INCOMPLETE draft has its own), else the reply's
    provenance = path.with_name(f"{path.name[: -len(path.suffix)]}.provenance.json")
    if not provenance.is_file():
        provenance = path.with_name(f"{code}.provenance.json")
    if provenance.is_file():
        for item in json.loads(provenance.read_text(encoding="utf-8"))["figures"]:
            if item["sha256"]:
                sources[(item["indicator"], item["period"], item["area"])] = item
    return Side(str(path), values, sources)


def warehouse_side(url: str) -> Side:
    from deptstats.indicators import figures_by_key
    from deptstats.warehouse import normalize_url, open_engine, redact

    engine = open_engine(normalize_url(url), write=False)
    records = figures_by_key(engine)
    return Side(redact(normalize_url(url)), {k: r["display"] for k, r in records.items()}, records, engine)


def batch_side(engine: Engine, label: str, batch_id: int) -> Side:
    values, sources, uncomputed = {}, {}, {}
    for record in figures_as_of(engine, batch_id):
        if record["indicator"] is None:
            uncomputed[(record["extract"], record["period"])] = record
            continue
        key = (record["indicator"], record["period"], record["area"])
        values[key], sources[key] = record["display"], record
    return Side(f"{label} after batch {batch_id}", values, sources, engine, batch_id, uncomputed)


def side_of(argument: str, registry: Registry, warehouse: Engine | None = None, label: str = "") -> Side:
    """A draft, a warehouse, or (a batch number or `latest`) a state of `warehouse`."""
    if warehouse is not None and is_batch(argument):
        return batch_side(warehouse, label, resolve(warehouse, argument))
    return draft_side(Path(argument), registry) if is_draft(argument) else warehouse_side(argument)


def rows_changed(old: Side, new: Side, indicator: str, period: str, registry: Registry) -> str:
    """Rows of the extract's period in two warehouses, compared as whole rows."""
    from deptstats.warehouse import metadata_for

    extract = registry.extract(registry.indicator(indicator).extract)
    table = metadata_for(registry).tables[extract.table]
    counts = []
    for side in (old, new):
        with side.engine.connect() as conn:
            counts.append(as_text(period_rows(conn, table, period, typed=True)))
    return describe(*counted(counts[0], counts[1]))


def cause(old: Side, new: Side, key: Key, registry: Registry) -> str:
    before, after = old.sources.get(key), new.sources.get(key)
    if old.batch_id is not None and new.batch_id is not None:
        return _between_batches(old, new, key, registry)
    if before is None or after is None:
        missing = old.label if before is None else new.label
        return f"cause unknown: no provenance for this figure in {missing}"
    if before["sha256"] == after["sha256"]:
        return (
            f"same delivery {after['file']} (sha256 {after['sha256'][:12]}…, "
            f"batch {after['batch_id']}): the document was edited"
        )
    if old.engine is not None and new.engine is not None:
        rows = rows_changed(old, new, key[0], key[1], registry)
    else:
        rows = f"rows {before['source_rows']} → {after['source_rows']}"
    return (
        f"{after['file']} (sha256 {after['sha256'][:12]}…, batch {after['batch_id']}) "
        f"replaced {before['file']} (sha256 {before['sha256'][:12]}…, batch "
        f"{before['batch_id']}); {rows}"
    )


def _between_batches(old: Side, new: Side, key: Key, registry: Registry) -> str:
    """Both sides are states of one warehouse: the publications between them, told forwards
    (from the earlier batch to the later, whichever side that is)."""
    extract = registry.indicator(key[0]).extract
    before, after = (side.sources.get(key) or side.uncomputed.get((extract, key[1])) for side in (old, new))
    backwards = old.batch_id > new.batch_id
    if backwards:
        before, after = after, before
    latest = old if backwards else new
    if after is None:
        return f"no publication of {extract} {key[1]} stands after batch {latest.batch_id}"
    text = between(new.engine, before, after)
    if (extract, key[1]) in latest.uncomputed:
        text += f"; {NOT_KEPT}"
    return ("going back: " if backwards else "") + text


def diff(
    old_argument: str,
    new_argument: str,
    registry: Registry,
    warehouse: Engine | None = None,
    label: str = "",
) -> list[Change]:
    """Figures that differ between two sides; with `warehouse`, a batch number (or `latest`)
    names the state of that warehouse after the batch."""
    old = side_of(old_argument, registry, warehouse, label)
    new = side_of(new_argument, registry, warehouse, label)
    return compare(old, new, registry)


def _delivery_of(source: dict[str, Any] | None) -> tuple[Any, ...] | None:
    return None if source is None else (source["file"], source["sha256"], source["batch_id"])


def compare(old: Side, new: Side, registry: Registry) -> list[Change]:
    changes = []
    # A cause depends on the extract, the period and the deliveries behind the two values, not
    # on the area: every area of a re-delivered extract shares one (and one count of rows).
    causes: dict[tuple[Any, ...], str] = {}
    keys = {key for key in set(old.values) | set(new.values) if known(key, registry)}
    for key in sorted(keys, key=lambda k: (k[0], k[1], k[2] is not None, k[2] or "")):
        before, after = old.shown(key, registry), new.shown(key, registry)
        if before != after:
            reason = (
                registry.indicator(key[0]).extract,
                key[1],
                _delivery_of(old.sources.get(key)),
                _delivery_of(new.sources.get(key)),
            )
            if reason not in causes:
                causes[reason] = cause(old, new, key, registry)
            changes.append(Change(key, registry.indicator(key[0]).name, before, after, causes[reason]))
    return changes


def rows_for_table(changes: list[Change]) -> list[dict[str, str]]:
    return [
        {
            "indicator": f"{c.name} ({c.key[0]})",
            "period": c.key[1],
            "area": c.key[2] or "全市",
            "old": c.old,
            "new": c.new,
            "cause": c.cause,
        }
        for c in changes
    ]


FIGURES_PER_LINE = 8


def changed_by_run(engine: Engine, run_id: str, registry: Registry) -> list[str]:
    """changed_by for every batch an Airflow run published (a run id is never reused)."""
    from deptstats.indicators import query

    return changed_by(
        engine, [row["batch_id"] for row in query(engine, "run_replacements", run_id=run_id)], registry
    )


def changed_by(engine: Engine, batch_ids: list[int], registry: Registry) -> list[str]:
    """For each of these batches that replaced a publication: a line with the figures it
    changed and why (the nightly's log, `deptstats load`)."""
    from deptstats.audit.batch_states import batch_line, replaced_rows, replacing
    from deptstats.warehouse import metadata_for

    lines = []
    for batch_id in replacing(engine, batch_ids, metadata_for(registry)):
        found = compare(batch_side(engine, "", batch_id - 1), batch_side(engine, "", batch_id), registry)
        if not found:
            lines.append(
                f"{batch_line(engine, batch_id)}: no figure changed; {replaced_rows(engine, batch_id)}"
            )
            continue
        shown = [
            f"{c.name} {c.key[1]} {c.key[2] or '全市'} {c.old} → {c.new}" for c in found[:FIGURES_PER_LINE]
        ]
        more = f" and {len(found) - FIGURES_PER_LINE} more" if len(found) > FIGURES_PER_LINE else ""
        lines.append(f"{len(found)} figure(s) changed: {'; '.join(shown)}{more}. Why: {found[0].cause}")
    return lines
