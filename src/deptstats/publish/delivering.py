"""Delivering a screened upload into the landing folder, as the loader's scan expects it:
<department>/<extract>_<period>.<ext>, written whole or not at all (a dot-named temporary file
in the same folder, which the scan skips, renamed into place), an earlier delivery of the same
extract and period under another name (another format, another case) moved aside into the
dot-named folder .replaced/ first, so that no scan ever sees two files for one period; and
recorded in the warehouse's upload table with its uploader, in the same transaction. A file
the screening refused is recorded as refused and never reaches the landing folder."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from deptstats.core import Extract, Period, Registry
from deptstats.ingest import deliveries_of
from deptstats.publish.screening import ScreenReport
from deptstats.warehouse import UploadRecord, record_upload

EXTENSIONS = ("csv", "xlsx", "json")
REPLACED = ".replaced"  # under the department's folder: dot-named, so the scan skips it
COPY_BYTES = 1024 * 1024


class NotDeliverable(ValueError):
    """The upload cannot be delivered: `reason` is refused (the screening found errors),
    explanation_required (warnings, and no explanation given) or changed (the staged file is
    no longer the file screened)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Upload:
    """An uploaded file as screened: who uploaded it, when the request came (UTC), its id."""

    upload_id: str
    staged: Path
    extract: Extract
    period: Period
    ext: str
    report: ScreenReport
    uploaded_by: str
    uploaded_at: datetime

    @property
    def relative(self) -> str:
        """Its path under the landing folder."""
        return f"{self.extract.department}/{canonical_name(self.extract, self.period, self.ext)}"


@dataclass(frozen=True)
class Placed:
    """Where the file now is under the landing folder, and what was moved aside for it
    (each old path under the landing folder and the path it was moved to)."""

    file: str
    moved_aside: list[tuple[str, str]]


def canonical_name(extract: Extract, period: Period, ext: str) -> str:
    """The name the scan recognises: <extract>_<period>.<ext> (ext one of EXTENSIONS)."""
    if ext not in EXTENSIONS:
        raise ValueError(f"no delivery is a .{ext}: one of {', '.join(EXTENSIONS)}")
    return f"{extract.code}_{period.code}.{ext}"


def record_refusal(engine: Engine, upload: Upload) -> None:
    """Record an upload the screening refused (its file goes nowhere)."""
    with engine.begin() as conn:
        record_upload(conn, _record(upload, "screened_refused", None))


def deliver(
    engine: Engine, landing: Path, upload: Upload, registry: Registry, explanation: str | None = None
) -> Placed:
    """Write the upload into the landing folder and record it; NotDeliverable if it was
    refused, or has warnings and no explanation."""
    report = upload.report
    explanation = (explanation or "").strip() or None
    if report.refused:
        raise NotDeliverable("refused")
    if report.warnings and explanation is None:
        raise NotDeliverable("explanation_required")
    with engine.begin() as conn:  # the row is kept only if the file is in place
        record_upload(conn, _record(upload, "delivered", explanation if report.warnings else None))
        return place(landing, upload, registry)


def _record(upload: Upload, outcome: str, explanation: str | None) -> UploadRecord:
    report = upload.report
    return UploadRecord(
        upload.upload_id,
        upload.extract.department,
        upload.extract.code,
        upload.period.code,
        upload.relative,
        report.sha256,
        report.size,
        upload.uploaded_by,
        upload.uploaded_at,
        outcome,
        report.errors,
        report.warnings,
        explanation,
    )


def place(landing: Path, upload: Upload, registry: Registry) -> Placed:
    """The staged file copied to a dot-named file beside its target (checked to be the bytes
    screened), the other names of its extract and period moved aside, then renamed into
    place."""
    folder = landing / upload.extract.department
    folder.mkdir(exist_ok=True)
    target = landing / upload.relative
    temporary = folder / f".{target.name}.{secrets.token_hex(8)}.part"
    try:
        _copy_checked(upload.staged, temporary, upload.report.sha256)
        moved = _move_aside(landing, upload, registry)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    _sync_folder(folder)
    return Placed(upload.relative, moved)


def _copy_checked(source: Path, destination: Path, sha256: str) -> None:
    digest = hashlib.sha256()
    with source.open("rb") as reader, open(destination, "xb") as writer:
        while block := reader.read(COPY_BYTES):
            digest.update(block)
            writer.write(block)
        writer.flush()
        os.fsync(writer.fileno())
    if digest.hexdigest() != sha256:
        raise NotDeliverable("changed")


def _move_aside(landing: Path, upload: Upload, registry: Registry) -> list[tuple[str, str]]:
    """Every other file the scan takes for this extract and period, moved into .replaced/."""
    others = [
        d
        for d in deliveries_of(landing, registry, upload.extract.code)
        if d.period.code == upload.period.code and d.relative != upload.relative
    ]
    moved = []
    for other in others:
        aside = landing / upload.extract.department / REPLACED
        aside.mkdir(exist_ok=True)
        stamp = upload.uploaded_at.strftime("%Y%m%dT%H%M%S")
        destination = aside / f"{stamp}-{upload.upload_id[:8]}-{other.path.name}"
        os.rename(other.path, destination)
        moved.append((other.relative, destination.relative_to(landing).as_posix()))
    return moved


def _sync_folder(folder: Path) -> None:
    """The rename made durable."""
    handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
