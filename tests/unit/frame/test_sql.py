"""The join pass's key-range slices: the same table as one ORDER BY, row for row."""

from __future__ import annotations

import duckdb
import pytest

from dyadstats.frame.sql import create_sorted_base, slice_bounds


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    # a universe of 30 states x 20 years, stored out of key order
    con.execute("""
        CREATE TABLE dyad_years AS
        SELECT a.i * 10 AS ccode1, b.i * 10 AS ccode2, y AS year
        FROM range(30) a(i), range(30) b(i), range(1900, 1920) t(y)
        WHERE a.i < b.i ORDER BY hash(a.i, b.i, y)""")
    con.execute("CREATE TABLE attr AS SELECT i * 10 AS ccode, y AS year, (i * 7 + y) % 11 AS score "
                "FROM range(30) t(i), range(1900, 1920) s(y)")
    return con


BASE = ("SELECT u.ccode1, u.ccode2, u.year, a1.score AS score_1, a2.score AS score_2 FROM dyad_years u "
        "LEFT JOIN attr a1 ON a1.ccode = u.ccode1 AND a1.year = u.year "
        "LEFT JOIN attr a2 ON a2.ccode = u.ccode2 AND a2.year = u.year")


def test_slices_cut_the_universe_into_ranges(con):
    (rows,) = con.execute("SELECT count(*) FROM dyad_years").fetchone()
    assert rows == 435 * 20
    cuts = slice_bounds(con, "dyad_years", slice_rows=2000)
    assert len(cuts) == 4 and cuts == sorted(cuts)
    assert slice_bounds(con, "dyad_years", slice_rows=rows) == []


@pytest.mark.parametrize("slice_rows", [10**9, 2000, 500, 1])
def test_sliced_table_equals_one_sort(con, slice_rows):
    slices = create_sorted_base(con, BASE, "dyad_years", table="sliced", slice_rows=slice_rows)
    assert (slices == 1) == (slice_rows >= 8700)
    ours = con.execute("SELECT * FROM sliced").fetchall()
    expected = con.execute(f"{BASE} ORDER BY u.ccode1, u.ccode2, u.year").fetchall()
    assert ours == expected
    assert len(ours) == 8700
