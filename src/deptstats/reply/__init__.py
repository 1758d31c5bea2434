"""The reply letter: drafted from its frame and template under include/replies with every
figure from the warehouse, written as Markdown and as a GB/T 9704-2012 DOCX, with the review
notes and provenance in documents of their own (the notes also as data, Note), why each
missing figure is missing, a PDF preview through LibreOffice, and what a reply needs from each
department and by when."""

from deptstats.core import lazy_exports

__all__ = [
    "FORMATS",
    "Draft",
    "DueConfigError",
    "Note",
    "Requirements",
    "Source",
    "draft_reply",
    "figure_period",
    "notes_from_json",
    "render_body",
    "reply_config",
    "requirements",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "drafting": [
            "Draft",
            "FORMATS",
            "draft_reply",
            "figure_period",
            "render_body",
            "reply_config",
        ],
        "due": ["DueConfigError", "Requirements", "Source", "requirements"],
        "notes": ["Note", "notes_from_json"],
    },
)
