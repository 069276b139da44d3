"""The codebook: its registry matches the frames' columns exactly and its counts are computed."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from dyadstats.frame.codebook import frame_registry
from dyadstats.frame.options import frame_options
from dyadstats.testing.world import MID_COVERAGE, TIES_COVERAGE, build_world_frames


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("codebook")
    build_world_frames(tmp)
    return tmp / "out"


def _columns(path: Path) -> list[str]:
    return duckdb.sql(f"SELECT * FROM read_parquet('{path}') LIMIT 0").columns


@pytest.mark.parametrize(("file", "directed"), [("nd.parquet", False), ("dir.parquet", True)])
def test_registry_equals_frame_columns(built: Path, file: str, directed: bool) -> None:
    names = [c.name for c in frame_registry(directed, frame_options({}, MID_COVERAGE, TIES_COVERAGE))]
    assert names == _columns(built / file)
    assert len(names) == len(set(names))


def test_contract_columns_present() -> None:
    nd = {c.name for c in frame_registry(False)}
    for name in ["dyad_id", "era", "coercion_onset", "mid_ongoing", "sanction_imposition_onset",
                 "dem_polity_1", "joint_democracy_vdem", "mixed_dyad_bmr", "joint_autocracy_uds",
                 "regime_pair_polity", "min_polity2", "max_v2x_polyarchy", "min_uds_mean",
                 "bmr_democracy_2", "conttype", "contiguity_150", "log_capability_ratio",
                 "major_power_dyad", "defense_pact_atop", "mindist", "politically_relevant",
                 "peace_years_coercion_onset_3", "joint_democracy_polity_lag1", "mindist_lag1"]:
        assert name in nd, name
    directed = {c.name for c in frame_registry(True)}
    for name in ["coercion_initiated", "mid_initiated", "sanction_threat_initiated",
                 "sanction_imposition_initiated", "peace_years_coercion_initiated", "dem_uds_2"]:
        assert name in directed, name


def test_codebook_lists_every_column_with_its_missing_count(built: Path) -> None:
    text = (built / "codebook.md").read_text()
    sections = text.split("## `analysis_directed_dyad_years`")
    for section, file in ((sections[0], "nd.parquet"), (sections[1], "dir.parquet")):
        rows = dict(re.findall(r"^\| `([a-z0-9_]+)` \|.*\| ([0-9,]+) \|$", section, flags=re.M))
        columns = _columns(built / file)
        assert list(rows) == columns
        con = duckdb.connect()
        nulls = con.execute(
            "SELECT " + ", ".join(f'count(*) - count("{c}")' for c in columns) + f" FROM read_parquet('{built / file}')"
        ).fetchone()
        assert [int(rows[c].replace(",", "")) for c in columns] == list(nulls)
    assert "| ties | 2001-2007 |" in text
