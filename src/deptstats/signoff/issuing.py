"""The official's answer: 签发 issues the snapshot (its DOCX and Markdown copied to
out/issued/<reply>-<n>.*, the letter and every figure recorded in issued_letter and
issued_figure, never rewritten), 退回 records the reason (signoff_rejection). Issuing is keyed on
the sign-off run and the DOCX's sha256: asked twice, the letter issued the first time."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from deptstats.core import Registry, gettext, render
from deptstats.signoff import words
from deptstats.signoff.model import (
    ISSUE,
    ISSUED,
    PENDING,
    REJECTED,
    RETURN,
    SUPERSEDED,
    UNCHANGED,
    IssuedLetter,
    Response,
    SignoffRefused,
    Snapshot,
    read_time,
    stored_time,
)
from deptstats.signoff.snapshots import last_sequence, snapshot_by_id, snapshot_figures, tables
from deptstats.warehouse import hold

ISSUED_FOLDER = "issued"


def check_answer(response: Response, option: str) -> None:
    if response.option != option:
        raise SignoffRefused(render(words.REFUSED_OPTION, option=response.option, issue=ISSUE, ret=RETURN))
    for what in ("official", "login"):
        if not getattr(response, what).strip():
            raise SignoffRefused(render(words.REFUSED_NOBODY, what=what))


def as_letter(row: Any) -> IssuedLetter:
    return IssuedLetter(
        row["number"],
        row["reply"],
        row["sequence"],
        Path(row["docx"]),
        Path(row["markdown"]),
        row["sha256"],
        row["official"],
        row["login"],
        row["comment"],
        read_time(row["issued_at"]),
        row["signoff_run_id"],
    )


def letters_where(engine: Engine, *conditions: Any) -> list[IssuedLetter]:
    letter = tables()["issued_letter"]
    with engine.connect() as conn:
        rows = conn.execute(select(letter).where(*conditions).order_by(letter.c.number)).mappings()
        return [as_letter(row) for row in rows]


def issued_letters(engine: Engine) -> list[IssuedLetter]:
    """Every issued letter, in the order of issue."""
    return letters_where(engine)


def issued_letter(engine: Engine, number: int) -> IssuedLetter:
    found = letters_where(engine, tables()["issued_letter"].c.number == number)
    if not found:
        raise SignoffRefused(render(words.REFUSED_NO_LETTER, number=number))
    return found[0]


def issued_figures(engine: Engine, number: int) -> list[dict[str, Any]]:
    """The figures issued letter `number` made public, in the letter's order."""
    figure = tables()["issued_figure"]
    with engine.connect() as conn:
        rows = conn.execute(select(figure).where(figure.c.number == number).order_by(figure.c.position))
        return [dict(row._mapping) for row in rows]


def letter_of_snapshot(engine: Engine, snapshot: Snapshot) -> IssuedLetter | None:
    letter = tables()["issued_letter"]
    found = letters_where(
        engine, letter.c.signoff_run_id == snapshot.signoff_run_id, letter.c.sha256 == snapshot.sha256
    )
    return found[0] if found else None


def publications(conn: Connection) -> dict[tuple[str, str], Any]:
    """(extract, period) -> the standing publication's batch and file."""
    publication, batch, delivery = (tables()[t] for t in ("publication", "load_batch", "delivery"))
    rows = conn.execute(
        select(publication.c.extract, publication.c.period, publication.c.batch_id, delivery.c.file)
        .join(batch, batch.c.batch_id == publication.c.batch_id)
        .join(delivery, delivery.c.delivery_id == batch.c.delivery_id)
    ).mappings()
    return {(row["extract"], row["period"]): row for row in rows}


def newer_pending(conn: Connection, snapshot: Snapshot) -> str | None:
    table = tables()["reply_snapshot"]
    return conn.execute(
        select(table.c.signoff_run_id)
        .where(table.c.reply == snapshot.reply, table.c.snapshot_id > snapshot.id, table.c.status == PENDING)
        .order_by(table.c.snapshot_id.desc())
    ).scalar()


