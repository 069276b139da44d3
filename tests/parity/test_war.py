"""COW inter-state wars on the real data: the frames' war outcomes equal a direct pandas reading
of peacesciencer's cow_war_inter on every dyad-year of the universe, and the war the events
stage keeps per dyad-year is the one peacesciencer's add_cow_wars(type = "inter") keeps."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from dyadstats.ingest.rda import read_rda
from dyadstats.models import parse_specs
from dyadstats.models.estimate import fit_spec
from dyadstats.testing.repo import repo_root

FIRST, LAST = 1816, 2007  # COW Inter-State War v4.0


def _raw(shared_data: Path) -> pd.DataFrame:
    return read_rda(shared_data / "peacesciencer" / "rda" / "cow_war_inter.rda")


def _expected(keys: pd.DataFrame, events: set[tuple[int, int, int]]) -> pd.Series:
    """1 where the dyad-year is in ``events``, 0 elsewhere inside the coverage, NaN outside."""
    hit = [(a, b, y) in events for a, b, y in keys.itertuples(index=False)]
    out = pd.Series(np.where(hit, 1.0, 0.0), index=keys.index)
    return out.where(keys.year.between(FIRST, LAST))


def test_war_onset_equals_cow_war_inter_on_every_dyad_year(main_run: Path, shared_data: Path) -> None:
    raw = _raw(shared_data)
    onsets = raw[raw.cowinteronset == 1]
    nd_events = {(min(a, b), max(a, b), int(y)) for a, b, y in onsets[["ccode1", "ccode2", "year"]].itertuples(index=False)}
    frames = main_run / "results" / "frames"
    nd = pd.read_parquet(frames / "analysis_dyad_years.parquet",
                         columns=["ccode1", "ccode2", "year", "war_onset", "peace_years_war_onset"])
    expected = _expected(nd[["ccode1", "ccode2", "year"]], nd_events)
    got = nd.war_onset.astype("float64")
    assert got.isna().equals(expected.isna())
    assert (got.fillna(-1) == expected.fillna(-1)).all()
    # every onset dyad-year of the source is in the universe (the 1816-2014 COW dyad-years)
    assert int(nd.war_onset.sum()) == len(nd_events) > 0
    assert nd.loc[nd.year > LAST, "peace_years_war_onset"].isna().all()
    # late joiners: the USA fights Germany and Japan from 1941, the UK Germany from 1939
    at = nd.set_index(["ccode1", "ccode2", "year"]).war_onset
    assert at[(2, 255, 1941)] == 1 and at[(2, 255, 1939)] == 0 and at[(200, 255, 1939)] == 1
    assert at[(2, 740, 1941)] == 1

    directed = pd.read_parquet(frames / "analysis_directed_dyad_years.parquet",
                               columns=["ccode1", "ccode2", "year", "war_initiated"])
    init = onsets[onsets.initiator1 == 1]
    dir_events = {(int(a), int(b), int(y)) for a, b, y in init[["ccode1", "ccode2", "year"]].itertuples(index=False)}
    expected = _expected(directed[["ccode1", "ccode2", "year"]], dir_events)
    got = directed.war_initiated.astype("float64")
    assert got.isna().equals(expected.isna())
    assert (got.fillna(-1) == expected.fillna(-1)).all()
    assert int(directed.war_initiated.sum()) == len(dir_events) > 0


def _add_cow_wars_kept(raw: pd.DataFrame) -> pd.DataFrame:
    """peacesciencer's add_cow_wars(type = "inter") selection, step by step in pandas: within a
    directed dyad-year drop the non-onsets where an onset exists, then keep the first row by
    battle deaths (sum of both sides, -9 as missing, one side missing -> the other), descending,
    missing last, ties in the table's row order."""
    df = raw.copy()
    key = ["ccode1", "ccode2", "year"]
    best_onset = df.groupby(key).cowinteronset.transform("max")
    df = df[df.cowinteronset == best_onset].copy()
    for c in ("batdeath1", "batdeath2"):
        df[c] = df[c].astype("float64").where(df[c] >= 0)
    df["deaths"] = df[["batdeath1", "batdeath2"]].sum(axis=1, min_count=1)
    df = df.sort_values(key, kind="stable").sort_values("deaths", ascending=False, kind="stable", na_position="last")
    return df.groupby(key, sort=True).head(1).sort_values(key).reset_index(drop=True)


def test_kept_war_per_dyad_year_is_add_cow_wars_choice(main_run: Path, shared_data: Path) -> None:
    raw = _raw(shared_data)
    expected = _add_cow_wars_kept(raw)
    table = pd.read_parquet(main_run / "results" / "frames" / "war_directed_dyad_years.parquet")
    table = table.sort_values(["ccode1", "ccode2", "year"]).reset_index(drop=True)
    assert len(table) == len(expected) == raw[["ccode1", "ccode2", "year"]].drop_duplicates().shape[0]
    for ours, theirs in (("ccode1", "ccode1"), ("ccode2", "ccode2"), ("year", "year"), ("warnum", "warnum"),
                         ("war_onset", "cowinteronset"), ("batdeath1", "batdeath1"), ("batdeath2", "batdeath2"),
                         ("war_deaths", "deaths")):
        a = table[ours].astype("float64").to_numpy()
        b = expected[theirs].astype("float64").to_numpy()
        assert np.array_equal(a, b, equal_nan=True), ours
    audit = json.loads((main_run / "results" / "audit" / "events.json").read_text())
    record = next(t for t in audit["tables"] if t["table"] == "war_directed_dyad_years")
    counts = record["war_counts"]
    assert record["rows_in"] == counts["war_rows"] == len(raw) == 1932
    assert counts["wars"] == raw.warnum.nunique() and counts["resumed_spell_rows"] == int((raw.resume == 1).sum())
    by_key = raw.groupby(["ccode1", "ccode2", "year"])
    assert counts["directed_dyad_years_with_several_wars"] == int((by_key.warnum.nunique() > 1).sum()) == 36
    # 16 more directed dyad-years hold two rows of one war: a base and a resumed spell
    assert int((by_key.size() > 1).sum()) == 52


def test_war_onset_example_model_fits_on_the_war_years(main_run: Path) -> None:
    """config/examples/war_onset.yaml: its model (M1 with war_onset) fits on the main run's
    frame; its sample is the politically relevant complete rows of 1816-2007, counted here."""
    repo = repo_root()
    config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    overlay = yaml.safe_load((repo / "config" / "examples" / "war_onset.yaml").read_text())
    config["models"]["specs"] |= overlay["models"]["specs"]
    spec = parse_specs(config["models"])["W1_war_prd"]
    frame = pd.read_parquet(main_run / "results" / "frames" / "analysis_dyad_years.parquet")
    estimates, fit, _ = fit_spec(frame, spec)
    needed = ["war_onset", "joint_democracy_polity", "contiguity_land", "log_capability_ratio", "major_power_dyad",
              "defense_pact", "peace_years_war_onset"]
    sample = frame[(frame.politically_relevant == 1) & frame[needed].notna().all(axis=1)]
    assert fit["converged"] and fit["outcome"] == "war_onset"
    assert fit["n_obs"] == len(sample) and fit["n_events"] == int(sample.war_onset.sum()) > 50
    assert fit["year_max"] <= LAST
    assert "joint_democracy_polity" in set(estimates.term)
