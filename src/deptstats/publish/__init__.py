"""Loading one extract into the warehouse: each delivered file read, validated and, when it
passes, published write-audit-publish in one transaction; the bookkeeping of each attempt
(batches, validation runs, problems), the rows a re-delivery changed, what each run did with
each file, and the files recorded without being loaded."""

from deptstats.core import lazy_exports

__all__ = [
    "EXTENSIONS",
    "SHOWN",
    "STATUS_WORDS",
    "ExtractRejected",
    "FileOutcome",
    "NotDeliverable",
    "Placed",
    "ScreenReport",
    "Upload",
    "as_text",
    "canonical_name",
    "counted",
    "deliver",
    "describe",
    "load_extract",
    "period_rows",
    "problems_command",
    "record_outcomes",
    "record_refusal",
    "record_unmatched",
    "screen",
    "steward_message",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "delivering": [
            "EXTENSIONS",
            "NotDeliverable",
            "Placed",
            "Upload",
            "canonical_name",
            "deliver",
            "record_refusal",
        ],
        "file_outcome": [
            "STATUS_WORDS",
            "ExtractRejected",
            "FileOutcome",
            "problems_command",
            "steward_message",
        ],
        "loading": ["load_extract"],
        "outcomes": ["record_outcomes"],
        "screening": ["SHOWN", "ScreenReport", "screen"],
        "row_changes": ["as_text", "counted", "describe", "period_rows"],
        "unloaded": ["record_unmatched"],
    },
)
