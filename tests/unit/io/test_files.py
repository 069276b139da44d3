"""The one Parquet writer: every kind of source, metadata, bound parameters, atomicity."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dyadstats.io.files import DUCKDB_ROW_GROUP_SIZE, write_parquet

ROWS = {"ccode1": [2, 2, 20], "ccode2": [20, 200, 200], "year": [1990, 1991, 1992]}


def test_arrow_table_is_written_as_pyarrow_writes_it(tmp_path: Path) -> None:
    """Same bytes as pyarrow's own zstd writer: routing through the one writer changes no file."""
    table = pa.table(ROWS)
    write_parquet(table, tmp_path / "a.parquet")
    pq.write_table(table, tmp_path / "b.parquet", compression="zstd")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    assert pq.read_table(tmp_path / "a.parquet").equals(table)
    assert pq.ParquetFile(tmp_path / "a.parquet").metadata.row_group(0).column(0).compression == "ZSTD"


def test_dataframe_is_written_without_its_index(tmp_path: Path) -> None:
    frame = pd.DataFrame(ROWS, index=[7, 8, 9])
    write_parquet(frame, tmp_path / "f.parquet")
    back = pq.read_table(tmp_path / "f.parquet")
    assert back.column_names == ["ccode1", "ccode2", "year"]
    assert back.to_pydict() == ROWS


def test_query_with_bound_parameters_and_metadata(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES (2, 20, 1990), (2, 200, 1991), (20, 200, 1992)) v(ccode1, ccode2, year)")
    path = tmp_path / "q.parquet"
    write_parquet("SELECT * FROM t WHERE year >= $first ORDER BY year", path, con=con,
                  params={"first": 1991}, metadata={"z.key": "it's", "a.key": "1"})
    back = pq.read_table(path)
    assert back.to_pydict() == {"ccode1": [2, 20], "ccode2": [200, 200], "year": [1991, 1992]}
    meta = pq.ParquetFile(path).metadata.metadata
    assert meta[b"z.key"] == b"it's" and meta[b"a.key"] == b"1"


def test_query_bytes_equal_duckdbs_default_copy(tmp_path: Path) -> None:
    """The explicit row-group size is DuckDB's default: the files the stages wrote before stay
    byte for byte the same (more rows than one row group, so the size matters)."""
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT i, i % 7 AS k FROM range({DUCKDB_ROW_GROUP_SIZE * 2 + 5}) r(i)")
    write_parquet("SELECT * FROM t", tmp_path / "a.parquet", con=con)
    con.execute(f"COPY (SELECT * FROM t) TO '{tmp_path / 'b.parquet'}' (FORMAT parquet, COMPRESSION zstd)")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    assert pq.ParquetFile(tmp_path / "a.parquet").metadata.num_row_groups == 3


def test_streamed_tables_append(tmp_path: Path) -> None:
    schema = pa.schema([("year", pa.int64()), ("x", pa.float64())])
    parts = (pa.table({"year": [y], "x": [y / 2]}, schema=schema) for y in (1990, 1991, 1992))
    write_parquet(parts, tmp_path / "s.parquet", schema=schema, metadata={"k": "v"})
    back = pq.read_table(tmp_path / "s.parquet")
    assert back.to_pydict() == {"year": [1990, 1991, 1992], "x": [995.0, 995.5, 996.0]}
    assert back.schema.metadata == {b"k": b"v"}


def test_check_sees_the_file_and_a_refusal_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "c.parquet"
    assert write_parquet(pa.table(ROWS), path, check=lambda tmp: pq.read_table(tmp).num_rows) == 3
    path.unlink()

    def refuse(tmp: Path) -> None:
        raise ValueError(f"refused {pq.read_table(tmp).num_rows} rows")

    with pytest.raises(ValueError, match="refused 3 rows"):
        write_parquet(pa.table(ROWS), path, check=refuse)
    assert list(tmp_path.iterdir()) == []


def test_misuse_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="connection"):
        write_parquet("SELECT 1", tmp_path / "x.parquet")
    with pytest.raises(TypeError, match="schema"):
        write_parquet(iter([pa.table(ROWS)]), tmp_path / "x.parquet")
    with pytest.raises(ValueError, match="reserved"):
        write_parquet("SELECT 1", tmp_path / "x.parquet", con=duckdb.connect(), params={"_parquet_path": "y"})
    assert list(tmp_path.iterdir()) == []
