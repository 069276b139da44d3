"""Roles: user tables mapped onto canonical democracy, event and covariate tables (hand-made data)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dyadstats.errors import ConfigError, SchemaError
from dyadstats.roles import (
    DISPUTE_DYAD_YEAR_COLUMNS,
    CovariateRole,
    DemocracyRole,
    EventRole,
    Roles,
    attach_roles_sql,
    build_role_table,
    create_role_dispute_dyad_years,
    parse_roles,
    role_columns,
    role_output,
)

# State system: 2 and 200 in 1990-1992; 365 only in 1990-1991; 666 only in 1992.
STATE_YEARS = pd.DataFrame(
    [(2, y) for y in (1990, 1991, 1992)] + [(200, y) for y in (1990, 1991, 1992)]
    + [(365, 1990), (365, 1991), (666, 1992)],
    columns=["ccode", "year"],
)


def parquet(tmp_path: Path, name: str, frame: pd.DataFrame) -> str:
    path = tmp_path / f"{name}.parquet"
    frame.to_parquet(path, index=False)
    return str(path)


@pytest.fixture
def state_years(tmp_path: Path) -> str:
    return parquet(tmp_path, "state_years", STATE_YEARS)


def dem_table(tmp_path: Path, rows: list[tuple]) -> str:
    return parquet(tmp_path, "user_dem", pd.DataFrame(rows, columns=["cow", "yr", "polyarchy"]))


DEM = DemocracyRole(name="mine", table="user_dem", score="polyarchy", threshold=0.5, ccode="cow", year="yr")


def test_democracy_threshold_rule_and_missing_score(tmp_path: Path, state_years: str) -> None:
    table = dem_table(tmp_path, [(2, 1990, 0.9), (200, 1990, 0.5), (365, 1990, 0.2), (365, 1991, None)])
    out = tmp_path / "out.parquet"
    record = build_role_table(DEM, table, state_years, str(out))
    got = pd.read_parquet(out)
    assert got[["ccode", "year"]].values.tolist() == [[2, 1990], [200, 1990], [365, 1990], [365, 1991]]
    # >= 0.5 is a democracy; a missing score stays missing, never 0
    assert got["democracy"].tolist()[:3] == [1, 1, 0]
    assert pd.isna(got["democracy"].iloc[3])
    assert record["rows_out"] == 4 and record["dropped"] == {}

    strict = DemocracyRole(**{**DEM.__dict__, "rule": ">"})
    build_role_table(strict, table, state_years, str(out))
    assert pd.read_parquet(out)["democracy"].tolist()[:3] == [1, 0, 0]


def test_unknown_state_code_stops_with_count_and_examples(tmp_path: Path, state_years: str) -> None:
    # 365 is not a member in 1992; 999 never is; 1850 is outside the system years (set aside).
    table = dem_table(tmp_path, [(2, 1990, 1.0), (365, 1992, 0.1), (999, 1990, 0.3), (999, 1991, 0.3),
                                 (2, 1850, 0.1)])
    out = tmp_path / "out.parquet"
    with pytest.raises(SchemaError) as err:
        build_role_table(DEM, table, state_years, str(out))
    msg = str(err.value)
    assert "3 of 5 rows have a state code that is not a member of the state system in that year (1990-1992)" in msg
    assert "ccode=999 in 1990-1991 (2 rows)" in msg
    assert "ccode=365 in 1992 (1 row)" in msg
    assert "roles.democracy.mine.unknown_states: drop" in msg
    assert not out.exists()


def test_unknown_state_codes_dropped_on_request_are_counted(
    tmp_path: Path, state_years: str, caplog: pytest.LogCaptureFixture
) -> None:
    table = dem_table(tmp_path, [(2, 1990, 1.0), (365, 1992, 0.1), (999, 1990, 0.3), (2, 1850, 0.1)])
    out = tmp_path / "out.parquet"
    role = DemocracyRole(**{**DEM.__dict__, "unknown_states": "drop"})
    with caplog.at_level(logging.INFO, logger="dyadstats"):
        record = build_role_table(role, table, state_years, str(out))
    assert pd.read_parquet(out)[["ccode", "year"]].values.tolist() == [[2, 1990]]
    assert record["rows_in"] == 4 and record["rows_out"] == 1
    assert record["dropped"] == {
        "state code not a system member in that year": 2,
        "year outside the state system years 1990-1992": 1,
    }
    assert "dropped 2 rows whose state code is not a system member" in caplog.text


def test_duplicate_key_shows_first_keys(tmp_path: Path, state_years: str) -> None:
    table = dem_table(tmp_path, [(2, 1990, 1.0), (2, 1990, 0.0), (200, 1991, 1.0), (200, 1991, 1.0)])
    with pytest.raises(SchemaError, match=r"2 duplicate key\(s\) \(ccode, year\); first: ccode=2, year=1990 \(2 rows\); ccode=200, year=1991"):
        build_role_table(DEM, table, state_years, str(tmp_path / "out.parquet"))


def test_mapped_column_missing_names_expected_and_found(tmp_path: Path, state_years: str) -> None:
    table = dem_table(tmp_path, [(2, 1990, 1.0)])
    role = DemocracyRole(**{**DEM.__dict__, "score": "v2x_polyarchy"})
    with pytest.raises(SchemaError) as err:
        build_role_table(role, table, state_years, str(tmp_path / "out.parquet"))
    msg = str(err.value)
    assert "roles.democracy.mine maps column(s) not in the table: score -> 'v2x_polyarchy'" in msg
    assert "Expected: cow, yr, v2x_polyarchy. Found: cow, yr, polyarchy" in msg


def test_text_score_is_refused_with_examples(tmp_path: Path, state_years: str) -> None:
    table = parquet(tmp_path, "t", pd.DataFrame({"cow": [2, 200], "yr": [1990, 1990], "polyarchy": ["0.9", "high"]}))
    with pytest.raises(SchemaError, match=r"column 'polyarchy' \(score\) must be numeric.*'high'"):
        build_role_table(DEM, table, state_years, str(tmp_path / "out.parquet"))


def test_dyadic_directed_events_collapse_to_nondirected(tmp_path: Path, state_years: str) -> None:
    # Dispute 7: 2 vs 200 starting 1990, listed both ways (hostility 3 for 2, 4 for 200), ongoing 1991.
    rows = [
        (7, 2, 200, 1990, 1990, 4, 3, 4), (7, 200, 2, 1990, 1990, 4, 4, 3),
        (7, 2, 200, 1991, 1990, 4, 3, 4), (7, 200, 2, 1991, 1990, 4, 4, 3),
        (8, 365, 2, 1991, 1991, 2, 2, 1), (8, 2, 365, 1991, 1991, 2, 1, 2),
    ]
    cols = ["disno", "statea", "stateb", "year", "strtyr", "hihost", "hihosta", "hihostb"]
    table = parquet(tmp_path, "dy", pd.DataFrame(rows, columns=cols))
    role = EventRole(
        name="dy", table="dy", level="dyadic", directed=True,
        columns={"dispnum": "disno", "ccode1": "statea", "ccode2": "stateb", "start_year": "strtyr",
                 "hostlev": "hihost", "hostlev1": "hihosta", "hostlev2": "hihostb"},
    )
    out = tmp_path / "out.parquet"
    record = build_role_table(role, table, state_years, str(out))
    got = pd.read_parquet(out)
    assert got[["dispnum", "ccode1", "ccode2", "year", "mid_onset", "hostlev", "hostlev1", "hostlev2"]].values.tolist() == [
        [7, 2, 200, 1990, 1, 4, 3, 4],
        [7, 2, 200, 1991, 0, 4, 3, 4],
        [8, 2, 365, 1991, 1, 2, 1, 2],
    ]
    assert set(got["source"]) == {"dy"}
    assert record["key_unique"] is True
    # the events stage can take it as its dispute_dyad_years unchanged
    assert tuple(got.columns) == DISPUTE_DYAD_YEAR_COLUMNS
    assert got["disp_hostlev"].tolist() == [4, 4, 2] and got["styear"].tolist() == [1990, 1990, 1991]


def test_participant_events_keep_mid_shape(tmp_path: Path, state_years: str) -> None:
    rows = [(1, 2, 1, 1990, 3, 1990, 5, 3, 7, 1), (1, 200, 0, 1990, 3, 1990, 6, 1, 0, 0)]
    cols = ["dispute", "ccode", "sidea", "styear", "stmon", "endyear", "endmon", "hostlev", "hiact", "orig"]
    table = parquet(tmp_path, "p", pd.DataFrame(rows, columns=cols))
    role = EventRole(name="ct", table="p", level="participant", columns={"dispnum": "dispute"})
    out = tmp_path / "out.parquet"
    build_role_table(role, table, state_years, str(out))
    got = pd.read_parquet(out)
    assert list(got.columns) == ["dispnum", "ccode", "sidea", "styear", "stmon", "stday", "endyear", "endmon",
                                 "endday", "hostlev", "hiact", "orig", "fatality", "fatalpre", "source"]
    assert got["dispnum"].tolist() == [1, 1] and got["fatality"].isna().all()

    bad = parquet(tmp_path, "p2", pd.DataFrame([(1, 2, 2, 1990, 3, 1990, 5, 3, 7, 1)], columns=cols))
    with pytest.raises(SchemaError, match="column sidea must be one of 0, 1; found 2"):
        build_role_table(EventRole(name="ct", table="p2", level="participant", columns={"dispnum": "dispute"}),
                         bad, state_years, str(out))


def test_covariates_attach_as_pairs_and_min_max(tmp_path: Path, state_years: str) -> None:
    cov = CovariateRole(name="gdp", table="g", level="state_year", column="gdppc")
    table = parquet(tmp_path, "g", pd.DataFrame({"ccode": [2, 200, 365], "year": [1990] * 3,
                                                 "gdppc": [30.0, 20.0, None]}))
    out_dir = tmp_path / "work"
    out = out_dir / role_output(cov)
    build_role_table(cov, table, state_years, str(out))
    dem = DemocracyRole(name="mine", table="x", score="s", threshold=1)
    dem_out = out_dir / role_output(dem)
    build_role_table(dem, parquet(tmp_path, "x", pd.DataFrame({"ccode": [2, 200, 365], "year": [1990] * 3,
                                                              "s": [1, 0, None]})), state_years, str(dem_out))
    frame = pd.DataFrame({"ccode1": [2, 2, 200], "ccode2": [200, 365, 365], "year": [1990] * 3})
    con = duckdb.connect()
    con.register("frame", frame)
    roles = Roles(democracy=(dem,), covariates=(cov,))
    got = con.execute(attach_roles_sql("frame", roles, {role_output(cov): str(out), role_output(dem): str(dem_out)})
                      + " ORDER BY ccode1, ccode2").df()
    assert got["gdp_1"].tolist()[:2] == [30.0, 30.0]
    assert got["min_gdp"].tolist()[0] == 20.0 and got["max_gdp"].tolist()[0] == 30.0
    # one missing side: the pair's min and max are missing, not the other side's value
    assert got["min_gdp"].isna().tolist() == [False, True, True]
    assert got["joint_democracy_mine"].tolist()[0] == 0 and got["mixed_dyad_mine"].tolist()[0] == 1
    assert got["regime_pair_mine"].tolist()[0] == "mixed"
    assert got["joint_democracy_mine"].isna().tolist() == [False, True, True]
    assert set(role_columns(roles)) <= set(got.columns)


def test_nondirected_dyad_covariate_is_stored_low_high(tmp_path: Path, state_years: str) -> None:
    cov = CovariateRole(name="trade", table="t", level="dyad_year", column="flow",
                        ccode1="a", ccode2="b")
    table = parquet(tmp_path, "t", pd.DataFrame({"a": [200, 2], "b": [2, 365], "year": [1990, 1990],
                                                 "flow": [5.0, 1.0]}))
    out = tmp_path / "out.parquet"
    build_role_table(cov, table, state_years, str(out))
    assert pd.read_parquet(out).values.tolist() == [[2, 200, 1990, 5.0], [2, 365, 1990, 1.0]]
    # the same pair listed both ways in a non-directed table is a duplicate key
    dup = parquet(tmp_path, "t2", pd.DataFrame({"a": [200, 2], "b": [2, 200], "year": [1990, 1990], "flow": [5.0, 4.0]}))
    with pytest.raises(SchemaError, match=r"duplicate key\(s\) \(ccode1, ccode2, year\); first: ccode1=2, ccode2=200, year=1990"):
        build_role_table(CovariateRole(**{**cov.__dict__, "table": "t2"}), dup, state_years, str(out))


def test_parse_roles_names_the_offending_key() -> None:
    with pytest.raises(ConfigError, match=r"roles\.democracy\.mine\.table: 'nope' is not a declared table"):
        parse_roles({"democracy": {"mine": {"table": "nope", "score": "s", "threshold": 1}}}, {"bmr"})
    with pytest.raises(ConfigError, match=r"roles\.events\.ct\.columns: a dyadic event source needs 'onset'"):
        parse_roles({"events": {"ct": {"table": "bmr", "level": "dyadic"}}}, {"bmr"})
    with pytest.raises(ConfigError, match=r"roles\.events\.ct\.columns: unknown canonical column\(s\) side"):
        parse_roles({"events": {"ct": {"table": "bmr", "level": "participant", "columns": {"side": "x"}}}}, {"bmr"})
    roles = parse_roles({"democracy": {"b": {"table": "bmr", "score": "democracy", "threshold": 1}},
                         "covariates": {"tpop": {"table": "bmr"}}}, {"bmr"})
    assert roles.democracy[0].rule == ">=" and roles.covariates[0].column == "tpop"
    assert json.loads(json.dumps(role_columns(roles)))[-1] == "max_tpop"


def test_participant_source_runs_through_the_mid5_pairing(tmp_path: Path, state_years: str) -> None:
    from dyadstats.sql import read_sql

    # Dispute 1 (1990-03 to 1991-02): 2 (side A, originator, display) vs 200 (side B, no action)
    # and 365 (side B, joins 1991-01, use of force): 2-200 onset 1990, 2-365 onset 1991.
    rows = [(1, 2, 1, 1990, 3, 1, 1991, 2, 28, 3, 7, 1), (1, 200, 0, 1990, 3, 1, 1991, 2, 28, 1, 0, 1),
            (1, 365, 0, 1991, 1, 10, 1991, 2, 28, 4, 16, 0)]
    cols = ["dispnum", "ccode", "sidea", "styear", "stmon", "stday", "endyear", "endmon", "endday",
            "hostlev", "hiact", "orig"]
    role = EventRole(name="ct", table="p", level="participant")
    out = tmp_path / "ct.parquet"
    build_role_table(role, parquet(tmp_path, "p", pd.DataFrame(rows, columns=cols)), state_years, str(out))
    con = duckdb.connect()
    create_role_dispute_dyad_years(con, role, str(out), read_sql("mid5_dispute_dyad_years"))
    got = con.execute("SELECT dispnum, ccode1, ccode2, year, mid_onset, hostlev, disp_hostlev, recip, "
                      "styear, stmon, source FROM dispute_dyad_years ORDER BY ALL").fetchall()
    assert got == [
        (1, 2, 200, 1990, 1, 3, 4, 1, 1990, 3, "ct"),
        (1, 2, 200, 1991, 0, 3, 4, 1, 1990, 3, "ct"),
        (1, 2, 365, 1991, 1, 4, 4, 1, 1990, 3, "ct"),
    ]
