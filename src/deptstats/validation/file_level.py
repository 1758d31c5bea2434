"""The rules about a file as a whole (uniqueness, every area present) over a file read in
several chunks: what they need of each chunk is kept as the chunks come, and they run once every
chunk is in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from deptstats.validation.findings import FailingRows, Findings
from deptstats.validation.groups import KEY
from deptstats.validation.gx_runner import Gx
from deptstats.validation.results import ROW, Problem
from deptstats.validation.suite import Check
from deptstats.validation.uniqueness import arrow_chunks, deal_all, encode_parts

if TYPE_CHECKING:
    import pandas as pd


class UniqueColumns:
    """The values of the columns that must be unique and their row numbers, kept chunk by
    chunk, the values dealt into parts as they come (see uniqueness.exact_codes)."""

    def __init__(self, columns: set[str]):
        self.columns = columns
        self._values: dict[str, list[Any]] = {}  # column -> its values, as Arrow arrays
        self._rows: list[Any] = []  # the row numbers of each chunk kept
        self._dealt: dict[str, list[Any]] = {}  # column -> its values dealt
        self._dealt_arrays: dict[str, int] = {}  # column -> arrays dealt so far

    def keep(self, frame: pd.DataFrame) -> None:
        for column in self.columns:
            self._values.setdefault(column, []).extend(arrow_chunks(frame[column]))
        if self.columns:
            self._rows.append(frame[ROW].to_numpy())

    def deal(self) -> None:
        """Deal the values that came since the last time."""
        for column, arrays in self._values.items():
            done = self._dealt_arrays.get(column, 0)
            self._dealt.setdefault(column, []).extend(
                deal_all(arrays[done:], sum(len(a) for a in arrays[:done]))
            )
            self._dealt_arrays[column] = len(arrays)

    def codes(self) -> tuple[pd.DataFrame, Any, dict[str, Any]] | None:
        """Every chunk is in: a frame of each column's exact codes (KEY: the row number), the
        row numbers in file order, and each column's values (to name a duplicate). None when
        nothing was kept."""
        import numpy as np
        import pandas as pd
        import pyarrow as pa

        self.deal()  # if the last check had no rows to run on
        total = sum(len(r) for r in self._rows)
        codes = {column: encode_parts(dealt, total) for column, dealt in self._dealt.items()}
        values = {c: pa.chunked_array(arrays, type=pa.large_string()) for c, arrays in self._values.items()}
        if not self._rows:
            return None
        rows = np.concatenate(self._rows)  # increasing: chunks come in file order
        self._rows = []
        part = pd.DataFrame(codes)
        part[KEY] = rows
        part.attrs["whole"] = True
        return part, rows, values


class FileLevelChecks:
    """The checks about the whole file: `numbers`, of the file's checks. Each chunk leaves its
    unique columns' values (keep) and the distinct keys of the aggregate checks
    (keep_distinct_keys); run() checks them once every chunk is in."""

    def __init__(self, checks: list[Check], key: str | None):
        self.checks = checks
        self.key = key  # the column that names a row
        self.numbers = [n for n, c in enumerate(checks) if c.key_columns() is None or c.aggregate]
        self._unique_checks = [n for n in self.numbers if checks[n].key_columns() is None]
        self.unique = UniqueColumns({checks[n].expectation.column for n in self._unique_checks})
        self._distinct: dict[int, pd.DataFrame] = {}  # aggregate check -> distinct keys so far

    def keep_distinct_keys(self, frame: pd.DataFrame) -> None:
        import pandas as pd

        for number in self.numbers:
            check = self.checks[number]
            if check.aggregate:
                keys = list(check.key_columns())
                seen = pd.concat([self._distinct.get(number), frame[keys]])
                self._distinct[number] = seen.drop_duplicates(ignore_index=True)

    def run(self, gx: Gx, findings: Findings) -> None:
        """Every chunk is in: run the checks, their findings recorded."""
        import pandas as pd

        codes = self.unique.codes()
        groups: list[tuple[pd.DataFrame, list[int]]] = []
        for number, distinct in self._distinct.items():
            distinct = distinct.copy()
            distinct[KEY] = pd.RangeIndex(len(distinct))
            groups.append((distinct, [number]))
        rows, values = None, {}
        if self._unique_checks and codes is not None:
            part, rows, values = codes
            groups.append((part, self._unique_checks))
        if groups:
            findings.record(gx.run(groups, self.checks), self._duplicates(rows, values))

    def _duplicates(self, rows: Any, values: dict[str, Any]) -> FailingRows:
        """The rows a uniqueness check failed on, named by their row numbers (`rows`, in file
        order) and values."""
        import numpy as np

        def duplicates(number: int, result: Any, _part: pd.DataFrame) -> list[Problem]:
            check = self.checks[number]
            failing = np.sort(
                np.array([e[KEY] for e in result.result["unexpected_index_list"]], dtype=np.int64)
            )
            column = values[check.expectation.column]
            # only the checked column's values are kept: the key if it is that column
            named = check.columns[0] == self.key
            found = [column[int(i)].as_py() for i in np.searchsorted(rows, failing)]
            return [
                Problem(
                    check.severity,
                    check.message,
                    int(row),
                    check.columns[0],
                    value,
                    row_key=value if named else None,
                )
                for row, value in zip(failing, found, strict=True)
            ]

        return duplicates
