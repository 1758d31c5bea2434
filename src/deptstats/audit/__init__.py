"""Checking what was sent: the figures found in a drafted document verified against the
warehouse, a warehouse as it stood after a load batch, and what changed between two drafts or
two warehouse states, with the deliveries that caused it; and the submission board of a reply
(who has delivered what it quotes, and who is late), and the notices e-mailed from it."""

# bound here rather than lazily: `diff` is also the name of its module, which would hide it
from deptstats.audit.diff import diff
from deptstats.core import lazy_exports

__all__ = [
    "STATE_WORDS",
    "NoSuchBatch",
    "Notice",
    "NoticeItem",
    "Verification",
    "batch_line",
    "board",
    "board_lines",
    "cell_digest",
    "changed_by",
    "changed_by_run",
    "compose_notice",
    "deadline_notice",
    "diff",
    "is_batch",
    "needs_notice",
    "notice_items",
    "resolve",
    "rows_for_table",
    "unsent",
    "verify_against",
    "verify_document",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "submission_board": ["STATE_WORDS", "board", "board_lines"],
        "department_notices": [
            "Notice",
            "NoticeItem",
            "cell_digest",
            "compose_notice",
            "deadline_notice",
            "needs_notice",
            "notice_items",
            "unsent",
        ],
        "batch_states": ["NoSuchBatch", "batch_line", "is_batch", "resolve"],
        "diff": ["changed_by", "changed_by_run", "rows_for_table"],
        "verify": ["Verification", "verify_against", "verify_document"],
    },
)
