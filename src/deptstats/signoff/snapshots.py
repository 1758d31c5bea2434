"""The snapshot of a drafted reply that an official is asked to sign: the DOCX, the Markdown and
the provenance as the draft task wrote them, copied under out/snapshots/<run>/, every figure with
its value and provenance recorded (reply_snapshot, reply_snapshot_figure), and the figures that
differ from the last issued letter of the reply. What is issued is this copy, never whatever the
output folder holds by then."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from deptstats.core import Registry, render
from deptstats.reply import reply_config
from deptstats.signoff import words
from deptstats.signoff.model import (
    PENDING,
    SUPERSEDED,
    UNCHANGED,
    FigureChange,
    SignoffRefused,
    Snapshot,
)
from deptstats.warehouse import metadata_without_extracts, utcnow

SNAPSHOTS = "snapshots"
UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
Key = tuple[str, str, str | None]


def tables() -> Any:
    return metadata_without_extracts().tables


def folder_name(run_id: str) -> str:
    """A folder name for a run id: its plain characters and a digest of the whole id, so that
    two ids never share a folder and no id leads out of out/snapshots."""
    readable = UNSAFE.sub("_", run_id).strip("._")[:80]
    digest = hashlib.sha256(run_id.encode()).hexdigest()[:10]
    return f"{readable}-{digest}" if readable else digest


def delivery_of(row: Any) -> str | None:
    if row["file"] is None:
        return None
    return render(
        words.DELIVERY, file=row["file"], batch_id=row["batch_id"], sha256=(row["sha256"] or "")[:12]
    )


def figure_rows(provenance: dict[str, Any], path: Path) -> list[dict[str, Any]]:
    """The quoted figures of a draft's provenance.json as table rows; an incomplete draft is
    refused."""
    missing = [f"{f['indicator']} {f['period']}" for f in provenance["figures"] if not f.get("sha256")]
    if missing:
        raise SignoffRefused(render(words.REFUSED_INCOMPLETE, path=path, missing=", ".join(missing)))
    return [
        {
            "indicator": f["indicator"],
            "area_key": f["area"] or "",
            "period": f["period"],
            "area": f["area"],
            "shown": f["shown"],
            "value_text": None if f["value"] is None else str(f["value"]),
            "file": f["file"],
            "sha256": f["sha256"],
            "batch_id": f["batch_id"],
            "source_rows": f["source_rows"],
            "position": position,
        }
        for position, f in enumerate(provenance["figures"], start=1)
    ]


def letter_figures(conn: Connection, reply: str, sequence: int | None) -> list[dict[str, Any]]:
    """The figures of issued letter `sequence` of the reply, in the letter's order."""
    if sequence is None:
        return []
    letter, figure = tables()["issued_letter"], tables()["issued_figure"]
    return [
        dict(row._mapping)
        for row in conn.execute(
            select(figure)
            .join(letter, letter.c.number == figure.c.number)
            .where(letter.c.reply == reply, letter.c.sequence == sequence)
            .order_by(figure.c.position)
        )
    ]


def last_sequence(conn: Connection, reply: str) -> int | None:
    letter = tables()["issued_letter"]
    return conn.execute(select(func.max(letter.c.sequence)).where(letter.c.reply == reply)).scalar()


def key_of(row: dict[str, Any]) -> Key:
    return (row["indicator"], row["period"], row["area"])


def changes_between(previous: list[dict[str, Any]], current: list[dict[str, Any]]) -> list[FigureChange]:
    """Figures of `current` that `previous` wrote otherwise or not at all, then those only
    `previous` quoted."""
    before = {key_of(row): row["shown"] for row in previous}
    keys = {key_of(row) for row in current}
    changes = [
        FigureChange(*key_of(row), before.get(key_of(row)), row["shown"], delivery_of(row))
        for row in current
        if before.get(key_of(row)) != row["shown"]
    ]
    return changes + [
        FigureChange(*key_of(row), row["shown"], None, None) for row in previous if key_of(row) not in keys
    ]


def snapshot_figures(conn: Connection, snapshot_id: int) -> list[dict[str, Any]]:
    figure = tables()["reply_snapshot_figure"]
    return [
        dict(row._mapping)
        for row in conn.execute(
            select(figure).where(figure.c.snapshot_id == snapshot_id).order_by(figure.c.position)
        )
    ]


def read_snapshot(conn: Connection, *conditions: Any) -> Snapshot | None:
    table = tables()["reply_snapshot"]
    row = conn.execute(select(table).where(*conditions)).mappings().first()
    if row is None:
        return None
    changes = changes_between(
        letter_figures(conn, row["reply"], row["previous_sequence"]),
        snapshot_figures(conn, row["snapshot_id"]),
    )
    return Snapshot(
        row["snapshot_id"],
        row["reply"],
        row["draft_run_id"],
        row["signoff_run_id"],
        Path(row["docx"]),
        Path(row["markdown"]),
        row["sha256"],
        tuple(changes),
        not changes,
        row["status"],
        row["last_batch_id"],
        row["superseded_by"],
        row["previous_sequence"],
    )


def snapshot_of_run(engine: Engine, signoff_run_id: str) -> Snapshot | None:
    with engine.connect() as conn:
        return read_snapshot(conn, tables()["reply_snapshot"].c.signoff_run_id == signoff_run_id)