def refuse_if_stale(engine: Engine, registry: Registry, snapshot: Snapshot) -> None:
    """A snapshot superseded, answered already, or whose figures the warehouse no longer gives
    as it quotes them is refused, saying which run to approve instead."""
    from deptstats.indicators import figures_by_key

    run = snapshot.signoff_run_id
    if snapshot.status == SUPERSEDED:
        raise SignoffRefused(render(words.REFUSED_SUPERSEDED, run_id=snapshot.superseded_by))
    if snapshot.status == REJECTED:
        official = rejections(engine).get(run, ("?",))[0]
        raise SignoffRefused(render(words.REFUSED_RETURNED, run_id=run, official=official))
    if snapshot.status == UNCHANGED:
        raise SignoffRefused(render(words.REFUSED_UNCHANGED, run_id=run, reply=snapshot.reply))
    with engine.connect() as conn:
        newer, standing = newer_pending(conn, snapshot), publications(conn)
        figures = snapshot_figures(conn, snapshot.id)
    current = figures_by_key(engine)
    for figure in figures:
        extract = registry.indicator(figure["indicator"]).extract
        now = standing.get((extract, figure["period"]))
        if now is None or now["batch_id"] != figure["batch_id"]:
            if newer:
                raise SignoffRefused(render(words.REFUSED_SUPERSEDED, run_id=newer))
            withdrawn = render(words.WITHDRAWN, extract=extract, period=figure["period"])
            raise SignoffRefused(
                render(
                    words.REFUSED_PUBLISHED,
                    run_id=run,
                    batch_id=now["batch_id"] if now else gettext(words.NO_BATCH),
                    file=now["file"] if now else withdrawn,
                )
            )
        record = current.get((figure["indicator"], figure["period"], figure["area"]))
        shown_now = record["display"] if record else gettext(words.NO_VALUE)
        if shown_now != figure["shown"]:
            name = f"{figure['indicator']} {figure['period']} {figure['area'] or gettext(words.CITYWIDE)}"
            raise SignoffRefused(
                render(
                    words.REFUSED_VALUE_MOVED, run_id=run, figure=name, now=shown_now, shown=figure["shown"]
                )
            )


def place(path: Path, content: bytes, placed: list[Path]) -> None:
    """Write `content` to a new file; a file already there is never overwritten (one holding
    exactly `content` is an earlier attempt of this letter and stands)."""
    try:
        with path.open("xb") as handle:
            handle.write(content)
        placed.append(path)
    except FileExistsError:
        if path.read_bytes() != content:
            raise SignoffRefused(render(words.REFUSED_TAKEN_NAME, path=path)) from None


def snapshot_content(snapshot: Snapshot) -> dict[str, bytes]:
    content = {"docx": snapshot.docx.read_bytes(), "md": snapshot.markdown.read_bytes()}
    if hashlib.sha256(content["docx"]).hexdigest() != snapshot.sha256:
        raise SignoffRefused(render(words.REFUSED_DOCX_CHANGED, path=snapshot.docx, sha256=snapshot.sha256))
    return content


class _AnsweredMeanwhile(Exception):
    """The snapshot stopped waiting for an answer between the checks and the transaction."""


def issue(
    engine: Engine, registry: Registry, snapshot_id: int, response: Response, out: Path
) -> IssuedLetter:
    """签发: the snapshot's DOCX and Markdown become out/issued/<reply>-<n>.docx and .md (n one
    more than the reply's last), recorded with the official, the time of the answer, the 意见
    and every figure. Issued already (same run and DOCX): that letter, nothing copied."""
    snapshot = snapshot_by_id(engine, snapshot_id)
    existing = letter_of_snapshot(engine, snapshot)
    if existing is not None:
        return existing
    check_answer(response, ISSUE)
    refuse_if_stale(engine, registry, snapshot)
    content = snapshot_content(snapshot)
    placed: list[Path] = []
    try:
        return record_letter(engine, snapshot, response, out / ISSUED_FOLDER, content, placed)
    except (IntegrityError, _AnsweredMeanwhile):
        for path in placed:  # this attempt's copies only; the transaction wrote nothing
            path.unlink(missing_ok=True)
        existing = letter_of_snapshot(engine, snapshot)
        if existing is not None:
            return existing
        refuse_if_stale(engine, registry, snapshot_by_id(engine, snapshot_id))
        raise
    except BaseException:
        for path in placed:
            path.unlink(missing_ok=True)
        raise


