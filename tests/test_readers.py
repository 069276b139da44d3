"""Readers on tiny hand-made files: BOM, encodings, truncation, empty files, formats."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dyadstats.errors import ReadError
from dyadstats.readers import read_raw


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_bom_csv_header_is_clean(tmp_path: Path) -> None:
    f = write(tmp_path / "bom.csv", b"\xef\xbb\xbfccode,year\n2,1816\n200,1816\n")
    frame = read_raw(f, "csv")
    assert list(frame.columns) == ["ccode", "year"]
    assert frame["ccode"].tolist() == ["2", "200"]


def test_na_strings_become_missing(tmp_path: Path) -> None:
    f = write(tmp_path / "na.csv", b"ccode,democracy\n2,1\n20,NA\n31,\n")
    frame = read_raw(f, "csv")
    assert frame["democracy"].isna().tolist() == [False, True, True]


def test_empty_file(tmp_path: Path) -> None:
    f = write(tmp_path / "empty.csv", b"")
    with pytest.raises(ReadError, match=r"empty\.csv: the file is empty"):
        read_raw(f, "csv")


def test_header_only_file(tmp_path: Path) -> None:
    f = write(tmp_path / "header.csv", b"ccode,year\n")
    with pytest.raises(ReadError, match="has a header but no data rows"):
        read_raw(f, "csv")


def test_non_utf8_names_byte_and_line(tmp_path: Path) -> None:
    f = write(tmp_path / "latin1.csv", b"ccode,name\n2,USA\n220,Fran\xe7e\n")
    with pytest.raises(ReadError, match=r"not valid UTF-8 at byte 25 \(line 3\)"):
        read_raw(f, "csv")


def test_truncated_last_row(tmp_path: Path) -> None:
    f = write(tmp_path / "cut.csv", b"ccode,year,hostlev\n2,1816,3\n200,18")
    with pytest.raises(ReadError, match="has 2 fields, the header has 3: the file looks truncated"):
        read_raw(f, "csv")


def test_ragged_middle_row(tmp_path: Path) -> None:
    f = write(tmp_path / "ragged.csv", b"a,b\n1,2\n3,4,5\n6,7\n")
    with pytest.raises(ReadError, match="cannot parse as CSV"):
        read_raw(f, "csv")


def test_tsv(tmp_path: Path) -> None:
    f = write(tmp_path / "t.tsv", b"ccode\tyear\n2\t1900\n")
    assert read_raw(f, "tsv").to_dict("records") == [{"ccode": "2", "year": "1900"}]


def test_stata_roundtrip(tmp_path: Path) -> None:
    f = tmp_path / "x.dta"
    pd.DataFrame({"ccode": [2, 200], "year": [1900, 1901]}).to_stata(f, write_index=False)
    frame = read_raw(f, "dta")
    assert frame["ccode"].tolist() == [2, 200]


def test_parquet_and_garbage(tmp_path: Path) -> None:
    good = tmp_path / "x.parquet"
    pd.DataFrame({"a": [1]}).to_parquet(good)
    assert read_raw(good, "parquet")["a"].tolist() == [1]
    bad = write(tmp_path / "bad.parquet", b"not a parquet file at all")
    with pytest.raises(ReadError, match=r"bad\.parquet: cannot read as Parquet"):
        read_raw(bad, "parquet")
    bad_rda = write(tmp_path / "bad.rda", b"RDX3\nxx")
    with pytest.raises(ReadError, match=r"bad\.rda: cannot read as R data"):
        read_raw(bad_rda, "rda")
    bad_xls = write(tmp_path / "bad.xls", b"\x00\x01garbage")
    with pytest.raises(ReadError, match=r"bad\.xls: cannot read as an Excel workbook"):
        read_raw(bad_xls, "xls")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="file not found"):
        read_raw(tmp_path / "nope.csv", "csv")
