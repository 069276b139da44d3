"""ICB crisis triggers: hand-built actor rows, and the frame outcomes on the tiny world."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dyadstats.errors import ConfigError
from dyadstats.events.icb import CATEGORIES, create_icb_table, icb_audit_record
from dyadstats.frame.build import build_frames
from dyadstats.frame.options import frame_options
from dyadstats.testing.world import MID_COVERAGE, TIES_COVERAGE, save_frame, write_world

ACTOR_COLUMNS = ["crisno", "cracno", "cracid", "yrtrig", "yrterm", "trigent", "triggr", "trigloc"]
# One row per case the coding distinguishes; the category each must get is in the comment.
ACTORS = [
    (1, 1, 2, 1950, 1951, 365, 9, 1),        # state trigger 365 -> 2, active 1950-1951
    (1, 2, 20, 1950, 1950, 365, 7, 1),       # state trigger 365 -> 20
    (2, 3, 2, 1950, 1950, 365, 2, 1),        # a second crisis, same pair and year: one row, two crises
    (3, 4, 200, 1960, 1960, 996, 6, 2),      # non-state actor (internal challenge, internal location)
    (4, 5, 2, 1961, 1962, 997, 2, 1),        # several states
    (5, 6, 20, 1940, 1940, 40, 9, 1),        # trigger 40 is a COW code but not a member in 1940
    (6, 7, 200, 1995, None, 260, 8, 1),      # ICB 260 after 1990 = COW 255; no termination year
    (7, 8, 365, 1970, 1970, 365, 6, 2),      # self-triggered
    (8, 9, 2, 2017, 2017, 20, 9, 1),         # after the last COW membership year (2016)
    (9, 10, 20, 1980, 1980, 995, 9, 1),      # code 995
    (10, 11, 2, 1985, 1985, 671, 9, 1),      # trigger code not in the COW list
    (11, 12, 40, 1945, 1945, 2, 6, 1),       # crisis actor 40 not a member in 1945
    (12, 13, 2, None, None, None, None, None),  # nothing coded
    (13, 14, 365, 1975, 1975, 2, 6, 1),      # state trigger with an internal-challenge trigger: kept
    (14, 15, 672, 1924, 1924, 2, 2, 1),      # crisis actor code not in the COW list
    (15, 16, 678, 1995, 1995, 2, 9, 1),      # ICB 678 (Yemen) after 1990 = COW 679
]
# ccode, first year, last year (COW data end 2016)
STATES = [(2, 1900, 2016), (20, 1900, 2016), (200, 1900, 2016), (365, 1900, 2016), (40, 1950, 2016),
          (260, 1955, 1990), (255, 1900, 1945), (255, 1990, 2016), (678, 1926, 1990), (679, 1990, 2016)]


def _icb_connection(actors: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    frame = pd.DataFrame(actors, columns=ACTOR_COLUMNS).astype("Int64")
    con.register("a_frame", frame)
    con.execute("CREATE VIEW icb_actors AS SELECT * FROM a_frame")
    states = pd.DataFrame(STATES, columns=["ccode", "styear", "endyear"])
    con.register("s_frame", states)
    con.execute("CREATE VIEW cow_states AS SELECT * FROM s_frame")
    return con


def test_icb_directed_dyad_years_by_hand() -> None:
    con = _icb_connection(ACTORS)
    counts = create_icb_table(con)
    assert counts["actor_rows_by_category"] == {
        "missing_trigger_or_year": 1, "non_state_actor": 1, "multiple_states": 1, "code_995": 1,
        "self_triggered": 1, "trigger_not_cow_code": 1, "actor_not_cow_code": 1,
        "after_cow_system_data": 1, "trigger_not_member_in_year": 1, "actor_not_member_in_year": 1,
        "state_trigger": 6,
    }
    assert list(counts["actor_rows_by_category"]) == list(CATEGORIES)
    assert counts["internal_challenge_triggers_by_category"] == {
        "non_state_actor": 1, "self_triggered": 1, "actor_not_member_in_year": 1, "state_trigger": 1}
    assert counts["internal_location_triggers_by_category"] == {"non_state_actor": 1, "self_triggered": 1}
    assert counts["recoded_to_cow_by_category"] == {"state_trigger": 2}
    assert counts["termination_year_missing_by_category"] == {"missing_trigger_or_year": 1, "state_trigger": 1}
    got = {
        r[:3]: r[3:]
        for r in con.execute(
            "SELECT ccode1, ccode2, year, icb_crisis_trigger, icb_crisis_active, n_trigger_actor_rows, "
            "internal_challenge_trigger, trigger_crisnos, active_crisnos FROM icb_directed_dyad_years"
        ).fetchall()
    }
    assert got == {
        (365, 2, 1950): (1, 1, 2, 0, [1, 2], [1, 2]),
        (365, 2, 1951): (0, 1, 0, 0, [], [1]),       # crisis 1 still active for 2
        (365, 20, 1950): (1, 1, 1, 0, [1], [1]),
        (255, 200, 1995): (1, 1, 1, 0, [6], [6]),
        (2, 365, 1975): (1, 1, 1, 1, [13], [13]),
        (2, 679, 1995): (1, 1, 1, 0, [15], [15]),
    }
    record = icb_audit_record(con, counts)
    assert record["rows_in"] == len(ACTORS) and record["rows_out"] == 6
    assert record["dropped"]["state_trigger_rows_sharing_a_dyad_year"] == 1
    assert record["dropped"]["actor_rows_non_state_actor"] == 1
    assert sum(v for k, v in record["dropped"].items() if k.startswith("actor_rows_")) == len(ACTORS) - 6


# Frame world of tests.test_frame (2000-2009; 200 leaves mid-2005, 220 enters mid-2003), ICB
# coverage declared 2001-2008. 20 and 2 trigger crises for each other in 2002 (the one for 2
# active to 2003); 220 triggers one for 2 in 2006.
ICB_COVERAGE = [2001, 2008]
ICB_ROWS = [(20, 2, 2002, 1, 1), (20, 2, 2003, 0, 1), (2, 20, 2002, 1, 1), (220, 2, 2006, 1, 1)]


def _frames(tmp: Path, rule: str = "onset") -> tuple[pd.DataFrame, pd.DataFrame, str]:
    paths = write_world(tmp / "in")
    icb = pd.DataFrame(ICB_ROWS, columns=["ccode1", "ccode2", "year", "icb_crisis_trigger", "icb_crisis_active"])
    paths["icb_directed_dyad_years"] = save_frame(icb, tmp / "in" / "icb_directed_dyad_years.parquet")
    out = tmp / "out"
    options = frame_options({"peace_years": {"rule": rule}}, MID_COVERAGE, TIES_COVERAGE, icb_coverage=ICB_COVERAGE)
    build_frames(paths, out / "nd.parquet", out / "dir.parquet", out / "frame.json", out / "codebook.md", options)
    nd = pd.read_parquet(out / "nd.parquet").set_index(["ccode1", "ccode2", "year"])
    dr = pd.read_parquet(out / "dir.parquet").set_index(["ccode1", "ccode2", "year"])
    return nd, dr, (out / "codebook.md").read_text()


def _series(frame: pd.DataFrame, column: str, c1: int, c2: int) -> list:
    s = frame.loc[(c1, c2), column]
    return [None if pd.isna(v) else int(v) for v in s]


def test_icb_frame_outcomes_coverage_and_peace_years(tmp_path: Path) -> None:
    nd, dr, codebook = _frames(tmp_path / "onset")
    # 2000 and 2009 are outside the declared ICB coverage: NULL, not 0
    assert _series(nd, "icb_crisis_onset", 2, 20) == [None, 0, 1, 0, 0, 0, 0, 0, 0, None]
    assert _series(nd, "peace_years_icb_crisis_onset", 2, 20) == [None, 0, 1, 0, 1, 2, 3, 4, 5, None]
    assert _series(nd, "icb_crisis_onset", 2, 220) == [0, 0, 0, 1, 0, 0, None]  # 2003-2009
    assert _series(dr, "icb_crisis_trigger", 20, 2) == [None, 0, 1, 0, 0, 0, 0, 0, 0, None]
    assert _series(dr, "icb_crisis_trigger", 2, 20) == [None, 0, 1, 0, 0, 0, 0, 0, 0, None]
    assert _series(dr, "icb_crisis_trigger", 220, 2) == [0, 0, 0, 1, 0, 0, None]
    assert _series(dr, "icb_crisis_trigger", 2, 220) == [0, 0, 0, 0, 0, 0, None]
    assert "| `icb_crisis_onset` |" in codebook and "| `icb_crisis_trigger` |" in codebook
    assert "| icb | 2001-2008 |" in codebook
    # ongoing rule: 2003 is an active year of the 2002 crisis, so the clock restarts after it
    nd_ongoing, dr_ongoing, _ = _frames(tmp_path / "ongoing", "ongoing")
    assert _series(nd_ongoing, "peace_years_icb_crisis_onset", 2, 20) == [None, 0, 1, 0, 0, 1, 2, 3, 4, None]
    assert _series(dr_ongoing, "peace_years_icb_crisis_trigger", 2, 20) == [None, 0, 1, 0, 1, 2, 3, 4, 5, None]


def test_icb_outcomes_need_the_icb_coverage() -> None:
    assert "icb_crisis_onset" not in frame_options({}, MID_COVERAGE, TIES_COVERAGE).outcomes
    assert frame_options({}, MID_COVERAGE, TIES_COVERAGE).selection() == {}
    assert frame_options({}, MID_COVERAGE, TIES_COVERAGE, icb_coverage=ICB_COVERAGE).selection() == {}
    with pytest.raises(ConfigError, match="ICB coverage"):
        frame_options({"frame": {"outcomes": ["icb_crisis_onset"]}}, MID_COVERAGE, TIES_COVERAGE)
