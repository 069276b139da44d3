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
    out_dir = tmp_path / "the user's work"  # a quote in a path: quoted in the SQL, not pasted
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


def test_absent_keys_take_the_fill_value_inside_the_tables_years(tmp_path: Path, state_years: str) -> None:
    """An alliance-style table lists only allied dyad-years: with absent: 0 the other dyad-years
    of its years (1990-1991) are 0, a listed row with a missing value stays missing, and years
    outside the table stay missing."""
    pact = CovariateRole(name="pact", table="a", level="dyad_year", column="defense", directed=True, absent=0.0)
    table = parquet(tmp_path, "a", pd.DataFrame({"ccode1": [2, 2], "ccode2": [200, 365], "year": [1990, 1991],
                                                 "defense": [1.0, None]}))
    gdp = CovariateRole(name="gdp", table="g", level="state_year", column="gdppc", absent=-1.0)
    gtable = parquet(tmp_path, "g", pd.DataFrame({"ccode": [2, 200], "year": [1990, 1991], "gdppc": [30.0, 20.0]}))
    out, gout = tmp_path / "w" / role_output(pact), tmp_path / "w" / role_output(gdp)
    build_role_table(pact, table, state_years, str(out))
    build_role_table(gdp, gtable, state_years, str(gout))
    frame = pd.DataFrame({"ccode1": [2, 2, 2, 2, 2], "ccode2": [200, 200, 365, 365, 200],
                          "year": [1990, 1991, 1990, 1991, 1992]})
    con = duckdb.connect()
    con.register("frame", frame)
    roles = Roles(covariates=(pact, gdp))
    got = con.execute(attach_roles_sql("frame", roles, {role_output(pact): str(out), role_output(gdp): str(gout)})
                      + " ORDER BY year, ccode2").df()
    by_key = {(r.ccode2, r.year): r for r in got.itertuples()}
    assert by_key[(200, 1990)].pact == 1.0 and by_key[(200, 1991)].pact == 0.0 and by_key[(365, 1990)].pact == 0.0
    assert pd.isna(by_key[(365, 1991)].pact)      # listed, value missing: stays missing
    assert pd.isna(by_key[(200, 1992)].pact)      # after the table's last year
    # state-year: 2 in 1991 and 200 in 1990 are absent -> -1; the pair's min and max follow
    assert (by_key[(200, 1990)].gdp_1, by_key[(200, 1990)].gdp_2) == (30.0, -1.0)
    assert (by_key[(200, 1991)].gdp_1, by_key[(200, 1991)].min_gdp, by_key[(200, 1991)].max_gdp) == (-1.0, -1.0, 20.0)
    assert pd.isna(by_key[(200, 1992)].gdp_1)
    assert pd.read_parquet(out)["absent"].tolist() == [0.0, 0.0]


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
    create_role_dispute_dyad_years(con, role, str(out), read_sql("events/mid5_dispute_dyad_years"))
    got = con.execute("SELECT dispnum, ccode1, ccode2, year, mid_onset, hostlev, disp_hostlev, recip, "
                      "styear, stmon, source FROM dispute_dyad_years ORDER BY ALL").fetchall()
    assert got == [
        (1, 2, 200, 1990, 1, 3, 4, 1, 1990, 3, "ct"),
        (1, 2, 200, 1991, 0, 3, 4, 1, 1990, 3, "ct"),
        (1, 2, 365, 1991, 1, 4, 4, 1, 1990, 3, "ct"),
    ]


# --------------------------------------------------------------------------------------------
# The hooks: a role event source in the events stage, role columns in the analysis frames
# --------------------------------------------------------------------------------------------


def test_events_stage_whittles_a_role_event_source(tmp_path: Path, state_years: str) -> None:
    from dyadstats.events.mid import create_mid_tables

    # Disputes 7 (2 vs 200, 1990-1991, hostility 4) and 9 (200 vs 2, 1990 only, hostility 2):
    # both new in 1990 and no fatality coded, so the higher dispute hostility keeps 7; dispute 8
    # (365 vs 2) in 1991.
    rows = [(7, 2, 200, 1990, 1990, 4), (7, 2, 200, 1991, 1990, 4), (9, 200, 2, 1990, 1990, 2),
            (8, 365, 2, 1991, 1991, 2)]
    table = parquet(tmp_path, "dy", pd.DataFrame(rows, columns=["disno", "a", "b", "year", "strtyr", "hh"]))
    role = EventRole(name="dy", table="dy", level="dyadic",
                     columns={"dispnum": "disno", "ccode1": "a", "ccode2": "b", "start_year": "strtyr", "hostlev": "hh"})
    out = tmp_path / "dy_role.parquet"
    build_role_table(role, table, state_years, str(out))
    con = duckdb.connect()
    removed = create_mid_tables(con, "dy", None, role, out)
    got = con.execute("SELECT dispnum, ccode1, ccode2, year, mid_onset, hostlev, n_disputes, n_onsets, "
                      "min_onset_hostlev, source FROM mid_dyad_years ORDER BY ALL").fetchall()
    assert got == [(7, 2, 200, 1990, 1, 4, 2, 2, 2, "dy"), (7, 2, 200, 1991, 0, 4, 1, 0, None, "dy"),
                   (8, 2, 365, 1991, 1, 2, 1, 1, 2, "dy")]
    assert removed["hostility"] == 1 and sum(removed.values()) == 1
    # both directions in the directed twin
    (n,) = con.execute("SELECT count(*) FROM mid_directed_dyad_years").fetchone()
    assert n == 6

    with pytest.raises(ConfigError, match=r"must be one of \['mid5', 'dyadic_mid402'\] or a roles\.events name, not 'nope'"):
        create_mid_tables(duckdb.connect(), "nope")
    with pytest.raises(ConfigError, match=r"'other' needs the role table of roles\.events\.other"):
        create_mid_tables(duckdb.connect(), "other", None, role, out)


