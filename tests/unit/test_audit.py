"""Audit profiles: a Parquet file's footer gives the same profile as reading the file."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dyadstats.audit import profile_parquet, profile_relation
from dyadstats.io.files import write_parquet

ROWS = """
SELECT * FROM (VALUES
    (2, 20, 1990, 'USA', NULL, 1.5), (2, 20, 1991, 'USA', 3, NULL), (2, 20, 1991, NULL, 4, 2.0),
    (20, 200, 1816, 'CAN', NULL, NULL), (20, 200, 2014, 'CAN', 7, 0.5))
    AS t(ccode1, ccode2, year, stateabb, score, ratio)
"""


@pytest.mark.parametrize("row_group_rows", [2, 122880])   # several row groups and one
def test_footer_profile_equals_reading_the_file(tmp_path: Path, row_group_rows: int) -> None:
    con = duckdb.connect()
    path = tmp_path / "t.parquet"
    con.execute(f"COPY ({ROWS}) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE {row_group_rows})")
    key = ["ccode1", "ccode2", "year"]
    read = profile_relation(con, f"SELECT * FROM read_parquet('{path}')", key)
    footer = profile_parquet(con, path, key)
    assert footer == read
    assert footer["nulls"] == {"ccode1": 0, "ccode2": 0, "year": 0, "stateabb": 1, "score": 2, "ratio": 2}
    assert footer["years"] == [1816, 2014] and footer["duplicate_keys"] == 1


def test_the_package_writer_keeps_the_statistics_the_footer_profile_reads(tmp_path: Path) -> None:
    con = duckdb.connect()
    path = tmp_path / "w.parquet"
    write_parquet(ROWS, path, con=con)
    stats = con.execute(
        f"SELECT count(*) FILTER (WHERE stats_null_count IS NULL) FROM parquet_metadata('{path}')"
    ).fetchone()[0]
    assert stats == 0
    assert profile_parquet(con, path)["rows"] == 5


def test_empty_file_is_profiled_by_reading_it(tmp_path: Path) -> None:
    con = duckdb.connect()
    path = tmp_path / "e.parquet"
    con.execute(f"COPY ({ROWS} WHERE false) TO '{path}' (FORMAT parquet)")
    assert profile_parquet(con, path, ["ccode1"]) == profile_relation(
        con, f"SELECT * FROM read_parquet('{path}')", ["ccode1"])
