"""Write-audit-publish of one file, under a savepoint of its publishing transaction: the
period's rows replaced by the file's while the rest of it is read and checked, kept only if
the file passes and the audit finds every row in place. Readers keep seeing the earlier
publication until the commit, and a crash before it leaves that one whole."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete

from deptstats.core import Extract, Message, Registry
from deptstats.ingest import IrregularCsv, ReadError
from deptstats.publish.bookkeeping import Batch, audit_publication
from deptstats.publish.bulk import RowWriter
from deptstats.publish.file_reading import (
    CheckedAgainst,
    FileChanged,
    Fingerprinted,
    Opened,
    Unread,
    open_file,
)
from deptstats.publish.row_changes import before_replacing, record_change
from deptstats.validation import FileValidation, Problem, ValidationReport, suite_name


@dataclass(frozen=True)
class FileRead:
    """A file read to its end: the validation that ran over it (a new one if it was read
    again row by row), what its rows are called, and what was written of it: the rows, those
    the database reports having taken, and the cells written empty because they could not be
    stored (nothing, when its only chunk failed before the transaction)."""

    validation: FileValidation
    row_label: str
    written: int = 0
    taken: int = 0
    unwritable: int = 0


@dataclass(frozen=True)
class Verdict:
    """What the file's validation found and what was published of it: every problem (a file
    that could not be read: why, first), the rows published (0 when refused) and the rows read
    (None when it could not be read)."""

    report: ValidationReport
    problems: list[Problem]
    published: int
    row_count: int | None
    row_label: str = "row"

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def write_audit(
    conn: Connection,
    content: Fingerprinted,
    basis: CheckedAgainst,
    opened: Opened | Unread,
    tables: Any,
    batch: Batch,
) -> Verdict:
    """Write the file's rows, audit them and keep them if it passes: its verdict."""
    extract, period = content.delivery.extract, content.delivery.period
    target = tables[extract.table]
    savepoint = conn.begin_nested()
    replaced = None
    read: FileRead | Unread
    if isinstance(opened, Unread):
        read = opened
    elif opened.read_whole and opened.validation.has_errors:  # refused before the transaction
        read = FileRead(opened.validation, opened.row_label)
    else:
        # what it replaces is read under the period's lock (taken by recording.record)
        replaced = before_replacing(conn, tables, target, extract.code, period.code)
        read = write_rows(conn, content, basis, opened, target, batch.batch_id)
    report, problems = _findings(read, extract, period.code, basis)
    if isinstance(read, Unread):
        savepoint.rollback()
        return Verdict(report, problems, 0, None)
    if any(p.severity == "error" for p in problems):
        savepoint.rollback()
        return Verdict(report, problems, 0, read.validation.rows, read.row_label)
    audit_publication(target, period.code, batch.batch_id, read.written, read.taken, read.unwritable)
    record_change(conn, tables, target, batch.batch_id, period.code, replaced, read.written)
    savepoint.commit()
    return Verdict(report, problems, read.written, read.validation.rows, read.row_label)


def _findings(
    read: FileRead | Unread, extract: Extract, period: str, basis: CheckedAgainst
) -> tuple[ValidationReport, list[Problem]]:
    """The validation report and every problem: a file that could not be read has one."""
    if isinstance(read, Unread):
        return ValidationReport(suite=suite_name(extract)), [Problem("error", read.message, None, None, None)]
    report = read.validation.finish()
    if extract.references is not None and basis.references is None:
        report.problems.append(unchecked_reference(extract, period, basis.registry))
    return report, list(report.problems)


def unchecked_reference(extract: Extract, period: str, registry: Registry) -> Problem:
    """The warning that the cross-extract rule could not run: the other extract's period is
    not published."""
    reference = extract.references
    column = extract.column(reference.column)
    other = registry.extract(reference.extract)
    return Problem(
        "warning",
        Message(
            "reference_unchecked",
            {
                "column": f"{column.label} ({column.name})",
                "extract_name": other.name,
                "extract": other.code,
                "period": period,
            },
        ),
        None,
        column.name,
        None,
    )


def write_rows(
    conn: Connection,
    content: Fingerprinted,
    basis: CheckedAgainst,
    opened: Opened,
    target: Any,
    batch_id: int,
) -> FileRead | Unread:
    """Inside a savepoint: replace the period's rows by the file's, reading and validating the
    remaining chunks as they are written (nothing more is written once an error is found).
    The caller rolls back to the savepoint if the file fails."""
    try:
        return _write_attempt(conn, content, opened, target, batch_id)
    except IrregularCsv:
        # a ragged row deep in a large CSV: start again with the row-by-row reader
        reopened = open_file(content, basis, whole=True)
        if isinstance(reopened, Unread):
            return reopened
        return _write_attempt(conn, content, reopened, target, batch_id)


def _write_attempt(
    conn: Connection, content: Fingerprinted, opened: Opened, target: Any, batch_id: int
) -> FileRead | Unread:
    """One reading of the file written under an inner savepoint, rolled back if the reading
    fails: a COPY cut short leaves a PostgreSQL transaction unusable until rolled back to
    before it."""
    delivery, validation = content.delivery, opened.validation
    this_attempt = conn.begin_nested()  # the period is locked already (recording.record)
    conn.execute(delete(target).where(target.c.period == delivery.period.code))
    try:
        with RowWriter(conn, target, delivery.extract, delivery.period.code, batch_id) as writer:
            # Chunks are written as they are read, so the server takes in rows from the
            # start, and checked in groups while it does (file_reading._frames). Once a check
            # fails nothing more is written; the caller rolls back what was.
            for frame in opened.frames:
                if not validation.has_errors:
                    writer.write(frame)
            frame = None  # not held while the last rules run
            validation.check_file()  # the last chunks too, while the server takes them in
    except IrregularCsv:
        this_attempt.rollback()
        raise
    except ReadError as error:
        this_attempt.rollback()
        return Unread(error.message)
    if opened.hasher is not None and opened.hasher.hexdigest() != content.sha256:
        raise FileChanged(delivery.relative)
    this_attempt.commit()
    return FileRead(validation, opened.row_label, writer.written, writer.taken, writer.unwritable)
