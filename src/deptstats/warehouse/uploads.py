"""Recording an upload (upload_tables) and reading back what was recorded: the explanations
given with warnings, which the board and the reply's review notes show."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from deptstats.warehouse.engine import metadata_without_extracts


@dataclass(frozen=True)
class UploadRecord:
    """One row of the upload table. `uploaded_at`: UTC, when the request came."""

    upload_id: str
    department: str
    extract: str
    period: str
    file: str
    sha256: str
    size: int
    uploaded_by: str
    uploaded_at: datetime
    outcome: str  # screened_refused or delivered
    errors: int
    warnings: int
    explanation: str | None = None


def record_upload(conn: Connection, record: UploadRecord) -> None:
    """Write the upload's row in the caller's transaction."""
    values = asdict(record)
    values["uploaded_at"] = record.uploaded_at.replace(tzinfo=None).isoformat()
    conn.execute(insert(metadata_without_extracts().tables["upload"]).values(**values))


def upload_explanations(
    engine: Engine,
    department: str | None = None,
    extract: str | None = None,
    period: str | None = None,
    sha256: str | None = None,
) -> list[dict[str, Any]]:
    """The delivered uploads that came with an explanation of their warnings, newest first,
    narrowed to a department, extract, period or content (sha256) when given: upload_id,
    department, extract, period, file, sha256, uploaded_by, uploaded_at, warnings,
    explanation."""
    upload = metadata_without_extracts().tables["upload"]
    query = select(
        upload.c.upload_id,
        upload.c.department,
        upload.c.extract,
        upload.c.period,
        upload.c.file,
        upload.c.sha256,
        upload.c.uploaded_by,
        upload.c.uploaded_at,
        upload.c.warnings,
        upload.c.explanation,
    ).where(upload.c.outcome == "delivered", upload.c.explanation.is_not(None))
    for column, value in (
        ("department", department),
        ("extract", extract),
        ("period", period),
        ("sha256", sha256),
    ):
        if value is not None:
            query = query.where(upload.c[column] == value)
    query = query.order_by(upload.c.uploaded_at.desc(), upload.c.upload_id)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def explanation_of(conn: Connection, sha256: str) -> dict[str, Any] | None:
    """The newest explanation given with a delivered upload of these bytes (explanation,
    uploaded_by, uploaded_at), in the caller's transaction; None when there is none."""
    upload = metadata_without_extracts().tables["upload"]
    row = conn.execute(
        select(upload.c.explanation, upload.c.uploaded_by, upload.c.uploaded_at)
        .where(
            upload.c.outcome == "delivered",
            upload.c.explanation.is_not(None),
            upload.c.sha256 == sha256,
        )
        .order_by(upload.c.uploaded_at.desc(), upload.c.upload_id)
        .limit(1)
    ).first()
    return None if row is None else dict(row._mapping)
