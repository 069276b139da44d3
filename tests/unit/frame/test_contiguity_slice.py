"""build.controls.contiguity_slice on hand-built spells: first = peacesciencer's add_contiguity()
reading of its spell table (first recorded month of the year, quirks included); lowest = COW's
contdird rule. The reference reading (dyadstats.testing.peacesciencer) is checked here too."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from dyadstats.errors import ConfigError, SchemaError
from dyadstats.frame.controls import (
    CONTROL_JOINS,
    CONTROL_SOURCES,
    Coverage,
    control_columns,
    control_coverage,
    create_control_tables,
    first_month_contiguity,
)
from dyadstats.frame.options import frame_options
from dyadstats.testing.peacesciencer import reference_first_month

# Hand-built spells, listed as peacesciencer lists them (by pair, then start date); dates are
# ISO strings as ingest writes them.
SPELLS = [
    (1, 2, 0, "1900-01-01", "1910-12-01"),  # a type-0 spell enclosing ...
    (1, 2, 1, "1903-06-01", "1905-03-01"),  # ... land contiguity mid-1903 to early 1905
    (1, 3, 4, "1900-01-01", "1902-01-01"),  # two spells sharing January 1902
    (1, 3, 2, "1902-01-01", "1905-12-01"),
    (1, 4, 5, "1901-07-01", "1903-12-01"),  # begins in July
    (2, 3, 3, "1900-01-01", "1900-05-01"),  # water until May, land from June
    (2, 3, 1, "1900-06-01", "1901-12-01"),
]
# Worked out by hand from the rule "type of the earliest month recorded in the year; a tie
# goes to the spell listed first".
EXPECTED_FIRST = {
    **{(1, 2, y): 0 for y in range(1900, 1911)},  # 1903-1905 too: the 0 spell holds January
    (1, 3, 1900): 4, (1, 3, 1901): 4, (1, 3, 1902): 4,  # Jan 1902 in both: the first listed
    **{(1, 3, y): 2 for y in range(1903, 1906)},
    (1, 4, 1901): 5, (1, 4, 1902): 5, (1, 4, 1903): 5,
    (2, 3, 1900): 3, (2, 3, 1901): 1,  # 1900: January's water, not June's land
}


def _spell_world() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register("s", pd.DataFrame(SPELLS, columns=["ccode1", "ccode2", "conttype", "stdate", "enddate"]))
    con.execute("CREATE TABLE ps_cow_contdir AS SELECT * FROM s")
    return con


def test_first_month_slice_by_hand() -> None:
    con = _spell_world()
    facts: dict = {}
    first_month_contiguity(con, facts)
    got = {(a, b, y): t for a, b, y, t in con.execute("SELECT * FROM ctl_contiguity ORDER BY ALL").fetchall()}
    assert got == EXPECTED_FIRST
    # differs from the lowest recorded type: (1,2) 1903-1905 (0 vs 1), (1,3) 1902 (4 vs 2),
    # (2,3) 1900 (3 vs 1); coded 0 while a type 1-5 spell touches the year: (1,2) 1903-1905
    assert facts["contiguity_first_differs_from_lowest"] == 5
    assert facts["contiguity_first_zero_despite_contiguity"] == 3


def test_first_slice_in_the_frame_columns_and_coverage() -> None:
    """The frame's conttype under slice first: the spell's type, 0 for a covered year without
    a spell, NULL outside the spell table's years (1900-1910 here)."""
    con = _spell_world()
    for name, df in {
        "cow_contdird": pd.DataFrame([(1, 2, 1900, 1)], columns=["state1no", "state2no", "year", "conttype"]),
        "nmc": pd.DataFrame([(1, 1900, 0.5)], columns=["ccode", "year", "cinc"]),
        "cow_majors": pd.DataFrame([(9, 1900, 1900)], columns=["ccode", "styear", "endyear"]),
        "ps_cow_alliance": pd.DataFrame([(1, 2, 1900, 0)], columns=["ccode1", "ccode2", "year", "cow_defense"]),
        "ps_atop_alliance": pd.DataFrame([(1, 2, 1900, 0)], columns=["ccode1", "ccode2", "year", "atop_defense"]),
        "ps_cow_mindist": pd.DataFrame([(1, 2, 1900, 1.0)], columns=["ccode1", "ccode2", "year", "mindist"]),
        "u": pd.DataFrame([(1, 2, 1904), (2, 3, 1900), (1, 4, 1900), (1, 3, 1911)], columns=["ccode1", "ccode2", "year"]),
    }.items():
        con.register(f"{name}_df", df)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_df")
    cov = control_coverage(con, "first", tuple(CONTROL_SOURCES))
    assert cov["contiguity"] == Coverage(1900, 1910)
    assert control_coverage(con, groups=tuple(CONTROL_SOURCES))["contiguity"] == Coverage(1900, 1900)  # lowest: cow_contdird's years
    create_control_tables(con, ["contiguity", "majors"], "first")
    cols = ", ".join(f"{sql} AS {n}" for n, sql in control_columns(cov) if n in ("conttype", "contiguity_land"))
    joins = "\n".join(line for line in CONTROL_JOINS.splitlines() if " c ON " in line)
    rows = con.execute(f"SELECT u.ccode1, u.ccode2, u.year, {cols} FROM u u {joins} ORDER BY ALL").fetchall()
    assert rows == [(1, 2, 1904, 0, 0), (1, 3, 1911, None, None), (1, 4, 1900, 0, 0), (2, 3, 1900, 3, 0)]


def test_slice_option_is_checked() -> None:
    opts = frame_options({"controls": {"contiguity_slice": "first"}}, [1816, 2014], [1945, 2005])
    assert opts.contiguity_slice == "first" and opts.record()["contiguity_slice"] == "first"
    assert frame_options({}, [1816, 2014], [1945, 2005]).contiguity_slice == "lowest"
    with pytest.raises(ConfigError, match="contiguity_slice"):
        frame_options({"controls": {"contiguity_slice": "last"}}, [1816, 2014], [1945, 2005])
    with pytest.raises(SchemaError, match="contiguity slice"):
        create_control_tables(_spell_world(), ["contiguity"], "median")


def test_reference_reading_matches_the_hand_fixture() -> None:
    ref = reference_first_month(pd.DataFrame(SPELLS, columns=["ccode1", "ccode2", "conttype", "stdate", "enddate"]))
    assert {(a, b, y): t for a, b, y, t in ref.itertuples(index=False)} == EXPECTED_FIRST
