"""Events stage on hand-built worlds: pairing, onsets, whittling, directed flags, TIES."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dyadstats.errors import ConfigError
from dyadstats.events.mid import HOSTLEV_LISTS, create_mid_tables
from dyadstats.events.ties import create_ties_table
from dyadstats.events.whittle import resolve_whittle_order, whittle

PARTICIPANT_COLUMNS = [
    "dispnum", "ccode", "sidea", "styear", "stmon", "stday", "endyear", "endmon", "endday",
    "hiact", "hostlev", "orig", "fatality", "fatalpre",
]
DISPUTE_COLUMNS = ["dispnum", "hostlev", "fatality", "recip", "mindur", "maxdur", "stmon", "styear"]

# MID 101: 2 (side A, originator, display) vs 20 (side B, originator, no action), 1901-03-05 to
#   1902-02-10; 31 joins side B 1901-11-01 .. 1902-01-20 (use of force); 40 joins side A in
#   February 1902 with unknown days (read as 1902-02-01 .. 1902-03-31): it overlaps 20 (until
#   02-10) but not 31 (left 01-20). Dispute hostility 4, fatality unknown.
# MID 102: 20 (side A, threat) vs 2 (side B, no action) in June 1901: a second onset in (2, 20, 1901).
# MID 103: 2 (side A, use of force) vs 20 in May 1902: an onset while 101 is ongoing.
PARTICIPANTS = [
    (101, 2, 1, 1901, 3, 5, 1902, 2, 10, 7, 3, 1, 0, 0),
    (101, 20, 0, 1901, 3, 5, 1902, 2, 10, 0, 1, 1, 0, 0),
    (101, 31, 0, 1901, 11, 1, 1902, 1, 20, 16, 4, 0, 0, 0),
    (101, 40, 1, 1902, 2, None, 1902, 3, None, 7, 3, 0, 0, 0),
    (102, 20, 1, 1901, 6, 1, 1901, 6, 30, 1, 2, 1, 0, 0),
    (102, 2, 0, 1901, 6, 1, 1901, 6, 30, 0, 1, 1, 0, 0),
    (103, 2, 1, 1902, 5, 1, 1902, 5, 2, 16, 4, 1, 0, 0),
    (103, 20, 0, 1902, 5, 1, 1902, 5, 2, 0, 1, 1, 0, 0),
]
DISPUTES = [
    (101, 4, None, 1, 300, 340, 3, 1901),
    (102, 2, 0, 0, 30, 30, 6, 1901),
    (103, 4, 0, 0, 2, 2, 5, 1902),
]


def _frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    for c in columns:
        if pd.api.types.is_numeric_dtype(frame[c]) or frame[c].isna().any():
            frame[c] = frame[c].astype("Int64")
    return frame


def _mid_con(participants: list[tuple] = PARTICIPANTS, disputes: list[tuple] = DISPUTES) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register("p_frame", _frame(participants, PARTICIPANT_COLUMNS))
    con.register("d_frame", _frame(disputes, DISPUTE_COLUMNS))
    con.execute("CREATE VIEW mid5_participants AS SELECT * FROM p_frame")
    con.execute("CREATE VIEW mid5_disputes AS SELECT * FROM d_frame")
    return con


def _dicts(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    return con.execute(sql).df().to_dict("records")


def test_pairing_onsets_and_joiners_by_hand() -> None:
    con = _mid_con()
    create_mid_tables(con, "mid5")
    got = {
        (r["dispnum"], r["ccode1"], r["ccode2"], r["year"]): r["mid_onset"]
        for r in _dicts(con, "SELECT * FROM dispute_dyad_years")
    }
    assert got == {
        (101, 2, 20, 1901): 1, (101, 2, 20, 1902): 0,
        (101, 2, 31, 1901): 1, (101, 2, 31, 1902): 0,   # joiner: onset in the year it joins
        (101, 20, 40, 1902): 1,                          # missing days read as whole months
        (102, 2, 20, 1901): 1,
        (103, 2, 20, 1902): 1,
    }  # no (31, 40): they never overlap; no same-side pairs (2, 40) or (20, 31)


def test_whittling_and_dyad_year_fields_by_hand() -> None:
    con = _mid_con()
    removed = create_mid_tables(con, "mid5")
    # (2, 20, 1901): 101 and 102 both new; 101's unknown fatality (0.5) beats 102's 0.
    # (2, 20, 1902): new 103 beats ongoing 101.
    assert removed == {"onset": 1, "fatality": 1, "hostility": 0, "mindur": 0, "maxdur": 0,
                       "recip": 0, "stmon": 0, "dispnum": 0}
    rows = {(r["ccode1"], r["ccode2"], r["year"]): r for r in _dicts(con, "SELECT * FROM mid_dyad_years")}
    assert set(rows) == {(2, 20, 1901), (2, 20, 1902), (2, 31, 1901), (2, 31, 1902), (20, 40, 1902)}
    r = rows[(2, 20, 1901)]
    assert (r["dispnum"], r["mid_onset"], r["mid_ongoing"]) == (101, 1, 1)
    # dyadic hostility is the higher side (display, 3), not the dispute's 4 (31's use of force)
    assert (r["hostlev"], r["hostlev1"], r["hostlev2"], r["disp_hostlev"]) == (3, 3, 1, 4)
    assert (r["hiact1"], r["hiact2"], r["orig1"], r["orig2"], r["sidea1"], r["sidea2"]) == (7, 0, 1, 1, 1, 0)
    assert pd.isna(r["fatality"]) and (r["recip"], r["mindur"], r["maxdur"], r["stmon"]) == (1, 300, 340, 3)
    assert (r["n_disputes"], r["n_onsets"], r["min_onset_hostlev"], r["max_onset_hostlev"]) == (2, 2, 2, 3)
    assert (rows[(2, 20, 1902)]["dispnum"], rows[(2, 20, 1902)]["hostlev"]) == (103, 4)
    assert rows[(2, 31, 1902)]["mid_onset"] == 0
    r = rows[(20, 40, 1902)]
    assert (r["sidea1"], r["sidea2"], r["orig2"], r["hostlev"]) == (0, 1, 0, 3)
    assert {r["source"] for r in rows.values()} == {"mid5"}
    # hostility levels over all disputes of the dyad-year, whatever the whittle kept:
    # (onset_hostlevs, active_hostlevs, onset_hostlevs_originators, active_hostlevs_originators)
    lists = {k: tuple(list(r[c]) for c in HOSTLEV_LISTS) for k, r in rows.items()}
    assert lists == {
        (2, 20, 1901): ([2, 3], [2, 3], [2, 3], [2, 3]),  # 101 (display) and 102 (threat) both new
        (2, 20, 1902): ([4], [3, 4], [4], [3, 4]),        # 103 new (kept), 101 still active
        (2, 31, 1901): ([4], [4], [], []),                # 31 joined: no originator
        (2, 31, 1902): ([], [4], [], []),
        (20, 40, 1902): ([3], [3], [], []),
    }


def test_directed_twin_and_initiation_flags_by_hand() -> None:
    con = _mid_con()
    create_mid_tables(con, "mid5")
    rows = {
        (r["ccode1"], r["ccode2"], r["year"]): r
        for r in _dicts(con, "SELECT * FROM mid_directed_dyad_years")
    }
    assert len(rows) == 10
    # Directed rows mirror the whittled dispute: 20 -> 2 in 1901 shows MID 101 from 20's side ...
    assert (rows[(20, 2, 1901)]["dispnum"], rows[(20, 2, 1901)]["sidea1"], rows[(20, 2, 1901)]["hostlev1"]) == (101, 0, 1)
    # ... but the initiation flags look at every dispute: 20 originated MID 102 with a threat.
    flags = {k: (r["mid_initiated"], r["coercion_initiated"]) for k, r in rows.items()}
    assert flags == {
        (2, 20, 1901): (1, 1), (20, 2, 1901): (1, 1),
        (2, 20, 1902): (1, 0),   # 103: 2 originated with a use of force, not coercion
        (20, 2, 1902): (0, 0),
        (2, 31, 1901): (1, 1),   # 2 originated 101 with a display; 31 joined side B
        (31, 2, 1901): (0, 0),
        (2, 31, 1902): (0, 0), (31, 2, 1902): (0, 0),   # ongoing only
        (40, 20, 1902): (0, 0),  # 40 joined side A: not an originator
        (20, 40, 1902): (0, 0),
    }
    # the active twins (ongoing peace-years rule): any active dispute so initiated. In 1902 the
    # kept 103 is 2's use of force, but 2's display in 101 is still active: coercion active.
    active = {k: (r["mid_initiator_active"], r["coercion_initiator_active"]) for k, r in rows.items()}
    assert active == {
        (2, 20, 1901): (1, 1), (20, 2, 1901): (1, 1),
        (2, 20, 1902): (1, 1), (20, 2, 1902): (0, 0),
        (2, 31, 1901): (1, 1), (31, 2, 1901): (0, 0),
        (2, 31, 1902): (1, 1), (31, 2, 1902): (0, 0),
        (40, 20, 1902): (0, 0), (20, 40, 1902): (0, 0),
    }


# US-Cuba 1983 in miniature (MID 5.0 disputes 2981 and 3058): in April, 2 (side A) displays
# force against 40 (side B), both originators; in October 2 uses force (a fatality) in a
# dispute in which 40 is on side B but no originator. The whittle keeps the October dispute
# (fatality 1 beats 0), which has one originator; the April one has two.
CUBA_PARTICIPANTS = [
    (201, 2, 1, 1983, 4, 19, 1983, 4, 19, 12, 3, 1, 0, 0),
    (201, 40, 0, 1983, 4, 19, 1983, 4, 19, 0, 1, 1, 0, 0),
    (202, 2, 1, 1983, 10, 21, 1983, 11, 1, 14, 4, 1, 1, None),
    (202, 40, 0, 1983, 10, 25, 1983, 11, 1, 0, 1, 0, 2, None),
]
CUBA_DISPUTES = [(201, 3, 0, 0, 1, 1, 4, 1983), (202, 4, 3, 1, 12, 12, 10, 1983)]


def test_originators_over_all_new_disputes_by_hand() -> None:
    con = _mid_con(CUBA_PARTICIPANTS, CUBA_DISPUTES)
    create_mid_tables(con, "mid5")
    (r,) = _dicts(con, "SELECT * FROM mid_dyad_years")
    assert (r["dispnum"], r["orig1"], r["orig2"], r["hostlev"]) == (202, 1, 0, 4)
    assert list(r["onset_hostlevs"]) == [3, 4]
    assert list(r["onset_hostlevs_originators"]) == [3]  # 201, not the kept 202


WHITTLE_ROWS = [
    # dispnum, mid_onset, fatality, disp_hostlev, mindur, maxdur, recip, stmon
    (1, 1, 1, 3, 10, 10, 0, 5),
    (2, 1, None, 5, 10, 10, 0, 5),
    (3, 1, 1, 4, 10, 12, 1, 3),
    (4, 1, 1, 4, 10, 12, 1, 2),
    (5, 0, 6, 5, 99, 99, 1, 1),
]


def _whittle_con(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    frame = _frame(rows, ["dispnum", "mid_onset", "fatality", "disp_hostlev", "mindur", "maxdur", "recip", "stmon"])
    frame["ccode1"], frame["ccode2"], frame["year"] = 2, 20, 1900
    con.register("w_frame", frame)
    con.execute("CREATE TABLE disputes AS SELECT * FROM w_frame")
    return con


def test_whittle_rules_in_order() -> None:
    con = _whittle_con(WHITTLE_ROWS)
    removed = whittle(con, "disputes", "kept", resolve_whittle_order(None))
    # onset drops 5; fatality 1 beats unknown (0.5): drops 2; hostility 4 beats 3: drops 1;
    # durations and recip tie; earliest start month (2) drops 3.
    assert removed == {"onset": 1, "fatality": 1, "hostility": 1, "mindur": 0, "maxdur": 0,
                       "recip": 0, "stmon": 1, "dispnum": 0}
    assert con.execute("SELECT dispnum FROM kept").fetchall() == [(4,)]
    # A custom order: hostility first keeps 2 and 5 (both 5), then the lowest dispute number.
    removed = whittle(con, "disputes", "kept", resolve_whittle_order(["hostility"]))
    assert removed == {"hostility": 3, "dispnum": 1}
    assert con.execute("SELECT dispnum FROM kept").fetchall() == [(2,)]


def test_whittle_log_names_the_rule_that_removed_each_dispute() -> None:
    con = _whittle_con(WHITTLE_ROWS)
    whittle(con, "disputes", "kept", resolve_whittle_order(None), log_table="whittle_log")
    log = con.execute(
        "SELECT dispnum, removed_by, removed_at_step, n_candidates FROM whittle_log").fetchall()
    # the same hand count as above: 4 kept; 5 lost on onset (step 1), 2 on fatality (2),
    # 1 on hostility (3), 3 on start month (7); kept first, then in rule order
    assert log == [(4, None, None, 5), (5, "onset", 1, 5), (2, "fatality", 2, 5),
                   (1, "hostility", 3, 5), (3, "stmon", 7, 5)]
    assert con.execute("SELECT count(*) FROM whittle_log").fetchone()[0] == len(WHITTLE_ROWS)
    # without log_table nothing extra is written
    whittle(con, "disputes", "kept2", resolve_whittle_order(None))
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert "kept2_log" not in tables


def test_whittle_order_is_validated() -> None:
    with pytest.raises(ConfigError, match="unknown rule"):
        resolve_whittle_order(["onset", "loudness"])
    with pytest.raises(ConfigError, match="twice"):
        resolve_whittle_order(["onset", "onset"])
    with pytest.raises(ConfigError, match="build.events.source"):
        create_mid_tables(_mid_con(), "icb")


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 3), st.integers(0, 1), st.one_of(st.none(), st.integers(0, 6)),
            st.integers(2, 5), st.integers(1, 9), st.integers(1, 9), st.integers(0, 1), st.integers(1, 12),
        ),
        min_size=1, max_size=12,
    )
)
def test_whittle_keeps_one_row_per_dyad_year(rows: list[tuple]) -> None:
    # several dyad-years (first field = ccode2), unique dispute numbers
    full = [(i + 1, *r[1:]) for i, r in enumerate(rows)]
    con = duckdb.connect()
    frame = _frame(full, ["dispnum", "mid_onset", "fatality", "disp_hostlev", "mindur", "maxdur", "recip", "stmon"])
    frame["ccode1"], frame["ccode2"], frame["year"] = 2, [r[0] * 10 for r in rows], 1900
    con.register("w_frame", frame)
    con.execute("CREATE TABLE disputes AS SELECT * FROM w_frame")
    removed = whittle(con, "disputes", "kept", resolve_whittle_order(None))
    kept = con.execute("SELECT ccode2, mid_onset FROM kept ORDER BY ccode2").fetchall()
    assert sum(removed.values()) == len(rows) - len(kept)
    assert [k[0] for k in kept] == sorted({r[0] * 10 for r in rows})
    for ccode2, onset in kept:  # a dyad-year with any onset keeps an onset
        assert onset == max(r[1] for r in rows if r[0] * 10 == ccode2)


TIES_COLUMNS = [
    "caseid", "sender1", "sender2", "sender3", "sender4", "sender5", "primarysender",
    "targetstate", "threat", "imposition", "startyear", "sancimpositionstartyear",
]
TIES_CASES = [
    # threat in 1950, imposed 1951, two state senders
    (1, 2, 200, None, None, None, 2, 365, 1, 1, 1950, "1951"),
    # imposition without threat and no reported imposition year: starts with the imposition
    (2, 2, None, None, None, None, 2, 365, 0, 1, 1951, "NaN"),
    # institution-only sender: no state sender, skipped
    (3, None, None, None, None, None, None, 365, 1, 0, 1952, None),
    # non-COW sender code 1000 skipped; imposition year has a note after it
    (4, 1000, 200, None, None, None, 1000, 2, 1, 1, 1960, "1961, sometime before this date."),
    # threat then imposition with no year reported: threat onset only
    (5, 2, None, None, None, None, 2, 40, 1, 1, 1970, None),
    # West Germany coded 255 in 1972-73 (COW: 260 then): both onsets recoded to 260, primary too
    (6, 255, None, None, None, None, 255, 365, 1, 1, 1972, "1973"),
    # 255 in 1950: neither German state is a COW member (1945-05-08 .. 1955-05-05): dropped
    (7, 255, None, None, None, None, 255, 365, 1, 0, 1950, None),
    # 260 threatens in 1989 (member) and imposes in 1991 (260 ended 1990-10-02): the 1991 row
    # becomes 255; primarysender 255 becomes 260 in 1989 and stays 255 in 1991
    (8, 260, None, None, None, None, 255, 2, 1, 1, 1989, "1991"),
    # 255 in 1990: 255 (from 1990-10-03) is a member that year, so no recoding
    (9, 255, None, None, None, None, 255, 2, 1, 0, 1990, None),
    # 2 threatens India 750 in 1946, before its entry (1947-08-15): outside the system, dropped
    (10, 2, None, None, None, None, 2, 750, 1, 0, 1946, None),
    # 265 (ends 1990-10-02) vs 255 (from 1990-10-03): both members in 1990, never on one day
    (11, 265, None, None, None, None, 265, 255, 1, 0, 1990, None),
]
# COW spells: ccode, styear, stmonth, stday, endyear, endmonth, endday
TIES_STATES = [
    (2, 1816, 1, 1, 2016, 12, 31), (40, 1902, 5, 20, 2016, 12, 31), (200, 1816, 1, 1, 2016, 12, 31),
    (365, 1816, 1, 1, 2016, 12, 31), (750, 1947, 8, 15, 2016, 12, 31),
    (255, 1816, 1, 1, 1945, 5, 8), (255, 1990, 10, 3, 2016, 12, 31),
    (260, 1955, 5, 5, 1990, 10, 2), (265, 1954, 3, 25, 1990, 10, 2),
]


def test_ties_directed_dyad_years_by_hand() -> None:
    con = duckdb.connect()
    frame = pd.DataFrame(TIES_CASES, columns=TIES_COLUMNS)
    for c in TIES_COLUMNS[:-1]:
        frame[c] = frame[c].astype("Int64")
    con.register("t_frame", frame)
    con.execute("CREATE VIEW ties AS SELECT * FROM t_frame")
    con.register("s_frame", pd.DataFrame(TIES_STATES, columns=[
        "ccode", "styear", "stmonth", "stday", "endyear", "endmonth", "endday"]))
    con.execute("CREATE VIEW cow_states AS SELECT * FROM s_frame")
    skipped, recoded = create_ties_table(con)
    assert skipped == {
        "cases_without_state_sender": 1, "cases_with_non_cow_sender_code": 1,
        "cases_with_non_cow_target": 0, "impositions_after_threat_without_year": 1,
        "cases_with_sender_equal_target": 0,
        "cases_with_pair_outside_system_in_onset_year": 3,  # cases 7, 10, 11
        "cases_with_german_code_outside_system": 2,         # cases 7, 11
    }
    assert recoded == {"cases_255_to_260": 1, "sender_target_years_255_to_260": 2,
                       "cases_260_to_255": 1, "sender_target_years_260_to_255": 1}
    got = {
        (r[0], r[1], r[2]): r[3:]
        for r in con.execute(
            "SELECT ccode1, ccode2, year, sanction_threat_onset, sanction_imposition_onset, "
            "primary_sender, n_threat_cases, n_imposition_cases FROM ties_directed_dyad_years"
        ).fetchall()
    }
    assert got == {
        (2, 365, 1950): (1, 0, 1, 1, 0),
        (200, 365, 1950): (1, 0, 0, 1, 0),
        (2, 365, 1951): (0, 1, 1, 0, 2),   # cases 1 and 2
        (200, 365, 1951): (0, 1, 0, 0, 1),
        (200, 2, 1960): (1, 0, 0, 1, 0),
        (200, 2, 1961): (0, 1, 0, 0, 1),
        (2, 40, 1970): (1, 0, 1, 1, 0),
        (260, 365, 1972): (1, 0, 1, 1, 0),  # case 6, recoded
        (260, 365, 1973): (0, 1, 1, 0, 1),
        (260, 2, 1989): (1, 0, 1, 1, 0),    # case 8
        (255, 2, 1991): (0, 1, 1, 0, 1),
        (255, 2, 1990): (1, 0, 1, 1, 0),    # case 9, as reported
    }
