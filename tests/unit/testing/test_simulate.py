"""The synthetic analysis frame: contract columns, codings, peace years, error structure."""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc
import pytest
from scipy import stats

from dyadstats.testing.sim_outcomes import logistic_errors, peace_years
from dyadstats.testing.simulate import (
    SimulationSpec,
    simulate_analysis_frame,
    simulate_directed_frame,
    solve_intercept,
    true_intercept,
)

CONTRACT = [
    "ccode1", "ccode2", "year", "dyad_id", "era", "coercion_onset", "coercion_onset_limited",
    "mid_onset", "sanction_threat_onset", "politically_relevant", "conttype", "contiguity_land",
    "contiguity_any", "contiguity_150", "cinc_1", "cinc_2", "capability_ratio",
    "log_capability_ratio", "major_power_1", "major_power_2", "major_power_dyad", "defense_pact",
    "defense_pact_atop", "mindist", "polity2_1", "polity2_2", "min_polity2", "max_polity2",
    "v2x_polyarchy_1", "v2x_polyarchy_2", "min_v2x_polyarchy", "max_v2x_polyarchy", "uds_mean_1",
    "uds_mean_2", "min_uds_mean", "max_uds_mean", "bmr_democracy_1", "bmr_democracy_2",
    "peace_years_coercion_onset", "peace_years_coercion_onset_2", "peace_years_coercion_onset_3",
    "joint_democracy_polity_lag1", "capability_ratio_lag1",
] + [f"{c}_{m}" for m in ("polity", "vdem", "bmr", "uds")
     for c in ("joint_democracy", "mixed_dyad", "joint_autocracy", "regime_pair")] + [
    f"dem_{m}_{s}" for m in ("polity", "vdem", "bmr", "uds") for s in (1, 2)]


@pytest.fixture(scope="module")
def frame():
    return simulate_analysis_frame(n_states=25, n_years=80, start_year=1930, event_rate=0.01, seed=3)


def test_contract_columns_and_keys(frame):
    assert set(CONTRACT) <= set(frame.column_names)
    df = frame.select(["ccode1", "ccode2", "year", "dyad_id"]).to_pandas()
    assert len(df) == 25 * 24 // 2 * 80
    assert (df.ccode1 < df.ccode2).all()
    assert (df.dyad_id == df.ccode1 * 1000 + df.ccode2).all()
    assert not df.duplicated(["ccode1", "ccode2", "year"]).any()


def test_democracy_codings_follow_scores(frame):
    df = frame.to_pandas()
    d1, d2 = df.polity2_1 >= 6, df.polity2_2 >= 6
    assert (df.dem_polity_1 == d1.astype(int)).all()
    assert (df.joint_democracy_polity == (d1 & d2).astype(int)).all()
    assert (df.mixed_dyad_polity == (d1 ^ d2).astype(int)).all()
    assert (df.joint_autocracy_polity == (~d1 & ~d2).astype(int)).all()
    assert (df.min_polity2 == np.minimum(df.polity2_1, df.polity2_2)).all()
    expected = np.where(d1 & d2, "joint democracy", np.where(d1 ^ d2, "mixed", "joint autocracy"))
    assert (df.regime_pair_polity.to_numpy() == expected).all()
    assert (df.politically_relevant == ((df.conttype >= 1) | (df.major_power_dyad == 1)).astype(int)).all()


def test_lags_are_previous_year_within_dyad(frame):
    df = frame.select(["dyad_id", "year", "capability_ratio", "capability_ratio_lag1",
                       "joint_democracy_polity", "joint_democracy_polity_lag1"]).to_pandas()
    df = df.sort_values(["dyad_id", "year"])
    prev = df.groupby("dyad_id")["capability_ratio"].shift(1)
    np.testing.assert_allclose(df.capability_ratio_lag1, prev, equal_nan=True)
    first = df.year == df.year.min()
    assert df.loc[first, "joint_democracy_polity_lag1"].isna().all()
    assert (df.loc[~first, "joint_democracy_polity_lag1"]
            == df.groupby("dyad_id")["joint_democracy_polity"].shift(1)[~first]).all()


