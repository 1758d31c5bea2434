"""What became of a delivered file (small enough for XCom), and the steward's message when an
extract's files are refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from deptstats.core import N_, Speaker

# batch id -> where the steward finds every problem of that batch (a page's address, or the
# command that lists them): the Airflow layer knows which
ProblemsLink = Callable[[int], str]


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
    delivery_id: int | None = None  # its delivery row, once recorded
    explained_by: str | None = None  # its warnings explained by this uploader (upload.explanation)


def problems_command(warehouse: str) -> ProblemsLink:
    """The command that lists a batch's problems, naming the warehouse without its password:
    where the steward looks when no api-server serves the run."""
    from sqlalchemy.engine import URL, make_url

    url = make_url(warehouse)
    shown = URL.create(
        url.drivername, url.username, None, url.host, url.port, url.database, url.query
    ).render_as_string(hide_password=False)
    return lambda batch_id: f"deptstats problems --batch {batch_id} --warehouse {shown}"


# what a log or the command line calls a file's outcome (FileOutcome.status)
STATUS_WORDS = {
    "published": N_("PUBLISHED"),
    "rejected": N_("REJECTED"),
    "skipped": N_("SKIPPED"),
    "arriving": N_("ARRIVING"),
}


class ExtractRejected(Exception):
    """One or more files of an extract were refused; steward_message() says so."""

    def __init__(self, outcomes: list[FileOutcome]):
        self.outcomes = outcomes
        super().__init__(steward_message(self.rejected))

    @property
    def rejected(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "rejected"]


def steward_message(
    rejected: list[FileOutcome], problems_link: ProblemsLink | None = None, language: str | None = None
) -> str:
    """What the steward is told of refused files, in `language` (the deployment's when None);
    `problems_link` gives where a batch's full list of problems is (none: no such line)."""
    _ = Speaker(language)
    lines = []
    for outcome in rejected:
        lines.append(
            _(
                "REJECTED {file} (sha256 {sha256}): {message}",
                file=outcome.file,
                sha256=outcome.sha256[:12],
                message=outcome.message,
            )
        )
        lines.extend(f"  - {example}" for example in outcome.examples)
        if outcome.errors > len(outcome.examples):
            lines.append("  " + _("... {count} more", count=outcome.errors - len(outcome.examples)))
        if outcome.batch_id is not None and problems_link is not None:
            lines.append("  " + _("Full list: {link}", link=problems_link(outcome.batch_id)))
    lines.append(
        _(
            "Earlier publications of these extracts are unchanged. Fix the file in the "
            "landing folder, then clear this task to load it again."
        )
    )
    return "\n".join(lines)