def _frame_with_roles(tmp_path: Path, roles_section: dict) -> tuple[pd.DataFrame, pd.DataFrame, dict, str]:
    """The hand-built world of dyadstats.testing.world plus role tables made from small user tables."""
    from dyadstats.frame.build import build_frames
    from dyadstats.frame.options import frame_options
    from dyadstats.testing.world import MID_COVERAGE, TIES_COVERAGE, write_world

    paths = write_world(tmp_path / "in")
    sy = str(tmp_path / "in" / "state_years.parquet")
    # 'mydem': 2 and 200 democracies, 20 not; 220 scored only in 2004; scores 2001-2008 only
    dem = [(c, y, s) for c, s in {2: 0.9, 20: 0.3, 200: 0.7}.items() for y in range(2001, 2009)] + [(220, 2004, 0.8)]
    tables = {
        "mydem": pd.DataFrame(dem, columns=["ccode", "year", "score"]),
        "mypop": pd.DataFrame([(c, y, float(c * 100 + y - 2000)) for c in (2, 20) for y in range(2000, 2010)],
                              columns=["ccode", "year", "pop"]),
        "mytrade": pd.DataFrame([(20, 2, 2004, 5.0)], columns=["ccode1", "ccode2", "year", "flow"]),
    }
    roles = parse_roles(roles_section, set(tables))
    for role in (*roles.democracy, *roles.covariates):
        out = tmp_path / "work" / role_output(role)
        build_role_table(role, parquet(tmp_path, role.table, tables[role.table]), sy, str(out))
        paths[f"role_{'democracy' if role in roles.democracy else 'covariates'}_{role.name}"] = str(out)
    out = tmp_path / "out"
    build_frames(paths, out / "nd.parquet", out / "dir.parquet", out / "frame.json", out / "codebook.md",
                 frame_options({}, MID_COVERAGE, TIES_COVERAGE, roles))
    nd = pd.read_parquet(out / "nd.parquet").set_index(["ccode1", "ccode2", "year"])
    dr = pd.read_parquet(out / "dir.parquet").set_index(["ccode1", "ccode2", "year"])
    return nd, dr, json.loads((out / "frame.json").read_text()), (out / "codebook.md").read_text()


ROLE_SECTION = {
    "democracy": {"mine": {"table": "mydem", "score": "score", "threshold": 0.5, "unknown_states": "drop"}},
    "covariates": {"pop": {"table": "mypop", "column": "pop"},
                   "trade": {"table": "mytrade", "level": "dyad_year", "column": "flow"}},
}


