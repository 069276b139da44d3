"""peacesciencer's built-in covariates on hand-built tables: rivalries, capital distance, trade,
territorial threat, joint IGOs; coverage NULLs, capital moves and the audit counts."""

from __future__ import annotations

import math

import duckdb
import pandas as pd
import pytest

from dyadstats.errors import SchemaError
from dyadstats.frame.controls import Coverage, create_control_tables
from dyadstats.frame.covariates import (
    COVARIATE_GROUPS,
    COVARIATE_JOINS,
    COVARIATE_RAW,
    capital_distance_sql,
    covariate_columns,
    covariate_coverage,
)
from dyadstats.testing.world import build_world_frames, dyad_column

WASHINGTON, OTTAWA = (38.895037, -77.036543), (45.420878, -75.690111)
PARIS, VICHY, LONDON = (48.85889, 2.320041), (46.123927, 3.420371), (51.507446, -0.127765)
# Washington-Ottawa worked by hand (haversine, R = 6378.137 km): dphi = 6.525841 deg,
# dlambda = 1.346432 deg; sin^2(dphi/2) = 0.0032396506, cos(phi1) cos(phi2) = 0.5462820245,
# sin^2(dlambda/2) = 0.0001380523; h = 0.0032396506 + 0.5462820245 * 0.0001380523 = 0.0033150661;
# central angle 2 asin(sqrt(h)) = 0.1152169398 rad; times 6378.137 = 734.869 km.
WASHINGTON_OTTAWA_KM = 734.869


