"""The analysis frames on a hand-built world whose codings were worked out by hand.

World (years 2000-2009; universe built by dyadstats.universe from hand-made COW spells):

- states 2 and 20 are members throughout; 200 exits on 2005-06-30; 220 enters on 2003-07-01.
- MID coverage is declared 2000-2008 (2009 outcomes NULL); TIES coverage 2001-2007.
- (2, 20): dispute A begins 2001 (dyadic hostility 3, both originators) and continues in 2002;
  in 2004 two disputes begin at once, B (hostility 4, only 2 an originator, kept by the
  whittle) and C (hostility 2, initiated by 20 against 2, both originators), so the dyad-year's
  lists over all its disputes say onset_hostlevs [2, 4], onset_hostlevs_originators [2]
  (the US-Cuba 1983 pattern: the kept dispute has one originator, another new one has two).
  TIES: 20 threatens sanctions on 2 in 2002 and imposes them in 2003.
- (2, 200): dispute D begins 2003 (2 threatens 200: hostility 2) and continues in 2004.
- (2, 220): 220 joins D on side B in 2004 (new participation, not an originator; 220 displays
  force, so the dyadic hostility is 3). In 2005 D goes on (hostility 3) and 2 begins dispute F
  against 220 (2 uses force: hostility 4, both originators), which the whittle keeps (new over
  ongoing): active_hostlevs [3, 4] (the US-Mexico 1860 pattern: a continuing threat or display
  beside a kept new use of force).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dyadstats.frame.build import build_frames
from dyadstats.frame.options import frame_options
from dyadstats.universe import build_universe
from tests.conftest import base_config, run_workflow

YEARS = range(2000, 2010)
MID_COVERAGE = [2000, 2008]
TIES_COVERAGE = [2001, 2007]


def _write(df: pd.DataFrame, path: Path, schema: dict[str, pa.DataType] | None = None) -> str:
    table = pa.Table.from_pandas(df, preserve_index=False)
    if schema:
        table = table.cast(pa.schema([(c, schema.get(c, table.schema.field(c).type)) for c in table.column_names]))
    pq.write_table(table, path)
    return str(path)


def _ints(df: pd.DataFrame) -> pd.DataFrame:
    skip = ("stateabb", "statenme", "source", *LEVEL_LISTS)
    return df.astype({c: "Int64" for c in df.columns if df[c].dtype == object and c not in skip})


def mid_row(c1: int, c2: int, year: int, onset: int, host1: int, host2: int, orig1: int, orig2: int,
            sidea1: int, n_onsets: int, min_h: int | None, max_h: int | None,
            onset_levels: list[int] | None = None, active_levels: list[int] | None = None,
            onset_orig_levels: list[int] | None = None, active_orig_levels: list[int] | None = None) -> dict:
    """One whittled row; the hostility-level lists over all disputes of the dyad-year default to
    the kept dispute's alone (a dyad-year with one dispute)."""
    host = max(host1, host2)
    both = orig1 == 1 and orig2 == 1
    own_onset = [host] if onset else []
    return dict(ccode1=c1, ccode2=c2, year=year, mid_onset=onset, mid_ongoing=1,
                hostlev=host, hostlev1=host1, hostlev2=host2, orig1=orig1, orig2=orig2,
                sidea1=sidea1, sidea2=1 - sidea1, n_onsets=n_onsets,
                min_onset_hostlev=min_h, max_onset_hostlev=max_h,
                onset_hostlevs=own_onset if onset_levels is None else onset_levels,
                active_hostlevs=[host] if active_levels is None else active_levels,
                onset_hostlevs_originators=(own_onset if both else []) if onset_orig_levels is None else onset_orig_levels,
                active_hostlevs_originators=([host] if both else []) if active_orig_levels is None else active_orig_levels)


LEVEL_LISTS = ("onset_hostlevs", "active_hostlevs", "onset_hostlevs_originators", "active_hostlevs_originators")


