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
