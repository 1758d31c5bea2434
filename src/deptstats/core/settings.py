"""Tuning of the loader in one place (sizes measured on a 2-core machine; see README,
Benchmark; tests and the benchmark change these on TUNING, never on the modules), and the
defaults of a run: the settle time and the reply drafted."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass


@dataclass
class Tuning:
    # readers: a CSV of this size or more streams in chunks instead of being read whole
    fast_csv_bytes: int = 4 * 1024 * 1024
    chunk_rows: int = 100_000  # rows written at a time: small, so the server starts early
    block_bytes: int = 1 << 20  # what pyarrow parses at a time: the first chunk comes soon
    tail_rows: int = 50  # total and footer rows are looked for among the last rows
    # loading: rows of a streamed file checked together (a GX run costs ~0.2 s, any size)
    check_rows: int = 1_000_000
    # validation: below this many rows one pass over the whole file beats a pass per
    # distinct set; columns with at most padded_rows distinct values share one padded frame
    distinct_from_rows: int = 50_000
    padded_rows: int = 100_000
    # uniqueness codes are made by parts from this many values on, in this many parts
    parts_from: int = 2_000_000
    parts: int = 64


TUNING = Tuning()


# A file modified less than this long before a load is left for the next run: it may still be
# being written (a copy over the network, an export in progress).
DEFAULT_SETTLE_SECONDS = 300.0


def non_negative_setting(env: str, default: float) -> float:
    """A number of seconds (or milliseconds) from the environment: finite, 0 or more; the
    default when unset. ValueError names the variable otherwise."""
    configured = os.environ.get(env, "").strip()
    if not configured:
        return default
    try:
        number = float(configured)
    except ValueError:
        number = -1.0
    if not 0 <= number < math.inf:  # also refuses nan
        raise ValueError(f"{env}={configured!r}: give a number, 0 or more")
    return number


def settle_seconds() -> float:
    """The settle time: $DEPTSTATS_SETTLE_SECONDS, else DEFAULT_SETTLE_SECONDS (0 turns the
    wait off)."""
    return non_negative_setting("DEPTSTATS_SETTLE_SECONDS", DEFAULT_SETTLE_SECONDS)


# The reply drafted when none is named: include/replies/<code>.toml and <code>.md.j2.
DEFAULT_REPLY = "reply-2024-147"