def record_letter(
    engine: Engine,
    snapshot: Snapshot,
    response: Response,
    folder: Path,
    content: dict[str, bytes],
    placed: list[Path],
) -> IssuedLetter:
    snapshot_table = tables()["reply_snapshot"]
    folder.mkdir(parents=True, exist_ok=True)
    with engine.begin() as conn:
        hold(conn, f"issued_letter/{snapshot.reply}", render(words.ISSUED_LETTERS_OF, reply=snapshot.reply))
        claimed = conn.execute(
            update(snapshot_table)
            .where(snapshot_table.c.snapshot_id == snapshot.id, snapshot_table.c.status == PENDING)
            .values(status=ISSUED)
        ).rowcount
        if not claimed:
            raise _AnsweredMeanwhile
        sequence = (last_sequence(conn, snapshot.reply) or 0) + 1
        paths = {suffix: folder / f"{snapshot.reply}-{sequence}.{suffix}" for suffix in content}
        for suffix, path in paths.items():
            place(path, content[suffix], placed)
        row = {
            "reply": snapshot.reply,
            "sequence": sequence,
            "snapshot_id": snapshot.id,
            "signoff_run_id": snapshot.signoff_run_id,
            "docx": str(paths["docx"].resolve()),
            "markdown": str(paths["md"].resolve()),
            "sha256": snapshot.sha256,
            "markdown_sha256": hashlib.sha256(content["md"]).hexdigest(),
            "official": response.official.strip(),
            "login": response.login,
            "comment": response.comment,
            "issued_at": stored_time(response.responded_at),
        }
        number = conn.execute(insert(tables()["issued_letter"]).values(**row)).inserted_primary_key[0]
        kept = ("snapshot_id", "previous", "changed")
        figures = [
            {**{k: v for k, v in f.items() if k not in kept}, "number": number}
            for f in snapshot_figures(conn, snapshot.id)
        ]
        conn.execute(insert(tables()["issued_figure"]), figures)
    return as_letter({**row, "number": number})


def reject(engine: Engine, snapshot_id: int, response: Response) -> None:
    """退回: the reason is recorded and the snapshot is no longer waiting. Recorded once: asked
    again, nothing more."""
    if not response.comment.strip():
        raise SignoffRefused(gettext(words.REFUSED_NO_REASON))
    check_answer(response, RETURN)
    snapshot = snapshot_by_id(engine, snapshot_id)
    if snapshot.signoff_run_id in rejections(engine):
        return
    if snapshot.status == ISSUED:
        letter = letter_of_snapshot(engine, snapshot)
        name = letter.name if letter else "?"
        raise SignoffRefused(render(words.REFUSED_ISSUED, run_id=snapshot.signoff_run_id, name=name))
    snapshot_table = tables()["reply_snapshot"]
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(tables()["signoff_rejection"]).values(
                    snapshot_id=snapshot.id,
                    signoff_run_id=snapshot.signoff_run_id,
                    official=response.official.strip(),
                    login=response.login,
                    comment=response.comment,
                    responded_at=stored_time(response.responded_at),
                )
            )
            conn.execute(
                update(snapshot_table)
                .where(snapshot_table.c.snapshot_id == snapshot.id, snapshot_table.c.status == PENDING)
                .values(status=REJECTED)
            )
            status = conn.execute(
                select(snapshot_table.c.status).where(snapshot_table.c.snapshot_id == snapshot.id)
            ).scalar()
            if status == ISSUED:  # issued meanwhile: the rejection is not recorded
                raise SignoffRefused(render(words.REFUSED_ISSUED, run_id=snapshot.signoff_run_id, name="?"))
    except IntegrityError:
        if snapshot.signoff_run_id not in rejections(engine):
            raise


def rejections(engine: Engine) -> dict[str, tuple[str, str, datetime]]:
    """Sign-off run id -> (official, reason, when answered), for the stewards' pages."""
    table = tables()["signoff_rejection"]
    with engine.connect() as conn:
        rows = conn.execute(select(table)).mappings()
        return {
            row["signoff_run_id"]: (row["official"], row["comment"], read_time(row["responded_at"]))
            for row in rows
        }
