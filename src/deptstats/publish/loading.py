"""Load one extract's delivered files: read, validate, and publish each new or changed file.

Each file is one transaction keyed on (file, sha256): its delivery row, load batch, validation
results, problems and, when it passes, the replacement of that extract and period's published
rows. A crash leaves the warehouse as it was before the file; a rejected file never touches what
was published.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, delete, select, update

from deptstats.core import TUNING, Extract, Registry, load_registry, settle_seconds
from deptstats.ingest import (
    Delivery,
    FileRenewed,
    FileReplaced,
    IrregularCsv,
    RawTable,
    ReadError,
    deliveries_of,
    iter_tables,
    read_file,
    readers,
    sha256_of,
)
from deptstats.publish.bookkeeping import (
    Batch,
    audit_publication,
    finish_delivery,
    publish,
    record_validation,
    start_batch,
)
from deptstats.publish.bulk import RowWriter
from deptstats.publish.file_outcome import ExtractRejected, FileOutcome
from deptstats.publish.row_changes import before_replacing, record_change
from deptstats.publish.unloaded import arriving, refuse, unread
from deptstats.validation import DocsTarget, FileValidation, Problem, ValidationReport, suite_name
from deptstats.warehouse import fault_of, hold_period, metadata_for, utcnow

if TYPE_CHECKING:
    import pandas as pd

EXAMPLES_IN_MESSAGE = 5
log = logging.getLogger(__name__)


def reference_state(
    conn: Connection, extract: Extract, period: str, registry: Registry
) -> tuple[int | None, list[str] | None]:
    """For the cross-extract rule: the batch of the referenced extract's publication for the
    period and the ids it holds, or (None, None) when it is not published (or no rule)."""
    reference = extract.references
    if reference is None:
        return None, None
    tables = metadata_for(registry).tables
    publication = tables["publication"]
    batch_id = conn.execute(
        select(publication.c.batch_id).where(
            publication.c.extract == reference.extract, publication.c.period == period
        )
    ).scalar()
    if batch_id is None:
        return None, None
    other = tables[registry.extract(reference.extract).table]
    return batch_id, [
        value
        for value in conn.execute(select(other.c[reference.other]).where(other.c.period == period)).scalars()
    ]


def _unchecked_reference(extract: Extract, period: str, registry: Registry) -> Problem:
    reference = extract.references
    column = extract.column(reference.column)
    other = registry.extract(reference.extract)
    return Problem(
        "warning",
        f"{column.label} ({column.name}) not checked: {other.name} "
        f"({other.code}) of {period} is not published yet",
        None,
        column.name,
        None,
    )


# ------------------------------------------------------------------ one file


@dataclass
class _Prepared:
    """A file read and validated as far as its first chunk; the rest is read, validated and
    written inside the publishing transaction."""

    delivery: Delivery
    size: int
    sha256: str
    data: bytes | None = None  # None: a large CSV, read as a stream
    hasher: Any = None  # fed the streamed bytes, to check they are the bytes fingerprinted
    validation: FileValidation | None = None
    frame: pd.DataFrame | None = None  # the first chunk's frame (checked if the file is whole)
    rest: Iterator[RawTable] = field(default_factory=lambda: iter(()))
    row_label: str = "row"
    read_error: str | None = None
    reference_batch_id: int | None = None  # the referenced publication validated against
    references: list[str] | None = None
    docs: DocsTarget | None = None
    taken: int = 0  # rows the database reports having taken
    unwritable: int = 0  # cells written empty because they could not be stored
    exact_digits: int | None = None  # significant digits the warehouse keeps exactly


# SQLite keeps a decimal amount as a double: 15 significant digits survive exactly.
EXACT_DIGITS = {"sqlite": 15}


def _prepare(
    delivery: Delivery,
    data: bytes | None,
    sha256: str,
    registry: Registry,
    reference: tuple[int | None, list[str] | None],
    docs_dir: Path | None,
    exact_digits: int | None = None,
) -> _Prepared:
    reference_batch_id, references = reference
    size = len(data) if data is not None else delivery.path.stat().st_size
    prepared = _Prepared(
        delivery,
        size,
        sha256,
        data,
        reference_batch_id=reference_batch_id,
        references=references,
        exact_digits=exact_digits,
    )
    if docs_dir is not None:
        # one small site per delivered content: GX rewrites a site whole on every build
        extract = delivery.extract
        prepared.docs = DocsTarget(
            docs_dir / extract.department / extract.code / sha256[:16], delivery.relative, docs_dir / "static"
        )
    _start(prepared, registry)
    return prepared


def _start(prepared: _Prepared, registry: Registry, whole: bool = False) -> None:
    """Read and check the first chunk (`whole`: the file in one piece, row by row if need
    be)."""
    delivery = prepared.delivery
    prepared.validation = FileValidation(
        delivery.extract,
        delivery.period,
        registry,
        prepared.references,
        prepared.docs,
        exact_digits=prepared.exact_digits,
    )
    chunks: Iterator[RawTable] | None = None
    try:
        if not whole and prepared.data is None:
            prepared.hasher = hashlib.sha256()
            chunks = iter_tables(
                delivery.path, delivery.extract, hasher=prepared.hasher, opener=delivery.open
            )
            try:
                first = next(chunks)
            except IrregularCsv:  # not regular enough to stream: read it row by row
                chunks = None
        if chunks is None:
            prepared.hasher = None  # _whole_bytes checks the fingerprint
            first = read_file(delivery.path, delivery.extract, _whole_bytes(prepared))
            chunks = iter(())
    except ReadError as error:
        prepared.read_error = str(error)
        return
    except FileRenewed:
        raise FileChanged(delivery.relative) from None
    except (FileReplaced, FileNotFoundError, PermissionError) as gone:
        prepared.read_error = unread(delivery, gone)
        return
    prepared.row_label = first.row_label
    prepared.frame = prepared.validation.frame(first)
    if first.final:  # a file in one piece is checked before the transaction opens
        prepared.validation.check()
    prepared.rest = chunks


def _whole_bytes(prepared: _Prepared) -> bytes:
    if prepared.data is None:
        data = prepared.delivery.read()
        if sha256_of(data) != prepared.sha256:
            raise FileChanged(prepared.delivery.relative)
        prepared.data = data
    return prepared.data


class FileChanged(RuntimeError):
    """The file changed between the scan and the end of its reading (still being written):
    nothing of it is written, and the next run loads it once it stops changing."""

    def __init__(self, file: str):
        super().__init__(
            f"{file} was still being written while it was read (it changed after "
            "the landing folder was scanned); nothing was loaded from it: it will "
            "be loaded on the next run once it stops changing"
        )


def _write_rows(conn: Connection, prepared: _Prepared, target: Any, batch_id: int, registry: Registry) -> int:
    """Inside a savepoint: replace the period's rows by the file's, reading and validating the
    remaining chunks as they are written (nothing more is written once an error is found).
    Returns the rows written; the caller rolls back to the savepoint if the file fails."""
    delivery = prepared.delivery
    for attempt in ("stream", "whole"):
        validation = prepared.validation
        # an inner savepoint: a COPY cut short leaves a PostgreSQL transaction unusable
        # until rolled back to before it
        this_attempt = conn.begin_nested()  # the period is locked already (_write_audit)
        conn.execute(delete(target).where(target.c.period == delivery.period.code))
        try:
            with RowWriter(conn, target, delivery.extract, delivery.period.code, batch_id) as writer:
                # Chunks are written as they are read, so the server takes in rows from the
                # start, and checked TUNING.check_rows at a time while it does (a GX run costs
                # about the same for any number of rows). Once a check fails nothing more
                # is written; the caller rolls back what was.
                if not validation.has_errors:
                    writer.write(prepared.frame)
                prepared.frame = None
                for chunk in prepared.rest:
                    frame = validation.frame(chunk)
                    if not validation.has_errors:
                        writer.write(frame)
                    if validation.unchecked_rows >= TUNING.check_rows and not chunk.final:
                        validation.check()
                frame = chunk = None  # not held while the last rules run
                validation.check_file()  # the last chunks too, while the server takes them in
        except IrregularCsv:
            this_attempt.rollback()
            if attempt == "whole":
                raise
            # a ragged row deep in a large CSV: start again with the row-by-row reader
            _start(prepared, registry, whole=True)
            if prepared.read_error is not None:
                return 0
            continue
        except ReadError as error:
            this_attempt.rollback()
            prepared.read_error = str(error)
            return 0
        if prepared.hasher is not None and prepared.hasher.hexdigest() != prepared.sha256:
            raise FileChanged(delivery.relative)
        this_attempt.commit()
        prepared.taken, prepared.unwritable = writer.taken, writer.unwritable
        return writer.written
    return 0


def _record(conn: Connection, prepared: _Prepared, run_id: str, registry: Registry) -> FileOutcome:
    """Write the file's delivery, batch, validation and (if it passes) publication."""
    tables = metadata_for(registry).tables
    delivery, extract, period = prepared.delivery, prepared.delivery.extract, prepared.delivery.period
    # Another load of the same landing may have recorded these bytes since they were looked
    # up: under the period's lock, look again, so a delivery is recorded and published once.
    lock_period(conn, tables[extract.table], period.code)
    known = _known(conn, tables, delivery, prepared.sha256)
    delivery_id = None if known is None else known.delivery_id
    if known is not None:
        done = _done_already(
            conn, tables, known, delivery, prepared.sha256, prepared.reference_batch_id, run_id
        )
        if done is not None:
            return done
    batch = start_batch(
        conn,
        tables,
        delivery.relative,
        prepared.sha256,
        extract.code,
        period.code,
        prepared.size,
        run_id,
        prepared.reference_batch_id,
        delivery_id,
    )
    report, problems, rows = _write_audit(conn, prepared, tables, batch, registry)
    if delivery.changed_since_scan():  # read whole by now: what was read may be a part
        raise FileChanged(delivery.relative)
    errors = [p for p in problems if p.severity == "error"]
    warnings = len(problems) - len(errors)
    status = "rejected" if errors else "published"
    row_count = prepared.validation.rows if prepared.read_error is None else None
    record_validation(conn, tables, batch, report, problems, status, row_count)
    if not errors:
        publish(conn, tables, batch, rows, warnings)
    message = _message(extract, period.code, errors, rows, warnings)
    finish_delivery(conn, tables, batch, status, row_count, len(errors), warnings, message)
    examples = [
        p.describe(delivery.relative, extract, prepared.row_label) for p in errors[:EXAMPLES_IN_MESSAGE]
    ]
    return FileOutcome(
        delivery.relative,
        extract.code,
        period.code,
        prepared.sha256,
        status,
        rows,
        len(errors),
        warnings,
        batch.batch_id,
        message,
        examples,
        report.docs_page,
        delivery_id=batch.delivery_id,
    )


