"""Figures of an issued letter that the warehouse no longer gives as the letter quotes them: a
later publication changed them, a matter for a correction rather than a silent overwrite. The
nightly's log tells those its own publications changed; the stewards' pages tell them all."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from deptstats.core import Registry, gettext, render
from deptstats.signoff import words
from deptstats.signoff.issuing import as_letter
from deptstats.signoff.model import IssuedLetter
from deptstats.signoff.snapshots import tables


@dataclass(frozen=True)
class IssuedFigureChanged:
    letter: IssuedLetter
    indicator: str
    name: str
    period: str
    area: str | None
    issued: str  # as the letter quotes it
    now: str  # as the warehouse gives it now
    delivery: str  # the delivery behind the value of now
    batch_id: int | None

    def line(self) -> str:
        day = self.letter.issued_at.strftime("%Y-%m-%d")
        return render(
            words.NOTICE,
            letter=self.letter.name,
            number=self.letter.number,
            official=self.letter.official,
            day=day,
            name=self.name,
            indicator=self.indicator,
            period=self.period,
            area=self.area or gettext(words.CITYWIDE),
            issued=self.issued,
            now=self.now,
            delivery=self.delivery,
        )


def latest_letters(engine: Engine) -> list[tuple[IssuedLetter, list[dict]]]:
    """The last issued letter of each reply (an earlier one was corrected by it), with its
    figures."""
    letter, figure = tables()["issued_letter"], tables()["issued_figure"]
    last = select(letter.c.reply, func.max(letter.c.sequence).label("sequence")).group_by(letter.c.reply)
    last = last.subquery()
    with engine.connect() as conn:
        rows = conn.execute(
            select(letter)
            .join(last, (last.c.reply == letter.c.reply) & (last.c.sequence == letter.c.sequence))
            .order_by(letter.c.number)
        ).mappings()
        found = [as_letter(row) for row in rows]
        return [
            (
                one,
                [
                    dict(f._mapping)
                    for f in conn.execute(
                        select(figure).where(figure.c.number == one.number).order_by(figure.c.position)
                    )
                ],
            )
            for one in found
        ]


def issued_figures_changed(
    engine: Engine, registry: Registry, batch_ids: Iterable[int] | None = None
) -> list[IssuedFigureChanged]:
    """Each figure of the last issued letter of each reply that the warehouse now gives
    otherwise; with `batch_ids`, only those whose value now comes from one of these batches
    (what a run published)."""
    from deptstats.indicators import figures_by_key

    wanted = None if batch_ids is None else set(batch_ids)
    current = figures_by_key(engine)
    found = []
    for letter, figures in latest_letters(engine):
        for figure in figures:
            record = current.get((figure["indicator"], figure["period"], figure["area"]))
            now = record["display"] if record and record["value"] is not None else None
            if now == figure["shown"] or (
                wanted is not None and (record or {}).get("batch_id") not in wanted
            ):
                continue
            delivery = (
                render(
                    words.NOTICE_DELIVERY,
                    file=record["file"],
                    sha256=record["sha256"][:12],
                    batch_id=record["batch_id"],
                )
                if record
                else gettext(words.NOTICE_NO_DELIVERY)
            )
            found.append(
                IssuedFigureChanged(
                    letter,
                    figure["indicator"],
                    registry.indicator(figure["indicator"]).name,
                    figure["period"],
                    figure["area"],
                    figure["shown"],
                    now or gettext(words.NOTICE_NO_VALUE),
                    delivery,
                    record["batch_id"] if record else None,
                )
            )
    return found
