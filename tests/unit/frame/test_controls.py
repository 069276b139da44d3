"""Controls on hand-built tables: contiguity, capabilities, majors, alliances, distance; coverage."""

from __future__ import annotations

import math

import duckdb
import pandas as pd
import pytest

from dyadstats.errors import SchemaError
from dyadstats.frame.controls import (
    CONTROL_JOINS,
    CONTROL_SOURCES,
    Coverage,
    control_columns,
    control_coverage,
    create_control_tables,
)

# milex, milper, tpop, upop per (ccode, year); None where NMC has -9 (NULL after ingest)
NMC_PARTS = {(1, 1900): (500, 20, 1000.5, 100.0), (2, 1900): (None, 5, 300.0, None), (1, 1901): (600, 21, 1010.0, 101.0)}


def _world(nmc: list[tuple] | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    tables = {
        "cow_contdird": pd.DataFrame(
            [(1, 2, 1900, 5), (1, 2, 1900, 3), (2, 1, 1900, 3), (2, 1, 1900, 5), (1, 2, 1901, 1), (2, 1, 1901, 1)],
            columns=["state1no", "state2no", "year", "conttype"]),
        "nmc": pd.DataFrame(
            [(*r, *NMC_PARTS.get(r[:2], (None,) * 4)) for r in (nmc or [(1, 1900, 0.3), (2, 1900, 0.1), (3, 1900, 0.0), (1, 1901, 0.3)])],
            columns=["ccode", "year", "cinc", "milex", "milper", "tpop", "upop"]),
        "cow_majors": pd.DataFrame([(1, 1899, 1900)], columns=["ccode", "styear", "endyear"]),
        "ps_cow_alliance": pd.DataFrame([(1, 2, 1900, 1, 0, 1, 1), (3, 1, 1900, 0, 1, 0, 0)],
                                        columns=["ccode1", "ccode2", "year", "cow_defense", "cow_neutral", "cow_nonagg", "cow_entente"]),
        "ps_atop_alliance": pd.DataFrame([(2, 3, 1901, 1)], columns=["ccode1", "ccode2", "year", "atop_defense"]),
        "ps_cow_mindist": pd.DataFrame([(1, 2, 1901, 12.5)], columns=["ccode1", "ccode2", "year", "mindist"]),
        "u": pd.DataFrame([(1, 2, 1900), (1, 2, 1901), (1, 3, 1900), (2, 3, 1901), (1, 2, 1902)],
                          columns=["ccode1", "ccode2", "year"]),
    }
    for name, df in tables.items():
        con.register(f"{name}_df", df)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_df")
    return con


def _controls(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    # the controls proper (the peacesciencer covariate groups: test_covariates)
    facts = create_control_tables(con, tuple(CONTROL_SOURCES))
    cov = control_coverage(con, groups=tuple(CONTROL_SOURCES))
    cols = ", ".join(f"{sql} AS {name}" for name, sql in control_columns(cov))
    df = con.execute(f"SELECT u.ccode1, u.ccode2, u.year, {cols} FROM u u {CONTROL_JOINS} ORDER BY ALL").df()
    df.attrs["facts"] = facts
    df.attrs["coverage"] = cov
    return df.set_index(["ccode1", "ccode2", "year"])


def test_contiguity_takes_the_closest_type_and_is_null_outside_coverage() -> None:
    df = _controls(_world())
    assert df.loc[(1, 2, 1900), "conttype"] == 3  # types 5 and 3 recorded: the lowest
    assert df.loc[(1, 2, 1900), ["contiguity_land", "contiguity_any", "contiguity_150"]].tolist() == [0, 1, 1]
    assert df.loc[(1, 2, 1901), ["conttype", "contiguity_land"]].tolist() == [1, 1]
    assert df.loc[(1, 3, 1900), "conttype"] == 0  # covered year, no record: not contiguous
    assert df.loc[(1, 2, 1902)].isna().all()  # every source ends before 1902 (majors 1900)
    assert df.attrs["facts"]["contiguity_multi_type_dyad_years"] == 2


def test_capabilities() -> None:
    df = _controls(_world())
    assert df.loc[(1, 2, 1900), "capability_ratio"] == pytest.approx(0.1 / 0.3)
    assert df.loc[(1, 2, 1900), "log_capability_ratio"] == pytest.approx(math.log(3))
    # a zero CINC: the ratio is 0, its log undefined (NULL), not infinite
    assert df.loc[(1, 3, 1900), "capability_ratio"] == 0
    assert pd.isna(df.loc[(1, 3, 1900), "log_capability_ratio"])
    # state 2 has no NMC row in 1901: missing, not 0
    assert pd.isna(df.loc[(1, 2, 1901), "cinc_2"]) and pd.isna(df.loc[(1, 2, 1901), "capability_ratio"])


def test_duplicate_nmc_state_year_is_refused() -> None:
    with pytest.raises(SchemaError, match="nmc"):
        _controls(_world(nmc=[(1, 1900, 0.3), (1, 1900, 0.2)]))


def test_majors_alliances_distance_and_relevance() -> None:
    df = _controls(_world())
    assert df.attrs["coverage"]["majors"] == Coverage(1899, 1900)
    assert df.loc[(1, 3, 1900), ["major_power_1", "major_power_2", "major_power_dyad"]].tolist() == [1, 0, 1]
    assert pd.isna(df.loc[(1, 2, 1901), "major_power_1"])  # spells end 1900
    assert df.loc[(1, 2, 1900), "defense_pact"] == 1
    assert df.loc[(1, 3, 1900), "defense_pact"] == 0  # a row with cow_defense = 0 is no pact
    assert df.loc[(2, 3, 1901), "defense_pact_atop"] == 1  # recorded 2 -> 3 only
    assert df.attrs["facts"]["ps_atop_alliance_asymmetric_defense_rows"] == 1
    assert df.attrs["facts"]["ps_cow_alliance_asymmetric_defense_rows"] == 1
    assert df.loc[(1, 2, 1901), "mindist"] == 12.5
    assert pd.isna(df.loc[(1, 3, 1900), "mindist"])  # before mindist coverage
    assert df.loc[(1, 3, 1900), "politically_relevant"] == 1  # a major power
    # 1901: contiguity covered (type 1) but majors not: contiguous is enough
    assert df.loc[(1, 2, 1901), "politically_relevant"] == 1
    # 2-3 in 1901: not contiguous, major status unknown -> unknown
    assert pd.isna(df.loc[(2, 3, 1901), "politically_relevant"])


def test_nmc_components_and_alliance_types() -> None:
    """Per state, missing stays missing; alliance types either direction, 0 where unrecorded."""
    df = _controls(_world())
    row = df.loc[(1, 2, 1900)]
    assert row[["nmc_milex_1", "nmc_milper_1", "nmc_tpop_1", "nmc_upop_1"]].tolist() == [500, 20, 1000.5, 100.0]
    assert pd.isna(row["nmc_milex_2"]) and row["nmc_milper_2"] == 5 and row["nmc_tpop_2"] == 300.0
    assert pd.isna(row["nmc_upop_2"])
    assert df.loc[(1, 3, 1900), ["nmc_milex_2", "nmc_tpop_2"]].isna().all()  # state 3: all NULL in NMC
    assert pd.isna(df.loc[(1, 2, 1902), "nmc_milex_1"])  # after NMC coverage (1900-1901)
    # 1-2 1900: defense, non-aggression and entente (recorded 1 -> 2); 3-1 1900: neutrality
    assert row[["neutrality_pact", "nonaggression_pact", "entente_pact"]].tolist() == [0, 1, 1]
    assert df.loc[(1, 3, 1900), ["neutrality_pact", "nonaggression_pact", "entente_pact"]].tolist() == [1, 0, 0]
    assert df.loc[(1, 2, 1901), ["neutrality_pact", "entente_pact"]].isna().all()  # alliances end 1900
    assert df.attrs["coverage"]["alliance_types"] == Coverage(1900, 1900)
    assert df.attrs["facts"]["ps_cow_alliance_asymmetric_neutral_rows"] == 1
