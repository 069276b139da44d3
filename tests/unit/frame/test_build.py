"""The analysis frames on the hand-built world of :mod:`dyadstats.testing.world`, whose codings
were worked out by hand (the story is in that module's docstring)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dyadstats.frame.build import build_frames
from dyadstats.frame.options import frame_options
from dyadstats.testing.world import (
    MID_COVERAGE,
    TIES_COVERAGE,
    YEARS,
    Frames,
    build_world_frames,
    mid_row,
    write_world,
)
from dyadstats.testing.world import dyad_column as col


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Frames:
    return build_world_frames(tmp_path_factory.mktemp("world"))


def test_universe_rows_follow_entry_and_exit(world) -> None:
    nd, dr, _, _ = world
    years = {d: sorted(nd.loc[d].index) for d in [(2, 20), (2, 200), (2, 220), (200, 220)]}
    assert years[(2, 20)] == list(range(2000, 2010))
    assert years[(2, 200)] == list(range(2000, 2006))  # 200 exits mid-2005
    assert years[(2, 220)] == list(range(2003, 2010))  # 220 enters mid-2003
    assert years[(200, 220)] == [2003, 2004, 2005]
    assert len(dr) == 2 * len(nd)
    assert nd.index.is_unique and dr.index.is_unique
    assert (nd.index.get_level_values(0) < nd.index.get_level_values(1)).all()
    assert (nd["dyad_id"] == nd.index.get_level_values(0) * 1000 + nd.index.get_level_values(1)).all()


def test_mid_outcomes_by_hand(world) -> None:
    nd, _, _, _ = world
    d = (2, 20)
    # 2001 A (hostility 3); 2002 A continues; 2004 B (4, kept) and C (2) begin; 2009 outside coverage
    assert col(nd, d, "coercion_onset") == [0, 1, 0, 0, 1, 0, 0, 0, 0, None]
    assert col(nd, d, "coercion_onset_limited") == [0, 1, 0, 0, 1, 0, 0, 0, 0, None]
    assert col(nd, d, "mid_onset") == [0, 1, 0, 0, 1, 0, 0, 0, 0, None]
    # 2004: the kept B has only 2 as originator, but the new C has both (any new dispute counts)
    assert col(nd, d, "mid_onset_originators") == [0, 1, 0, 0, 1, 0, 0, 0, 0, None]
    assert col(nd, d, "mid_ongoing") == [0, 1, 1, 0, 1, 0, 0, 0, 0, None]
    assert col(nd, d, "mid_continuing") == [0, 0, 1, 0, 0, 0, 0, 0, 0, None]
    # the joiner: a new dyadic participation is an onset, 220 is no originator
    assert nd.loc[(2, 220, 2004), "coercion_onset"] == 1
    assert nd.loc[(2, 220, 2004), "mid_onset_originators"] == 0
    # 2005: F (use of force, kept) is new; D's display goes on, but is no new coercion
    assert col(nd, (2, 220), "coercion_onset") == [0, 1, 0, 0, 0, 0, None]
    assert col(nd, (2, 220), "mid_onset") == [0, 1, 1, 0, 0, 0, None]
    assert col(nd, (2, 220), "mid_continuing") == [0, 0, 0, 0, 0, 0, None]
    assert nd.loc[(2, 220, 2005), "mid_onset_originators"] == 1
    assert nd.loc[(2, 200, 2003), "coercion_onset"] == 1
    assert nd.loc[(2, 200, 2004), "mid_continuing"] == 1


def test_peace_years_by_hand(world) -> None:
    nd, _, _, _ = world
    d = (2, 20)
    assert col(nd, d, "peace_years_coercion_onset") == [0, 1, 0, 1, 2, 0, 1, 2, 3, None]
    assert col(nd, d, "peace_years_coercion_onset_2") == [0, 1, 0, 1, 4, 0, 1, 4, 9, None]
    assert col(nd, d, "peace_years_coercion_onset_3") == [0, 1, 0, 1, 8, 0, 1, 8, 27, None]
    assert col(nd, d, "peace_years_mid_onset_originators") == [0, 1, 0, 1, 2, 0, 1, 2, 3, None]
    # TIES coverage 2001-2007: the clock starts at 0 in 2001
    assert col(nd, d, "sanction_threat_onset") == [None, 0, 1, 0, 0, 0, 0, 0, None, None]
    assert col(nd, d, "sanction_imposition_onset") == [None, 0, 0, 1, 0, 0, 0, 0, None, None]
    assert col(nd, d, "peace_years_sanction_threat_onset") == [None, 0, 1, 0, 1, 2, 3, 4, None, None]
    # a dyad's first year in the sample starts at 0 (220 enters 2003)
    assert col(nd, (2, 220), "peace_years_coercion_onset") == [0, 1, 0, 1, 2, 3, None]


def test_directed_outcomes(world) -> None:
    _, dr, _, _ = world
    assert dr.loc[(2, 20, 2001), "coercion_initiated"] == 1
    assert dr.loc[(20, 2, 2001), "coercion_initiated"] == 0
    assert dr.loc[(20, 2, 2004), "coercion_initiated"] == 1
    assert dr.loc[(2, 20, 2004), "coercion_initiated"] == 0
    assert dr.loc[(2, 20, 2004), "mid_initiated"] == 1
    assert col(dr, (20, 2), "sanction_threat_initiated") == [None, 0, 1, 0, 0, 0, 0, 0, None, None]
    assert col(dr, (2, 20), "sanction_threat_initiated") == [None, 0, 0, 0, 0, 0, 0, 0, None, None]
    assert col(dr, (20, 2), "peace_years_coercion_initiated") == [0, 1, 2, 3, 4, 0, 1, 2, 3, None]
    # the directed frame carries the non-directed MID state of the pair
    assert dr.loc[(20, 2, 2002), "mid_continuing"] == 1
    assert dr.loc[(20, 2), "pair_id"].eq(2020).all()


def test_democracy_codings(world) -> None:
    nd, dr, _, _ = world
    r = nd.loc[(2, 20, 2003)]
    assert (r.dem_polity_1, r.dem_polity_2, r.joint_democracy_polity, r.regime_pair_polity) == (1, 1, 1, "joint democracy")
    assert (r.dem_vdem_2, r.joint_democracy_vdem) == (1, 1)  # 0.5 >= 0.5
    assert (r.dem_uds_2, r.mixed_dyad_uds, r.regime_pair_uds) == (0, 1, "mixed")  # 0.0 is not > 0
    assert r.joint_democracy_bmr == 1
    r = nd.loc[(200, 220, 2004)]
    assert (r.min_polity2, r.max_polity2, r.mixed_dyad_polity, r.joint_autocracy_polity) == (-7, 6, 1, 0)
    assert pd.isna(r.v2x_polyarchy_1) and pd.isna(r.dem_vdem_1) and pd.isna(r.joint_democracy_vdem)
    # a missing score stays missing, never 0
    r = nd.loc[(2, 220, 2007)]
    assert pd.isna(r.polity2_2) and pd.isna(r.dem_polity_2) and pd.isna(r.joint_democracy_polity)
    assert pd.isna(r.min_polity2) and pd.isna(r.regime_pair_polity) and pd.isna(r.joint_autocracy_polity)
    assert nd.loc[(2, 220, 2004), "joint_democracy_polity"] == 1  # 6 >= 6
    assert dr.loc[(220, 2, 2004), "dem_uds_1"] == 1 and dr.loc[(220, 2, 2004), "dem_uds_2"] == 1


def test_threshold_is_configurable(tmp_path: Path) -> None:
    nd, _, audit, codebook = build_world_frames(tmp_path, {"democracy": {"polity": {"threshold": 7, "rule": "ge"},
                                                                "uds": {"threshold": 0, "rule": "ge"}}})
    assert nd.loc[(2, 220, 2004), "joint_democracy_polity"] == 0
    assert nd.loc[(2, 20, 2003), "joint_democracy_uds"] == 1
    assert "polity2 >= 7" in codebook
    rec = {t["table"]: t for t in audit["tables"]}["analysis_dyad_years"]
    assert rec["options"]["democracy"]["uds"] == "uds_mean >= 0"


def test_controls_and_coverage(world) -> None:
    nd, dr, _, _ = world
    assert col(nd, (2, 200), "conttype") == [4, 4, 4, 4, 4, 4]  # lowest of types 4 and 5 in 2001
    assert nd.loc[(2, 200, 2001), ["contiguity_land", "contiguity_any", "contiguity_150"]].tolist() == [0, 1, 1]
    assert nd.loc[(2, 220, 2005), "conttype"] == 0  # covered, absent -> not contiguous
    assert pd.isna(nd.loc[(2, 20, 2009), "conttype"])  # contiguity table ends 2008
    assert nd.loc[(2, 20, 2003), "capability_ratio"] == pytest.approx(0.25)
    assert nd.loc[(2, 20, 2003), "log_capability_ratio"] == pytest.approx(math.log(4))
    assert pd.isna(nd.loc[(2, 20, 2008), "cinc_1"]) and pd.isna(nd.loc[(2, 20, 2008), "capability_ratio"])
    assert (nd.loc[(200, 220, 2003), "major_power_1"], nd.loc[(200, 220, 2003), "major_power_dyad"]) == (0, 0)
    assert nd.loc[(20, 200, 2002), "major_power_2"] == 1
    assert nd.loc[(200, 220, 2004), "politically_relevant"] == 0
    assert nd.loc[(20, 220, 2005), "politically_relevant"] == 1  # water contiguity, type 2
    assert col(nd, (2, 20), "defense_pact") == [1, 1, 1, 1, 1, 1, 1, None, None, None]
    assert nd.loc[(20, 220, 2005), "defense_pact"] == 0
    # ATOP row only 220 -> 20: either direction counts, in both directed rows
    assert nd.loc[(20, 220, 2005), "defense_pact_atop"] == 1
    assert dr.loc[(20, 220, 2005), "defense_pact_atop"] == 1 and dr.loc[(220, 20, 2005), "defense_pact_atop"] == 1
    assert pd.isna(nd.loc[(2, 200, 2000), "mindist"]) and nd.loc[(2, 200, 2001), "mindist"] == 100.5
    assert dr.loc[(200, 2, 2001), "mindist"] == 100.5


def test_lags(world) -> None:
    nd, _, _, _ = world
    assert col(nd, (2, 220), "polity2_2_lag1") == [None, 6, 6, 6, None, None, None]
    assert col(nd, (2, 20), "defense_pact_lag1") == [None, 1, 1, 1, 1, 1, 1, 1, None, None]
    assert col(nd, (2, 200), "conttype_lag1") == [None, 4, 4, 4, 4, 4]


def test_ongoing_drop_and_ongoing_peace_rule(tmp_path: Path) -> None:
    nd, dr, audit, _ = build_world_frames(tmp_path / "drop", {"ongoing": "drop"})
    assert (2, 20, 2002) not in nd.index and (2, 200, 2004) not in nd.index
    assert (20, 2, 2002) not in dr.index
    # peace years run over the rows left in the sample
    assert col(nd, (2, 20), "peace_years_coercion_onset") == [0, 1, 0, 1, 0, 1, 2, 3, None]
    # lags still see the dropped year's values
    assert nd.loc[(2, 20, 2003), "polity2_1_lag1"] == 10
    rec = {t["table"]: t for t in audit["tables"]}["analysis_dyad_years"]
    assert rec["dropped"] == {"ongoing_mid_years_dropped": 2}
    assert pq.read_schema(tmp_path / "drop" / "out" / "nd.parquet").metadata[b"dyadstats.ongoing"] == b"drop"

    nd, dr, _, _ = build_world_frames(tmp_path / "ongo", {"peace_years": {"rule": "ongoing"}})
    # events: 2001, 2002 (A active) and 2004 (a coercion onset even though B was kept)
    assert col(nd, (2, 20), "peace_years_coercion_onset") == [0, 1, 0, 0, 1, 0, 1, 2, 3, None]
    # (2, 220) 2003-2009: 2004 D begins for the pair; 2005 D (display) is still active beside the
    # kept F (use of force), so 2005 ends the spell too: any active dispute counts, not the kept one
    assert col(nd, (2, 220), "peace_years_coercion_onset") == [0, 1, 0, 0, 1, 2, None]
    # onset rule for comparison: only 2004 is an event
    assert col(build_world_frames(tmp_path / "onset")[0], (2, 220), "peace_years_coercion_onset") == [0, 1, 0, 1, 2, 3, None]
    # limited (2-4) and all MIDs: F itself is an event in 2005 under either rule
    assert col(nd, (2, 220), "peace_years_coercion_onset_limited") == [0, 1, 0, 0, 1, 2, None]
    # directed 2 -> 220: D (2's own threat) active in 2005 beside the kept F
    assert col(dr, (2, 220), "peace_years_coercion_initiated") == [0, 1, 0, 0, 1, 2, None]
    assert col(dr, (220, 2), "peace_years_coercion_initiated") == [0, 1, 2, 3, 4, 5, None]


def test_audit_and_reproducible(tmp_path: Path, world) -> None:
    nd, _, audit, _ = world
    rec = {t["table"]: t for t in audit["tables"]}
    assert rec["analysis_dyad_years"]["key_unique"] and rec["analysis_directed_dyad_years"]["key_unique"]
    assert rec["analysis_dyad_years"]["rows_out"] == len(nd)
    assert rec["analysis_dyad_years"]["coverage"]["cow_alliance"] == [2000, 2006]
    assert rec["analysis_dyad_years"]["controls"]["ps_atop_alliance_asymmetric_defense_rows"] == 1
    build_world_frames(tmp_path / "a")
    build_world_frames(tmp_path / "b")
    for f in ("nd.parquet", "dir.parquet", "frame.json", "codebook.md"):
        assert (tmp_path / "a" / "out" / f).read_bytes() == (tmp_path / "b" / "out" / f).read_bytes(), f


def test_missing_input_column_is_named(tmp_path: Path) -> None:
    paths = write_world(tmp_path / "in")
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * EXCLUDE (onset_hostlevs_originators) FROM read_parquet('{paths['mid_dyad_years']}')) TO '{tmp_path}/m.parquet'")
    paths["mid_dyad_years"] = f"{tmp_path}/m.parquet"
    from dyadstats.errors import SchemaError

    with pytest.raises(SchemaError, match="mid_dyad_years.*onset_hostlevs_originators"):
        build_frames(paths, tmp_path / "a.parquet", tmp_path / "b.parquet", tmp_path / "f.json",
                     tmp_path / "c.md", frame_options({}, MID_COVERAGE, TIES_COVERAGE))


NARROW = {"directed": False, "democracy": ["polity"], "controls": ["contiguity", "nmc", "majors"],
          "outcomes": ["mid_onset"], "lags": False}


def test_narrow_frame_columns_equal_the_full_frames(tmp_path: Path, world) -> None:
    """build.frame selects columns; every selected column is the full frame's, value for value."""
    full_nd, _, _, _ = world
    paths = write_world(tmp_path / "in")
    out = tmp_path / "out"
    build_frames(paths, out / "nd.parquet", None, out / "frame.json", out / "codebook.md",
                 frame_options({"frame": NARROW}, MID_COVERAGE, TIES_COVERAGE))
    nd = pd.read_parquet(out / "nd.parquet").set_index(["ccode1", "ccode2", "year"])
    assert list(nd.columns) == [
        "stateabb1", "stateabb2", "dyad_id", "era", "mid_onset", "mid_ongoing", "mid_continuing",
        "polity2_1", "polity2_2", "min_polity2", "max_polity2", "dem_polity_1", "dem_polity_2",
        "joint_democracy_polity", "mixed_dyad_polity", "joint_autocracy_polity", "regime_pair_polity",
        "conttype", "contiguity_land", "contiguity_any", "contiguity_150", "cinc_1", "cinc_2",
        "capability_ratio", "log_capability_ratio", "major_power_1", "major_power_2", "major_power_dyad",
        "politically_relevant", "peace_years_mid_onset", "peace_years_mid_onset_2", "peace_years_mid_onset_3",
        "ongoing_mid_onset",
    ]
    pd.testing.assert_frame_equal(nd, full_nd[nd.columns])
    assert not (out / "dir.parquet").exists()
    audit = json.loads((out / "frame.json").read_text())
    assert [t["table"] for t in audit["tables"]] == ["analysis_dyad_years"]
    assert audit["tables"][0]["options"]["frame_columns"]["democracy"] == ["polity"]
    codebook = (out / "codebook.md").read_text()
    assert "analysis_directed_dyad_years" not in codebook and "`v2x_polyarchy_1`" not in codebook
    assert "`peace_years_mid_onset`" in codebook and "_lag1" not in codebook.split("## `analysis_dyad_years`")[1]


