"""What the approving official reads before answering, in Markdown and in the deployment's
language (plain Chinese by default): the reply and its date, every figure that differs from the
last issued letter (old and new value, the delivery behind the new one), the review notes, the
verification of the snapshot's DOCX against the warehouse, and a link to the DOCX."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine

from deptstats.core import Registry, Speaker
from deptstats.reply import Note, notes_from_json, reply_config
from deptstats.signoff import words
from deptstats.signoff.model import Snapshot


def provenance_of(snapshot: Snapshot) -> Path:
    """The provenance.json copied with the snapshot."""
    return snapshot.docx.with_name(f"{snapshot.reply}.provenance.json")


def _reasons(note: Note, _: Speaker) -> list[str]:
    p = note.params
    reasons = []
    if "change" in p:
        reasons.append(
            _(words.NOTE_MOVED, change=p["change"], period=p["earlier_period"], earlier=p["earlier"])
        )
    if p.get("warnings"):
        reasons.append(_(words.NOTE_SOURCE_WARNINGS, count=p["warnings"]))
    if p.get("other"):
        reasons.append(str(p["other"]))
    return reasons


def in_plain_words(note: Note | str, registry: Registry, language: str | None = None) -> str:
    """A review note as the approving official reads it. A note kept as a sentence (a draft
    made before notes were data) is shown as it is."""
    _ = Speaker(language)
    if isinstance(note, str):
        return _(words.NOTE_OTHER, note=note)
    if note.kind == Note.GB2312:
        role = note.params["role"]
        role = _.gettext(words.ROLES[role]) if role in words.ROLES else role
        return _(words.NOTE_GB2312, **{**note.params, "role": role})
    figure = note.figure
    if figure is None or figure.indicator not in {i.code for i in registry.indicators}:
        return _(words.NOTE_OTHER, note=note.text(_.language))
    where = {
        "name": registry.indicator(figure.indicator).name,
        "period": figure.period,
        "area": figure.area or _.gettext(words.CITYWIDE),
    }
    if note.kind == Note.MISSING:
        return _(words.NOTE_MISSING, **where, why=note.why(_.language))
    if note.kind == Note.EXPLAINED:
        return _(words.NOTE_EXPLAINED, **where, shown=figure.shown, **note.params)
    if note.kind == Note.FLAGGED:
        reasons = _.gettext(words.REASON_SEPARATOR).join(_reasons(note, _))
        return _(words.NOTE_FLAGGED, **where, shown=figure.shown, reasons=reasons)
    return _(words.NOTE_OTHER, note=note.text(_.language))


def review_notes(snapshot: Snapshot) -> list[Note | str]:
    """The draft's review notes, as its provenance.json kept them ([] when there were none)."""
    path = provenance_of(snapshot)
    if not path.is_file():
        return []
    return notes_from_json(list(json.loads(path.read_text(encoding="utf-8")).get("notes", [])))


def reply_lines(snapshot: Snapshot, _: Speaker) -> tuple[str, list[str]]:
    config = reply_config(snapshot.reply)
    day = config["date"]
    fields = {
        "code": snapshot.reply,
        "document_number": config["document_number"],
        "title": "".join(config["title_lines"]),
        "date": _(words.DATE, year=day.year, month=day.month, day=day.day),
        "draft_run_id": snapshot.draft_run_id,
        "sha256": snapshot.sha256,
    }
    return _(words.SUBJECT, **fields), [
        _.gettext(words.HEADING_REPLY),
        *(_(line, **fields) for line in words.REPLY_LINES),
    ]


def change_lines(snapshot: Snapshot, registry: Registry, _: Speaker) -> list[str]:
    count = len(snapshot.changes)
    if snapshot.previous_sequence is None:
        heading = _(words.HEADING_CHANGES_FIRST, count=count)
    else:
        heading = _(words.HEADING_CHANGES, sequence=snapshot.previous_sequence, count=count)
    lines = [heading]
    for change in snapshot.changes:
        lines.append(
            _(
                words.CHANGE_LINE,
                name=registry.indicator(change.indicator).name,
                period=change.period,
                area=change.area or _.gettext(words.CITYWIDE),
                old=change.old if change.old is not None else _.gettext(words.NOT_QUOTED),
                new=change.new if change.new is not None else _.gettext(words.NO_LONGER_QUOTED),
                delivery=change.delivery or _.gettext(words.NO_DELIVERY),
            )
        )
    return lines


def verify_lines(engine: Engine, registry: Registry, snapshot: Snapshot, _: Speaker) -> list[str]:
    from deptstats.audit import verify_document

    result = verify_document(snapshot.docx, engine, snapshot.reply, registry)
    if not result.findings:
        return [_.gettext(words.HEADING_VERIFY), _(words.VERIFY_OK, checked=result.checked)]
    lines = [
        _.gettext(words.HEADING_VERIFY),
        _(words.VERIFY_FAILED, checked=result.checked, count=len(result.findings)),
    ]
    for finding in result.findings:
        lines.append(
            _(
                words.VERIFY_LINE,
                name=finding.name,
                period=finding.period,
                area=finding.area or _.gettext(words.CITYWIDE),
                document=finding.document,
                warehouse=finding.warehouse,
            )
        )
    return lines


def approval_brief(
    engine: Engine, registry: Registry, snapshot: Snapshot, docx_link: str, language: str | None = None
) -> tuple[str, str]:
    """(subject, body) of the approval, the body in Markdown, in `language` (the deployment's
    when None)."""
    _ = Speaker(language)
    subject, lines = reply_lines(snapshot, _)
    notes = [in_plain_words(n, registry, _.language) for n in review_notes(snapshot)]
    sections = [
        lines,
        change_lines(snapshot, registry, _),
        [_.gettext(words.HEADING_REVIEW), *(notes or [_.gettext(words.NO_REVIEW_NOTES)])],
        verify_lines(engine, registry, snapshot, _),
        [_.gettext(words.HEADING_LINK), _(words.LINK_LINE, link=docx_link)],
        [_.gettext(words.CLOSING)],
    ]
    return subject, "\n\n".join("\n".join(section) for section in sections) + "\n"
