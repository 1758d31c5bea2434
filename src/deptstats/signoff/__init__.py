"""The office signs off a reply: a snapshot of the drafted letter with every figure it quotes and
its provenance, the approval's text for the official in plain Chinese (what changed since the
last issued letter, the review notes, the verification), and the answer: 签发 issues the
snapshot as a numbered letter under out/issued/, recorded with its figures and never rewritten;
退回 records the reason. An issued letter can be checked against what it made public, whatever
the warehouse says later."""

from deptstats.core import lazy_exports

__all__ = [
    "ISSUE",
    "RETURN",
    "FigureChange",
    "IssuedFigureChanged",
    "IssuedLetter",
    "Response",
    "SignoffRefused",
    "Snapshot",
    "approval_brief",
    "issue",
    "issued_figures_changed",
    "issued_letter",
    "issued_letters",
    "reject",
    "rejections",
    "snapshot_of_run",
    "supersede_pending",
    "take_snapshot",
    "verify_issued",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "brief": ["approval_brief"],
        "issued_verify": ["verify_issued"],
        "notices": ["IssuedFigureChanged", "issued_figures_changed"],
        "issuing": ["issue", "issued_letter", "issued_letters", "reject", "rejections"],
        "model": [
            "ISSUE",
            "RETURN",
            "FigureChange",
            "IssuedLetter",
            "Response",
            "SignoffRefused",
            "Snapshot",
        ],
        "snapshots": ["snapshot_of_run", "supersede_pending", "take_snapshot"],
    },
)