def test_narrow_frame_with_lags_and_without_politically_relevant(tmp_path: Path, world) -> None:
    """Lags of the selected regressors equal the full frame's; politically_relevant needs majors."""
    full_nd, full_dr, _, _ = world
    paths = write_world(tmp_path / "in")
    out = tmp_path / "out"
    sel = {"democracy": ["vdem"], "controls": ["contiguity", "mindist"],
           "outcomes": ["coercion_onset", "sanction_threat_onset", "mid_initiated"]}
    build_frames(paths, out / "nd.parquet", out / "dir.parquet", out / "frame.json", out / "codebook.md",
                 frame_options({"frame": sel}, MID_COVERAGE, TIES_COVERAGE))
    nd = pd.read_parquet(out / "nd.parquet").set_index(["ccode1", "ccode2", "year"])
    dr = pd.read_parquet(out / "dir.parquet").set_index(["ccode1", "ccode2", "year"])
    assert "politically_relevant" not in nd and "major_power_1" not in nd and "polity2_1" not in nd
    assert {"v2x_polyarchy_1_lag1", "mindist_lag1", "contiguity_land_lag1", "peace_years_sanction_threat_onset"} <= set(nd)
    assert "coercion_onset_limited" not in nd and "sanction_imposition_onset" not in nd
    assert "mid_initiated" in dr and "coercion_initiated" not in dr and "sanction_threat_initiated" not in dr
    pd.testing.assert_frame_equal(nd, full_nd[nd.columns])
    pd.testing.assert_frame_equal(dr, full_dr[dr.columns])


