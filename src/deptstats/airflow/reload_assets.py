"""What the reload DAG is scheduled on, read when the DAG file is parsed (nothing heavy here):
one asset per department, `x-deptstats://landing/<department>`, and which extracts a run's
asset events ask to reload.

An event comes from an upload (announce_delivery: its extra names the extract and period) or
from the department's `.ready` flag: a department copying files into <landing>/<department>/
writes that flag when the copy is done, and a watcher in the triggerer (the standard provider's
FileDeleteTrigger) deletes it and emits the department's event. The watcher's path is fixed when
the DAG file is parsed, from DEPTSTATS_LANDING; without it there is no watcher (uploads still
announce)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from airflow.sdk import Asset, AssetWatcher

from deptstats.core import Registry

RELOAD_DAG_ID = "deptstats_reload"
READY_FLAG = ".ready"
LANDING_SCHEME = "x-deptstats://landing/"
# seconds between two looks for a flag, one cheap stat per department
READY_POKE_SECONDS = 5.0


def department_asset(department: str, landing: Path | None = None) -> Asset:
    """The asset of a department's deliveries; with `landing`, watched for its `.ready` flag.
    Airflow knows an asset by its name and URI: the watcher is no part of that."""
    watchers = []
    if landing is not None:
        # the trigger deletes what it matches: it watches the flag, never a delivered file
        from airflow.providers.standard.triggers.file import FileDeleteTrigger

        flag = landing / department / READY_FLAG
        trigger = FileDeleteTrigger(filepath=str(flag), poke_interval=READY_POKE_SECONDS)
        watchers.append(AssetWatcher(name=f"deptstats_ready_{department}", trigger=trigger))
    return Asset(
        name=f"deptstats_landing_{department}",
        uri=f"{LANDING_SCHEME}{department}",
        group="deptstats",
        watchers=watchers,
    )


def landing_at_parse() -> Path | None:
    """The landing folder as the deployment sets it (DEPTSTATS_LANDING), or None."""
    value = os.environ.get("DEPTSTATS_LANDING", "").strip()
    return Path(value).resolve() if value else None


def department_assets(registry: Registry, landing: Path | None = None) -> list[Asset]:
    """Every department's asset, watched for `.ready` under `landing` (default: DEPTSTATS_LANDING)."""
    landing = landing if landing is not None else landing_at_parse()
    return [department_asset(d.code, landing) for d in registry.departments]


def department_of(uri: str) -> str | None:
    """The department an asset URI names, or None when it is no department's asset."""
    if not uri.startswith(LANDING_SCHEME):
        return None
    return uri[len(LANDING_SCHEME) :].strip("/") or None


def extracts_to_reload(events: Iterable[tuple[str, Mapping[str, Any]]], registry: Registry) -> list[str]:
    """The extract codes a run reloads, from its events (asset URI, extra): the extract an event
    names (an upload), else every extract of its department (a `.ready` flag, or an event that
    names none); then every extract checked against one of those (its outcome stood on the other's
    publication). In the registry's order, an extract after the one it is checked against."""
    wanted: set[str] = set()
    departments = {d.code for d in registry.departments}
    for uri, extra in events:
        department = department_of(uri)
        if department not in departments:
            continue
        named = (extra or {}).get("extract")
        mine = {e.code for e in registry.extracts_of(department)}
        # an extract of another department never reloads through this one's event
        wanted |= {named} if isinstance(named, str) and named in mine else mine
    grew = True
    while grew:
        checked = {e.code for e in registry.extracts if e.references and e.references.extract in wanted}
        grew = not checked <= wanted
        wanted |= checked
    return ordered([e.code for e in registry.extracts if e.code in wanted], registry)


def ordered(codes: list[str], registry: Registry) -> list[str]:
    """`codes`, each after the extract it is checked against (when that one is among them)."""
    done: list[str] = []

    def place(code: str) -> None:
        if code in done:
            return
        reference = registry.extract(code).references
        if reference is not None and reference.extract in codes:
            place(reference.extract)
        done.append(code)

    for code in codes:
        place(code)
    return done