def snapshot_by_id(engine: Engine, snapshot_id: int) -> Snapshot:
    with engine.connect() as conn:
        found = read_snapshot(conn, tables()["reply_snapshot"].c.snapshot_id == snapshot_id)
    if found is None:
        raise SignoffRefused(render(words.REFUSED_NO_SNAPSHOT, snapshot_id=snapshot_id))
    return found


def draft_bytes(out: Path, reply: str, draft_run_id: str, sha256: str) -> dict[str, bytes]:
    """The draft's files, each read once; the DOCX must be the one the draft task announced."""
    found = {}
    for suffix in ("docx", "md", "provenance.json"):
        path = out / f"{reply}.{suffix}"
        try:
            found[suffix] = path.read_bytes()
        except FileNotFoundError:
            raise SignoffRefused(render(words.REFUSED_NO_DRAFT, path=path)) from None
    digest = hashlib.sha256(found["docx"]).hexdigest()
    if digest != sha256:
        path = out / f"{reply}.docx"
        raise SignoffRefused(
            render(
                words.REFUSED_REPLACED,
                draft_run_id=draft_run_id,
                path=path,
                found=digest,
                expected=sha256,
            )
        )
    return found


def take_snapshot(
    engine: Engine,
    registry: Registry,
    out: Path,
    reply: str,
    draft_run_id: str,
    signoff_run_id: str,
    sha256: str,
) -> Snapshot:
    """Copy the draft of `reply` under out/snapshots/<run>/ and record it with every figure it
    quotes; the DOCX must still have `sha256` (the asset event's). Taken once per sign-off run:
    asked again, the same snapshot."""
    reply_config(reply)  # a configured reply: its code is safe in a file name
    existing = snapshot_of_run(engine, signoff_run_id)
    if existing is None:
        files = draft_bytes(out, reply, draft_run_id, sha256)
        rows = figure_rows(json.loads(files["provenance.json"]), out / f"{reply}.provenance.json")
        folder = out / SNAPSHOTS / folder_name(signoff_run_id)
        folder.mkdir(parents=True, exist_ok=True)
        for suffix, content in files.items():
            (folder / f"{reply}.{suffix}").write_bytes(content)
        record = {
            "reply": reply,
            "draft_run_id": draft_run_id,
            "signoff_run_id": signoff_run_id,
            "docx": str((folder / f"{reply}.docx").resolve()),
            "markdown": str((folder / f"{reply}.md").resolve()),
            "sha256": sha256,
            "markdown_sha256": hashlib.sha256(files["md"]).hexdigest(),
        }
        try:
            record_snapshot(engine, record, rows)
        except IntegrityError:
            # another worker may have recorded this run's snapshot first: that one stands;
            # any other constraint failure is raised
            if snapshot_of_run(engine, signoff_run_id) is None:
                raise
        existing = snapshot_of_run(engine, signoff_run_id)
    if existing.sha256 != sha256:
        raise SignoffRefused(
            render(words.REFUSED_OTHER_SHA, run_id=signoff_run_id, taken=existing.sha256, given=sha256)
        )
    return existing


def record_snapshot(engine: Engine, record: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """The snapshot's rows, each figure against the last issued letter of the reply."""
    snapshot, figure, batch = (tables()[t] for t in ("reply_snapshot", "reply_snapshot_figure", "load_batch"))
    with engine.begin() as conn:
        sequence = last_sequence(conn, record["reply"])
        previous = letter_figures(conn, record["reply"], sequence)
        before = {key_of(row): row["shown"] for row in previous}
        changed = changes_between(previous, rows)
        last_batch = conn.execute(select(func.max(batch.c.batch_id)).where(batch.c.outcome == "published"))
        snapshot_id = conn.execute(
            insert(snapshot).values(
                **record,
                last_batch_id=last_batch.scalar(),
                status=PENDING if changed else UNCHANGED,
                previous_sequence=sequence,
                taken_at=utcnow().isoformat(),
            )
        ).inserted_primary_key[0]
        conn.execute(
            insert(figure),
            [
                {
                    **row,
                    "snapshot_id": snapshot_id,
                    "previous": before.get(key_of(row)),
                    "changed": before.get(key_of(row)) != row["shown"],
                }
                for row in rows
            ],
        )


def supersede_pending(engine: Engine, reply: str, signoff_run_id: str) -> list[str]:
    """Earlier snapshots of `reply` still waiting for an answer become superseded by the
    snapshot of `signoff_run_id`; the sign-off run ids of every snapshot it superseded, so that
    asked again (a retried task) it gives the same runs."""
    snapshot = tables()["reply_snapshot"]
    with engine.begin() as conn:
        newer = conn.execute(
            select(snapshot.c.snapshot_id).where(snapshot.c.signoff_run_id == signoff_run_id)
        ).scalar()
        earlier = [
            snapshot.c.reply == reply,
            snapshot.c.status == PENDING,
            snapshot.c.signoff_run_id != signoff_run_id,
        ]
        if newer is not None:
            earlier.append(snapshot.c.snapshot_id < newer)
        conn.execute(update(snapshot).where(*earlier).values(status=SUPERSEDED, superseded_by=signoff_run_id))
        superseded = conn.execute(
            select(snapshot.c.signoff_run_id).where(
                snapshot.c.status == SUPERSEDED, snapshot.c.superseded_by == signoff_run_id
            )
        )
        return sorted(superseded.scalars())