def test_frame_selection_errors_name_the_key() -> None:
    from dyadstats.errors import ConfigError

    with pytest.raises(ConfigError, match="build.frame.democracy.*'freedom_house'"):
        frame_options({"frame": {"democracy": ["polity", "freedom_house"]}}, MID_COVERAGE, TIES_COVERAGE)
    with pytest.raises(ConfigError, match="build.frame.lags"):
        frame_options({"frame": {"lags": False}, "lag": {"regressors": True}}, MID_COVERAGE, TIES_COVERAGE)
    with pytest.raises(ConfigError, match="build.frame: unknown key"):
        frame_options({"frame": {"columns": []}}, MID_COVERAGE, TIES_COVERAGE)
    # config order does not matter: the frame keeps its own column order
    a = frame_options({"frame": {"controls": ["nmc", "contiguity"]}}, MID_COVERAGE, TIES_COVERAGE)
    assert a.controls == ("contiguity", "nmc")


def test_frame_jobs_and_gather_equal_the_one_call_build(tmp_path: Path, world) -> None:
    """The workflow's per-frame jobs + gather write the same bytes as build_frames."""
    from dyadstats.frame.build import build_frame_part, finish_frame_parts

    paths = write_world(tmp_path / "in")
    options = frame_options({}, MID_COVERAGE, TIES_COVERAGE)
    one, split = tmp_path / "one", tmp_path / "split"
    build_frames(paths, one / "nd.parquet", one / "dir.parquet", one / "frame.json", one / "codebook.md", options)
    # the directed job first: the gather still puts the non-directed frame first
    build_frame_part(paths, True, split / "dir.parquet", split / "dir.json", options)
    build_frame_part(paths, False, split / "nd.parquet", split / "nd.json", options)
    finish_frame_parts([split / "dir.json", split / "nd.json"], split / "frame.json", split / "codebook.md", options)
    for f in ("nd.parquet", "dir.parquet", "frame.json", "codebook.md"):
        assert (one / f).read_bytes() == (split / f).read_bytes(), f


