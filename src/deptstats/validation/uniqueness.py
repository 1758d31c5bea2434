"""Uniqueness over a large file: exact codes of a column's values, made by parts so each hash
table stays small."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from deptstats.core import TUNING

if TYPE_CHECKING:
    import pandas as pd


def exact_codes(chunks: list[Any]) -> Any:
    """Exact codes of a text column given as Arrow chunks: equal values get equal numbers,
    missing stays missing (NaN). What uniqueness needs, without GX hashing and comparing
    millions of strings. From TUNING.parts_from values on, the values are dealt into parts (_deal)
    and each part is encoded on its own (encode_parts): one hash table over ten million
    values spends its time waiting for memory (2.4 s here, against 0.15 s for a million),
    small ones stay in the cache."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if sum(len(chunk) for chunk in chunks) < TUNING.parts_from:
        encoded = pc.dictionary_encode(pa.chunked_array(chunks, type=pa.large_string()))
        codes = [chunk.indices.to_numpy(zero_copy_only=False) for chunk in encoded.chunks]
        return np.concatenate(codes) if codes else np.array([], dtype=np.int32)
    return encode_parts(deal_all(chunks, 0), sum(len(chunk) for chunk in chunks))


def deal_all(arrays: list[Any], start: int) -> list[list[tuple[Any, Any]]]:
    """_deal of consecutive arrays of a column, the first value being its `start`-th."""
    import numpy as np

    arrays = _regrouped(arrays, 250_000)  # Arrow's 1 MB blocks are too small to deal one by one
    starts = start + np.cumsum([0] + [len(array) for array in arrays])
    return [_deal(array, int(at)) for array, at in zip(arrays, starts, strict=False)]


def _deal(chunk: Any, start: int) -> list[tuple[Any, Any]]:
    """A text column's values (an Arrow array whose first value is the column's `start`-th)
    dealt into TUNING.parts parts by their last characters, each with the values' positions in the
    column; one more part holds the missing values. Equal values land in the same part."""
    from itertools import pairwise

    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    endings = pc.dictionary_encode(pc.utf8_slice_codeunits(chunk, -3))
    # hash() of the endings: the same part for the same ending within this process
    part_of = np.array(
        [hash(e) % TUNING.parts for e in endings.dictionary.to_pylist()] + [TUNING.parts], dtype=np.int64
    )
    parts = part_of[endings.indices.fill_null(-1).to_numpy()]  # -1: missing
    order = np.argsort(parts, kind="stable")
    bounds = np.searchsorted(parts[order], np.arange(TUNING.parts + 2))
    values = chunk.take(pa.array(order))
    positions = order + start
    return [(values.slice(a, b - a), positions[a:b]) for a, b in pairwise(bounds)]


def encode_parts(deals: list[list[tuple[Any, Any]]], total: int) -> Any:
    """Codes of a column of `total` values from its dealt chunks: each part encoded on its own,
    two at a time (Arrow's kernels run without the GIL), numbered one after the other."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    def encode(part: int) -> tuple[Any, Any, int]:
        held = [dealt[part] for dealt in deals if len(dealt[part][0])]
        if not held:
            return np.array([], dtype=np.int64), np.array([], dtype=np.int64), 0
        encoded = pc.dictionary_encode(pa.chunked_array([v for v, _ in held], type=pa.large_string()))
        local = np.concatenate([c.indices.to_numpy() for c in encoded.chunks])
        return np.concatenate([p for _, p in held]), local, len(encoded.chunks[-1].dictionary)

    codes = np.full(total, -1, dtype=np.int64)
    offset = 0
    with ThreadPoolExecutor(max_workers=2) as pool:
        for positions, local, distinct in pool.map(encode, range(TUNING.parts)):  # not the missing
            codes[positions] = local + offset
            offset += distinct
    # whole numbers hash and compare faster; floats only if NaN must mark missing values
    if (codes < 0).any():
        return np.where(codes < 0, np.nan, codes)
    return codes.astype(np.int32) if offset < 2**31 else codes


def _regrouped(chunks: list[Any], rows: int) -> list[Any]:
    """Consecutive Arrow arrays joined into arrays of at least `rows` rows (the last fewer)."""
    import pyarrow as pa

    groups: list[list[Any]] = [[]]
    held = 0  # rows in the last group
    for chunk in chunks:
        if held >= rows:
            groups.append([])
            held = 0
        groups[-1].append(chunk.cast(pa.large_string()))
        held += len(chunk)
    return [pa.concat_arrays(group) if len(group) > 1 else group[0] for group in groups if group]


def arrow_chunks(series: pd.Series) -> list[Any]:
    """A text column as Arrow string arrays (no copy for an Arrow-backed one)."""
    import pyarrow as pa

    values = pa.array(series, type=pa.large_string(), from_pandas=True)
    return values.chunks if isinstance(values, pa.ChunkedArray) else [values]
