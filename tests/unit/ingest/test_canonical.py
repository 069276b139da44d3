"""Canonicalization and schema checks on hand-made tables (exact error messages)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from dyadstats.errors import ChecksumError, SchemaError
from dyadstats.ingest.canonical import ingest_file as _ingest_file
from dyadstats.ingest.manifest import SourceFile
from dyadstats.io.files import sha256_file


def item(table: dict, fmt: str = "csv", rows: int | None = None, coverage=None) -> SourceFile:
    return SourceFile(
        source_id="toy", file="toy.csv", sha256="0" * 64, format=fmt, table=table, rows=rows,
        source={"dataset": "Toy", "version": "1", "coverage": coverage},
    )


def ingest_file(declared: SourceFile, raw: Path, out: Path) -> dict:
    """Ingest with the raw file's own sha256 declared (ingest re-verifies it)."""
    return _ingest_file(replace(declared, sha256=sha256_file(raw)), raw, out)


MID_TABLE = {
    "name": "toy_mid",
    "primary_key": ["dispnum", "ccode"],
    "missing_codes": {"*": [-9]},
    "columns": {
        "dispnum": {"type": "int", "min": 1},
        "ccode": {"type": "int", "min": 2, "max": 999},
        "hostlev": {"type": "int", "isin": [1, 2, 3, 4, 5]},
        "fatality": {"type": "int", "min": 0, "max": 6, "nullable": True},
    },
}


def test_minus_nine_becomes_null_and_types_are_integers(tmp_path: Path) -> None:
    raw = tmp_path / "toy.csv"
    raw.write_bytes(b"\xef\xbb\xbfDispNum,CCode,HostLev,Fatality,StDay\n1,2,3,-9,-9\n1,200,2,0,14\n")
    out = tmp_path / "out.parquet"
    record = ingest_file(item(MID_TABLE, rows=2), raw, out)
    frame = pd.read_parquet(out)
    assert list(frame.columns) == ["dispnum", "ccode", "hostlev", "fatality", "stday"]
    assert str(frame["ccode"].dtype) == "int64" or str(frame["ccode"].dtype) == "Int64"
    assert frame["fatality"].isna().tolist() == [True, False]
    # -9 is nulled in every numeric column with the "*" rule, declared or not
    assert frame["stday"].isna().tolist() == [True, False]
    assert record["rows_out"] == 2 and record["key_unique"] is True
    assert record["nulls"]["fatality"] == 1


def test_duplicate_key_names_rows_and_keys(tmp_path: Path) -> None:
    raw = tmp_path / "toy.csv"
    raw.write_text("dispnum,ccode,hostlev,fatality\n1,2,3,0\n1,200,2,0\n1,2,4,0\n")
    out = tmp_path / "out.parquet"
    with pytest.raises(SchemaError) as err:
        ingest_file(item(MID_TABLE), raw, out)
    msg = str(err.value)
    assert "duplicate primary key (dispnum, ccode): 2 rows share a key" in msg
    assert "lines 2, 4" in msg
    assert "dispnum=1, ccode=2" in msg
    assert not out.exists()


def test_missing_column_names_expected_and_found(tmp_path: Path) -> None:
    raw = tmp_path / "toy.csv"
    raw.write_text("dispnum,ccode,hostility,fatality\n1,2,3,0\n")
    out = tmp_path / "out.parquet"
    with pytest.raises(SchemaError) as err:
        ingest_file(item(MID_TABLE), raw, out)
    msg = str(err.value)
    assert "missing column(s) hostlev (table 'toy_mid')" in msg
    assert "Expected (declared): dispnum, ccode, hostlev, fatality" in msg
    assert "Found: dispnum, ccode, hostility, fatality" in msg
    assert not out.exists()


def test_wrong_type_in_integer_column(tmp_path: Path) -> None:
    raw = tmp_path / "toy.csv"
    raw.write_text('dispnum,ccode,hostlev,fatality\n1,2,3,0\n"1,2",200,2,0\n')
    with pytest.raises(SchemaError, match=r"column 'dispnum' must be an integer but line 3 hold\(s\) '1,2'"):
        ingest_file(item(MID_TABLE), raw, tmp_path / "out.parquet")


def test_code_out_of_range(tmp_path: Path) -> None:
    raw = tmp_path / "toy.csv"
    raw.write_text("dispnum,ccode,hostlev,fatality\n1,2,3,0\n2,200,7,0\n")
    with pytest.raises(SchemaError, match=r"column 'hostlev' fails isin.*line 3 hold\(s\) 7"):
        ingest_file(item(MID_TABLE), raw, tmp_path / "out.parquet")


