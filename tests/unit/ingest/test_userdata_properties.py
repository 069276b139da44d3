"""Property-based tests (hypothesis) for the readers, ingest and the config schema.

- any small state-year table written as CSV, TSV or Parquet reads back to the same values;
- a CSV cut short anywhere either stops with a ReadError/SchemaError or, if only the final
  newline went, gives the same data: never a silent success with fewer or altered rows;
- garbage bytes in a binary format always stop with a ReadError, never another exception;
- a wrong-typed value for a typed config key is rejected with a message naming that key.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from snakemake.utils import validate as snakemake_validate

from dyadstats.errors import DyadstatsError, ReadError
from dyadstats.ingest.canonical import canonicalize, validate
from dyadstats.ingest.manifest import SourceFile
from dyadstats.ingest.readers import read_raw
from dyadstats.testing.repo import repo_root

REPO = repo_root()

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TABLE = {
    "name": "user_table",
    "primary_key": ["ccode", "year"],
    "columns": {
        "ccode": {"type": "int", "min": 2, "max": 999},
        "year": {"type": "int", "min": 1800, "max": 2030},
        "score": {"type": "float", "nullable": True},
        "label": {"type": "str", "nullable": True},
    },
}

# Text a provider might put in a label: letters, digits, punctuation, spaces (incl. commas,
# quotes, tabs-free), but not the strings read as missing and not line separators.
labels = st.text(
    st.characters(categories=("L", "N", "P", "Zs"), exclude_characters="\t"), min_size=1, max_size=12
).filter(lambda s: s.strip() not in ("", "NA") and s == s.strip())

rows = st.lists(
    st.tuples(
        st.integers(2, 999),
        st.integers(1800, 2030),
        st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)),
        st.one_of(st.none(), labels),
    ),
    min_size=1, max_size=25, unique_by=lambda r: (r[0], r[1]),
)


def item(fmt: str, rows_expected: int | None = None) -> SourceFile:
    return SourceFile(source_id="user", file=f"t.{fmt}", sha256="0" * 64, format=fmt, table=TABLE,
                      rows=rows_expected, source={"dataset": "User", "version": "1"})


def frame_of(data: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(data, columns=["ccode", "year", "score", "label"])


def read_back(path: Path, fmt: str, rows_expected: int | None = None) -> pd.DataFrame:
    it = item(fmt, rows_expected)
    frame = canonicalize(read_raw(path, fmt), it, path)
    return validate(frame, it, path)


def records(frame: pd.DataFrame) -> list[tuple]:
    return [
        (int(r.ccode), int(r.year), None if pd.isna(r.score) else float(r.score),
         None if pd.isna(r.label) else str(r.label))
        for r in frame.itertuples(index=False)
    ]


@SETTINGS
@given(data=rows, fmt=st.sampled_from(["csv", "tsv", "parquet"]))
def test_roundtrip_through_reader_and_canonicalize(data: list[tuple], fmt: str) -> None:
    original = frame_of(data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"t.{fmt}"
        if fmt == "parquet":
            original.astype({"score": "Float64", "label": "string"}).to_parquet(path, index=False)
        else:
            original.to_csv(path, index=False, sep="," if fmt == "csv" else "\t")
        got = read_back(path, fmt)
    assert records(got) == [(a, b, c, d) for a, b, c, d in data]
    assert str(got["ccode"].dtype) == "Int64" and str(got["score"].dtype) == "Float64"


@SETTINGS
@given(data=rows.filter(lambda d: len(d) >= 2), cut=st.floats(0.0, 1.0, exclude_max=True))
def test_truncated_csv_never_passes_silently(data: list[tuple], cut: float) -> None:
    """With the expected row count declared (as in the manifest), a cut file never reads as good."""
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "full.csv"
        frame_of(data).to_csv(full, index=False)
        raw = full.read_bytes()
        cut_at = int(cut * len(raw))
        short = Path(tmp) / "t.csv"
        short.write_bytes(raw[:cut_at])
        try:
            got = read_back(short, "csv", rows_expected=len(data))
        except DyadstatsError:
            return
        # Structure cannot reveal a cut inside the last field of the last line (providers ship
        # files without a final newline): only that field may differ, and the sha256 check at
        # acquire refuses such a file before it is read.
        expected = [(a, b, c, d) for a, b, c, d in data]
        assert b"\n" not in raw[cut_at:].rstrip(b"\n")
        assert records(got)[:-1] == expected[:-1]
        assert b"," not in raw[cut_at:] and records(got)[-1][:3] == expected[-1][:3]


@SETTINGS
@given(garbage=st.binary(min_size=1, max_size=400), fmt=st.sampled_from(["parquet", "dta", "rda", "rds", "xls", "xlsx"]))
def test_garbage_binary_raises_read_error(garbage: bytes, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"g.{fmt}"
        path.write_bytes(garbage)
        with pytest.raises(ReadError, match=str(path.name)):
            read_raw(path, fmt)


@SETTINGS
@given(garbage=st.binary(min_size=1, max_size=300))
@example(garbage=b"\r\x00")  # a bare carriage return: csv.Error, now a ReadError naming the file
def test_garbage_text_stops_or_matches_schema(garbage: bytes) -> None:
    """Random bytes as a CSV either stop with a DyadstatsError or satisfy the declared schema."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "g.csv"
        path.write_bytes(garbage)
        try:
            got = read_back(path, "csv")
        except DyadstatsError:
            return
        assert set(TABLE["columns"]) <= set(got.columns)
        assert got["ccode"].between(2, 999).all() and not got.duplicated(["ccode", "year"]).any()


