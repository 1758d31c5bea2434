"""What the approving official reads before answering, in plain Chinese Markdown: the reply and
its date, every figure that differs from the last issued letter (old and new value, the delivery
behind the new one), the review notes, the verification of the snapshot's DOCX against the
warehouse, and a link to the DOCX."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import Engine

from deptstats.core import Registry
from deptstats.reply import reply_config
from deptstats.signoff import words
from deptstats.signoff.model import Snapshot


def provenance_of(snapshot: Snapshot) -> Path:
    """The provenance.json copied with the snapshot."""
    return snapshot.docx.with_name(f"{snapshot.reply}.provenance.json")


# The review notes as the reply's review writes them (deptstats.reply.review), each told again
# in the approver's words; a note of another form is shown as it is.
FLAGGED = re.compile(
    r"(?P<indicator>[\w.]+) (?P<period>[\d-]+)(?: (?P<area>\S+))? = (?P<shown>.+?): (?P<notes>.+)"
)
MOVED = re.compile(r"moved (?P<change>-?[\d.]+)% against (?P<period>\S+) \((?P<earlier>.+)\)")
SOURCE_WARNINGS = re.compile(r"source publication has (?P<count>\d+) warning\(s\)")
GB2312 = re.compile(
    r"warning: (?P<role>\w+) '(?P<name>.+)': '(?P<char>.)' \(U\+(?P<code>[0-9A-F]+)\) is outside GB2312.*"
)


def in_plain_words(note: str, registry: Registry) -> str:
    """A review note as the approving official reads it."""
    if found := GB2312.fullmatch(note):
        return words.NOTE_GB2312.format(
            **{**found.groupdict(), "role": words.ROLES.get(found["role"], found["role"])}
        )
    flagged = FLAGGED.fullmatch(note)
    if flagged is None or flagged["indicator"] not in {i.code for i in registry.indicators}:
        return words.NOTE_OTHER.format(note=note)
    reasons = []
    for part in flagged["notes"].split("; "):
        if moved := MOVED.fullmatch(part):
            reasons.append(words.NOTE_MOVED.format(**moved.groupdict()))
        elif warned := SOURCE_WARNINGS.fullmatch(part):
            reasons.append(words.NOTE_SOURCE_WARNINGS.format(**warned.groupdict()))
        else:
            reasons.append(part)
    return words.NOTE_FLAGGED.format(
        name=registry.indicator(flagged["indicator"]).name,
        period=flagged["period"],
        area=flagged["area"] or words.CITYWIDE,
        shown=flagged["shown"],
        reasons=words.REASON_SEPARATOR.join(reasons),
    )


def review_notes(snapshot: Snapshot) -> list[str]:
    """The draft's review notes, as its provenance.json kept them ([] when there were none)."""
    path = provenance_of(snapshot)
    if not path.is_file():
        return []
    return list(json.loads(path.read_text(encoding="utf-8")).get("notes", []))


def reply_lines(snapshot: Snapshot) -> tuple[str, list[str]]:
    config = reply_config(snapshot.reply)
    day = config["date"]
    fields = {
        "code": snapshot.reply,
        "document_number": config["document_number"],
        "title": "".join(config["title_lines"]),
        "date": words.DATE.format(year=day.year, month=day.month, day=day.day),
        "draft_run_id": snapshot.draft_run_id,
        "sha256": snapshot.sha256,
    }
    return words.SUBJECT.format(**fields), [
        words.HEADING_REPLY,
        *(line.format(**fields) for line in words.REPLY_LINES),
    ]


def change_lines(snapshot: Snapshot, registry: Registry) -> list[str]:
    count = len(snapshot.changes)
    if snapshot.previous_sequence is None:
        heading = words.HEADING_CHANGES_FIRST.format(count=count)
    else:
        heading = words.HEADING_CHANGES.format(sequence=snapshot.previous_sequence, count=count)
    lines = [heading]
    for change in snapshot.changes:
        lines.append(
            words.CHANGE_LINE.format(
                name=registry.indicator(change.indicator).name,
                period=change.period,
                area=change.area or words.CITYWIDE,
                old=change.old if change.old is not None else words.NOT_QUOTED,
                new=change.new if change.new is not None else words.NO_LONGER_QUOTED,
                delivery=change.delivery or words.NO_DELIVERY,
            )
        )
    return lines


def verify_lines(engine: Engine, registry: Registry, snapshot: Snapshot) -> list[str]:
    from deptstats.audit import verify_document

    result = verify_document(snapshot.docx, engine, snapshot.reply, registry)
    if not result.findings:
        return [words.HEADING_VERIFY, words.VERIFY_OK.format(checked=result.checked)]
    lines = [
        words.HEADING_VERIFY,
        words.VERIFY_FAILED.format(checked=result.checked, count=len(result.findings)),
    ]
    for finding in result.findings:
        lines.append(
            words.VERIFY_LINE.format(
                name=finding.name,
                period=finding.period,
                area=finding.area or words.CITYWIDE,
                document=finding.document,
                warehouse=finding.warehouse,
            )
        )
    return lines


def approval_brief(engine: Engine, registry: Registry, snapshot: Snapshot, docx_link: str) -> tuple[str, str]:
    """(subject, body) of the approval, the body in Markdown."""
    subject, lines = reply_lines(snapshot)
    notes = review_notes(snapshot)
    sections = [
        lines,
        change_lines(snapshot, registry),
        [words.HEADING_REVIEW, *([in_plain_words(n, registry) for n in notes] or [words.NO_REVIEW_NOTES])],
        verify_lines(engine, registry, snapshot),
        [words.HEADING_LINK, words.LINK_LINE.format(link=docx_link)],
        [words.CLOSING],
    ]
    return subject, "\n\n".join("\n".join(section) for section in sections) + "\n"