def _write_audit(
    conn: Connection, prepared: _Prepared, tables: Any, batch: Batch, registry: Registry
) -> tuple[ValidationReport, list[Problem], int]:
    """Write-audit under a savepoint of the publishing transaction: readers keep seeing the
    earlier publication until the commit, and a crash before it leaves that one whole. The
    report, every problem and the rows published (0 when refused)."""
    extract, period = prepared.delivery.extract, prepared.delivery.period
    target = tables[extract.table]
    savepoint = conn.begin_nested()
    written = 0
    read_whole = prepared.hasher is None
    replaced = None
    if prepared.read_error is None and not (read_whole and prepared.validation.has_errors):
        # what it replaces is read under the period's lock (taken by _record)
        replaced = before_replacing(conn, tables, target, extract.code, period.code)
        written = _write_rows(conn, prepared, target, batch.batch_id, registry)
    report = ValidationReport(suite=suite_name(extract))
    if prepared.read_error is None:
        report = prepared.validation.finish()
        if extract.references is not None and prepared.references is None:
            report.problems.append(_unchecked_reference(extract, period.code, registry))
    problems = list(report.problems)
    if prepared.read_error:
        problems.insert(0, Problem("error", prepared.read_error.split(": ", 1)[-1], None, None, None))
    if any(p.severity == "error" for p in problems):
        savepoint.rollback()
        return report, problems, 0
    audit_publication(target, period.code, batch.batch_id, written, prepared.taken, prepared.unwritable)
    record_change(conn, tables, target, batch.batch_id, period.code, replaced, written)
    savepoint.commit()
    return report, problems, written


