"""Democracy on hand-built tables: country-code crosswalks, transition years, thresholds."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from dyadstats.errors import ConfigError
from dyadstats.frame.democracy import (
    MEASURES,
    create_democracy_state_years,
    democracy_rules,
    dyad_democracy_columns,
)


def _con(polity: list[tuple], vdem: list[tuple] | None = None, bmr: list[tuple] | None = None,
         uds: list[tuple] | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    frames = {
        "polity5": pd.DataFrame(polity, columns=["ccode", "year", "polity2"]),
        "vdem": pd.DataFrame(vdem or [], columns=["vdem_cowcode", "cown", "country_id", "year", "v2x_polyarchy"]),
        "bmr": pd.DataFrame(bmr or [], columns=["ccode", "year", "democracy"]),
        "uds": pd.DataFrame(uds or [], columns=["cown", "uds_cowcode", "year", "mean"]),
    }
    for name, df in frames.items():
        df = df.astype({c: "Int64" for c in df.columns if c not in ("v2x_polyarchy", "mean")})
        con.register(f"{name}_df", df)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_df")
    return con


def _scores(con: duckdb.DuckDBPyConnection, column: str) -> dict[tuple[int, int], object]:
    return {(c, y): v for c, y, v in con.execute(f"SELECT ccode, year, {column} FROM democracy_state_years").fetchall()}


def test_polity_codes_are_recoded_to_cow() -> None:
    """Polity 347 (FRY) and 341 (Kosovo) must not land on COW 347 (Kosovo) / 341 (Montenegro)."""
    con = _con([
        (347, 1995, -7), (348, 2007, 9), (341, 2009, 8), (364, 1960, -7), (529, 1995, 1),
        (818, 1980, -7), (769, 1960, -7), (525, 2012, 0), (626, 2012, -4), (305, 1900, -4),
        (305, 1920, 8), (99, 1825, -5), (324, 1850, -7), (2, 1900, 10),
    ])
    create_democracy_state_years(con)
    got = _scores(con, "polity2")
    assert got == {
        (345, 1995): -7, (341, 2007): 9, (347, 2009): 8, (365, 1960): -7, (530, 1995): 1,
        (816, 1980): -7, (770, 1960): -7, (626, 2012): 0, (625, 2012): -4, (300, 1900): -4,
        (305, 1920): 8, (100, 1825): -5, (325, 1850): -7, (2, 1900): 10,
    }


def test_transition_years_keep_the_predecessor() -> None:
    """Serbia and Montenegro (347, 1991-2006) and Serbia (342, from 2006) both give 2006;
    Serbia's *earlier* spell (1830-1920) must not make it the predecessor."""
    rows = [(342, y, 4) for y in range(1915, 1921)] + [(347, y, 6) for y in range(2003, 2007)]
    rows += [(342, y, 8) for y in range(2006, 2009)]
    rows += [(365, y, -1) for y in range(1915, 1923)] + [(364, y, -7) for y in range(1922, 1925)]
    facts = None
    con = _con(rows)
    facts = create_democracy_state_years(con)
    got = _scores(con, "polity2")
    assert got[(345, 2006)] == 6 and got[(345, 2007)] == 8
    assert got[(365, 1922)] == -1 and got[(365, 1923)] == -7
    assert facts["polity"]["transition_duplicates_resolved"] == 2


def test_vdem_prefers_its_own_cow_code_and_non_missing_scores() -> None:
    vdem = [
        (300, 305, 144, 1900, 0.1),     # Austria: cown says 305, V-Dem's COW code 300 is right
        (271, None, 355, 1850, 0.15),   # Wurttemberg: no cown
        (None, 325, 373, 1860, 0.21), (None, 325, 373, 1861, 0.21),  # Piedmont-Sardinia
        (325, 325, 82, 1861, None), (325, 325, 82, 1862, 0.205),     # Italy: 1861 missing
        (None, None, 128, 1990, 0.1),   # Palestine/West Bank: no COW code at all
    ]
    con = _con([], vdem=vdem)
    facts = create_democracy_state_years(con)
    got = _scores(con, "v2x_polyarchy")
    assert got == {(300, 1900): 0.1, (271, 1850): 0.15, (325, 1860): 0.21, (325, 1861): 0.21, (325, 1862): 0.205}
    assert facts["vdem"]["transition_duplicates_resolved"] == 1


def test_measures_are_joined_without_inventing_zeros() -> None:
    con = _con([(2, 1990, 10)], bmr=[(20, 1990, 1)], uds=[(2, 2, 1990, 1.2)])
    create_democracy_state_years(con)
    rows = con.execute(
        "SELECT ccode, polity2, bmr_democracy, uds_mean, v2x_polyarchy FROM democracy_state_years ORDER BY ccode"
    ).fetchall()
    assert rows == [(2, 10, None, 1.2, None), (20, None, 1, None, None)]


@pytest.mark.parametrize(
    ("measure", "threshold", "rule", "score", "expected"),
    [
        ("polity", 6, "ge", 6, 1), ("polity", 6, "gt", 6, 0), ("polity", 6, "ge", 5, 0),
        ("vdem", 0.5, "ge", 0.5, 1), ("uds", 0, "gt", 0.0, 0), ("uds", 0, "gt", 0.01, 1),
        ("bmr", 1, "ge", 1, 1), ("bmr", 1, "ge", 0, 0), ("polity", 6, "ge", None, None),
    ],
)
def test_indicator_thresholds(measure: str, threshold: float, rule: str, score: float | None, expected: int | None) -> None:
    rules = democracy_rules({measure: {"threshold": threshold, "rule": rule}})
    cols = dict(dyad_democracy_columns(rules))
    m = MEASURES[measure]
    con = duckdb.connect()
    con.execute(f"CREATE TABLE s1 AS SELECT CAST(? AS DOUBLE) AS {m.score}", [score])
    con.execute(f"CREATE TABLE s2 AS SELECT CAST(? AS DOUBLE) AS {m.score}", [score])
    out = con.execute(
        f"SELECT {cols[f'dem_{measure}_1']}, {cols[f'joint_democracy_{measure}']}, "
        f"{cols[f'joint_autocracy_{measure}']} FROM s1, s2"
    ).fetchone()
    both = None if expected is None else expected
    assert out == (expected, both, None if expected is None else 1 - expected)


def test_bad_config_is_refused() -> None:
    with pytest.raises(ConfigError, match="build.democracy: unknown key 'freedom_house'"):
        democracy_rules({"freedom_house": {"threshold": 1}})
    with pytest.raises(ConfigError, match="rule"):
        democracy_rules({"polity": {"threshold": 6, "rule": "eq"}})
    with pytest.raises(ConfigError, match="threshold"):
        democracy_rules({"polity": {"threshold": "six"}})
