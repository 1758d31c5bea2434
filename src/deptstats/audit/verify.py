"""Check a draft against the warehouse: every figure the reply quotes is found in the document
(deptstats.audit.find_figures) and compared with the value the warehouse gives now, as the draft would
write it, or with the figures an issued letter made public. A figure that differs, is missing from
the document, or stands as a 【缺数…】 placeholder is a finding."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from deptstats.audit.find_figures import FoundFigure, figures_in, normalise
from deptstats.core import Registry
from deptstats.indicators import figures_by_key


@dataclass(frozen=True)
class Finding:
    indicator: str
    name: str
    period: str
    area: str | None
    document: str
    warehouse: str
    source_file: str


@dataclass(frozen=True)
class Verification:
    path: Path
    reply: str
    checked: int
    findings: list[Finding]
    against: str = "the warehouse"  # what the figures were checked against
    column: str = "warehouse"  # its column in the table of findings

    def summary(self) -> str:
        if not self.findings:
            return f"OK: {self.path.name} ({self.reply}): all {self.checked} figures match {self.against}"
        return (
            f"FAILED: {self.path.name} ({self.reply}): {len(self.findings)} of "
            f"{self.checked} figures do not match {self.against}"
        )

    def rows(self) -> list[dict[str, str]]:
        return [
            {
                "indicator": f"{f.name} ({f.indicator})",
                "period": f.period,
                "area": f.area or "全市",
                "document": f.document,
                self.column: f.warehouse,
                "source file": f.source_file,
            }
            for f in self.findings
        ]


def finding(figure: FoundFigure, record: dict | None, registry: Registry) -> Finding | None:
    expected = None if record is None or record["value"] is None else record["display"]
    shown = figure.shown
    if shown is not None and expected is not None and normalise(shown) == normalise(expected):
        return None
    if shown is None:
        shown = "(not found: sentence deleted or reworded)"
    elif shown.startswith("【"):
        shown = f"{shown} (placeholder for missing data)"
    return Finding(
        figure.indicator,
        registry.indicator(figure.indicator).name,
        figure.period,
        figure.area,
        shown,
        expected or "(no published data)",
        record["file"] if record else "(none)",
    )


def verify_document(path: Path, engine: Engine, code: str | None, registry: Registry) -> Verification:
    """Every figure of the document against the warehouse; `code` names the reply, None: the
    one whose document number the document shows."""
    return verify_against(path, figures_by_key(engine), code, registry)


def verify_against(
    path: Path,
    records: dict[tuple[str, str, str | None], dict],
    code: str | None,
    registry: Registry,
    against: str = "the warehouse",
    column: str = "warehouse",
) -> Verification:
    """Every figure of the document against `records` (by indicator, period and area: value,
    display and file), e.g. the figures an issued letter made public."""
    reply, found = figures_in(path, code, registry)
    findings = [
        f for figure in found if (f := finding(figure, records.get(figure.key), registry)) is not None
    ]
    return Verification(path, reply, len(found), findings, against, column)