def _message(extract: Extract, period: str, errors: list[Problem], rows: int, warnings: int) -> str:
    """The outcome in one line: each rule broken and how often, or what was published."""
    if not errors:
        return f"published {rows} rows" + (f" with {warnings} warning(s)" if warnings else "")
    rules: dict[str, int] = defaultdict(int)
    for problem in errors:
        rules[problem.rule] += 1
    return f"{len(errors)} error(s) in {extract.name} ({extract.code}) {period}: " + "; ".join(
        f"{n} x {rule}" for rule, n in rules.items()
    )


def lock_period(conn: Connection, target: Any, period: str) -> None:
    """Until the transaction ends, no other load records or replaces this table's rows of this
    period (locks.hold_period)."""
    hold_period(conn, target.name, period)


def _done_already(
    conn: Connection,
    tables: Any,
    known: Any,
    delivery: Delivery,
    sha256: str,
    reference_batch_id: int | None,
    run_id: str,
) -> FileOutcome | None:
    """The outcome of these bytes that still stands, if any: refused, or published and current,
    against the same referenced publication (also when a load that finished while this one
    read the file decided it). A task cleared and rerun within the run that published the file
    leaves the file's status as that run set it; a later run marks it skipped."""
    if known.reference_batch_id != reference_batch_id:
        return None
    if known.status == "rejected" and known.batch_outcome == "rejected":
        return _rejected_again(conn, tables, known, sha256, delivery)
    if known.published_delivery != known.delivery_id:
        return None
    status = known.status if known.batch_run_id == run_id else "skipped"
    conn.execute(
        update(tables["delivery"])
        .where(tables["delivery"].c.delivery_id == known.delivery_id)
        .values(status=status, last_seen_at=utcnow().isoformat())
    )
    return FileOutcome(
        known.file,
        known.extract,
        known.period,
        sha256,
        "skipped",
        known.row_count or 0,
        0,
        known.warnings,
        known.batch_id,
        "unchanged: already published",
        delivery_id=known.delivery_id,
    )


