"""build_database: one view per Parquet file, one view over a list of files, none for an empty list."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from dyadstats.io.db import build_database


def test_views_over_one_file_and_over_a_list_of_files(tmp_path: Path) -> None:
    pd.DataFrame({"model": ["a", "a"], "year": [1990, 1991]}).to_parquet(tmp_path / "a.parquet")
    pd.DataFrame({"model": ["b"], "year": [1816]}).to_parquet(tmp_path / "b.parquet")
    pd.DataFrame({"x": [1, 2, 3]}).to_parquet(tmp_path / "t.parquet")
    db = tmp_path / "db.duckdb"
    build_database({"t": tmp_path / "t.parquet", "parts": [tmp_path / "b.parquet", tmp_path / "a.parquet"],
                    "none": []}, db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT sum(x) FROM t").fetchone() == (6,)
        assert con.execute("SELECT model, year FROM parts").fetchall() == [("b", 1816), ("a", 1990), ("a", 1991)]
        views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    finally:
        con.close()
    assert views == {"t", "parts"}
