"""The exact codes a large file's uniqueness check compares."""

from __future__ import annotations

import random

import pytest

from deptstats.core.settings import TUNING
from deptstats.validation.uniqueness import exact_codes


@pytest.mark.parametrize("parts_from", [0, 1 << 62], ids=["by parts", "in one"])
def test_uniqueness_codes_are_equal_exactly_for_equal_values(monkeypatch, parts_from):
    """Codes made in one hash table or part by part: equal values, equal codes; missing is
    NaN."""
    import numpy as np
    import pyarrow as pa

    monkeypatch.setattr(TUNING, "parts_from", parts_from)
    monkeypatch.setattr(TUNING, "parts", 4)
    rng = random.Random(7)
    pool = ["L1", "L2", "a", "贷款001", "贷款002", "x" * 40, "ab", "b"] + [f"GJJ{i}" for i in range(50)]
    values = [rng.choice([*pool, None]) for _ in range(3000)]
    chunks = [pa.array(values[i : i + 700], pa.large_string()) for i in range(0, 3000, 700)]
    codes = exact_codes(chunks)
    assert len(codes) == len(values)
    assert [v is None for v in values] == np.isnan(np.asarray(codes, dtype=float)).tolist()
    code_of: dict[str, set] = {}
    value_of: dict[float, set] = {}
    for value, code in zip(values, codes, strict=True):
        if value is not None:
            code_of.setdefault(value, set()).add(float(code))
            value_of.setdefault(float(code), set()).add(value)
    assert all(len(c) == 1 for c in code_of.values())
    assert all(len(v) == 1 for v in value_of.values())
    assert len(code_of) == len({v for v in values if v is not None})