def _known(conn: Connection, tables: Any, delivery: Delivery, sha256: str) -> Any:
    """The delivery row of these bytes at this path, with the outcome of its last load batch,
    the referenced publication that batch was checked against, and what is published now."""
    d, p, b = tables["delivery"], tables["publication"], tables["load_batch"]
    return conn.execute(
        select(
            d,
            p.c.delivery_id.label("published_delivery"),
            b.c.outcome.label("batch_outcome"),
            b.c.reference_batch_id,
            b.c.run_id.label("batch_run_id"),
        )
        .outerjoin(p, (p.c.extract == d.c.extract) & (p.c.period == d.c.period))
        .outerjoin(b, b.c.batch_id == d.c.batch_id)
        .where(d.c.file == delivery.relative, d.c.sha256 == sha256)
    ).first()


def _rejected_again(
    conn: Connection, tables: Any, known: Any, sha256: str, delivery: Delivery
) -> FileOutcome:
    """An unchanged file that was refused before stays refused, with its recorded reasons,
    told as the refusing run told them."""
    problem = tables["problem"]
    examples = [
        Problem(
            r.severity,
            r.rule,
            r.row_number,
            r.column_name,
            r.value,
            row_key=r.row_key,
            other_column=r.other_column,
            other_value=r.other_value,
        ).describe(known.file, delivery.extract, readers.row_label_of(delivery.path))
        for r in conn.execute(
            select(problem)
            .where(problem.c.batch_id == known.batch_id, problem.c.severity == "error")
            .order_by(problem.c.problem_id)
            .limit(EXAMPLES_IN_MESSAGE)
        )
    ]
    conn.execute(
        update(tables["delivery"])
        .where(tables["delivery"].c.delivery_id == known.delivery_id)
        .values(last_seen_at=utcnow().isoformat())
    )
    return FileOutcome(
        known.file,
        known.extract,
        known.period,
        sha256,
        "rejected",
        0,
        known.errors,
        known.warnings,
        known.batch_id,
        f"unchanged since it was refused: {known.message}",
        examples,
        delivery_id=known.delivery_id,
    )