# --- config validation --------------------------------------------------------------------

BASE = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
SCHEMA = str(REPO / "workflow" / "schemas" / "config.schema.yaml")
SOURCE = {
    "provider": "P", "dataset": "D", "version": "1", "citation": "C",
    "files": [{"file": "f.csv", "sha256": "a" * 64, "format": "csv",
               "table": {"name": "user_table", "columns": {"ccode": {"type": "int"}}}}],
}
ROLE = {"table": "user_table", "score": "score", "threshold": 6}

# key path -> a strategy of values of the wrong type/shape for that key
TYPED_KEYS: dict[tuple[Any, ...], st.SearchStrategy[Any]] = {
    ("roles", "democracy", "mine", "threshold"): st.one_of(st.text(), st.booleans(), st.lists(st.integers())),
    ("roles", "democracy", "mine", "rule"): st.text().filter(lambda s: s not in (">=", ">", "<=", "<", "==")),
    ("roles", "democracy", "mine", "unknown_states"): st.text().filter(lambda s: s not in ("error", "drop")),
    ("roles", "democracy", "mine", "score"): st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans()),
    ("extra_sources", "user", "files", 0, "sha256"): st.text(alphabet="0123456789abcdefgz", max_size=70).filter(lambda s: len(s) != 64 or "g" in s or "z" in s),
    ("extra_sources", "user", "files", 0, "format"): st.text().filter(lambda s: s not in ("csv", "tsv", "dta", "xls", "xlsx", "rda", "rds", "parquet")),
    ("extra_sources", "user", "coverage"): st.one_of(st.lists(st.integers(), max_size=1), st.lists(st.integers(), min_size=3, max_size=4), st.text()),
    ("extra_sources", "user", "files", 0, "table", "columns", "ccode", "type"): st.text().filter(lambda s: s not in ("int", "float", "str")),
}


def set_key(config: dict, path: tuple[Any, ...], value: Any) -> None:
    node: Any = config
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value


@settings(max_examples=15, deadline=None)
@given(key=st.sampled_from(sorted(TYPED_KEYS, key=str)), data=st.data())
def test_wrong_typed_config_value_names_the_key(key: tuple[Any, ...], data: st.DataObject) -> None:
    value = data.draw(TYPED_KEYS[key])
    config = copy.deepcopy(BASE)
    config["extra_sources"] = {"user": copy.deepcopy(SOURCE)}
    config["roles"] = {"democracy": {"mine": dict(ROLE)}}
    snakemake_validate(copy.deepcopy(config), SCHEMA)  # the unbroken config is valid
    set_key(config, key, value)
    with pytest.raises(Exception) as err:
        snakemake_validate(config, SCHEMA)
    located = "".join(f"[{k!r}]" for k in key)
    assert f"On instance{located}" in str(err.value)