def test_frames_carry_role_columns_lags_and_codebook(tmp_path: Path) -> None:
    from dyadstats.frame.codebook import frame_registry
    from dyadstats.testing.world import dyad_column as col

    nd, dr, audit, codebook = _frame_with_roles(tmp_path, ROLE_SECTION)
    # (2, 220): 220 is scored in 2004 only -> the pair is coded in 2004 only (missing stays missing)
    pair = nd.loc[(2, 220)]
    assert col(nd, (2, 220), "joint_democracy_mine") == [None, 1, None, None, None, None, None]
    assert pair.loc[2004, ["dem_mine_1", "dem_mine_2", "mine_1", "mine_2", "min_mine"]].tolist() == [1, 1, 0.9, 0.8, 0.8]
    # lag: last year's coding, NULL in the dyad's first year
    assert col(nd, (2, 220), "joint_democracy_mine_lag1") == [None, None, 1, None, None, None, None]
    assert nd.loc[(2, 20, 2005), "regime_pair_mine"] == "mixed" and nd.loc[(2, 20, 2005), "regime_pair_mine_lag1"] == "mixed"
    assert pd.isna(nd.loc[(2, 20, 2001), "regime_pair_mine_lag1"])  # 2000 unscored
    # state-year covariate: pairs, min/max NULL when a side is missing (200 has no pop)
    assert nd.loc[(2, 20, 2003), ["pop_1", "pop_2", "min_pop", "max_pop", "pop_1_lag1"]].tolist() == [203.0, 2003.0, 203.0, 2003.0, 202.0]
    assert pd.isna(nd.loc[(2, 200, 2003), "min_pop"]) and nd.loc[(2, 200, 2003), "pop_1"] == 203.0
    # non-directed dyad-year covariate (listed 20 -> 2): both directed rows get it
    assert nd.loc[(2, 20, 2004), "trade"] == 5.0 and pd.isna(nd.loc[(2, 20, 2005), "trade"])
    assert dr.loc[(2, 20, 2004), "trade"] == 5.0 and dr.loc[(20, 2, 2004), "trade"] == 5.0
    # directed: state 1 is A
    assert dr.loc[(220, 2, 2004), ["dem_mine_1", "mine_1", "mine_2"]].tolist() == [1, 0.8, 0.9]
    # codebook: the registry knows every role column (the frame refuses to write otherwise)
    added = role_columns(parse_roles(ROLE_SECTION, {"mydem", "mypop", "mytrade"}))
    registry = [c.name for c in frame_registry(False, None)]
    assert set(added).isdisjoint(registry)
    for name in added:
        assert name in nd.columns and f"{name}_lag1" in nd.columns and name in dr.columns
    assert "| `joint_democracy_mine` | 1 if both states are democracies (score >= 0.5) | mydem (roles.democracy.mine) | 2001-2008 |" in codebook
    assert "| `max_pop` | the higher pop of the two states (NULL if either is missing) | mypop (roles.covariates.pop) | 2000-2009 |" in codebook
    record = {t["table"]: t for t in audit["tables"]}["analysis_dyad_years"]
    assert record["coverage"]["role_mine"] == [2001, 2008]
    assert "role_democracy_mine" in record["inputs"]


def test_role_column_clashing_with_the_frame_is_refused(tmp_path: Path) -> None:
    section = {"covariates": {"cinc": {"table": "mypop", "column": "pop"}}}  # cinc_1 exists already
    with pytest.raises(ConfigError, match=r"roles: column\(s\) \['cinc_1', 'cinc_2'\]"):
        _frame_with_roles(tmp_path, section)


def test_models_accept_a_roles_democracy_measure() -> None:
    from dyadstats.models import ModelSpecError, parse_specs, resolve

    section = {"specs": {"M": {"outcome": "coercion_onset", "regressors": "{joint_democracy} + {weak_link}",
                               "democracy": "mine", "sample": {"politically_relevant": False}}}}
    with pytest.raises(ModelSpecError, match=r"democracy must be one of .*'uds'\) \(built-in or roles\.democracy\), got 'mine'"):
        parse_specs(section)
    spec = parse_specs(section, ["mine"])["M"]
    frame = ["coercion_onset", "joint_democracy_mine", "min_mine", "dem_mine_1", "dem_mine_2", "regime_pair_mine",
             *(f"peace_years_coercion_onset{s}" for s in ("", "_2", "_3")), "ccode1", "ccode2", "year", "dyad_id"]
    resolved = resolve(spec, frame)
    assert resolved.rhs.startswith("joint_democracy_mine + min_mine + peace_years_coercion_onset")
    assert resolved.focal_term == "joint_democracy_mine" and resolved.regime_pair == "regime_pair_mine"


def test_directed_twins_that_disagree_keep_the_low_code_first_row(tmp_path: Path, state_years: str) -> None:
    # Dispute 5, 1990: the AB row puts 2 on side A and 200 on side B; its BA twin (as a few
    # Dyadic MID 4.02 rows do) puts 200 on side A too. Dispute 6, 1991: listed 365 -> 2 only.
    rows = [(5, 2, 200, 1990, 1990, 1, 0), (5, 200, 2, 1990, 1990, 1, 0), (6, 365, 2, 1991, 1991, 1, 0)]
    table = parquet(tmp_path, "tw", pd.DataFrame(rows, columns=["d", "a", "b", "year", "st", "sa", "sb"]))
    role = EventRole(name="tw", table="tw", level="dyadic", directed=True,
                     columns={"dispnum": "d", "ccode1": "a", "ccode2": "b", "start_year": "st",
                              "sidea1": "sa", "sidea2": "sb"})
    out = tmp_path / "out.parquet"
    build_role_table(role, table, state_years, str(out))
    got = pd.read_parquet(out)[["dispnum", "ccode1", "ccode2", "year", "sidea1", "sidea2"]].values.tolist()
    # the one-way pair keeps its sides, following the states (365 on side A is state 2 here)
    assert got == [[5, 2, 200, 1990, 1, 0], [6, 2, 365, 1991, 0, 1]]
