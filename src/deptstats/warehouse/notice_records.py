"""What was e-mailed to the departments (notice_tables): the items already sent, and recording
those of a notice in the transaction that sends it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from deptstats.warehouse.engine import metadata_without_extracts, utcnow


def notices_sent(engine: Engine) -> set[tuple[str, str, str]]:
    """Each item already notified: (department, sha256, digest)."""
    table = metadata_without_extracts().tables["notice_sent"]
    with engine.connect() as conn:
        rows = conn.execute(select(table.c.department, table.c.sha256, table.c.digest))
        return {(r.department, r.sha256, r.digest) for r in rows}


def record_notice_sent(
    conn: Connection, department: str, items: Iterable[dict[str, Any]], recipient: str, run_id: str
) -> None:
    """Record a notice's items (dicts with sha256, digest, extract, period) in the caller's
    transaction; IntegrityError when another run recorded one of them first."""
    table = metadata_without_extracts().tables["notice_sent"]
    sent_at = utcnow().isoformat()
    rows = [
        {
            "department": department,
            "sha256": item["sha256"],
            "digest": item["digest"],
            "extract": item["extract"],
            "period": item["period"],
            "recipient": recipient,
            "run_id": run_id,
            "sent_at": sent_at,
        }
        for item in items
    ]
    if rows:
        conn.execute(insert(table), rows)
