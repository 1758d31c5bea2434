"""What became of a delivered file (small enough for XCom), and the steward's message when an
extract's files are refused."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FileOutcome:
    """What happened to one delivered file; small enough for XCom."""

    file: str
    extract: str
    period: str
    sha256: str
    status: str  # published, rejected, skipped, or arriving (still being written: next run)
    rows: int = 0
    errors: int = 0
    warnings: int = 0
    batch_id: int | None = None
    message: str = ""
    examples: list[str] = field(default_factory=list)
    docs_page: str | None = None
    delivery_id: int | None = None  # its delivery row, once recorded


class ExtractRejected(Exception):
    """One or more files of an extract were refused; the message is for the steward."""

    def __init__(self, outcomes: list[FileOutcome]):
        self.outcomes = outcomes
        super().__init__(steward_message([o for o in outcomes if o.status == "rejected"]))


def steward_message(rejected: list[FileOutcome]) -> str:
    lines = []
    for outcome in rejected:
        lines.append(f"REJECTED {outcome.file} (sha256 {outcome.sha256[:12]}): {outcome.message}")
        lines.extend(f"  - {example}" for example in outcome.examples)
        if outcome.errors > len(outcome.examples):
            lines.append(f"  ... {outcome.errors - len(outcome.examples)} more")
        if outcome.batch_id is not None:
            lines.append(
                f"  Full list: deptstats problems --file {outcome.file}  "
                f"(warehouse table problem, batch_id {outcome.batch_id})"
            )
        if outcome.docs_page:
            lines.append(f"  Validation report: {outcome.docs_page}")
    lines.append(
        "Earlier publications of these extracts are unchanged. Fix the file in the "
        "landing folder, then clear this task to load it again."
    )
    return "\n".join(lines)


# ------------------------------------------------------------------ rows to publish
