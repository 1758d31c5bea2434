"""The indicators, computed in the warehouse from the published rows (one SQL file each under
include/sql/indicators), and the read-side queries (include/sql/report) that the command line,
the stewards' pages, the reply and the audit read, with the tables the command line prints."""

from deptstats.core import lazy_exports

__all__ = [
    "compute_indicators",
    "figures",
    "figures_by_key",
    "loads",
    "problems",
    "query",
    "read_note",
    "render",
    "worded",
    "write_figures_xlsx",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "compute": ["compute_indicators"],
        "flag_notes": ["read_note"],
        "reports": ["figures", "figures_by_key", "loads", "problems", "query", "render", "worded"],
        "workbook": ["write_figures_xlsx"],
    },
)
