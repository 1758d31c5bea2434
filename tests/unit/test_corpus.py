"""The corpus of hostile and odd deliveries (tests/corpus/files) is what tests/corpus/cases.py
defines; tests/test_corpus.py loads each case."""

from __future__ import annotations

from tests.corpus.cases import cases
from tests.corpus.regenerate import FILES

CASES = cases()


def test_committed_files_match_the_case_definitions():
    for case in CASES:
        for relative, data in case.files.items():
            assert (FILES / case.name / relative).read_bytes() == data, (case.name, relative)
    assert sorted(p.name for p in FILES.iterdir()) == sorted(c.name for c in CASES)