def test_peace_years_hand_coded():
    y = np.array([[0, 1, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0], [1, 1, 0, 0, 0, 1]], dtype=np.int8)
    expected = [[0, 1, 0, 1, 2, 0], [0, 1, 2, 3, 4, 5], [0, 0, 0, 1, 2, 3]]
    np.testing.assert_array_equal(peace_years(y), expected)


def test_peace_year_columns_match_outcome(frame):
    df = frame.select(["dyad_id", "year", "mid_onset", "peace_years_mid_onset",
                       "peace_years_mid_onset_2", "peace_years_mid_onset_3"]).to_pandas()
    for _, g in df.sort_values("year").groupby("dyad_id"):
        y = g.mid_onset.to_numpy()[None, :].astype(np.int8)
        np.testing.assert_array_equal(g.peace_years_mid_onset.to_numpy(), peace_years(y)[0])
    assert (df.peace_years_mid_onset_2 == df.peace_years_mid_onset**2).all()
    assert (df.peace_years_mid_onset_3 == df.peace_years_mid_onset**3).all()


def test_event_rate_and_outcome_nesting():
    tb = simulate_analysis_frame(n_states=60, n_years=100, event_rate=0.002, seed=9)
    n = tb.num_rows
    events = pc.sum(tb["coercion_onset"]).as_py()
    # Binomial-ish tolerance around the target (5 standard deviations).
    assert abs(events - 0.002 * n) < 5 * np.sqrt(0.002 * n)
    coercion = tb["coercion_onset"].to_numpy()
    assert (tb["mid_onset"].to_numpy() >= coercion).all()
    assert (tb["coercion_onset_limited"].to_numpy() >= coercion).all()
    years = tb["year"].to_numpy()
    sanction_null = tb["sanction_threat_onset"].is_null().to_numpy()
    assert (sanction_null == ((years < 1945) | (years > 2005))).all()


def test_intercept_solver_hits_rate():
    eta = np.random.default_rng(0).normal(size=(1000, 10))
    a = solve_intercept(eta, 0.01)
    assert np.mean(1 / (1 + np.exp(-(a + eta)))) == pytest.approx(0.01, rel=1e-9)


def test_copula_errors_are_logistic_and_correlated_within_dyad():
    rng = np.random.default_rng(1)
    err = logistic_errors(rng, (2000, 50), 0.5)
    # Marginally standard logistic (Kolmogorov-Smirnov), yet correlated within a row.
    assert stats.kstest(err.ravel()[::7], "logistic").pvalue > 0.01
    within = np.corrcoef(err[:, 0], err[:, 1])[0, 1]
    assert 0.35 < within < 0.6
    indep = logistic_errors(rng, (2000, 50), 0.0)
    assert abs(np.corrcoef(indep[:, 0], indep[:, 1])[0, 1]) < 0.07


def test_deterministic_with_seed():
    a = simulate_analysis_frame(n_states=10, n_years=20, seed=5)
    b = simulate_analysis_frame(n_states=10, n_years=20, seed=5)
    c = simulate_analysis_frame(n_states=10, n_years=20, seed=6)
    assert a.equals(b)
    assert not a.equals(c)
    assert true_intercept(a) == true_intercept(b)


def test_directed_frame_mirrors_sides():
    tb = simulate_directed_frame(SimulationSpec(n_states=8, n_years=5,
                                                coefficients={"dem_polity_2": -0.5}, seed=2))
    df = tb.to_pandas()
    assert len(df) == 8 * 7 * 5
    assert not df.duplicated(["ccode1", "ccode2", "year"]).any()
    merged = df.merge(df, left_on=["ccode1", "ccode2", "year"], right_on=["ccode2", "ccode1", "year"])
    assert (merged.polity2_1_x == merged.polity2_2_y).all()
    assert (merged.conttype_x == merged.conttype_y).all()
    assert {"coercion_initiated", "peace_years_coercion_initiated_3", "dem_polity_1_lag1"} <= set(df.columns)


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="n_states"):
        simulate_analysis_frame(n_states=1000)