def _con(tables: dict[str, pd.DataFrame]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name, df in tables.items():
        con.register(f"{name}_df", df)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_df")
    return con


def _world() -> duckdb.DuckDBPyConnection:
    """States 2, 20, 220, 300/305 over 1915-1925 (the universe: ``dyad_years``)."""
    dyads = [(2, 20), (2, 220), (20, 220), (220, 300), (220, 305), (2, 305)]
    years = {(220, 300): range(1915, 1919), (220, 305): range(1919, 1926), (2, 305): range(1919, 1926)}
    universe = [(a, b, y) for a, b in dyads for y in years.get((a, b), range(1915, 1926))]
    return _con({
        "dyad_years": pd.DataFrame(universe, columns=["ccode1", "ccode2", "year"]),
        "ps_td_rivalries": pd.DataFrame([(1, 2, 20, 1910, 1917), (2, 220, 300, 1900, 1920), (3, 20, 2, 1921, 1922)],
                                        columns=["rivalryno", "ccode1", "ccode2", "styear", "endyear"]),
        "ps_tss_rivalries": pd.DataFrame(
            [(1, 2, 20, 1912, 1918, 1, None, None, None), (2, 2, 20, 1918, 1921, None, 1, 1, None),
             (3, 220, 300, 1917, 1923, None, None, None, 1)],
            columns=["tssr_id", "ccode1", "ccode2", "start", "end", "positional", "spatial", "ideological",
                     "interventionary"]).astype({"positional": "Int64", "spatial": "Int64", "ideological": "Int64",
                                                 "interventionary": "Int64"}),
        "ps_cow_capitals": pd.DataFrame(
            [(2, "1816-01-01", "2024-12-31", *WASHINGTON), (20, "1867-01-01", "2024-12-31", *OTTAWA),
             (220, "1816-01-01", "1920-07-08", *PARIS), (220, "1920-07-09", "1922-11-27", *VICHY),
             (220, "1922-11-28", "2024-12-31", *PARIS), (305, "1919-01-01", "1924-12-31", 0.0, 0.0)],
            columns=["ccode", "stdate", "enddate", "lat", "lng"]),
        "ps_cow_trade_sy": pd.DataFrame([(2, 1920, 10.0, 5.0), (20, 1920, None, 7.5), (255, 1920, 1.0, 1.0),
                                         (2, 1926, 3.0, 3.0)], columns=["ccode", "year", "imports", "exports"]),
        "ps_terrthreat": pd.DataFrame([(2, 1915, -1.25), (220, 1915, 0.5), (2, 1916, -1.0)],
                                      columns=["ccode", "year", "lterrthreat"]),
        "ps_cow_igo_ndy": pd.DataFrame([(2, 20, 1916, 3), (2, 20, 1917, 0), (20, 220, 1916, 2), (20, 999, 1916, 1)],
                                       columns=["ccode1", "ccode2", "year", "dyadigos"]),
    })


def _frame(con: duckdb.DuckDBPyConnection, directed: bool = False) -> pd.DataFrame:
    facts = create_control_tables(con, COVARIATE_GROUPS)
    cov = {k: Coverage(*span) for k, span in covariate_coverage(con, COVARIATE_GROUPS).items()}
    cols = ", ".join(f"{sql} AS {name}" for name, sql in covariate_columns(cov, COVARIATE_RAW))
    universe = "(SELECT * FROM dyad_years UNION ALL SELECT ccode2, ccode1, year FROM dyad_years)" if directed else "dyad_years"
    df = con.execute(f"SELECT u.ccode1, u.ccode2, u.year, {cols} FROM {universe} u {COVARIATE_JOINS} ORDER BY ALL").df()
    df.attrs.update(facts=facts, coverage=cov)
    return df.set_index(["ccode1", "ccode2", "year"])


def test_coverage_is_measured_from_each_table() -> None:
    cov = _frame(_world()).attrs["coverage"]
    assert cov == {"td_rivalries": Coverage(1900, 1922), "tss_rivalries": Coverage(1912, 1923),
                   "capital_distance": Coverage(1816, 2024), "trade": Coverage(1920, 1926),
                   "territorial_threat": Coverage(1915, 1916), "igos": Coverage(1916, 1917)}


def test_rivalries_ongoing_years_types_and_null_outside_coverage() -> None:
    df = _frame(_world())
    # TD (2, 20) 1910-1917, and listed 20-2 1921-1922 (order of the codes does not matter)
    assert dyad_column(df, (2, 20), "td_rivalry") == [1, 1, 1, 0, 0, 0, 1, 1, None, None, None]
    # TSS: episode 1 (positional) 1912-1918, episode 2 (spatial, ideological) 1918-1921; 1918 has both
    assert dyad_column(df, (2, 20), "tss_rivalry") == [1, 1, 1, 1, 1, 1, 1, 0, 0, None, None]
    assert dyad_column(df, (2, 20), "tss_rivalry_positional") == [1, 1, 1, 1, 0, 0, 0, 0, 0, None, None]
    assert dyad_column(df, (2, 20), "tss_rivalry_spatial") == [0, 0, 0, 1, 1, 1, 1, 0, 0, None, None]
    assert dyad_column(df, (2, 20), "tss_rivalry_ideological") == [0, 0, 0, 1, 1, 1, 1, 0, 0, None, None]
    assert dyad_column(df, (2, 20), "tss_rivalry_interventionary") == [0] * 9 + [None, None]
    assert dyad_column(df, (2, 220), "tss_rivalry") == [0] * 9 + [None, None]


def test_austria_hungary_rivalries_pass_to_austria_from_1919() -> None:
    """TD (220, 300) 1900-1920 and TSS (220, 300) 1917-1923: 300 until 1918, then 305."""
    df = _frame(_world())
    assert dyad_column(df, (220, 300), "td_rivalry") == [1, 1, 1, 1]
    assert dyad_column(df, (220, 305), "td_rivalry") == [1, 1, 0, 0, None, None, None]
    assert dyad_column(df, (220, 300), "tss_rivalry_interventionary") == [0, 0, 1, 1]
    assert dyad_column(df, (220, 305), "tss_rivalry_interventionary") == [1, 1, 1, 1, 1, None, None]
    # the rivalry years before 1915 find no dyad-year: counted, not errors
    facts = _frame(_world()).attrs["facts"]
    assert facts["ps_td_rivalries_years_outside_universe"] == {"year_outside_universe": 5 + 15, "not_in_universe_that_year": 0}


def test_capital_distance_formula_on_known_pairs() -> None:
    """Washington-Ottawa by hand (734.869 km); a quarter of the equator (pi R / 2) and 60 degrees
    of one meridian (pi R / 3) exactly; 0 for one point; symmetric."""
    con = duckdb.connect()
    pairs = [(*WASHINGTON, *OTTAWA), (0.0, 0.0, 0.0, 90.0), (0.0, 10.0, 60.0, 10.0), (*PARIS, *PARIS), (*OTTAWA, *WASHINGTON),
             (0.0, 0.0, 0.0, 180.0)]
    got = [con.execute(f"SELECT {capital_distance_sql(*(repr(v) for v in p))}").fetchone()[0] for p in pairs]
    r = 6378.137
    assert got[0] == pytest.approx(WASHINGTON_OTTAWA_KM, abs=5e-4)
    assert got[1] == pytest.approx(math.pi * r / 2, rel=1e-12)
    assert got[2] == pytest.approx(math.pi * r / 3, rel=1e-12)
    assert got[3] == 0.0 and got[4] == pytest.approx(got[0], rel=1e-15)
    assert got[5] == pytest.approx(math.pi * r, rel=1e-12)  # antipodes: atan2 form stays exact
    assert con.execute(f"SELECT {capital_distance_sql('NULL', '0', '1', '2')}").fetchone()[0] is None


def test_capital_distance_follows_capital_moves_and_is_null_without_a_capital() -> None:
    """220 moves Paris -> Vichy on 1920-07-09 and back on 1922-11-28: 1920 keeps Paris (the
    1 January capital), 1921-1922 are Vichy, 1923 Paris again. 305's capital (0, 0) ends 1924."""
    df = _frame(_world())
    assert df.loc[(2, 20, 1915), "capdist"] == pytest.approx(WASHINGTON_OTTAWA_KM, abs=5e-4)
    con = duckdb.connect()

    def km(a: tuple[float, float], b: tuple[float, float]) -> float:
        return con.execute(f"SELECT {capital_distance_sql(*map(repr, (*a, *b)))}").fetchone()[0]

    paris, vichy = km(OTTAWA, PARIS), km(OTTAWA, VICHY)
    assert paris != pytest.approx(vichy)
    got = dyad_column(df, (20, 220), "capdist")[4:9]  # 1919-1923
    assert got == pytest.approx([paris, paris, vichy, vichy, paris], rel=1e-12)
    assert dyad_column(df, (2, 305), "capdist")[-1] is None  # 1925: 305 has no capital
    assert df.loc[(2, 305, 1919), "capdist"] == pytest.approx(km(WASHINGTON, (0.0, 0.0)), rel=1e-12)
    assert _frame(_world()).attrs["facts"]["capital_moves_within_a_year"] == 2


def test_trade_threat_and_igos_per_state_and_dyad() -> None:
    df = _frame(_world())
    row = df.loc[(2, 20, 1920)]
    assert row[["imports_1", "exports_1", "exports_2"]].tolist() == [10.0, 5.0, 7.5]
    assert pd.isna(row["imports_2"])  # missing in COW Trade stays missing
    assert df.loc[(2, 20, 1919), ["imports_1", "exports_2"]].isna().all()  # before trade coverage
    assert df.loc[(2, 220, 1915), ["lterrthreat_1", "lterrthreat_2"]].tolist() == [-1.25, 0.5]
    assert pd.isna(df.loc[(2, 20, 1915), "lterrthreat_2"])  # 20 has no 1915 row
    assert pd.isna(df.loc[(2, 220, 1917), "lterrthreat_1"])  # after 1916: outside coverage
    assert dyad_column(df, (2, 20), "dyadigos")[:4] == [None, 3, 0, None]  # coverage 1916-1917
    assert dyad_column(df, (20, 220), "dyadigos")[:3] == [None, 2, None]  # 1917: no row, NULL not 0
    facts = df.attrs["facts"]
    # 255 (not a state of this universe) in 1920; 1926 after the universe's last year
    assert facts["ps_cow_trade_sy_rows_outside_universe"] == {"year_outside_universe": 1, "not_in_universe_that_year": 1}
    assert facts["ps_cow_igo_ndy_rows_outside_universe"] == {"year_outside_universe": 0, "not_in_universe_that_year": 1}


def test_a_pair_listed_in_both_orders_is_refused() -> None:
    con = _world()
    con.execute("INSERT INTO ps_cow_igo_ndy VALUES (20, 2, 1916, 3)")
    with pytest.raises(SchemaError, match="1 dyad-years listed in both orders"):
        create_control_tables(con, ["igos"])


def test_directed_rows_read_the_same_pair_both_ways() -> None:
    df = _frame(_world(), directed=True)
    for col in ("td_rivalry", "tss_rivalry_spatial", "capdist", "dyadigos"):
        assert dyad_column(df, (2, 20), col) == dyad_column(df, (20, 2), col)
    assert df.loc[(20, 2, 1920), ["imports_2", "exports_2"]].tolist() == [10.0, 5.0]  # state 2 is now side 2


def test_world_frames_carry_the_covariates_with_lags_and_codebook(tmp_path) -> None:
    """The hand-made world (dyadstats.testing.world): TD (2, 200) 2001-2003 with TD data to 2008;
    TSS (20, 220) spatial 2004-2008 with TSS data to 2009; 220 moves to Vichy in mid-2006."""
    frames = build_world_frames(tmp_path)
    nd = frames.nd
    assert dyad_column(nd, (2, 200), "td_rivalry") == [0, 1, 1, 1, 0, 0]
    assert dyad_column(nd, (2, 20), "td_rivalry") == [0] * 9 + [None]  # 2009: after TD's 2008
    assert dyad_column(nd, (20, 220), "tss_rivalry_spatial") == [0, 1, 1, 1, 1, 1, 0]
    assert dyad_column(nd, (20, 220), "td_rivalry_lag1") == [None, 0, 0, 0, 0, 0, 0]  # 2009: TD's 2008
    assert dyad_column(nd, (2, 20), "capdist")[0] == pytest.approx(WASHINGTON_OTTAWA_KM, abs=5e-4)
    cap = dyad_column(nd, (2, 220), "capdist")  # 2003-2009: Paris to 2006, then Vichy
    assert cap[3] == pytest.approx(cap[0]) and cap[4] != pytest.approx(cap[3])
    assert dyad_column(nd, (2, 220), "capdist_lag1")[4] == pytest.approx(cap[3])
    assert dyad_column(nd, (2, 20), "imports_1") == [200.0 + k for k in range(8)] + [None, None]
    assert dyad_column(nd, (2, 20), "imports_1_lag1") == [None] + [200.0 + k for k in range(8)] + [None]
    assert dyad_column(nd, (2, 200), "imports_2") == [None] * 6  # 200 has no trade rows
    assert dyad_column(nd, (2, 200), "dyadigos") == [50] * 6
    assert frames.dr.loc[(200, 2, 2001), "lterrthreat_2"] == pytest.approx(-0.98)
    for col in ("td_rivalry", "tss_rivalry_ideological", "capdist", "exports_2", "lterrthreat_1", "dyadigos"):
        assert f"| `{col}` |" in frames.codebook and f"| `{col}_lag1` |" in frames.codebook
    assert "Thompson & Dreyer 2012" in frames.codebook and "Pevehouse et al. 2020" in frames.codebook
    assert "| tss_rivalries | 1494-2009 |" in frames.codebook


def test_a_frame_without_the_groups_reads_none_of_their_tables(tmp_path) -> None:
    frames = build_world_frames(tmp_path, {"frame": {"controls": ["contiguity", "nmc", "majors"]}})
    assert not {"td_rivalry", "capdist", "imports_1", "dyadigos"} & set(frames.nd.columns)
    assert "tss_rivalries" not in frames.codebook
