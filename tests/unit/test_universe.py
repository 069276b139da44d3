"""Universe stage on a hand-built world: state-years, dyad-years and the same-day rule."""

from __future__ import annotations

import datetime as dt
import itertools

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dyadstats.errors import ConfigError
from dyadstats.universe import create_universe_tables, same_day_exclusions

SPELL_COLUMNS = ["ccode", "stateabb", "styear", "stmonth", "stday", "endyear", "endmonth", "endday"]

# A tiny world, 1900-1909:
#   2  member throughout.
#   20 exits 1904-06-30 and re-enters 1907-03-01 (two spells).
#   31 enters 1904-09-01, after 20 left: both are 1904 members but never on the same day.
#   40 a member 1902-05-05 .. 1904-08-31: leaves the day before 31 enters.
TINY_WORLD = [
    (2, "AAA", 1900, 1, 1, 1909, 12, 31),
    (20, "BBB", 1900, 1, 1, 1904, 6, 30),
    (20, "BBB", 1907, 3, 1, 1909, 12, 31),
    (31, "CCC", 1904, 9, 1, 1909, 12, 31),
    (40, "DDD", 1902, 5, 5, 1904, 8, 31),
]


def _con(spells: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    frame = pd.DataFrame(spells, columns=SPELL_COLUMNS).astype({c: "int64" for c in SPELL_COLUMNS if c != "stateabb"})
    con.register("cow_states_frame", frame)
    con.execute("CREATE VIEW cow_states AS SELECT * FROM cow_states_frame")
    return con


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> set[tuple]:
    return {tuple(r) for r in con.execute(f"SELECT ccode1, ccode2, year FROM {table}").fetchall()}


def test_state_years_by_hand() -> None:
    con = _con(TINY_WORLD)
    create_universe_tables(con, 1900, 1909)
    got = {tuple(r) for r in con.execute("SELECT ccode, year FROM state_years").fetchall()}
    expected = (
        {(2, y) for y in range(1900, 1910)}
        | {(20, y) for y in [1900, 1901, 1902, 1903, 1904, 1907, 1908, 1909]}
        | {(31, y) for y in range(1904, 1910)}
        | {(40, y) for y in (1902, 1903, 1904)}
    )
    assert got == expected
    assert len(got) == 27


def test_dyad_years_same_day_rule_by_hand() -> None:
    con = _con(TINY_WORLD)
    create_universe_tables(con, 1900, 1909)
    expected = (
        {(2, 20, y) for y in [1900, 1901, 1902, 1903, 1904, 1907, 1908, 1909]}
        | {(2, 31, y) for y in range(1904, 1910)}
        | {(2, 40, y) for y in (1902, 1903, 1904)}
        # 20 left before 31 entered in 1904: no (20, 31, 1904)
        | {(20, 31, y) for y in (1907, 1908, 1909)}
        | {(20, 40, y) for y in (1902, 1903, 1904)}
        # 40 left 1904-08-31, 31 entered 1904-09-01: never a dyad
    )
    assert _rows(con, "dyad_years") == expected
    assert same_day_exclusions(con) == 2  # (20, 31, 1904) and (31, 40, 1904)
    directed = _rows(con, "directed_dyad_years")
    assert directed == expected | {(b, a, y) for a, b, y in expected}


def test_dyads_carry_state_abbreviations() -> None:
    con = _con(TINY_WORLD)
    create_universe_tables(con, 1900, 1909)
    abb = {2: "AAA", 20: "BBB", 31: "CCC", 40: "DDD"}
    rows = con.execute("SELECT ccode1, ccode2, stateabb1, stateabb2 FROM dyad_years").fetchall()
    assert rows and all((a1, a2) == (abb[c1], abb[c2]) for c1, c2, a1, a2 in rows)
    directed = con.execute("SELECT ccode1, ccode2, stateabb1, stateabb2 FROM directed_dyad_years").fetchall()
    assert len(directed) == 2 * len(rows)
    assert all((a1, a2) == (abb[c1], abb[c2]) for c1, c2, a1, a2 in directed)  # swapped with the codes


def test_year_range_restricts_and_is_checked() -> None:
    con = _con(TINY_WORLD)
    create_universe_tables(con, 1903, 1904)
    assert _rows(con, "dyad_years") == {
        (2, 20, 1903), (2, 20, 1904), (2, 40, 1903), (2, 40, 1904),
        (20, 40, 1903), (20, 40, 1904), (2, 31, 1904),
    }
    with pytest.raises(ConfigError, match="after build.last_year"):
        create_universe_tables(con, 1905, 1904)
    with pytest.raises(ConfigError, match="reaches outside the COW state-system spells"):
        create_universe_tables(con, 1900, 1915)


def _brute_force_dyads(spells: list[tuple], first: int, last: int) -> set[tuple]:
    """Day-by-day reference: states sharing at least one calendar day of a year form a dyad."""
    days: dict[tuple[int, int], set[dt.date]] = {}
    for ccode, _abb, sy, sm, sd, ey, em, ed in spells:
        day, end = dt.date(sy, sm, sd), dt.date(ey, em, ed)
        while day <= end:
            if first <= day.year <= last:
                days.setdefault((ccode, day.year), set()).add(day)
            day += dt.timedelta(days=1)
    states = sorted({c for c, _ in days})
    out = set()
    for a, b in itertools.combinations(states, 2):
        for year in range(first, last + 1):
            if days.get((a, year), set()) & days.get((b, year), set()):
                out.add((a, b, year))
    return out


@st.composite
def _spells(draw: st.DrawFn) -> list[tuple]:
    spells = []
    for ccode in draw(st.lists(st.sampled_from([2, 20, 31, 40, 200]), min_size=2, max_size=5, unique=True)):
        day = dt.date(1900, 1, 1) + dt.timedelta(days=draw(st.integers(0, 500)))
        for _ in range(draw(st.integers(1, 2))):
            start = day
            end = start + dt.timedelta(days=draw(st.integers(0, 700)))
            if end.year > 1904:
                end = dt.date(1904, 12, 31)
            spells.append((ccode, "X", start.year, start.month, start.day, end.year, end.month, end.day))
            day = end + dt.timedelta(days=draw(st.integers(1, 300)))
            if day.year > 1904:
                break
    return spells


@settings(max_examples=40, deadline=None)
@given(_spells())
def test_dyad_years_match_day_by_day_reference(spells: list[tuple]) -> None:
    first, last = min(s[2] for s in spells), max(s[5] for s in spells)
    con = _con(spells)
    create_universe_tables(con, first, last)
    got = _rows(con, "dyad_years")
    assert got == _brute_force_dyads(spells, first, last)
    assert all(a < b for a, b, _ in got)
    (dups,) = con.execute(
        "SELECT count(*) FROM (SELECT ccode1, ccode2, year FROM dyad_years GROUP BY ALL HAVING count(*) > 1)"
    ).fetchone()
    assert dups == 0
    members = {tuple(r) for r in con.execute("SELECT ccode, year FROM state_years").fetchall()}
    assert all((a, y) in members and (b, y) in members for a, b, y in got)


def test_a_run_without_a_directed_frame_builds_no_directed_universe(tmp_path) -> None:
    """build.frame.directed: false -> the plan asks for no directed_dyad_years, and the universe
    stage writes the other tables unchanged without it."""
    from dyadstats.paths import Layout
    from dyadstats.plan import RunPlan
    from dyadstats.testing.repo import base_config, repo_root
    from dyadstats.universe import build_universe

    config = base_config(tmp_path)
    full = RunPlan.from_config(config, repo_root(), Layout(root=tmp_path))
    config["build"]["frame"] = {"directed": False}
    narrow = RunPlan.from_config(config, repo_root(), Layout(root=tmp_path))
    assert "directed_dyad_years" in full.universe_outputs() and "directed_dyad_years" in full.frame_inputs()
    assert set(narrow.universe_outputs()) == {"state_years", "dyad_years"}
    assert "directed_dyad_years" not in narrow.frame_inputs() and "directed_dyad_years" not in narrow.db_tables()

    states = tmp_path / "states.parquet"
    pd.DataFrame(TINY_WORLD, columns=SPELL_COLUMNS).to_parquet(states, index=False)
    with_directed = build_universe(states, tmp_path / "a_sy.parquet", tmp_path / "a_dy.parquet",
                                   tmp_path / "a_ddy.parquet", tmp_path / "a.json", 1900, 1909)
    without = build_universe(states, tmp_path / "b_sy.parquet", tmp_path / "b_dy.parquet", None,
                             tmp_path / "b.json", 1900, 1909)
    assert set(without) == {"state_years", "dyad_years"} and "directed_dyad_years" in with_directed
    assert (tmp_path / "a_dy.parquet").read_bytes() == (tmp_path / "b_dy.parquet").read_bytes()
    assert not (tmp_path / "b_ddy.parquet").exists()
