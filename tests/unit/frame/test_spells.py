"""Peace years: the window-function SQL against a plain loop, hand-worked cases and properties."""

from __future__ import annotations

import duckdb
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from dyadstats.frame.spells import peace_years_reference, spell_stage_one, spell_stage_two


def sql_peace_years(rows: list[tuple[int, int, int | None]]) -> pd.DataFrame:
    """Peace years of (unit, year, event) rows through the SQL used by the frame."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t (unit INTEGER, year INTEGER, o INTEGER)")
    if rows:
        con.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    one = ", ".join(f"{sql} AS {name}" for name, sql in spell_stage_one("o", "o", "unit"))
    two = ", ".join(f"{sql} AS {name}" for name, sql in spell_stage_two("o", "unit"))
    return con.execute(
        f"SELECT unit, year, o, {two} FROM (SELECT *, {one} FROM t) ORDER BY unit, year"
    ).df()


def test_hand_worked_spell() -> None:
    # events in 1993 and 1994 (back to back) and 1998; 1990 is the first year
    events = {1990: 0, 1991: 0, 1992: 0, 1993: 1, 1994: 1, 1995: 0, 1996: 0, 1997: 0, 1998: 1, 1999: 0}
    out = sql_peace_years([(1, y, e) for y, e in events.items()])
    assert out["peace_years_o"].tolist() == [0, 1, 2, 3, 0, 0, 1, 2, 3, 0]
    assert out["peace_years_o_2"].tolist() == [0, 1, 4, 9, 0, 0, 1, 4, 9, 0]
    assert out["peace_years_o_3"].tolist() == [0, 1, 8, 27, 0, 0, 1, 8, 27, 0]


def test_unobserved_years_are_null_and_the_clock_starts_in_coverage() -> None:
    rows = [(1, 1943, None), (1, 1944, None), (1, 1945, 0), (1, 1946, 1), (1, 1947, 0), (1, 1948, None)]
    out = sql_peace_years(rows)
    assert [None if pd.isna(v) else int(v) for v in out["peace_years_o"]] == [None, None, 0, 1, 0, None]


def test_matches_peacesciencer_ps_spells_semantics() -> None:
    """ps_spells(ongoing = FALSE): the event row ends the spell with the accumulated count.

    Worked from stevemisc::ps_spells: spells end at failures or the unit's last row; within a
    spell the duration is the running count and spell = duration - 1. Events 0,1,0,0,1,1,0:
    spells {0,1} {0,0,1} {1} {0} -> 0,1, 0,1,2, 0, 0.
    """
    out = sql_peace_years([(7, 2000 + i, e) for i, e in enumerate([0, 1, 0, 0, 1, 1, 0])])
    assert out["peace_years_o"].tolist() == [0, 1, 0, 1, 2, 0, 0]


unit_events = st.lists(st.one_of(st.none(), st.integers(0, 1)), min_size=0, max_size=30)


def _covered(events: list[int | None]) -> list[int | None]:
    """Coverage is one contiguous span: NULLs only before and after it."""
    observed = [i for i, e in enumerate(events) if e is not None]
    if not observed:
        return [None] * len(events)
    lo, hi = observed[0], observed[-1]
    return [None if i < lo or i > hi else (e if e is not None else 0) for i, e in enumerate(events)]


@settings(max_examples=60, deadline=None)
@given(st.lists(unit_events, min_size=1, max_size=5))
def test_sql_equals_reference_and_properties(units: list[list[int | None]]) -> None:
    units = [_covered(u) for u in units]
    rows = [(u, 1900 + i, e) for u, events in enumerate(units) for i, e in enumerate(events)]
    out = sql_peace_years(rows)
    for u, events in enumerate(units):
        got = [None if pd.isna(v) else int(v) for v in out.loc[out.unit == u, "peace_years_o"]]
        assert got == peace_years_reference(events)
        observed = [(e, p) for e, p in zip(events, got, strict=True) if e is not None]
        if observed:
            assert observed[0][1] == 0  # first observed year starts at 0
        for (e_prev, _), (_, p_next) in zip(observed, observed[1:], strict=False):
            if e_prev == 1:
                assert p_next == 0  # resets after each event
        for (e_prev, p_prev), (_, p_next) in zip(observed, observed[1:], strict=False):
            if e_prev == 0:
                assert p_next == p_prev + 1  # grows by one in peace
        assert all((p is None) == (e is None) for e, p in zip(events, got, strict=True))
