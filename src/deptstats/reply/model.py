"""The letter as drafted: the figures it quotes and its blocks of text, shared by the Markdown,
the GB/T 9704 DOCX and the review documents."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from deptstats.reply.notes import Note

# no blanks inside, so the placeholder reads the same after a document's blanks are dropped
MISSING = "【缺数：{code}（{period}{area}）】"


@dataclass(frozen=True)
class Quoted:
    """A figure the letter quotes: what it says and the warehouse record behind it (None when
    nothing is published)."""

    indicator: str
    period: str
    area: str | None
    shown: str
    record: dict[str, Any] | None

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.indicator, self.period, self.area)


@dataclass
class Letter:
    config: dict[str, Any]
    blocks: list[tuple[str, str]]  # ("heading" | "paragraph", text)
    quoted: list[Quoted]
    warnings: list[Note] = field(default_factory=list)  # of the letter as a whole (gb2312)
    # why each missing figure is missing (missing.why_missing: a missing note's parameters), by
    # Quoted.key
    why: dict[tuple[str, str, str | None], dict[str, Any]] = field(default_factory=dict)
    # the explanation given with the upload of a quoted figure's source file (填写说明后上报):
    # explanation, uploaded_by, uploaded_at, by that file's sha256
    explained: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def missing(self) -> list[Quoted]:
        return [q for q in self.quoted if q.record is None]


def date_label(day: date) -> str:
    """成文日期 with Arabic numerals and no leading zero: 2024年6月5日."""
    return f"{day.year}年{day.month}月{day.day}日"
