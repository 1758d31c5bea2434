"""Great Expectations suites built from the registry, and what they say about one file.

One job per module: `results` (Problem, the report, the rules' wording), `frames` (the frame GX
sees), `suite` (the expectations), `cells` (cells no column may hold), `groups` (one row per
distinct value), `uniqueness` (exact codes of a large file), `gx_runner` (running GX, Data
Docs), `docs` (where Data Docs go), `row_problems` (from a GX result back to the file's rows),
`file_validation` (a file fed chunk by chunk), and what it keeps from chunk to chunk:
`chunk_tally` (rows, the total row), `findings` (problems, failed checks), `file_level` (the
rules about the whole file).
"""

import os

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from deptstats.validation.cells import cell_problems, inexact_amounts, significant_digits
from deptstats.validation.docs import DocsTarget
from deptstats.validation.file_validation import FileValidation, validate
from deptstats.validation.frames import build_frame
from deptstats.validation.results import (
    CELL_CHARACTERS,
    PATTERNS,
    ROW,
    VALUE,
    ExpectationOutcome,
    Problem,
    ValidationReport,
    suite_name,
)
from deptstats.validation.suite import Check, build_checks

__all__ = [
    "CELL_CHARACTERS",
    "PATTERNS",
    "ROW",
    "VALUE",
    "Check",
    "DocsTarget",
    "ExpectationOutcome",
    "FileValidation",
    "Problem",
    "ValidationReport",
    "build_checks",
    "build_frame",
    "cell_problems",
    "inexact_amounts",
    "significant_digits",
    "suite_name",
    "validate",
]
