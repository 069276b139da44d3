"""Sample counts and rates against the hand-made world in conftest.py (worked out by hand)."""

from __future__ import annotations

import duckdb
import pytest

from dyadstats.report.options import report_options
from dyadstats.report.sample import (
    coverage_audit,
    rates_by_regime_pair,
    rates_over_time,
    sample_by_outcome,
)


@pytest.fixture
def con(world: dict) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(str(world["db"]), read_only=True)
    yield c
    c.close()


def test_sample_counts_only_rows_where_the_coding_is_defined(con) -> None:
    s = sample_by_outcome(con, report_options({})).set_index("outcome")
    # coercion_onset: 10 rows, one NULL (2-365 in 1947) -> 9 dyad-years, 3 dyads, years
    # 1944-1947 and 1990-1991 = 6 distinct, events 1 (2-20) + 2 (2-365) + 1 (365-710).
    assert s.loc["coercion_onset", ["dyad_years", "dyads", "years", "events"]].tolist() == [9, 3, 6, 4]
    assert (s.loc["coercion_onset", "first_year"], s.loc["coercion_onset", "last_year"]) == (1944, 1991)
    assert s.loc["mid_onset", "events"] == 5
    # TIES codings are NULL everywhere here: zero dyad-years, not silently "0 events in 10".
    assert s.loc["sanction_threat_onset", ["dyad_years", "events"]].tolist() == [0, 0]
    assert list(s.index) == list(report_options({}).outcomes)


def test_rates_per_1000_by_regime_pair_overall_and_by_era(con) -> None:
    r = rates_by_regime_pair(con, report_options({}))
    r = r[r["outcome"] == "coercion_onset"].set_index(["period", "regime_pair"])
    # all years: JD 1/4, mixed 2/2 (1946 has no regime pair, 1947 no outcome), JA 1/2
    assert r.loc[("all years", "joint democracy"), ["dyad_years", "events"]].tolist() == [4, 1]
    assert r.loc[("all years", "joint democracy"), "rate_per_1000"] == pytest.approx(250.0)
    assert r.loc[("all years", "mixed"), "rate_per_1000"] == pytest.approx(1000.0)
    assert r.loc[("all years", "joint autocracy"), "rate_per_1000"] == pytest.approx(500.0)
    assert r.loc[("1816-1945", "joint democracy"), ["dyad_years", "events"]].tolist() == [2, 1]
    assert r.loc[("1946-1989", "joint democracy"), ["dyad_years", "events"]].tolist() == [2, 0]
    assert ("1946-1989", "mixed") not in r.index
    assert r.loc[("1990-2014", "joint autocracy"), "rate_per_1000"] == pytest.approx(500.0)
    assert [p for p, _ in r.index][:3] == ["all years"] * 3


def test_configured_eras_are_used(con) -> None:
    options = report_options({"eras": [{"label": "early", "start": 1800, "end": 1945},
                                       {"label": "late", "start": 1946, "end": 2020}]})
    r = rates_by_regime_pair(con, options)
    r = r[r["outcome"] == "coercion_onset"].set_index(["period", "regime_pair"])
    assert r.loc[("late", "joint democracy"), ["dyad_years", "events"]].tolist() == [2, 0]
    assert r.loc[("late", "joint autocracy"), ["dyad_years", "events"]].tolist() == [2, 1]


def test_rates_over_time_bins(con) -> None:
    t = rates_over_time(con, report_options({"time_bin_years": 5})).set_index(["bin_start", "regime_pair"])
    # 1940-1944 bin: only 1944 rows; 1945-1949 bin: 1945-1947.
    assert t.loc[(1940, "joint democracy"), ["dyad_years", "events"]].tolist() == [1, 0]
    assert t.loc[(1945, "joint democracy"), ["dyad_years", "events"]].tolist() == [3, 1]
    assert t.loc[(1945, "mixed"), ["dyad_years", "events"]].tolist() == [1, 1]
    assert t.loc[(1945, "joint democracy"), "bin_end"] == 1949


def test_coverage_audit_counts_drops_by_reason(con) -> None:
    rec = {r["outcome"]: r for r in coverage_audit(con, report_options({}))}["coercion_onset"]
    assert rec["rows_in"] == 10
    assert rec["rows_out"] == 8
    assert sorted(rec["dropped"].values()) == [1, 1]
