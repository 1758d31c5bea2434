"""A document checked against an issued letter: its figures, found as `verify` finds them,
against the figures the letter made public (issued_figure), not the warehouse of today. A
printed letter can thus be checked years later, after re-deliveries have changed the figures."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from deptstats.audit import Verification, verify_against
from deptstats.core import Registry
from deptstats.signoff.issuing import issued_figures, issued_letter


def verify_issued(
    engine: Engine, path: Path, number: int, registry: Registry, code: str | None = None
) -> Verification:
    """The verification (deptstats.audit's, as `verify` prints it) of the document at `path`
    against issued letter `number`; `code` names the reply, None: the letter's."""
    letter = issued_letter(engine, number)
    records = {
        (f["indicator"], f["period"], f["area"]): {
            "value": f["value_text"],
            "display": f["shown"],
            "file": f["file"],
        }
        for f in issued_figures(engine, number)
    }
    return verify_against(
        path,
        records,
        code or letter.reply,
        registry,
        against=f"issued letter {number} ({letter.name}, {letter.issued_at:%Y-%m-%d})",
        column=f"issued letter {number}",
    )
