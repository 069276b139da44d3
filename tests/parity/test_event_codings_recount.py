"""The MID and TIES coding fixes of issue 16 against an independent recount from the raw files.

The recount reads MID 5.0 participant rows (MIDB) and TIES 4.1 straight from the mirror with
pandas, a second implementation of the codebook rules (no dyadstats SQL):

- pairing: every side-A with every side-B participant row of a dispute whose participation
  shares a day (missing start day = 1st, missing end day = last of the month); one row per
  calendar year of the overlap; onset when an overlapping episode starts in the year; the
  earliest episode of a pair-year supplies its fields; dyadic hostility = the higher side's;
- ``mid_onset_originators``: ANY new dispute of the dyad-year with hostility 2-5 and both
  states originators;
- peace years under ``build.peace_years.rule: ongoing``: a year is an event when ANY dispute
  of the outcome's kind is active in it; the count is rows since the last event row, 0 in the
  dyad's first row (stevemisc::ps_spells(ongoing = FALSE)).

The frames come from the README's main job (``main_run``); the ongoing-rule frames are built
from its tables in process.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dyadstats.frame.build import build_frames
from dyadstats.frame.options import frame_options

MID_COVERAGE, TIES_COVERAGE = [1816, 2014], [1945, 2005]
BANDS = {"coercion_onset": (2, 3), "coercion_onset_limited": (2, 4), "mid_onset": (2, 5)}


def _dates(year: pd.Series, month: pd.Series, day: pd.Series, end: bool) -> pd.Series:
    known = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day.where(day > 0, 1)}))
    if not end:
        return known
    return known.where(day > 0, known + pd.offsets.MonthEnd(0))


def raw_dispute_dyad_years(shared_data: Path) -> pd.DataFrame:
    """Non-directed dispute-dyad-years (ccode1 < ccode2) from MIDB 5.0, by pandas."""
    b = pd.read_csv(shared_data / "raw" / "cow_mid_v5.0" / "MIDB 5.0.csv")
    b["start"] = _dates(b.styear, b.stmon, b.stday, end=False)
    b["end"] = _dates(b.endyear, b.endmon, b.endday, end=True)
    cols = ["dispnum", "ccode", "sidea", "orig", "hostlev", "start", "end"]
    pairs = b.loc[b.sidea == 1, cols].merge(b.loc[b.sidea == 0, cols], on="dispnum", suffixes=("_a", "_b"))
    pairs["ep_start"] = np.maximum(pairs.start_a, pairs.start_b)
    pairs["ep_end"] = np.minimum(pairs.end_a, pairs.end_b)
    pairs = pairs[pairs.ep_start <= pairs.ep_end].copy()
    # orient: state 1 is the lower code
    low_is_a = pairs.ccode_a < pairs.ccode_b
    for f in ("ccode", "sidea", "orig", "hostlev"):
        pairs[f"{f}1"] = np.where(low_is_a, pairs[f"{f}_a"], pairs[f"{f}_b"])
        pairs[f"{f}2"] = np.where(low_is_a, pairs[f"{f}_b"], pairs[f"{f}_a"])
    pairs["year"] = [list(range(s, e + 1)) for s, e in zip(pairs.ep_start.dt.year, pairs.ep_end.dt.year, strict=True)]
    ey = pairs.explode("year").astype({"year": int})
    ey["onset"] = (ey.year == ey.ep_start.dt.year).astype(int)
    key = ["dispnum", "ccode1", "ccode2", "year"]
    ey = ey.sort_values([*key, "ep_start", "ep_end", "sidea1"], ascending=[True] * 6 + [False])
    first = ey.drop_duplicates(key).set_index(key)
    first["onset"] = ey.groupby(key)["onset"].max()
    first["hostlev"] = first[["hostlev1", "hostlev2"]].max(axis=1)
    return first.reset_index()[[*key, "onset", "hostlev", "hostlev1", "hostlev2", "orig1", "orig2", "sidea1", "sidea2"]]


def peace_years(frame: pd.DataFrame, event: pd.Series, unit: list[str]) -> pd.Series:
    """Rows since the unit's last earlier event row (0 in its first row); frame in year order."""
    prev = event.groupby([frame[u] for u in unit]).shift(fill_value=0)
    spell = prev.groupby([frame[u] for u in unit]).cumsum()
    return frame.groupby([*(frame[u] for u in unit), spell]).cumcount()