def _duplicate_periods(deliveries: list[Delivery]) -> dict[str, list[Delivery]]:
    by_period: dict[str, list[Delivery]] = defaultdict(list)
    for delivery in deliveries:
        by_period[delivery.period.code].append(delivery)
    return {p: ds for p, ds in by_period.items() if len(ds) > 1}


def load_extract(
    engine: Engine,
    landing: Path,
    extract_code: str,
    run_id: str,
    registry: Registry | None = None,
    docs_dir: Path | None = None,
    settle: float | None = None,
    scanned: list[Delivery] | None = None,
) -> list[FileOutcome]:
    """Process every delivered file of one extract; raise ExtractRejected if any is refused
    (after the others are published). With `docs_dir`, GX Data Docs of every validation are
    built there. A file modified less than `settle` seconds before (default: settle_seconds())
    is left for a later run, as is one that changes while it is read. `scanned`: the landing
    folder as scanned already."""
    registry = registry or load_registry()
    tables = metadata_for(registry).tables
    deliveries = deliveries_of(landing, registry, extract_code, scanned=scanned)
    duplicates = _duplicate_periods(deliveries)
    settle = settle_seconds() if settle is None else settle
    now = time.time()
    # a file dated further ahead than the settle time comes from a clock that is ahead, not
    # from a writer still at work: it is not held back (the check after reading still is)
    settled_before, skewed_after = now - settle, now + settle
    outcomes: list[FileOutcome] = []
    crashes: list[BaseException] = []
    for delivery in deliveries:
        try:
            if (
                delivery.problem is None
                and delivery.modified_after(settled_before)
                and not delivery.modified_after(skewed_after)
            ):
                outcomes.append(
                    arriving(
                        engine,
                        tables,
                        delivery,
                        (
                            f"{delivery.relative} is still being written (modified less than the "
                            f"settle time of {settle:g} s ago); not loaded: it will be loaded on the "
                            "next run once it stops changing"
                        ),
                    )
                )
                continue
            try:
                outcomes.append(_load_one(engine, tables, delivery, duplicates, run_id, registry, docs_dir))
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
    docs_dir: Path | None,
) -> FileOutcome:
    if delivery.problem is not None:
        return refuse(engine, tables, delivery, f"{delivery.relative} {delivery.problem}")
    if delivery.period.code in duplicates:
        others = [d.relative for d in duplicates[delivery.period.code] if d is not delivery]
        return refuse(
            engine,
            tables,
            delivery,
            (
                f"two files for {delivery.extract.code} {delivery.period.code}: also "
                f"{', '.join(others)}. Both are refused until one is removed."
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
        return arriving(
            engine,
            tables,
            delivery,
            f"{renewed}; nothing was loaded from it: it "
            "will be loaded on the next run once it stops changing",
        )
    except (FileReplaced, FileNotFoundError, PermissionError) as gone:
        return refuse(engine, tables, replace(delivery, unreadable=True), unread(delivery, gone))
    try:
        if delivery.changed_since_scan() or (data is not None and len(data) != delivery.size):
            raise FileChanged(delivery.relative)
        with engine.begin() as conn:
            # an outcome stands while what it depended on stands: the same bytes and, for the
            # cross-extract rule, the same publication of the referenced extract
            reference = reference_state(conn, delivery.extract, delivery.period.code, registry)
            known = _known(conn, tables, delivery, sha256)
            reused = (
                None
                if known is None
                else _done_already(conn, tables, known, delivery, sha256, reference[0], run_id)
            )
        if reused is not None:
            return reused
        # New or changed bytes: the first chunk (for most files the whole file) is read and
        # validated outside any transaction; a large file's other chunks inside the
        # publishing one, which checks the file is still as scanned before it commits.
        prepared = _prepare(
            delivery, data, sha256, registry, reference, docs_dir, EXACT_DIGITS.get(engine.dialect.name)
        )
        with engine.begin() as conn:
            return _record(conn, prepared, run_id, registry)
    except FileChanged as changed:  # rolled back: nothing of it is recorded but this
        return arriving(engine, tables, delivery, str(changed))
