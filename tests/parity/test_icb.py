"""ICB crisis triggers: a pandas recount of the real icb2v14.csv against the events table and its audit."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from dyadstats.events.icb import CATEGORIES


def _raw_recount(shared_data: Path) -> tuple[pd.DataFrame, dict[str, int]]:
    """Trigger dyad-years and category counts straight from icb2v14.csv and states2016.csv."""
    actors = pd.read_csv(shared_data / "raw" / "icb_v14" / "icb2v14.csv", encoding="utf-8-sig")
    states = pd.read_csv(shared_data / "raw" / "cow_state_system_v2016" / "states2016.csv")
    members = {(c, y) for c, a, b in zip(states.ccode, states.styear, states.endyear, strict=True)
               for y in range(a, b + 1)}
    codes, last = set(states.ccode), states.endyear.max()
    counts = dict.fromkeys(CATEGORIES, 0)
    pairs = set()
    for row in actors.itertuples():
        year = None if pd.isna(row.yrtrig) else int(row.yrtrig)
        if pd.isna(row.trigent) or year is None or pd.isna(row.cracid):
            counts["missing_trigger_or_year"] += 1
            continue
        recode = {260: 255, 678: 679} if year > 1990 else {}
        trig, actor = (recode.get(int(c), int(c)) for c in (row.trigent, row.cracid))
        category = (
            "non_state_actor" if trig == 996 else "multiple_states" if trig == 997 else "code_995" if trig == 995
            else "self_triggered" if trig == actor else "trigger_not_cow_code" if trig not in codes
            else "actor_not_cow_code" if actor not in codes else "after_cow_system_data" if year > last
            else "trigger_not_member_in_year" if (trig, year) not in members
            else "actor_not_member_in_year" if (actor, year) not in members else "state_trigger"
        )
        counts[category] += 1
        if category == "state_trigger":
            pairs.add((trig, actor, year))
    return pd.DataFrame(sorted(pairs), columns=["ccode1", "ccode2", "year"]), counts


def test_real_icb_triggers_equal_a_pandas_recount(main_run: Path, shared_data: Path) -> None:
    expected, counts = _raw_recount(shared_data)
    table = pd.read_parquet(main_run / "results" / "frames" / "icb_directed_dyad_years.parquet")
    got = table.loc[table.icb_crisis_trigger == 1, ["ccode1", "ccode2", "year"]].sort_values(["ccode1", "ccode2", "year"])
    assert got.reset_index(drop=True).astype("int64").equals(expected.astype("int64"))
    audit = json.loads((main_run / "results" / "audit" / "events.json").read_text())
    record = next(t for t in audit["tables"] if t["table"] == "icb_directed_dyad_years")
    assert record["trigger_categories"]["actor_rows_by_category"] == counts
    assert record["rows_in"] == 1078 and counts["non_state_actor"] > 0 and counts["multiple_states"] > 0
    # every trigger dyad-year inside the universe reaches the frames
    directed = pd.read_parquet(main_run / "results" / "frames" / "analysis_directed_dyad_years.parquet",
                               columns=["ccode1", "ccode2", "year", "icb_crisis_trigger"])
    last_year = int(directed.year.max())
    assert int(directed.icb_crisis_trigger.sum()) == int((expected.year <= last_year).sum())
    nd = pd.read_parquet(main_run / "results" / "frames" / "analysis_dyad_years.parquet",
                         columns=["ccode1", "ccode2", "year", "icb_crisis_onset"])
    inside = expected[expected.year <= last_year]
    undirected = {(min(a, b), max(a, b), y) for a, b, y in inside.itertuples(index=False)}
    assert int(nd.icb_crisis_onset.sum()) == len(undirected)
    assert nd.loc[nd.year < 1918, "icb_crisis_onset"].isna().all()
    assert nd.loc[nd.year >= 1918, "icb_crisis_onset"].notna().all()
