"""COW inter-state wars: hand-built cow_war_inter rows through the events stage and the frames.

The wars, on the tiny frame world of dyadstats.testing.world (2000-2009; 200 leaves mid-2005,
220 enters mid-2003); the war coverage is declared 2000-2007 here, so 2008-2009 are NULL:

- war 1, sides {2, 20} vs {200, 220}, 2 the initiator: 2 fights 200 2001-2003; 20 joins late
  (against 200 from 2002); 220 joins in 2003 (against 2 and 20). Battle deaths 2: 1000,
  20: 500, 200: 3000, 220: 200.
- war 4, 200 (initiator) vs 2, in 2003 only, while war 1 goes on: (2, 200, 2003) is an onset
  (of war 4) and war 4 is the war kept although war 1 has more deaths; 200's deaths unknown (-9).
- war 5, 20 (initiator) vs 200, 2002 only, a second onset beside war 1's: the deadlier (5,100
  against 3,500) is kept.
- war 2, 220 (initiator) vs 2, 2005-2006, and a resumed participation spell in 2007 (resume 1,
  an onset as peacesciencer codes it).
- war 3, 20 (initiator) vs 2, 2008-2009: after the declared coverage, NULL in the frames.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dyadstats.errors import ConfigError
from dyadstats.events.war import WAR_TABLE, create_war_table, war_audit_record
from dyadstats.frame.build import build_frames
from dyadstats.frame.options import frame_options
from dyadstats.io.files import write_parquet
from dyadstats.testing.world import MID_COVERAGE, TIES_COVERAGE, write_world

WAR_COVERAGE = [2000, 2007]
COLUMNS = ["warnum", "ccode1", "ccode2", "year", "cowinterongoing", "cowinteronset", "sidea1", "sidea2",
           "initiator1", "initiator2", "outcome1", "outcome2", "batdeath1", "batdeath2", "resume"]
# (warnum, state a, state b, year, onset, initiator a, initiator b, deaths a, deaths b, resume):
# one non-directed war-year; a is on side 1, b on side 2; both directions are written.
SPELLS = [
    (1, 2, 200, 2001, 1, 1, 0, 1000, 3000, 0), (1, 2, 200, 2002, 0, 1, 0, 1000, 3000, 0),
    (1, 2, 200, 2003, 0, 1, 0, 1000, 3000, 0),
    (1, 20, 200, 2002, 1, 0, 0, 500, 3000, 0), (1, 20, 200, 2003, 0, 0, 0, 500, 3000, 0),
    (1, 2, 220, 2003, 1, 1, 0, 1000, 200, 0), (1, 20, 220, 2003, 1, 0, 0, 500, 200, 0),
    (4, 200, 2, 2003, 1, 1, 0, None, 50, 0),
    (5, 20, 200, 2002, 1, 1, 0, 5000, 100, 0),
    (2, 220, 2, 2005, 1, 1, 0, 100, 300, 0), (2, 220, 2, 2006, 0, 1, 0, 100, 300, 0),
    (2, 220, 2, 2007, 1, 1, 0, 100, 300, 1),
    (3, 20, 2, 2008, 1, 1, 0, 40, 60, 0), (3, 20, 2, 2009, 0, 1, 0, 40, 60, 0),
]


def war_rows() -> pd.DataFrame:
    """SPELLS as cow_war_inter rows, both directions (fields of state 1 first)."""
    rows = []
    for w, a, b, y, onset, ia, ib, da, db, resume in SPELLS:
        rows.append((w, a, b, y, 1, onset, 1, 2, ia, ib, 1, 2, da, db, resume))
        rows.append((w, b, a, y, 1, onset, 2, 1, ib, ia, 2, 1, db, da, resume))
    return pd.DataFrame(rows, columns=COLUMNS).astype("Int64")


# (ccode1, ccode2, year) -> (war_onset, war_ongoing, war_initiated, war_initiator_active,
#  war_onset_resumed_only, n_wars, warnums, onset_warnums, warnum, batdeath1, batdeath2, war_deaths)
EXPECTED = {
    (2, 200, 2001): (1, 1, 1, 1, 0, 1, [1], [1], 1, 1000, 3000, 4000),
    (200, 2, 2001): (1, 1, 0, 0, 0, 1, [1], [1], 1, 3000, 1000, 4000),
    (2, 200, 2002): (0, 1, 0, 1, 0, 1, [1], [], 1, 1000, 3000, 4000),
    (200, 2, 2002): (0, 1, 0, 0, 0, 1, [1], [], 1, 3000, 1000, 4000),
    # war 1 ongoing, war 4 new: the onset is war 4's, which 2 did not initiate (war 1 it did)
    (2, 200, 2003): (1, 1, 0, 1, 0, 2, [1, 4], [4], 4, 50, None, 50),
    (200, 2, 2003): (1, 1, 1, 1, 0, 2, [1, 4], [4], 4, None, 50, 50),
    # two onsets: war 5 kept (5,100 deaths against war 1's 3,500)
    (20, 200, 2002): (1, 1, 1, 1, 0, 2, [1, 5], [1, 5], 5, 5000, 100, 5100),
    (200, 20, 2002): (1, 1, 0, 0, 0, 2, [1, 5], [1, 5], 5, 100, 5000, 5100),
    (20, 200, 2003): (0, 1, 0, 0, 0, 1, [1], [], 1, 500, 3000, 3500),
    (200, 20, 2003): (0, 1, 0, 0, 0, 1, [1], [], 1, 3000, 500, 3500),
    (2, 220, 2003): (1, 1, 1, 1, 0, 1, [1], [1], 1, 1000, 200, 1200),
    (220, 2, 2003): (1, 1, 0, 0, 0, 1, [1], [1], 1, 200, 1000, 1200),
    (20, 220, 2003): (1, 1, 0, 0, 0, 1, [1], [1], 1, 500, 200, 700),
    (220, 20, 2003): (1, 1, 0, 0, 0, 1, [1], [1], 1, 200, 500, 700),
    (2, 220, 2005): (1, 1, 0, 0, 0, 1, [2], [2], 2, 300, 100, 400),
    (220, 2, 2005): (1, 1, 1, 1, 0, 1, [2], [2], 2, 100, 300, 400),
    (2, 220, 2006): (0, 1, 0, 0, 0, 1, [2], [], 2, 300, 100, 400),
    (220, 2, 2006): (0, 1, 0, 1, 0, 1, [2], [], 2, 100, 300, 400),
    (2, 220, 2007): (1, 1, 0, 0, 1, 1, [2], [2], 2, 300, 100, 400),
    (220, 2, 2007): (1, 1, 1, 1, 1, 1, [2], [2], 2, 100, 300, 400),
    (2, 20, 2008): (1, 1, 0, 0, 0, 1, [3], [3], 3, 60, 40, 100),
    (20, 2, 2008): (1, 1, 1, 1, 0, 1, [3], [3], 3, 40, 60, 100),
    (2, 20, 2009): (0, 1, 0, 0, 0, 1, [3], [], 3, 60, 40, 100),
    (20, 2, 2009): (0, 1, 0, 1, 0, 1, [3], [], 3, 40, 60, 100),
}
FIELDS = ("war_onset, war_ongoing, war_initiated, war_initiator_active, war_onset_resumed_only, n_wars, "
          "warnums, onset_warnums, warnum, batdeath1, batdeath2, war_deaths")


def _war_connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register("w_frame", war_rows())
    con.execute("CREATE VIEW ps_cow_war_inter AS SELECT * FROM w_frame")
    return con


def test_war_directed_dyad_years_by_hand() -> None:
    con = _war_connection()
    counts = create_war_table(con)
    got = {r[:3]: r[3:] for r in con.execute(f"SELECT ccode1, ccode2, year, {FIELDS} FROM {WAR_TABLE}").fetchall()}
    assert got == EXPECTED
    assert counts == {
        "war_rows": 28, "wars": 5, "resumed_spell_rows": 2, "rows_with_unknown_battle_deaths": 2,
        "rows_same_state": 0, "directed_dyad_years_with_several_wars": 4, "onset_directed_dyad_years": 16,
        "onset_directed_dyad_years_resumed_only": 2, "initiated_directed_dyad_years": 7,
    }
    record = war_audit_record(con, counts)
    assert record["rows_in"] == 28 and record["rows_out"] == len(EXPECTED) and record["key_unique"]


def _frames(tmp: Path, rule: str = "onset") -> tuple[pd.DataFrame, pd.DataFrame, str]:
    paths = write_world(tmp / "in")
    con = _war_connection()
    create_war_table(con)
    paths[WAR_TABLE] = str(tmp / "in" / f"{WAR_TABLE}.parquet")
    write_parquet(f"SELECT * FROM {WAR_TABLE}", paths[WAR_TABLE], con=con)
    out = tmp / "out"
    options = frame_options({"peace_years": {"rule": rule}}, MID_COVERAGE, TIES_COVERAGE, war_coverage=WAR_COVERAGE)
    build_frames(paths, out / "nd.parquet", out / "dir.parquet", out / "frame.json", out / "codebook.md", options)
    nd = pd.read_parquet(out / "nd.parquet").set_index(["ccode1", "ccode2", "year"])
    dr = pd.read_parquet(out / "dir.parquet").set_index(["ccode1", "ccode2", "year"])
    return nd, dr, (out / "codebook.md").read_text()


def _series(frame: pd.DataFrame, column: str, c1: int, c2: int) -> list:
    return [None if pd.isna(v) else int(v) for v in frame.loc[(c1, c2), column]]


N = None


def test_war_frame_outcomes_coverage_and_peace_years(tmp_path: Path) -> None:
    nd, dr, codebook = _frames(tmp_path / "onset")
    # 2008-2009 are after the declared coverage: NULL, not 0 (war 3 is not seen)
    assert _series(nd, "war_onset", 2, 20) == [0, 0, 0, 0, 0, 0, 0, 0, N, N]
    assert _series(nd, "peace_years_war_onset", 2, 20) == [0, 1, 2, 3, 4, 5, 6, 7, N, N]
    assert _series(nd, "war_onset", 2, 200) == [0, 1, 0, 1, 0, 0]               # 2000-2005
    assert _series(nd, "peace_years_war_onset", 2, 200) == [0, 1, 0, 1, 0, 1]
    assert _series(nd, "war_onset", 20, 200) == [0, 0, 1, 0, 0, 0]              # 20 joins in 2002
    assert _series(nd, "peace_years_war_onset", 20, 200) == [0, 1, 2, 0, 1, 2]
    assert _series(nd, "war_onset", 2, 220) == [1, 0, 1, 0, 1, N, N]            # 2003-2009; 2007 resumed
    assert _series(nd, "peace_years_war_onset", 2, 220) == [0, 0, 1, 0, 1, N, N]
    assert _series(nd, "war_onset", 20, 220) == [1, 0, 0, 0, 0, N, N]
    assert _series(nd, "war_onset", 200, 220) == [0, 0, 0]                      # same side
    assert _series(dr, "war_initiated", 2, 200) == [0, 1, 0, 0, 0, 0]
    assert _series(dr, "war_initiated", 200, 2) == [0, 0, 0, 1, 0, 0]           # war 4
    assert _series(dr, "war_initiated", 20, 200) == [0, 0, 1, 0, 0, 0]          # war 5
    assert _series(dr, "war_initiated", 200, 20) == [0, 0, 0, 0, 0, 0]
    assert _series(dr, "war_initiated", 2, 220) == [1, 0, 0, 0, 0, N, N]
    assert _series(dr, "war_initiated", 220, 2) == [0, 0, 1, 0, 1, N, N]
    assert _series(dr, "peace_years_war_initiated", 220, 2) == [0, 1, 2, 0, 1, N, N]
    assert _series(dr, "war_initiated", 20, 2) == [0, 0, 0, 0, 0, 0, 0, 0, N, N]
    assert "war_initiated" not in nd.columns and "war_onset" not in dr.columns
    assert "| `war_onset` |" in codebook and "| `war_initiated` |" in codebook
    assert "| war | 2000-2007 |" in codebook
    # ongoing rule: every year of a war ends the spell (war 1 2001-2003 for 2-200)
    nd_ongoing, dr_ongoing, _ = _frames(tmp_path / "ongoing", "ongoing")
    assert _series(nd_ongoing, "peace_years_war_onset", 2, 200) == [0, 1, 0, 0, 0, 1]
    assert _series(nd_ongoing, "peace_years_war_onset", 20, 200) == [0, 1, 2, 0, 0, 1]
    assert _series(nd_ongoing, "peace_years_war_onset", 2, 220) == [0, 0, 1, 0, 0, N, N]
    # 220 is an initiator of war 2 in 2005-2007, not of war 1 (2003)
    assert _series(dr_ongoing, "peace_years_war_initiated", 220, 2) == [0, 1, 2, 0, 0, N, N]


def test_war_outcomes_need_the_war_coverage() -> None:
    assert "war_onset" not in frame_options({}, MID_COVERAGE, TIES_COVERAGE).outcomes
    assert frame_options({}, MID_COVERAGE, TIES_COVERAGE).selection() == {}
    with_war = frame_options({}, MID_COVERAGE, TIES_COVERAGE, war_coverage=WAR_COVERAGE)
    assert {"war_onset", "war_initiated"} <= set(with_war.outcomes) and with_war.selection() == {}
    with pytest.raises(ConfigError, match="war coverage"):
        frame_options({"frame": {"outcomes": ["war_onset"]}}, MID_COVERAGE, TIES_COVERAGE)


def test_add_events_war_asks_for_the_war_outcomes() -> None:
    import dyadstats as ds

    assert ds.dyad_years().add_events("war").recipe.outcomes == ("war_onset",)
    directed = ds.dyad_years(directed=True).add_events("war").recipe
    assert directed.build_section()["frame"]["outcomes"] == ["war_initiated"]
