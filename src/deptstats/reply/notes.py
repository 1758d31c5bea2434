"""The review notes of a draft as data: each note is a kind, the figure it is about and its
parameters, kept so in the draft's provenance.json. The review document words them here (in the
reader's language, from the catalogs); the sign-off's brief words them its own way from the
same data, never from the wording."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from deptstats.core import N_, Speaker

# what the review document says of each kind; {figure} names it, {shown} is what the letter says
FLAGGED_TEXT = N_("{figure} = {shown}: {reasons}")
MOVED_TEXT = N_("moved {change}% against {earlier_period} ({earlier})")
SOURCE_WARNINGS_TEXT = N_("source publication has {count} warning(s)")
EXPLAINED_TEXT = N_(
    "{figure} = {shown}: the {warnings} warning(s) of its source file were explained by {uploaded_by} "
    "when it was delivered: {explanation}"
)
REASON_SEPARATOR = N_("; ")
MISSING_TEXT = N_("{figure}: {why}; the letter shows {shown}")
GB2312_TEXT = N_(
    "warning: {role} '{name}': '{char}' (U+{code}) is outside GB2312; GB2312 fonts will not show it, "
    "check the printed letter"
)
ROLES = {
    "office": N_("issuing office"),
    "signer": N_("signer"),
    "deputy": N_("deputy"),
    "contact": N_("contact"),
    "copy_to": N_("copied-to office"),
    "printed_by": N_("printing office"),
}
# why a figure is missing (missing.why_missing): {source} is the extract and period
WHY = {
    "replaced": N_(
        "{source} is published (load batch {published}), but {indicator}{where} was computed from "
        "load batch {batch}, a delivery since replaced: compute_indicators failed or has not run since"
    ),
    "zero_denominator": N_(
        "{source} is published (load batch {published}), but the value{where} is undefined: its "
        "denominator is 0"
    ),
    "no_numerator": N_(
        "{source} is published (load batch {published}), but the value{where} is undefined: its SQL "
        "gave no numerator"
    ),
    "not_computed": N_(
        "{source} is published (load batch {published}), but {indicator} has no computed "
        "value{where}: compute_indicators failed or has not run since"
    ),
    "never_delivered": N_(
        "{source} has no publication: never delivered (no file {stem}.csv/.xlsx/.json has reached "
        "the landing folder)"
    ),
    "refused": N_("{source} has no publication: {file} was refused ({message})"),
    "not_published": N_("{source} has no publication: its delivery {file} is {status}"),
    "unknown": N_("no published data"),
}
WHERE = N_(" for {area}")


@dataclass(frozen=True)
class Figure:
    """A figure the letter quotes, as a note names it."""

    indicator: str
    period: str
    area: str | None
    shown: str

    def label(self) -> str:
        """The figure's codes (the same in every language): indicator, period and area."""
        return f"{self.indicator} {self.period}" + (f" {self.area}" if self.area else "")


@dataclass(frozen=True)
class Note:
    """One review note. Kinds and their parameters:
    flagged (a figure): change, earlier_period, earlier (moved against an earlier period),
      warnings (of the source publication), other (a stored reason of another form);
    missing (a figure): why (a key of WHY) and that sentence's parameters;
    explained (a figure): warnings (of its source file), explanation and uploaded_by (the
      explanation given with that file's upload);
    gb2312 (no figure): role (a key of ROLES), name, char, code (its hex code point)."""

    FLAGGED: ClassVar[str] = "flagged"
    EXPLAINED: ClassVar[str] = "explained"
    MISSING: ClassVar[str] = "missing"
    GB2312: ClassVar[str] = "gb2312"

    kind: str
    figure: Figure | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        figure = None if self.figure is None else vars(self.figure)
        return {"kind": self.kind, "figure": figure, "params": dict(self.params)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Note:
        figure = data.get("figure")
        return cls(data["kind"], None if figure is None else Figure(**figure), dict(data.get("params") or {}))

    def reasons(self, language: str | None = None) -> list[str]:
        """A flagged figure's reasons, each worded."""
        _, p = Speaker(language), self.params
        found = []
        if "change" in p:
            found.append(
                _(MOVED_TEXT, change=p["change"], earlier_period=p["earlier_period"], earlier=p["earlier"])
            )
        if p.get("warnings"):
            found.append(_(SOURCE_WARNINGS_TEXT, count=p["warnings"]))
        if p.get("other"):
            found.append(str(p["other"]))
        return found

    def why(self, language: str | None = None) -> str:
        """Why a missing figure is missing."""
        _ = Speaker(language)
        params = {key: value for key, value in self.params.items() if key != "why"}
        area = self.figure.area if self.figure else None
        where = _(WHERE, area=area) if area else ""
        return _(WHY.get(self.params.get("why", ""), WHY["unknown"]), where=where, **params)

    def text(self, language: str | None = None) -> str:
        """The note as the review document says it."""
        _ = Speaker(language)
        figure, p = self.figure, self.params
        if self.kind == self.GB2312:
            role = _.gettext(ROLES[p["role"]]) if p["role"] in ROLES else p["role"]
            return _(GB2312_TEXT, role=role, name=p["name"], char=p["char"], code=p["code"])
        if figure is None:
            return str(p.get("text", self.kind))
        if self.kind == self.MISSING:
            return _(MISSING_TEXT, figure=figure.label(), why=self.why(language), shown=figure.shown)
        if self.kind == self.EXPLAINED:
            return _(EXPLAINED_TEXT, figure=figure.label(), shown=figure.shown, **p)
        reasons = _.gettext(REASON_SEPARATOR).join(self.reasons(language))
        return _(FLAGGED_TEXT, figure=figure.label(), shown=figure.shown, reasons=reasons)


def notes_from_json(items: list[Any]) -> list[Note | str]:
    """The review notes a provenance.json keeps; a draft made before notes were data kept them
    as sentences, which come back as they are."""
    return [item if isinstance(item, str) else Note.from_json(item) for item in items]