WORLD_DYAD_YEARS = [(2, 20, y) for y in YEARS] + [(2, 200, y) for y in range(2000, 2006)] + [
    (2, 220, y) for y in range(2003, 2010)] + [(200, 220, y) for y in range(2003, 2006)]

mid_draw = st.lists(
    st.tuples(st.sampled_from(WORLD_DYAD_YEARS), st.integers(0, 1), st.integers(1, 5), st.integers(1, 5),
              st.integers(0, 1), st.integers(0, 1)),
    max_size=12, unique_by=lambda t: t[0],
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(draw=mid_draw, rule=st.sampled_from(["onset", "ongoing"]), ongoing=st.sampled_from(["keep", "drop"]))
def test_frame_properties(tmp_path_factory: pytest.TempPathFactory, draw: list, rule: str, ongoing: str) -> None:
    rows = [mid_row(a, b, y, onset, h1, h2, o1, o2, 1, onset, max(h1, h2) if onset else None,
                    max(h1, h2) if onset else None) for (a, b, y), onset, h1, h2, o1, o2 in draw]
    if not rows:
        rows = [mid_row(2, 20, 2001, 1, 3, 3, 1, 1, 1, 1, 3, 3)]
    tmp = tmp_path_factory.mktemp("prop")
    nd, dr, _, _ = build_world_frames(tmp, {"peace_years": {"rule": rule}, "ongoing": ongoing}, rows)
    for frame in (nd, dr):
        assert frame.index.is_unique
        years = frame.index.get_level_values("year")
        outside = (years < MID_COVERAGE[0]) | (years > MID_COVERAGE[1])
        assert frame.loc[outside, "mid_ongoing"].isna().all() and frame.loc[~outside, "mid_ongoing"].notna().all()
        t_out = (years < TIES_COVERAGE[0]) | (years > TIES_COVERAGE[1])
        ties_col = "sanction_threat_onset" if frame is nd else "sanction_threat_initiated"
        assert frame.loc[t_out, ties_col].isna().all() and frame.loc[~t_out, ties_col].notna().all()
        assert frame.loc[years > 2006, "defense_pact"].isna().all()  # COW alliance table ends 2006
        assert frame.loc[years > 2007, "cinc_1"].isna().all()
    assert (nd.index.get_level_values(0) < nd.index.get_level_values(1)).all()
    for o in ("coercion_onset", "mid_onset"):
        for _, g in nd.groupby(level=[0, 1]):
            g = g[g[o].notna()]
            if g.empty:
                continue
            py = g[f"peace_years_{o}"].tolist()
            assert py[0] == 0  # the dyad's first year in the sample
            if rule == "onset":  # resets after each event, else grows by one
                for prev, nxt, e in zip(py, py[1:], g[o].tolist(), strict=False):
                    assert nxt == (0 if e == 1 else prev + 1)
            assert (g[f"peace_years_{o}_3"] == g[f"peace_years_{o}"] ** 3).all()
    if ongoing == "drop":
        assert (nd["mid_continuing"].fillna(0) == 0).all()
