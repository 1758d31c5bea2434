"""The COPY text PostgreSQL is fed: unquoted where that is safe, and read back exactly as the
rows were (a cell with a delimiter, quote or line break; an empty string; a missing value)."""

from __future__ import annotations

import psycopg
import pyarrow as pa
import pytest

from deptstats.publish.bulk import copy_text
from tests.conftest import create_pg_database, drop_pg_database

PLAIN = {"code": ["GJJ1", "GJJ2", None], "n": [1, None, 3]}
AWKWARD = {"code": ["a,b", 'say "hi"', "two\nlines"], "n": [1, 2, 3]}
EMPTY = {"code": ["", "x", None], "n": [1, 2, 3]}


def _table(columns: dict) -> pa.Table:
    return pa.table(
        {"code": pa.array(columns["code"], pa.large_string()), "n": pa.array(columns["n"], pa.int64())}
    )


@pytest.fixture
def pg(postgres_admin):
    name, url = create_pg_database(postgres_admin)
    try:
        with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute("create table t (code text, n bigint)")
            yield conn
    finally:
        drop_pg_database(postgres_admin, name)


@pytest.mark.parametrize("columns", [PLAIN, AWKWARD, EMPTY], ids=["plain", "awkward", "empty"])
def test_copy_text_reads_back_exactly(pg, columns):
    text = copy_text(_table(columns))
    with pg.cursor() as cursor, cursor.copy("copy t from stdin with (format csv)") as copy:
        copy.write(text)
    rows = pg.execute("select code, n from t order by n nulls last, code").fetchall()
    expected = sorted(
        zip(columns["code"], columns["n"], strict=True), key=lambda r: (r[1] is None, r[1] or 0, r[0] or "")
    )
    assert rows == expected


def test_copy_text_is_unquoted_only_when_that_is_safe():
    assert b'"' not in bytes(copy_text(_table(PLAIN)))
    assert bytes(copy_text(_table(PLAIN))) == b"GJJ1,1\nGJJ2,\n,3\n"
    assert b'"a,b"' in bytes(copy_text(_table(AWKWARD)))
    assert bytes(copy_text(_table(EMPTY))).startswith(b'"",1\n')


def test_cells_no_column_type_can_hold_are_found(registry):
    """A chunk may be written before it is checked: the cells its column's type cannot hold
    are written empty, and counted."""
    from deptstats.ingest.readers import RawTable
    from deptstats.publish.bulk import csv_table, sqlite_columns, writable
    from deptstats.validation import build_frame

    extract = registry.extract("multi_child_loans")
    cells = {
        "loan_id": ["L1", "L2", "L3", "L4"],
        "issued_on": ["2023-03-01", "2023-02-30", None, "2023-03-02"],
        "area": ["浒山街道", "火星镇", "浒山街道", "浒山街道"],
        "children": ["2", "2.5", "abc", None],
        "amount_wan": ["10.5", "abc", None, "1e400"],
        "uplift": ["是", "Y", None, "否"],
    }
    table = RawTable(columns=list(cells), cells=cells, row_numbers=[2, 3, 4, 5])
    frame = build_frame(extract, table)
    found = {c.name: writable(c, frame).tolist() for c in extract.columns}
    assert found == {
        "loan_id": [True] * 4,
        "issued_on": [True, False, True, True],
        "area": [True] * 4,  # any text can be stored; the checks say it is no area
        "children": [True, False, False, True],
        "amount_wan": [True, False, True, False],
        "uplift": [True, False, True, True],
    }
    table_text, unwritable = csv_table(extract, frame, "2023", 7)
    assert unwritable == 6
    assert table_text.column("children").to_pylist() == [2, None, None, None]
    assert table_text.column("amount_wan").to_pylist() == ["10.5", None, None, None]
    columns, unwritable = sqlite_columns(extract, frame)
    assert unwritable == 6
    assert columns["children"] == [2, None, None, None]
    assert columns["uplift"] == [1, None, None, 0]
