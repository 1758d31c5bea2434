"""The notices e-mailed after a nightly run: to each department with refused or late cells on the
reply's submission board, its items in the contact's language with what to fix and where the
problems are listed; and to the steward when the nightly misses its deadline. Pure functions of
the board's cells: sending them, and remembering what was sent, is the caller's."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from deptstats.audit.submission_board import REFUSED
from deptstats.core import N_, Contact, Speaker

SUBJECT = N_("{reply}: {count} delivery item(s) of {department} need attention")
GREETING = N_("Dear {name},")
INTRO = N_("As of {as_of}, these deliveries of {department} for {reply} need attention:")
REFUSED_ITEM = N_("{extract} {period}: the file {file} was refused. First problem: {problem}")
LATE_REFUSED_ITEM = N_(
    "{extract} {period}: late (due {due}); the file {file} was refused. First problem: {problem}"
)
LATE_MISSING_ITEM = N_("{extract} {period}: late (due {due}); nothing was delivered.")
FIX_REFUSED = N_("What to do: correct the file and deliver it again (upload page or landing folder).")
ALL_PROBLEMS = N_("Every problem of the file: {link}")
FIX_MISSING = N_("What to do: deliver the file as soon as possible.")
CLOSING = N_(
    "This notice was sent automatically after the nightly run; the same items are not notified "
    "again. Questions go to the data steward."
)
DEADLINE_SUBJECT = N_("{dag_id}: the run of {logical} had not finished by {deadline}")
DEADLINE_BODY = N_(
    "The nightly run {run_id} (logical date {logical}) had not finished by its deadline "
    "{deadline}; its state then: {state}. The draft of the reply may be late: see the run at {link}"
)


@dataclass(frozen=True)
class NoticeItem:
    """A refused or late cell of the board, worded in one language. `sha256` is the refused
    file's content ('' when nothing was delivered); `digest` identifies the item and its problem
    whatever the language (cell_digest)."""

    department: str
    extract: str
    period: str
    text: str
    fix: tuple[str, ...]
    sha256: str
    digest: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.department, self.sha256, self.digest)


@dataclass(frozen=True)
class Notice:
    department: str
    to: str
    language: str
    subject: str
    body: str
    items: tuple[NoticeItem, ...]


def needs_notice(cell: dict[str, Any]) -> bool:
    """A cell a department is told about: refused, or late."""
    return cell["late"] or cell["outcome"] == REFUSED


def cell_digest(cell: dict[str, Any]) -> str:
    """What makes a notified item the same one: the cell, its state, the refused file and its
    first problem. Give the board's cells in one fixed language (the caller uses English), so
    that a contact changing language is not notified again."""
    refused = cell["refused"] or {}
    key = [
        cell["department"],
        cell["extract"],
        cell["period"],
        cell["outcome"],
        bool(cell["late"]),
        cell["due"],
        refused.get("sha256") or "",
        refused.get("problem") or "",
        refused.get("row"),
        refused.get("column"),
    ]
    return hashlib.sha256(json.dumps(key, ensure_ascii=False, default=str).encode()).hexdigest()


def notice_items(
    cells: Iterable[dict[str, Any]],
    digests: dict[tuple[str, str], str],
    language: str | None,
    link: Callable[[int], str] | None = None,
) -> list[NoticeItem]:
    """The board's refused and late cells (worded in `language`) as items of a notice; `digests`
    by (extract, period) from cell_digest; `link(batch_id)` the problems page of a refused file's
    batch (None: no link)."""
    _ = Speaker(language)
    items = []
    for cell in cells:
        if not needs_notice(cell):
            continue
        refused = cell["refused"]
        names = {"extract": cell["extract_name"], "period": cell["period"], "due": cell["due"]}
        if refused is None:
            text, fix = _(LATE_MISSING_ITEM, **names), [_.gettext(FIX_MISSING)]
        else:
            worded = LATE_REFUSED_ITEM if cell["late"] else REFUSED_ITEM
            text = _(worded, **names, file=refused["file"], problem=refused["problem"])
            fix = [_.gettext(FIX_REFUSED)]
            if link is not None and refused["batch_id"] is not None:
                fix.append(_(ALL_PROBLEMS, link=link(refused["batch_id"])))
        items.append(
            NoticeItem(
                department=cell["department"],
                extract=cell["extract"],
                period=cell["period"],
                text=text,
                fix=tuple(fix),
                sha256=(refused or {}).get("sha256") or "",
                digest=digests[(cell["extract"], cell["period"])],
            )
        )
    return items


def unsent(items: Iterable[NoticeItem], sent: set[tuple[str, str, str]]) -> list[NoticeItem]:
    """The items no earlier notice carried. A department is written to when this is not empty;
    its notice then lists every item it still has, the earlier ones too."""
    return [item for item in items if item.key not in sent]


def compose_notice(
    contact: Contact,
    department_name: str,
    items: list[NoticeItem],
    reply: str,
    as_of: str,
    language: str | None = None,
) -> Notice:
    """The notice to one department's contact: the subject and a plain-text body, in `language`
    (the contact's, else the deployment's)."""
    _ = Speaker(language)
    lines = [
        _(GREETING, name=contact.name),
        "",
        _(INTRO, as_of=as_of, department=department_name, reply=reply),
        "",
    ]
    for number, item in enumerate(items, start=1):
        lines.append(f"{number}. {item.text}")
        lines.extend(f"   {fix}" for fix in item.fix)
        lines.append("")
    lines.append(_.gettext(CLOSING))
    subject = _(SUBJECT, reply=reply, count=len(items), department=department_name)
    return Notice(contact.department, contact.email, _.language, subject, "\n".join(lines), tuple(items))


def deadline_notice(
    dag_id: str,
    run_id: str,
    logical: str,
    deadline: str,
    state: str,
    link: str,
    language: str | None = None,
) -> tuple[str, str]:
    """The steward's notice of a nightly run that missed its deadline: (subject, body)."""
    _ = Speaker(language)
    subject = _(DEADLINE_SUBJECT, dag_id=dag_id, logical=logical, deadline=deadline)
    body = _(DEADLINE_BODY, run_id=run_id, logical=logical, deadline=deadline, state=state, link=link)
    return subject, body