@pytest.fixture(scope="module")
def raw_ddy(shared_data: Path) -> pd.DataFrame:
    return raw_dispute_dyad_years(shared_data)


@pytest.fixture(scope="module")
def frames(main_run: Path) -> dict[str, pd.DataFrame]:
    f = main_run / "results" / "frames"
    return {
        "nd": pd.read_parquet(f / "analysis_dyad_years.parquet"),
        "mid": pd.read_parquet(f / "mid_dyad_years.parquet"),
    }


@pytest.fixture(scope="module")
def ongoing_frames(main_run: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """Both frames under peace_years.rule: ongoing, built from the main job's tables."""
    res, out = main_run / "results", tmp_path_factory.mktemp("ongoing")
    inputs = {t: res / "frames" / f"{t}.parquet" for t in (
        "dyad_years", "directed_dyad_years", "mid_dyad_years", "mid_directed_dyad_years", "ties_directed_dyad_years")}
    inputs |= {t: res / "ingest" / f"{t}.parquet" for t in (
        "polity5", "vdem", "bmr", "uds", "cow_contdird", "nmc", "cow_majors",
        "ps_cow_alliance", "ps_atop_alliance", "ps_cow_mindist")}
    build = {"peace_years": {"rule": "ongoing"}, "frame": {"democracy": ["polity"], "controls": [], "lags": False}}
    build_frames(inputs, out / "nd.parquet", out / "dir.parquet", out / "frame.json", out / "codebook.md",
                 frame_options(build, MID_COVERAGE, TIES_COVERAGE))
    return {"nd": pd.read_parquet(out / "nd.parquet"), "dir": pd.read_parquet(out / "dir.parquet")}


def _any(raw: pd.DataFrame, mask: pd.Series, keys: list[str], frame: pd.DataFrame) -> pd.Series:
    """Per frame row: 1 if some raw dispute-dyad-year of its key satisfies ``mask``."""
    hits = raw.loc[mask, keys].drop_duplicates().assign(_hit=1)
    return frame[keys].merge(hits, on=keys, how="left")["_hit"].fillna(0).astype(int).set_axis(frame.index)


def _split(frame: pd.DataFrame, changed: pd.Series) -> dict[str, int]:
    jd = frame.loc[changed, "joint_democracy_polity"]
    return {"joint democracy": int((jd == 1).sum()), "other": int((jd == 0).sum()), "polity missing": int(jd.isna().sum())}


def test_mid_onset_originators_equals_the_raw_recount(raw_ddy: pd.DataFrame, frames: dict) -> None:
    nd, mid = frames["nd"], frames["mid"]
    keys = ["ccode1", "ccode2", "year"]
    both = (raw_ddy.onset == 1) & raw_ddy.hostlev.between(2, 5) & (raw_ddy.orig1 == 1) & (raw_ddy.orig2 == 1)
    recount = _any(raw_ddy, both, keys, nd)
    disagree = int((recount != nd["mid_onset_originators"]).sum())
    # the old coding: the kept dispute's own fields
    kept = mid.assign(_k=((mid.mid_onset == 1) & mid.hostlev.between(2, 5) & (mid.orig1 == 1) & (mid.orig2 == 1)).astype(int))
    old = nd[keys].merge(kept[[*keys, "_k"]], on=keys, how="left")["_k"].fillna(0).astype(int).set_axis(nd.index)
    changed = (recount == 1) & (old == 0)
    split = _split(nd, changed)
    events = {"joint democracy": int(recount[nd.joint_democracy_polity == 1].sum()),
              "other": int(recount[nd.joint_democracy_polity == 0].sum())}
    print(f"mid_onset_originators: {int(recount.sum())} events in {len(nd)} dyad-years; frame disagrees "
          f"on {disagree}; the kept-dispute coding missed {int(changed.sum())} {split}; share missed: "
          + ", ".join(f"{g} {split[g]} of {e} ({split[g] / e:.1%})" for g, e in events.items()))
    assert disagree == 0
    assert int(((old == 1) & (recount == 0)).sum()) == 0  # the fix only adds events
    assert changed.sum() > 0
    # raw dyad-years with such an event but outside the universe would be lost silently
    hits = raw_ddy.loc[both, keys].drop_duplicates()
    assert len(hits) == int(recount.sum())


def test_other_mid_flags_equal_the_raw_recount(raw_ddy: pd.DataFrame, frames: dict) -> None:
    """The bands and mid_ongoing ask the same "any dispute of the dyad-year" question."""
    nd, keys = frames["nd"], ["ccode1", "ccode2", "year"]
    masks = {o: (raw_ddy.onset == 1) & raw_ddy.hostlev.between(lo, hi) for o, (lo, hi) in BANDS.items()}
    masks["mid_ongoing"] = raw_ddy.hostlev.between(2, 5)
    disagree = {o: int((_any(raw_ddy, m, keys, nd) != nd[o]).sum()) for o, m in masks.items()}
    print("onset bands and mid_ongoing, frame vs raw recount, dyad-years disagreeing:", disagree)
    assert disagree == dict.fromkeys(masks, 0)


def test_us_cuba_1983_both_originators_in_the_unkept_dispute(raw_ddy: pd.DataFrame, frames: dict) -> None:
    """MID 2981 (April 1983): USA (2) and Cuba (40) both originators; MID 3058 (Grenada) kept."""
    rows = raw_ddy.query("ccode1 == 2 and ccode2 == 40 and year == 1983").set_index("dispnum")
    assert (rows.loc[2981, "orig1"], rows.loc[2981, "orig2"], rows.loc[3058, "orig2"]) == (1, 1, 0)
    kept = frames["mid"].query("ccode1 == 2 and ccode2 == 40 and year == 1983")
    assert kept.dispnum.tolist() == [3058] and kept.orig2.tolist() == [0]
    assert list(kept.onset_hostlevs_originators.iloc[0]) == [3]
    row = frames["nd"].query("ccode1 == 2 and ccode2 == 40 and year == 1983")
    assert row.mid_onset_originators.tolist() == [1]


def test_ongoing_peace_years_equal_the_raw_recount(raw_ddy: pd.DataFrame, frames: dict, ongoing_frames: dict) -> None:
    nd = ongoing_frames["nd"].sort_values(["ccode1", "ccode2", "year"]).reset_index(drop=True)
    keys, mid = ["ccode1", "ccode2", "year"], frames["mid"]
    kept = nd[keys].merge(mid[[*keys, "hostlev", "orig1", "orig2"]], on=keys, how="left")
    active = {o: raw_ddy.hostlev.between(lo, hi) for o, (lo, hi) in BANDS.items()}
    active["mid_onset_originators"] = raw_ddy.hostlev.between(2, 5) & (raw_ddy.orig1 == 1) & (raw_ddy.orig2 == 1)
    report = {}
    for o, mask in active.items():
        event = _any(raw_ddy, mask, keys, nd)
        expected = peace_years(nd, event, ["ccode1", "ccode2"])
        assert (nd[f"peace_years_{o}"] == expected).all(), o
        # the old rule: the onset, or the kept dispute's own hostility (and originators)
        lo, hi = BANDS.get(o, (2, 5))
        kept_active = kept.hostlev.between(lo, hi)
        if o == "mid_onset_originators":
            kept_active &= (kept.orig1 == 1) & (kept.orig2 == 1)
        old_event = (kept_active.to_numpy() | (nd[o] == 1)).astype(int)
        hidden = (event == 1) & (old_event == 0)
        cells = int((expected != peace_years(nd, old_event, ["ccode1", "ccode2"])).sum())
        report[o] = {"event years hidden": int(hidden.sum()), **_split(nd, hidden), "peace-year cells changed": cells}
    print("ongoing rule, fix vs kept-dispute rule:", report)
    assert report["coercion_onset"]["event years hidden"] > 0


def test_us_mexico_1860_61_ongoing_peace_years(ongoing_frames: dict) -> None:
    """1859: MID 1548 (US display, hostility 3) begins, runs to January 1860; 1860: MID 1549
    (uses of force, hostility 4) begins and is kept. 1860 is a coercion year under the ongoing
    rule (1548 active), so the spell restarts: 1861 has 0 peace years, not 1."""
    nd = ongoing_frames["nd"].query("ccode1 == 2 and ccode2 == 70 and year in [1859, 1860, 1861, 1862]")
    nd = nd.sort_values("year")
    assert nd.coercion_onset.tolist() == [1, 0, 0, 0]
    assert nd.peace_years_coercion_onset.tolist() == [7, 0, 0, 1]


def test_directed_ongoing_peace_years_equal_the_raw_recount(raw_ddy: pd.DataFrame, ongoing_frames: dict) -> None:
    swap = {"ccode1": "ccode2", "ccode2": "ccode1", "hostlev1": "hostlev2", "hostlev2": "hostlev1",
            "orig1": "orig2", "orig2": "orig1", "sidea1": "sidea2", "sidea2": "sidea1"}
    directed = pd.concat([raw_ddy, raw_ddy.rename(columns=swap)], ignore_index=True)
    a_initiates = (directed.sidea1 == 1) & (directed.orig1 == 1) & (directed.sidea2 == 0)
    active = {"coercion_initiated": a_initiates & directed.hostlev1.between(2, 3),
              "mid_initiated": a_initiates & directed.hostlev.between(2, 5)}
    dr = ongoing_frames["dir"].sort_values(["ccode1", "ccode2", "year"]).reset_index(drop=True)
    for o, mask in active.items():
        event = _any(directed, mask, ["ccode1", "ccode2", "year"], dr)
        assert (dr[f"peace_years_{o}"] == peace_years(dr, event, ["ccode1", "ccode2"])).all(), o


@pytest.mark.filterwarnings("ignore:The xlrd engine is deprecated")
def test_ties_west_germany_255_recoded(shared_data: Path, main_run: Path) -> None:
    """TIES cases naming 255 with an onset in 1955-1989 (255 no COW member, 260 the German
    Federal Republic) are recoded; 260 after 1990 becomes 255; 255/260 in 1946-1954 stay out."""
    t = pd.read_excel(shared_data / "raw" / "ties_v4.1" / "TIESv4-1.xls")  # as dyadstats.ingest.readers
    imp_year = pd.to_numeric(t.sancimpositionstartyear.astype(str).str.extract(r"^\s*(\d{4})")[0], errors="coerce")
    onsets = pd.concat([
        t.loc[t.threat == 1].assign(year=t.startyear),
        t.loc[(t.imposition == 1) & imp_year.notna()].assign(year=imp_year),
        t.loc[(t.imposition == 1) & imp_year.isna() & (t.threat != 1)].assign(year=t.startyear),
    ])
    codes = onsets[["sender1", "sender2", "sender3", "sender4", "sender5", "targetstate"]]
    has = {c: codes.eq(c).any(axis=1) for c in (255, 260)}
    expect = {
        "cases_255_to_260": onsets.loc[has[255] & onsets.year.between(1955, 1989), "caseid"].nunique(),
        "cases_260_to_255": onsets.loc[has[260] & (onsets.year >= 1991), "caseid"].nunique(),
    }
    unplaced = onsets.loc[(has[255] | has[260]) & onsets.year.between(1946, 1954), "caseid"].nunique()
    audit = json.loads((main_run / "results" / "audit" / "events.json").read_text())
    ties = next(r for r in audit["tables"] if r["table"] == "ties_directed_dyad_years")
    print(f"TIES German codes: recoded {ties['recoded']}; outside the system {unplaced} cases")
    assert {k: ties["recoded"][k] for k in expect} == expect
    assert expect["cases_255_to_260"] == 4  # 1972080701, 1980010401, 1980121202, 1982040301
    assert ties["dropped"]["cases_with_german_code_outside_system"] == unplaced
    # the recoded onsets reach the directed frame: case 1972080701, West Germany 260 -> Uganda 500
    dr = pd.read_parquet(main_run / "results" / "frames" / "analysis_directed_dyad_years.parquet",
                         columns=["ccode1", "ccode2", "year", "sanction_threat_initiated", "sanction_imposition_initiated"],
                         filters=[("ccode1", "==", 260), ("ccode2", "==", 500), ("year", "==", 1972)])
    assert dr[["sanction_threat_initiated", "sanction_imposition_initiated"]].values.tolist() == [[1, 1]]