def build_world(tmp: Path, mid_rows: list[dict] | None = None) -> dict[str, str]:
    """Write every input table of the frame for the hand-built world; return name -> path.

    ``mid_rows`` replaces the hand-worked MID rows (property tests draw their own).
    """
    tmp.mkdir(parents=True, exist_ok=True)
    paths: dict[str, str] = {}
    states = pd.DataFrame(
        [
            ("USA", 2, "A", 2000, 1, 1, 2009, 12, 31),
            ("CAN", 20, "B", 2000, 1, 1, 2009, 12, 31),
            ("UKG", 200, "C", 2000, 1, 1, 2005, 6, 30),
            ("FRN", 220, "D", 2003, 7, 1, 2009, 12, 31),
        ],
        columns=["stateabb", "ccode", "statenme", "styear", "stmonth", "stday", "endyear", "endmonth", "endday"],
    ).assign(version=2016)
    states_path = _write(states, tmp / "cow_states.parquet")
    for name in ("state_years", "dyad_years", "directed_dyad_years"):
        paths[name] = str(tmp / f"{name}.parquet")
    build_universe(states_path, paths["state_years"], paths["dyad_years"], paths["directed_dyad_years"],
                   tmp / "universe.json", first_year=2000, last_year=2009)
    paths.pop("state_years")

    mid = pd.DataFrame(mid_rows) if mid_rows is not None else pd.DataFrame([
        mid_row(2, 20, 2001, 1, 3, 3, 1, 1, 1, 1, 3, 3),
        mid_row(2, 20, 2002, 0, 3, 3, 1, 1, 1, 0, None, None),
        mid_row(2, 20, 2004, 1, 4, 1, 1, 0, 1, 2, 2, 4, onset_levels=[2, 4], active_levels=[2, 4],
                onset_orig_levels=[2], active_orig_levels=[2]),
        mid_row(2, 200, 2003, 1, 2, 1, 1, 1, 1, 1, 2, 2),
        mid_row(2, 200, 2004, 0, 2, 1, 1, 1, 1, 0, None, None),
        mid_row(2, 220, 2004, 1, 2, 3, 1, 0, 1, 1, 3, 3),
        mid_row(2, 220, 2005, 1, 4, 1, 1, 1, 1, 1, 4, 4, active_levels=[3, 4]),
    ])
    list_type = {c: pa.list_(pa.int64()) for c in LEVEL_LISTS}
    paths["mid_dyad_years"] = _write(_ints(mid), tmp / "mid_dyad_years.parquet", list_type)
    directed = pd.concat([
        mid.drop(columns=["n_onsets", "min_onset_hostlev", "max_onset_hostlev"]),
        mid.rename(columns={"ccode1": "ccode2", "ccode2": "ccode1", "hostlev1": "hostlev2", "hostlev2": "hostlev1",
                            "orig1": "orig2", "orig2": "orig1", "sidea1": "sidea2", "sidea2": "sidea1"})
        .drop(columns=["n_onsets", "min_onset_hostlev", "max_onset_hostlev"]),
    ])
    # initiation over all disputes, as the events stage codes it (worked out from the story):
    # (mid_initiated, coercion_initiated) for new disputes ...
    initiated = {(2, 20, 2001): (1, 1), (2, 20, 2004): (1, 0), (20, 2, 2004): (1, 1),
                 (2, 200, 2003): (1, 1), (2, 220, 2004): (1, 1), (2, 220, 2005): (1, 0)}
    # ... and (mid_initiator_active, coercion_initiator_active) for every active dispute: in
    # 2005 2 is D's side-A originator with its own threat (2) while the kept F is a use of force
    active = {(2, 20, 2001): (1, 1), (2, 20, 2002): (1, 1), (2, 20, 2004): (1, 0), (20, 2, 2004): (1, 1),
              (2, 200, 2003): (1, 1), (2, 200, 2004): (1, 1), (2, 220, 2004): (1, 1), (2, 220, 2005): (1, 1)}
    keys = list(zip(directed.ccode1, directed.ccode2, directed.year, strict=True))
    for i, name in enumerate(("mid_initiated", "coercion_initiated")):
        directed[name] = [initiated.get(k, (0, 0))[i] for k in keys]
    for i, name in enumerate(("mid_initiator_active", "coercion_initiator_active")):
        directed[name] = [active.get(k, (0, 0))[i] for k in keys]
    paths["mid_directed_dyad_years"] = _write(_ints(directed), tmp / "mid_directed_dyad_years.parquet", list_type)
    ties = pd.DataFrame(
        [(20, 2, 2002, 1, 0), (20, 2, 2003, 0, 1), (2, 220, 2008, 1, 0)],
        columns=["ccode1", "ccode2", "year", "sanction_threat_onset", "sanction_imposition_onset"],
    )
    paths["ties_directed_dyad_years"] = _write(ties, tmp / "ties_directed_dyad_years.parquet")

    score = {2: 10, 20: 10, 200: -7, 220: 6}
    polity = pd.DataFrame(
        [(c, y, (None if c == 220 and y >= 2006 else s)) for c, s in score.items() for y in YEARS],
        columns=["ccode", "year", "polity2"],
    ).astype({"polity2": "Int64"})
    paths["polity5"] = _write(polity, tmp / "polity5.parquet")
    vdem = pd.DataFrame(
        [(c, c, c, y, v) for c, v in {2: 0.8, 20: 0.5}.items() for y in YEARS],
        columns=["vdem_cowcode", "cown", "country_id", "year", "v2x_polyarchy"],
    )
    paths["vdem"] = _write(vdem, tmp / "vdem.parquet")
    bmr = pd.DataFrame([(c, y, d) for c, d in {2: 1, 20: 1, 200: 0, 220: 1}.items() for y in YEARS],
                       columns=["ccode", "year", "democracy"])
    paths["bmr"] = _write(bmr, tmp / "bmr.parquet")
    uds = pd.DataFrame([(c, c, y, m) for c, m in {2: 1.0, 20: 0.0, 200: -0.5, 220: 0.3}.items() for y in YEARS],
                       columns=["cown", "uds_cowcode", "year", "mean"])
    paths["uds"] = _write(uds, tmp / "uds.parquet")

    cont = [(2, 20, y, 1) for y in range(2000, 2009)]
    cont += [(2, 200, y, 4) for y in range(2000, 2006)] + [(2, 200, 2001, 5)]
    cont += [(20, 220, y, 2) for y in range(2003, 2009)]
    cont += [(b, a, y, t) for a, b, y, t in cont]
    paths["cow_contdird"] = _write(pd.DataFrame(cont, columns=["state1no", "state2no", "year", "conttype"]), tmp / "cow_contdird.parquet")
    cinc = {2: 0.2, 20: 0.05, 200: 0.1, 220: 0.02}
    nmc = pd.DataFrame([(c, y, v, 10 * c, c, 100.0 * c, None) for c, v in cinc.items() for y in range(2000, 2008)],
                       columns=["ccode", "year", "cinc", "milex", "milper", "tpop", "upop"])
    paths["nmc"] = _write(nmc, tmp / "nmc.parquet")
    majors = pd.DataFrame([(2, 2000, 2009), (200, 2000, 2002)], columns=["ccode", "styear", "endyear"])
    paths["cow_majors"] = _write(majors, tmp / "cow_majors.parquet")
    cow_all = [(2, 20, y, 1) for y in range(2000, 2007)] + [(20, 2, y, 1) for y in range(2000, 2007)] + [(20, 220, 2006, 0)]
    cow_all = pd.DataFrame([(*r, r[3], 0, 0) for r in cow_all],
                           columns=["ccode1", "ccode2", "year", "cow_defense", "cow_neutral", "cow_nonagg", "cow_entente"])
    paths["ps_cow_alliance"] = _write(cow_all, tmp / "ps_cow_alliance.parquet")
    atop = [(2, 20, y, 1) for y in YEARS] + [(20, 2, y, 1) for y in YEARS] + [(220, 20, 2005, 1)]
    paths["ps_atop_alliance"] = _write(pd.DataFrame(atop, columns=["ccode1", "ccode2", "year", "atop_defense"]), tmp / "ps_atop_alliance.parquet")
    dist = [(2, 20, y, 0.0) for y in YEARS] + [(2, 200, y, 100.5) for y in range(2001, 2006)]
    paths["ps_cow_mindist"] = _write(pd.DataFrame(dist, columns=["ccode1", "ccode2", "year", "mindist"]), tmp / "ps_cow_mindist.parquet")
    return paths


