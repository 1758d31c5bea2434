"""Great Expectations suites built from the registry, and what they say about one file.

One job per module: `results` (Problem, the report, the rules' wording), `normalized_frame`
(the frame GX sees), `suite` (the expectations), `cells` (cells no column may hold), `groups`
(one row per distinct value), `uniqueness` (exact codes of a large file), `gx_runner` (running
GX; no Data Docs are built), `row_problems` (from a GX result back to the file's rows),
`file_validation` (a file fed chunk by chunk). What it keeps from chunk to chunk: `chunk_tally`
(rows, the total row), `findings` (problems, failed checks), `file_level` (the rules about the
whole file).
"""

from deptstats.core import lazy_exports

__all__ = [
    "ROW",
    "VALUE",
    "FileValidation",
    "Problem",
    "ValidationReport",
    "build_checks",
    "build_frame",
    "per_distinct",
    "suite_name",
    "text_series",
    "validate",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "file_validation": ["FileValidation", "validate"],
        "normalized_frame": ["build_frame", "per_distinct", "text_series"],
        "results": ["ROW", "VALUE", "Problem", "ValidationReport", "suite_name"],
        "suite": ["build_checks"],
    },
)
