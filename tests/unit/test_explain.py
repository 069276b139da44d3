"""`dyadstats explain`: one dyad-year's lineage from a hand-built stage database."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dyadstats.cli.main import main as cli_main
from dyadstats.explain import ExplainError, coding_rows, explain, explain_dyad_year

TABLES = [
    "CREATE TABLE cow_states AS SELECT * FROM (VALUES ('UKG', 200, 'United Kingdom', 1816, 1, 1, 2016, 12, 31),"
    " ('FRN', 220, 'France', 1816, 1, 1, 1942, 11, 11), ('FRN', 220, 'France', 1944, 8, 25, 2016, 12, 31))"
    " t(stateabb, ccode, statenme, styear, stmonth, stday, endyear, endmonth, endday)",
    # dispute 77 pits the two against each other; 391 has both on side A (never paired); 500 lacks FRN
    "CREATE TABLE mid5_participants AS SELECT * FROM (VALUES"
    " (77, 200, 'UKG', 1, 1898, 9, 1898, 11, 3, 7, 1, 0), (77, 220, 'FRN', 0, 1898, 9, 1898, 11, 3, 7, 1, 0),"
    " (152, 220, 'FRN', 1, 1896, 12, 1898, 6, 4, 17, 1, 0), (152, 200, 'UKG', 0, 1896, 12, 1898, 6, 4, 17, 1, 0),"
    " (391, 200, 'UKG', 1, 1898, 9, 1898, 10, 4, 16, 1, 0), (391, 220, 'FRN', 1, 1898, 10, 1898, 10, 2, 1, 0, 0),"
    " (500, 200, 'UKG', 1, 1898, 1, 1898, 2, 2, 1, 1, 0), (77, 220, 'FRN', 0, 1890, 1, 1890, 2, 2, 1, 1, 0))"
    " t(dispnum, ccode, stabb, sidea, styear, stmon, endyear, endmon, hostlev, hiact, orig, fatality)",
    "CREATE TABLE mid_whittle_log AS SELECT * FROM (VALUES (200, 220, 1898, 77, 1, 0, 3, 48, 48, 1, 9, 2, NULL, NULL),"
    " (200, 220, 1898, 152, 0, 0, 4, 500, 520, 1, 12, 2, 'onset', 1)) t(ccode1, ccode2, year, dispnum, mid_onset,"
    " fatality, disp_hostlev, mindur, maxdur, recip, stmon, n_candidates, removed_by, removed_at_step)",
    "CREATE TABLE mid_dyad_years AS SELECT 77 AS dispnum, 200 AS ccode1, 220 AS ccode2, 1898 AS year,"
    " 1 AS mid_onset, 1 AS mid_ongoing, 3 AS hostlev, 3 AS hostlev1, 3 AS hostlev2, 1 AS orig1, 1 AS orig2,"
    " 1 AS sidea1, 0 AS sidea2, 2 AS n_disputes, 1 AS n_onsets, [3] AS onset_hostlevs, [3, 4] AS active_hostlevs",
    "CREATE TABLE analysis_dyad_years AS SELECT * FROM (VALUES (200, 220, 1898, 200220, 1, 7, 1, 6, NULL::DOUBLE),"
    " (200, 220, 1897, 200220, 0, 6, 1, 6, 0.5)) t(ccode1, ccode2, year, dyad_id, coercion_onset, polity2_1,"
    " joint_democracy_polity, polity2_1_lag1, cinc_1)",
    "CREATE TABLE model_fit AS SELECT * FROM (VALUES ('M1', 'logit', 'coercion_onset'),"
    " ('M9', 'firth', 'coercion_onset')) t(model, estimator, outcome)",
    "CREATE TABLE model_sample AS SELECT * FROM (VALUES ('M1', 200, 220, 1898, true, NULL),"
    " ('M9', 200, 220, 1898, false, 'cinc_1')) t(model, ccode1, ccode2, year, in_sample, reason_dropped)",
]


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "dyadstats.duckdb"
    con = duckdb.connect(str(path))
    for sql in TABLES:
        con.execute(sql)
    con.close()
    return path


def test_lineage_of_one_dyad_year(database: Path) -> None:
    text = explain(database, 220, 200, 1898)  # either order
    assert text.startswith("United Kingdom (UKG, 200) - France (FRN, 220), 1898\n")
    participants = text.split("MID 5.0 participant rows")[1].split("Pairing and whittle")[0]
    # the disputes both were in and active in 1898 (391 too: the rows show both on side A)
    assert {line.split()[0] for line in participants.splitlines()[3:] if line.strip()} == {"77", "152", "391"}
    assert "1890" not in participants and "500" not in participants
    whittle = text.split("Pairing and whittle")[1].split("The whittled event row")[0]
    rows = [line.split() for line in whittle.splitlines()[3:] if line.strip()]
    # kept first, then each removal with its rule and step
    assert rows == [["77", "1", "0", "3", "48", "48", "1", "9", "NULL", "NULL"],
                    ["152", "0", "0", "4", "500", "520", "1", "12", "onset", "1"]]
    codings = text.split("Codings in analysis_dyad_years")[1].split("Models:")[0]
    assert any(line.split() == ["polity2_1", "7", "6"] for line in codings.splitlines())
    assert any(line.split() == ["cinc_1", "NULL"] for line in codings.splitlines())
    assert "dyad_id" not in codings and "polity2_1_lag1" not in codings
    models = [line.split() for line in text.split("Models:")[1].splitlines()[3:] if line.strip()]
    assert models == [["M1", "logit", "coercion_onset", "200", "220", "True", "NULL"],
                      ["M9", "firth", "coercion_onset", "200", "220", "False", "cinc_1"]]


def test_a_pair_outside_the_universe_says_why(database: Path) -> None:
    con = duckdb.connect(str(database), read_only=True)
    expl = explain_dyad_year(con, 200, 220, 1943)  # France out of the system, 1942-1944
    con.close()
    assert [s.title for s in expl.sections][-1] == "In the universe"
    assert "not a dyad-year of the universe" in expl.sections[-1].note


def test_sections_a_run_did_not_build_say_so(tmp_path: Path) -> None:
    path = tmp_path / "db.duckdb"
    con = duckdb.connect(str(path))
    con.execute(TABLES[4])  # only the frame
    con.close()
    text = explain(path, 200, 220, 1898)
    assert "(mid_whittle_log is not in the database (a run from before" in text
    assert "(model_sample is not in the database (no models were fitted))" in text
    assert text.startswith("200 - 220, 1898")


def test_errors(database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ExplainError, match="two different states"):
        explain(database, 200, 200, 1898)
    assert cli_main(["explain", "200", "220", "1898", "--database", str(tmp_path / "none.duckdb")]) == 1
    assert "run `dyadstats run` first" in capsys.readouterr().err
    assert cli_main(["explain", "200", "220", "1898", "--database", str(database)]) == 0
    assert "Pairing and whittle" in capsys.readouterr().out


def test_coding_rows_pair_each_column_with_its_lag() -> None:
    rows = coding_rows(["ccode1", "x", "x_lag1", "y"], [1, 2.0, None, "a"])
    assert rows == (("x", "2", "NULL"), ("y", "a", ""))
