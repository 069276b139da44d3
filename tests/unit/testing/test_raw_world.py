"""The tiny provider-shaped world: its manifest matches its files, and it ingests and builds the
universe the docstring works out by hand."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from dyadstats.ingest.acquire import acquire, verify
from dyadstats.ingest.canonical import ingest_file
from dyadstats.ingest.manifest import load_manifest
from dyadstats.testing.raw_world import DYAD_YEARS_1989_1992, FILES, tiny_manifest, write_raw_world
from dyadstats.testing.repo import repo_root
from dyadstats.universe import build_universe


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_raw_world(tmp_path_factory.mktemp("raw_world"), repo_root() / "data" / "sources.yaml")


def test_manifest_declares_the_tiny_files(world: tuple[Path, Path]) -> None:
    mirror, manifest = world
    items = load_manifest(manifest)
    states = items["cow_states"]
    data = FILES["cow_states"]
    assert (states.bytes, states.sha256, states.rows) == (len(data), hashlib.sha256(data).hexdigest(), 6)
    assert (mirror / states.mirror_path).read_bytes() == data
    # every other source keeps its real declaration (the workflow parses them all)
    real = load_manifest(repo_root() / "data" / "sources.yaml")
    assert set(items) == set(real) and items["ties"].sha256 == real["ties"].sha256
    with pytest.raises(KeyError, match="no_such_table"):
        tiny_manifest({"sources": {}}, {"no_such_table": b""})


def test_acquire_ingest_and_universe_by_hand(world: tuple[Path, Path], tmp_path: Path) -> None:
    mirror, manifest = world
    item = load_manifest(manifest)["cow_states"]
    raw = tmp_path / item.raw_path
    raw.parent.mkdir(parents=True)
    assert acquire(item, raw, [mirror]).startswith("mirror")
    assert verify(raw, item) is None
    ingest_file(item, raw, tmp_path / "cow_states.parquet")
    out = {n: tmp_path / f"{n}.parquet" for n in ("state_years", "dyad_years", "directed")}
    build_universe(tmp_path / "cow_states.parquet", out["state_years"], out["dyad_years"], out["directed"],
                   tmp_path / "universe.json", first_year=1989, last_year=1992)
    con = duckdb.connect()
    per_year = dict(con.execute(
        f"SELECT year, count(*) FROM read_parquet('{out['dyad_years']}') GROUP BY year ORDER BY year").fetchall())
    assert per_year == DYAD_YEARS_1989_1992
    members = con.execute(
        f"SELECT year, list(ccode ORDER BY ccode) FROM read_parquet('{out['state_years']}') GROUP BY year ORDER BY year"
    ).fetchall()
    assert members == [(1989, [2, 200, 260, 345, 365]), (1990, [2, 200, 255, 260, 345, 365]),
                       (1991, [2, 200, 255, 345, 365]), (1992, [2, 200, 255, 345, 365])]
    (pair,) = con.execute(f"SELECT count(*) FROM read_parquet('{out['dyad_years']}') "
                          "WHERE ccode1 = 255 AND ccode2 = 260").fetchone()
    assert pair == 0  # never on the same day
