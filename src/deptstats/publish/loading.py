"""Load one extract's delivered files: read, validate, and publish each new or changed file.

Each file is one transaction keyed on (file, sha256): its delivery row, load batch, validation
results, problems and, when it passes, the replacement of that extract and period's published
rows. A crash leaves the warehouse as it was before the file; a rejected file never touches what
was published.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from deptstats.core import N_, TEXTS, Registry, render, settle_seconds
from deptstats.ingest import Delivery, FileRenewed, FileReplaced, deliveries_of, readers, sha256_of
from deptstats.publish.file_outcome import ExtractRejected, FileOutcome
from deptstats.publish.file_reading import CheckedAgainst, FileChanged, Fingerprinted, open_file
from deptstats.publish.recording import record
from deptstats.publish.standing import done_already, known_delivery, reference_state
from deptstats.publish.unloaded import arriving, refuse, unread
from deptstats.warehouse import fault_of, metadata_for

log = logging.getLogger(__name__)

# SQLite keeps a decimal amount as a double: 15 significant digits survive exactly.
EXACT_DIGITS = {"sqlite": 15}


def _duplicate_periods(deliveries: list[Delivery]) -> dict[str, list[Delivery]]:
    by_period: dict[str, list[Delivery]] = defaultdict(list)
    for delivery in deliveries:
        by_period[delivery.period.code].append(delivery)
    return {p: ds for p, ds in by_period.items() if len(ds) > 1}


def _still_written(delivery: Delivery, settle: float, now: float) -> str | None:
    """Why a file modified less than `settle` seconds before `now` is left for the next run;
    None if it has settled. A file dated further ahead than the settle time comes from a
    clock that is ahead, not from a writer still at work: it is not held back (the check
    after reading still is)."""
    if (
        delivery.problem is not None
        or not delivery.modified_after(now - settle)
        or delivery.modified_after(now + settle)
    ):
        return None
    return render(
        N_(
            "{file} is still being written (modified less than the settle time of {settle} s "
            "ago); not loaded: it will be loaded on the next run once it stops changing"
        ),
        file=delivery.relative,
        settle=f"{settle:g}",
    )


def load_extract(
    engine: Engine,
    landing: Path,
    extract_code: str,
    run_id: str,
    registry: Registry,
    settle: float | None = None,
    scanned: list[Delivery] | None = None,
) -> list[FileOutcome]:
    """Process every delivered file of one extract; raise ExtractRejected if any is refused
    (after the others are published). A file modified less than `settle` seconds before
    (default: settle_seconds()) is left for a later run, as is one that changes while it is
    read. `scanned`: the landing folder as scanned already."""
    tables = metadata_for(registry).tables
    deliveries = deliveries_of(landing, registry, extract_code, scanned=scanned)
    duplicates = _duplicate_periods(deliveries)
    settle = settle_seconds() if settle is None else settle
    now = time.time()
    outcomes: list[FileOutcome] = []
    crashes: list[BaseException] = []
    for delivery in deliveries:
        try:
            still_written = _still_written(delivery, settle, now)
            if still_written is not None:
                outcomes.append(arriving(engine, tables, delivery, still_written))
                continue
            try:
                outcomes.append(_load_one(engine, tables, delivery, duplicates, run_id, registry))
            except Exception:
                if delivery.identity is None or not delivery.changed_since_scan():
                    raise
                # what was read was a part (a reader may fail on a cut character): the file
                # is still being written
                outcomes.append(arriving(engine, tables, delivery, str(FileChanged(delivery.relative))))
        except Exception as crash:  # not the file's fault: finish the others, then report
            fault = fault_of(crash, engine.url.render_as_string(hide_password=False), delivery.relative)
            if fault is not None:  # the warehouse's: every other file would fail alike
                fault.outcomes = outcomes
                raise fault from crash
            log.exception("loading %s failed", delivery.relative)
            crashes.append(crash)
    if crashes:
        # what became of the other files is recorded against the run all the same (a retry
        # finds those it published already published)
        crashes[0].outcomes = outcomes
        raise crashes[0]
    if any(o.status == "rejected" for o in outcomes):
        raise ExtractRejected(outcomes)
    return outcomes


def _load_one(
    engine: Engine,
    tables: Any,
    delivery: Delivery,
    duplicates: dict[str, list[Delivery]],
    run_id: str,
    registry: Registry,
) -> FileOutcome:
    if delivery.problem is not None:
        told = render(N_("{file} {problem}"), file=delivery.relative, problem=delivery.problem.text())
        return refuse(engine, tables, delivery, told)
    if delivery.period.code in duplicates:
        others = [d.relative for d in duplicates[delivery.period.code] if d is not delivery]
        return refuse(
            engine,
            tables,
            delivery,
            render(
                TEXTS["two_files"],
                extract=delivery.extract.code,
                period=delivery.period.code,
                others=", ".join(others),
            ),
        )
    try:
        if readers.streams(delivery.path):
            readers.reuse_arrow_memory()
            data, sha256 = None, delivery.fingerprint()
        else:
            data = delivery.read()
            sha256 = sha256_of(data)
    except FileRenewed as renewed:  # renamed into place since the scan: the next run reads it
        return arriving(engine, tables, delivery, str(renewed))
    except (FileReplaced, FileNotFoundError, PermissionError) as gone:
        return refuse(engine, tables, replace(delivery, unreadable=True), unread(delivery, gone).text())
    try:
        return _load_bytes(engine, tables, delivery, data, sha256, run_id, registry)
    except FileChanged as changed:  # rolled back: nothing of it is recorded but this
        return arriving(engine, tables, delivery, str(changed))


def _load_bytes(
    engine: Engine,
    tables: Any,
    delivery: Delivery,
    data: bytes | None,
    sha256: str,
    run_id: str,
    registry: Registry,
) -> FileOutcome:
    """The file's bytes as fingerprinted (`data`: None for a large CSV, read as a stream): the
    outcome that still stands for them, or a new one."""
    if delivery.changed_since_scan() or (data is not None and len(data) != delivery.size):
        raise FileChanged(delivery.relative)
    with engine.begin() as conn:
        # an outcome stands while what it depended on stands: the same bytes and, for the
        # cross-extract rule, the same publication of the referenced extract
        reference_batch_id, references = reference_state(
            conn, delivery.extract, delivery.period.code, registry
        )
        known = known_delivery(conn, tables, delivery, sha256)
        reused = (
            None
            if known is None
            else done_already(conn, tables, known, delivery, sha256, reference_batch_id, run_id)
        )
    if reused is not None:
        return reused
    # New or changed bytes: the first chunk (for most files the whole file) is read and
    # validated outside any transaction; a large file's other chunks inside the
    # publishing one, which checks the file is still as scanned before it commits.
    size = len(data) if data is not None else delivery.path.stat().st_size
    content = Fingerprinted(delivery, size, sha256, data)
    basis = CheckedAgainst(
        registry,
        reference_batch_id,
        references,
        EXACT_DIGITS.get(engine.dialect.name),
    )
    opened = open_file(content, basis)
    with engine.begin() as conn:
        return record(conn, content, basis, opened, run_id)