def run_world(tmp: Path, build: dict | None = None, mid_rows: list[dict] | None = None) -> tuple[pd.DataFrame, pd.DataFrame, dict, str]:
    paths = build_world(tmp / "in", mid_rows)
    out = tmp / "out"
    build_frames(paths, out / "nd.parquet", out / "dir.parquet", out / "frame.json", out / "codebook.md",
                 frame_options(build or {}, MID_COVERAGE, TIES_COVERAGE))
    nd = pd.read_parquet(out / "nd.parquet").set_index(["ccode1", "ccode2", "year"])
    dr = pd.read_parquet(out / "dir.parquet").set_index(["ccode1", "ccode2", "year"])
    audit = json.loads((out / "frame.json").read_text())
    return nd, dr, audit, (out / "codebook.md").read_text()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame, dict, str]:
    return run_world(tmp_path_factory.mktemp("world"))


def col(frame: pd.DataFrame, dyad: tuple[int, int], column: str) -> list:
    s = frame.loc[dyad][column]
    return [None if pd.isna(v) else v for v in s.tolist()]


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
    nd, _, audit, codebook = run_world(tmp_path, {"democracy": {"polity": {"threshold": 7, "rule": "ge"},
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
    nd, dr, audit, _ = run_world(tmp_path / "drop", {"ongoing": "drop"})
    assert (2, 20, 2002) not in nd.index and (2, 200, 2004) not in nd.index
    assert (20, 2, 2002) not in dr.index
    # peace years run over the rows left in the sample
    assert col(nd, (2, 20), "peace_years_coercion_onset") == [0, 1, 0, 1, 0, 1, 2, 3, None]
    # lags still see the dropped year's values
    assert nd.loc[(2, 20, 2003), "polity2_1_lag1"] == 10
    rec = {t["table"]: t for t in audit["tables"]}["analysis_dyad_years"]
    assert rec["dropped"] == {"ongoing_mid_years_dropped": 2}
    assert pq.read_schema(tmp_path / "drop" / "out" / "nd.parquet").metadata[b"dyadstats.ongoing"] == b"drop"

    nd, dr, _, _ = run_world(tmp_path / "ongo", {"peace_years": {"rule": "ongoing"}})
    # events: 2001, 2002 (A active) and 2004 (a coercion onset even though B was kept)
    assert col(nd, (2, 20), "peace_years_coercion_onset") == [0, 1, 0, 0, 1, 0, 1, 2, 3, None]
    # (2, 220) 2003-2009: 2004 D begins for the pair; 2005 D (display) is still active beside the
    # kept F (use of force), so 2005 ends the spell too: any active dispute counts, not the kept one
    assert col(nd, (2, 220), "peace_years_coercion_onset") == [0, 1, 0, 0, 1, 2, None]
    # onset rule for comparison: only 2004 is an event
    assert col(run_world(tmp_path / "onset")[0], (2, 220), "peace_years_coercion_onset") == [0, 1, 0, 1, 2, 3, None]
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
    run_world(tmp_path / "a")
    run_world(tmp_path / "b")
    for f in ("nd.parquet", "dir.parquet", "frame.json", "codebook.md"):
        assert (tmp_path / "a" / "out" / f).read_bytes() == (tmp_path / "b" / "out" / f).read_bytes(), f


def test_missing_input_column_is_named(tmp_path: Path) -> None:
    paths = build_world(tmp_path / "in")
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
    paths = build_world(tmp_path / "in")
    out = tmp_path / "out"
    build_frames(paths, out / "nd.parquet", None, out / "frame.json", out / "codebook.md",
                 frame_options({"frame": NARROW}, MID_COVERAGE, TIES_COVERAGE))
    nd = pd.read_parquet(out / "nd.parquet").set_index(["ccode1", "ccode2", "year"])
    assert list(nd.columns) == [
        "dyad_id", "era", "mid_onset", "mid_ongoing", "mid_continuing",
        "polity2_1", "polity2_2", "min_polity2", "max_polity2", "dem_polity_1", "dem_polity_2",
        "joint_democracy_polity", "mixed_dyad_polity", "joint_autocracy_polity", "regime_pair_polity",
        "conttype", "contiguity_land", "contiguity_any", "contiguity_150", "cinc_1", "cinc_2",
        "capability_ratio", "log_capability_ratio", "major_power_1", "major_power_2", "major_power_dyad",
        "politically_relevant", "peace_years_mid_onset", "peace_years_mid_onset_2", "peace_years_mid_onset_3",
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
    paths = build_world(tmp_path / "in")
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

    paths = build_world(tmp_path / "in")
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
    nd, dr, _, _ = run_world(tmp, {"peace_years": {"rule": rule}, "ongoing": ongoing}, rows)
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


# --- real data -------------------------------------------------------------------------------

FRAME_TARGETS = ["results/frames/analysis_dyad_years.parquet", "results/audit/frame.json", "reports/codebook.md"]


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    workdir = tmp_path_factory.mktemp("frame_real")
    result = run_workflow(workdir, base_config(shared_data), FRAME_TARGETS)
    assert result.returncode == 0, result.stderr[-4000:]
    return workdir


@pytest.mark.integration
def test_real_fashoda_is_a_jointly_democratic_coercion_onset(real: Path) -> None:
    """Fashoda 1898 (UK 200 - France 220): displays of force by both, both polity2 >= 7."""
    con = duckdb.connect()
    row = con.execute(
        f"""SELECT coercion_onset, mid_onset, polity2_1, polity2_2, joint_democracy_polity,
                   regime_pair_polity, major_power_dyad, conttype
            FROM read_parquet('{real}/results/frames/analysis_dyad_years.parquet')
            WHERE ccode1 = 200 AND ccode2 = 220 AND year = 1898"""
    ).fetchone()
    assert row[0] == 1 and row[1] == 1
    assert row[2] >= 7 and row[3] >= 7 and row[4] == 1 and row[5] == "joint democracy"
    assert row[6] == 1


@pytest.mark.integration
def test_real_frame_keys_and_coverage(real: Path) -> None:
    con = duckdb.connect()
    f = f"read_parquet('{real}/results/frames/analysis_dyad_years.parquet')"
    n, keys, bad_order, y0, y1 = con.execute(
        f"SELECT count(*), count(DISTINCT (ccode1, ccode2, year)), count(*) FILTER (WHERE ccode1 >= ccode2), "
        f"min(year), max(year) FROM {f}"
    ).fetchone()
    assert n == keys and bad_order == 0 and (y0, y1) == (1816, 2014)
    (universe,) = con.execute(f"SELECT count(*) FROM read_parquet('{real}/results/frames/dyad_years.parquet')").fetchone()
    assert n == universe  # ongoing: keep
    checks = con.execute(
        f"""SELECT
            count(*) FILTER (WHERE year < 1945 AND sanction_threat_onset IS NOT NULL),
            count(*) FILTER (WHERE year BETWEEN 1945 AND 2005 AND sanction_threat_onset IS NULL),
            count(*) FILTER (WHERE year < 1886 AND mindist IS NOT NULL),
            count(*) FILTER (WHERE year > 2012 AND defense_pact IS NOT NULL),
            count(*) FILTER (WHERE year <= 2012 AND defense_pact IS NULL),
            count(*) FILTER (WHERE coercion_onset IS NULL OR conttype IS NULL OR major_power_dyad IS NULL),
            count(*) FILTER (WHERE coercion_onset = 1 AND mid_onset = 0),
            sum(coercion_onset), sum(mid_onset)
            FROM {f}"""
    ).fetchone()
    assert checks[:7] == (0, 0, 0, 0, 0, 0, 0)
    assert 900 < checks[7] < checks[8]
