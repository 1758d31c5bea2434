"""Reading deliveries: the landing folder scanned into deliveries (which extract and period each
file claims to be, its sha256), and each file read as tables of raw cells (CSV, streamed when
large; XLSX through a bounded workbook reader) with its header matched to the registry's
columns. Files that are not what they claim are refused here, before anything is validated."""

from deptstats.core import lazy_exports

__all__ = [
    "Delivery",
    "FileRenewed",
    "FileReplaced",
    "IrregularCsv",
    "LandingMissing",
    "RawTable",
    "ReadError",
    "check_landing",
    "deliveries_of",
    "iter_tables",
    "max_file_bytes",
    "read_file",
    "readers",
    "scan",
    "sha256_of",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "landing": [
            "Delivery",
            "FileRenewed",
            "FileReplaced",
            "LandingMissing",
            "check_landing",
            "deliveries_of",
            "max_file_bytes",
            "scan",
            "sha256_of",
        ],
        "readers": ["iter_tables", "read_file"],
        "tables": ["IrregularCsv", "RawTable", "ReadError"],
    },
    modules=["readers"],
)
