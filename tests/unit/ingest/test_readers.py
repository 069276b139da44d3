"""Readers on tiny hand-made files: BOM, encodings, truncation, empty files, formats."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dyadstats.errors import ReadError
from dyadstats.ingest.readers import LINES_ATTR, read_raw


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
    with pytest.raises(ReadError, match="1 row\\(s\\) do not have the header's 2 fields: line 3 has 3$"):
        read_raw(f, "csv")


def test_short_middle_row_is_an_error_not_padded(tmp_path: Path) -> None:
    # pandas pads a short row with NULLs; line 4 is the short one (after a blank line 3)
    f = write(tmp_path / "short.csv", b"a,b,c\n1,2,3\n\n4,5\n6,7,8\n9\n10,11,12\n")
    with pytest.raises(ReadError, match="2 row\\(s\\) do not have the header's 3 fields: line 4 has 2, line 6 has 1$"):
        read_raw(f, "csv")


def test_duplicate_header_name_is_an_error(tmp_path: Path) -> None:
    f = write(tmp_path / "dup.csv", b"ccode,year,score,year\n2,1990,1,1991\n")
    with pytest.raises(ReadError, match="the header \\(line 1\\) repeats column name\\(s\\) 'year'"):
        read_raw(f, "csv")


def test_line_numbers_survive_blank_lines_and_multiline_fields(tmp_path: Path) -> None:
    # header line 1; rows on lines 2, 5 (after two blank lines) and 6 (a quoted field spans 6-7), 8
    f = write(tmp_path / "gaps.csv", b'a,b\n1,x\n\n\n2,y\n3,"two\nlines"\n4,z\n')
    frame = read_raw(f, "csv")
    assert frame["a"].tolist() == ["1", "2", "3", "4"]
    lines = frame.attrs[LINES_ATTR]
    assert [lines[i] for i in range(4)] == [2, 5, 6, 8]


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
