"""What the sign-off deals in: a snapshot of a drafted reply with the figures that changed since
the last issued letter, an official's response, an issued letter, and the refusals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# the two answers of the approval, as the official reads them
ISSUE, RETURN = "签发", "退回"

# a snapshot's status in reply_snapshot
PENDING, UNCHANGED, SUPERSEDED, ISSUED, REJECTED = "pending", "unchanged", "superseded", "issued", "rejected"


class SignoffRefused(Exception):
    """The sign-off cannot do what was asked; the message says why in plain words."""


@dataclass(frozen=True)
class FigureChange:
    """A figure that differs from the last issued letter of the reply (all of them when none
    was issued yet)."""

    indicator: str
    period: str
    area: str | None
    old: str | None  # as the last issued letter wrote it; None: it quoted no such figure
    new: str | None  # as the snapshot writes it
    delivery: str | None  # the delivered file (and load batch) behind the new value


@dataclass(frozen=True)
class Snapshot:
    id: int
    reply: str
    draft_run_id: str
    signoff_run_id: str
    docx: Path
    markdown: Path
    sha256: str  # of the DOCX
    changes: tuple[FigureChange, ...]
    unchanged: bool  # True when no figure differs from the last issued letter of that reply
    status: str = PENDING
    last_batch_id: int | None = None  # the highest load batch published when it was taken
    superseded_by: str | None = None  # the newer sign-off run, once superseded
    previous_sequence: int | None = None  # the issued letter of the reply it was compared with


@dataclass(frozen=True)
class Response:
    """An official's answer to the approval."""

    official: str
    login: str
    option: str  # ISSUE or RETURN
    comment: str  # 意见
    responded_at: datetime


@dataclass(frozen=True)
class IssuedLetter:
    number: int
    reply: str
    sequence: int  # n of out/issued/<reply>-<n>.docx
    docx: Path
    markdown: Path
    sha256: str
    official: str
    login: str
    comment: str
    issued_at: datetime
    signoff_run_id: str

    @property
    def name(self) -> str:
        return f"{self.reply}-{self.sequence}"


def stored_time(moment: datetime) -> str:
    """A moment as the tables keep it: UTC, ISO, without the zone (a naive one is UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat()


def read_time(stored: str) -> datetime:
    return datetime.fromisoformat(stored).replace(tzinfo=UTC)
