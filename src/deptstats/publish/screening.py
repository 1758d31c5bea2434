"""Screening an uploaded file: read and checked exactly as the loader would read and check it
(the same size limit, readers and suite, and the referenced extract's publication as it stands
in the warehouse), without publishing or writing anything. The report says what the load would
say: each problem as a code and its parameters, errors first, the first SHOWN of them kept."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from deptstats.core import TEXTS, Extract, Message, Period, Registry, render
from deptstats.ingest import Delivery, IrregularCsv, ReadError, max_file_bytes, readers, sha256_of
from deptstats.publish.file_reading import CheckedAgainst, Fingerprinted, Opened, Unread, open_file
from deptstats.publish.loading import EXACT_DIGITS
from deptstats.publish.publishing import unchecked_reference
from deptstats.publish.standing import reference_state
from deptstats.validation import Problem

SHOWN = 200  # problems kept in a report; the counts cover them all


@dataclass
class ScreenReport:
    """What loading the file would find: counts of every problem, the first SHOWN problems
    (errors first), the rows read (None: the file could not be read as its extract)."""

    file: str
    extract: str
    period: str
    sha256: str
    size: int
    rows: int | None
    row_label: str = "row"
    errors: int = 0
    warnings: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return self.errors > 0

    @property
    def outcome(self) -> str:
        """refused, warnings or clean."""
        return "refused" if self.errors else "warnings" if self.warnings else "clean"

    def to_json(self, language: str | None = None) -> dict[str, Any]:
        """The report as JSON-able data; each problem with its code and parameters (and its
        text in `language`, for a reader of the JSON)."""
        data = {name: getattr(self, name) for name in ScreenReport.__dataclass_fields__}
        data["outcome"] = self.outcome
        data["problems"] = [_problem_json(p, language) for p in self.problems]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScreenReport:
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        fields["problems"] = [_problem_of(p) for p in data.get("problems", [])]
        return cls(**fields)


def _problem_json(problem: Problem, language: str | None) -> dict[str, Any]:
    message = problem.message
    return {
        "severity": problem.severity,
        "code": message.code,
        "params": dict(message.params),
        "stored": message.stored,
        "text": message.text(language),
        "row": problem.row,
        "column": problem.column,
        "value": problem.value,
        "row_key": problem.row_key,
        "other_column": problem.other_column,
        "other_value": problem.other_value,
    }


def _problem_of(data: dict[str, Any]) -> Problem:
    return Problem(
        data["severity"],
        Message(data["code"], data.get("params") or {}, data.get("stored")),
        data.get("row"),
        data.get("column"),
        data.get("value"),
        row_key=data.get("row_key"),
        other_column=data.get("other_column"),
        other_value=data.get("other_value"),
    )


def screen(
    path: Path, extract: Extract, period: Period, registry: Registry, engine: Engine | None = None
) -> ScreenReport:
    """Read and check `path` as `extract` of `period`. `engine`: the warehouse, read for the
    cross-extract rule's reference values only (None: the rule is reported unchecked)."""
    seen = os.lstat(path)
    delivery = Delivery(
        path,
        path.name,
        extract,
        period,
        identity=(seen.st_dev, seen.st_ino),
        size=seen.st_size,
        mtime_ns=seen.st_mtime_ns,
    )
    refused = _not_readable(seen)
    if refused is not None:
        return _unread_report(delivery, "", seen.st_size, refused)
    if readers.streams(path):
        readers.reuse_arrow_memory()
        data, sha256 = None, delivery.fingerprint()
    else:
        data = delivery.read()
        sha256 = sha256_of(data)
    reference_batch_id, references = _references(engine, extract, period, registry)
    basis = CheckedAgainst(
        registry,
        reference_batch_id,
        references,
        EXACT_DIGITS.get(engine.dialect.name if engine is not None else "sqlite"),
    )
    content = Fingerprinted(delivery, seen.st_size, sha256, data)
    opened = open_file(content, basis)
    if not isinstance(opened, Unread):
        opened = _read_to_end(content, basis, opened)
    if isinstance(opened, Unread):
        return _unread_report(delivery, sha256, seen.st_size, opened.message)
    report = opened.validation.finish()
    problems = list(report.problems)
    if extract.references is not None and references is None:
        problems.append(unchecked_reference(extract, period.code, registry))
    problems.sort(key=lambda p: p.severity != "error")  # stable: the file's order within each
    errors = sum(p.severity == "error" for p in problems)
    return ScreenReport(
        path.name,
        extract.code,
        period.code,
        sha256,
        seen.st_size,
        opened.validation.rows,
        opened.row_label,
        errors,
        len(problems) - errors,
        problems[:SHOWN],
    )


def _not_readable(seen: os.stat_result) -> Message | None:
    """What the loader would refuse without reading: no regular file, or too large."""
    if not stat.S_ISREG(seen.st_mode):
        return Message("not_regular_file", {"kind": render(TEXTS["not_plain_file"])})
    limit = max_file_bytes()
    if seen.st_size > limit:
        return Message("oversize", {"size": seen.st_size, "limit": limit})
    return None


def _references(
    engine: Engine | None, extract: Extract, period: Period, registry: Registry
) -> tuple[int | None, list[str] | None]:
    if engine is None or extract.references is None:
        return None, None
    with engine.connect() as conn:  # read, never committed
        return reference_state(conn, extract, period.code, registry)


def _read_to_end(content: Fingerprinted, basis: CheckedAgainst, opened: Opened) -> Opened | Unread:
    """Every chunk read and checked, as the loader does while it writes them (nothing
    written here); a ragged row deep in a large CSV: read again row by row, as it is."""
    try:
        for _frame in opened.frames:
            pass
        opened.validation.check_file()
    except IrregularCsv:
        reopened = open_file(content, basis, whole=True)
        if isinstance(reopened, Unread):
            return reopened
        return _read_to_end(content, basis, reopened)
    except ReadError as error:
        return Unread(error.message)
    return opened


def _unread_report(delivery: Delivery, sha256: str, size: int, message: Message) -> ScreenReport:
    problem = Problem("error", message, None, None, None)
    return ScreenReport(
        delivery.relative,
        delivery.extract.code,
        delivery.period.code,
        sha256,
        size,
        None,
        readers.row_label_of(delivery.path),
        errors=1,
        problems=[problem],
    )