def test_row_count_must_match_manifest(tmp_path: Path) -> None:
    raw = tmp_path / "toy.csv"
    raw.write_text("dispnum,ccode,hostlev,fatality\n1,2,3,0\n")
    with pytest.raises(SchemaError, match="has 1 rows, the manifest declares 5"):
        ingest_file(item(MID_TABLE, rows=5), raw, tmp_path / "out.parquet")


def test_years_outside_declared_coverage(tmp_path: Path) -> None:
    raw = tmp_path / "toy.csv"
    raw.write_text("ccode,year,score\n2,1990,1\n2,2031,1\n")
    table = {"name": "toy_dem", "primary_key": ["ccode", "year"], "year_column": "year",
             "columns": {"ccode": {"type": "int"}, "year": {"type": "int"}}}
    with pytest.raises(SchemaError, match=r"years outside the declared coverage 1800-2020: line 3 hold\(s\) 2031"):
        ingest_file(item(table, coverage=[1800, 2020]), raw, tmp_path / "out.parquet")


def test_rename_maps_user_columns(tmp_path: Path) -> None:
    raw = tmp_path / "toy.csv"
    raw.write_text("Country Code,Year,Score\n2,1990,0.8\n")
    table = {"name": "toy_dem", "rename": {"Country Code": "ccode", "Score": "dem_score"},
             "columns": {"ccode": {"type": "int"}, "year": {"type": "int"}, "dem_score": {"type": "float"}}}
    out = tmp_path / "out.parquet"
    ingest_file(item(table), raw, out)
    frame = pd.read_parquet(out)
    assert frame.to_dict("records") == [{"ccode": 2, "year": 1990, "dem_score": 0.8}]


INT_TABLE = {"name": "toy_int", "columns": {"ccode": {"type": "int"}, "year": {"type": "int"}, "score": {"type": "float"}}}


@pytest.mark.parametrize(
    ("cell", "column", "message"),
    [
        ("99999999999999999999", "ccode", "column 'ccode' holds integer(s) outside the 64-bit range or too large "
         "to hold exactly: line 4 hold(s) '99999999999999999999'"),
        ("1e19", "year", "column 'year' holds integer(s) outside the 64-bit range or too large to hold exactly: "
         "line 4 hold(s) '1e19'"),
        ("inf", "score", "column 'score' must hold finite numbers but line 4 hold(s) 'inf'"),
        ("1e400", "score", "column 'score' must hold finite numbers but line 4 hold(s) '1e400'"),
        ("-inf", "ccode", "column 'ccode' must hold finite numbers but line 4 hold(s) '-inf'"),
    ],
)
def test_overflow_and_non_finite_numbers_are_errors(tmp_path: Path, cell: str, column: str, message: str) -> None:
    # header line 1, rows on lines 2 and 4 (a blank line 3), the bad cell in line 4
    row = {"ccode": "2", "year": "1990", "score": "1.5", column: cell}
    raw = tmp_path / "toy.csv"
    raw.write_text(f"ccode,year,score\n200,1990,2\n\n{row['ccode']},{row['year']},{row['score']}\n")
    with pytest.raises(SchemaError) as err:
        ingest_file(item(INT_TABLE), raw, tmp_path / "out.parquet")
    assert str(err.value).startswith(f"{raw}: {message}")
    assert not (tmp_path / "out.parquet").exists()


def test_large_integers_are_exact(tmp_path: Path) -> None:
    # 123456789012345678 is not a float64 (it parses as ...680); 2**63 - 1 is the int64 maximum
    raw = tmp_path / "toy.csv"
    raw.write_text("ccode,year,score\n123456789012345678,9223372036854775807,1\n2,-9223372036854775808,2.5\n")
    out = tmp_path / "out.parquet"
    ingest_file(item(INT_TABLE), raw, out)
    frame = pd.read_parquet(out)
    assert frame["ccode"].tolist() == [123456789012345678, 2]
    assert frame["year"].tolist() == [2**63 - 1, -(2**63)]


def test_hand_edited_raw_file_is_refused_naming_both_hashes(tmp_path: Path) -> None:
    raw = tmp_path / "toy.csv"
    raw.write_text("ccode,year,score\n2,1990,1\n")
    declared = replace(item(INT_TABLE), sha256=sha256_file(raw))
    raw.write_text("ccode,year,score\n2,1990,9\n")
    with pytest.raises(ChecksumError) as err:
        _ingest_file(declared, raw, tmp_path / "out.parquet")
    assert f"sha256 {sha256_file(raw)}, but the manifest declares {declared.sha256}" in str(err.value)
    assert "changed after it was verified" in str(err.value)
    assert not (tmp_path / "out.parquet").exists()
