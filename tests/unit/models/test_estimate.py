"""Model specs, samples, estimation and verification against known truths and second implementations."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.special import expit

from dyadstats.models import (
    FrameColumnError,
    ModelSpec,
    ModelSpecError,
    fit_design,
    fit_spec,
    parse_specs,
    prepare,
    resolve,
    spec_from_dict,
)
from dyadstats.testing.simulate import (
    DEFAULT_COEFFICIENTS,
    SimulationSpec,
    simulate_analysis_frame,
    true_intercept,
)

RHS = "{joint_democracy} + contiguity_land + capability_ratio + major_power_dyad + defense_pact"


def one_spec(**kw) -> ModelSpec:
    base = {"outcome": "coercion_onset", "regressors": RHS, "time_dependence": "none"}
    return parse_specs({"specs": {"M": {**base, **kw}}})["M"]


def truth_of(table) -> dict[str, float]:
    return {"Intercept": true_intercept(table), **DEFAULT_COEFFICIENTS}


# ---------------------------------------------------------------------------------------------
# Specs and resolution
# ---------------------------------------------------------------------------------------------


def test_defaults_base_and_sample_merge():
    specs = parse_specs({
        "defaults": {"estimator": "logit", "sample": {"politically_relevant": True}},
        "specs": {
            "A": {"outcome": "coercion_onset", "regressors": RHS, "sample": {"years": [1900, 1950]}},
            "B": {"base": "A", "democracy": "vdem"},
            "C": {"base": "B", "sample": {"politically_relevant": False}},
        },
    })
    assert list(specs) == ["A", "B", "C"]
    assert specs["A"].sample.politically_relevant and specs["A"].sample.years == (1900, 1950)
    assert specs["B"].democracy == "vdem" and specs["B"].sample.years == (1900, 1950)
    assert not specs["C"].sample.politically_relevant and specs["C"].democracy == "vdem"
    # Round trip through the JSON-safe dict used as Snakemake params.
    assert spec_from_dict(json.loads(json.dumps(specs["C"].to_dict()))) == specs["C"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"outcome": "y", "regressors": "x", "colour": 1}, "unknown key"),
        ({"outcome": "y", "regressors": "x", "estimator": "probit"}, "estimator"),
        ({"outcome": "y", "regressors": "x", "covariance": "hac"}, "covariance"),
        ({"outcome": "y", "regressors": "x", "cluster_by": ["dyad", "year"]}, "only with covariance: twoway"),
        ({"outcome": "y", "regressors": "x", "covariance": "twoway", "cluster_by": ["year", "year"]},
         "two different"),
        ({"outcome": "y", "regressors": "x", "cluster_by": "state"}, "cluster_by must name"),
        ({"outcome": "y", "regressors": "{joint_dem}"}, "placeholder"),
        ({"outcome": "y", "regressors": "x", "democracy": "bmr", "democracy_threshold": 1}, "dichotomy"),
        ({"outcome": "y", "regressors": "x", "sample": {"years": [2000, 1990]}}, "years"),
        ({"regressors": "x"}, "outcome"),
    ],
)
def test_bad_specs_name_model_and_key(spec, message):
    with pytest.raises(ModelSpecError, match=message):
        parse_specs({"specs": {"Mbad": spec}})


def test_circular_base_is_refused():
    with pytest.raises(ModelSpecError, match="circular"):
        parse_specs({"specs": {"A": {"base": "B"}, "B": {"base": "A"}}})


def test_placeholders_resolve_per_measure_and_lag():
    cols = simulate_analysis_frame(n_states=5, n_years=3).column_names
    r = resolve(one_spec(democracy="vdem", regressors="{weak_link} + {joint_democracy}"), cols)
    assert r.formula == "coercion_onset ~ min_v2x_polyarchy + joint_democracy_vdem"
    assert r.focal_term == "joint_democracy_vdem" and r.regime_pair == "regime_pair_vdem"
    lagged = resolve(one_spec(lag=True, time_dependence="cubic"), cols)
    assert lagged.formula == (
        "coercion_onset ~ joint_democracy_polity_lag1 + contiguity_land_lag1 + capability_ratio_lag1"
        " + major_power_dyad_lag1 + defense_pact_lag1 + peace_years_coercion_onset"
        " + peace_years_coercion_onset_2 + peace_years_coercion_onset_3"
    )
    assert lagged.focal_term == "joint_democracy_polity_lag1"
    with pytest.raises(FrameColumnError, match="no_such_column"):
        resolve(one_spec(regressors="{joint_democracy} + no_such_column"), cols)


def _tiny_frame() -> pd.DataFrame:
    """Hand-made frame: 4 dyads x 3 years with known missing values."""
    rows = []
    p1 = {1: [8, 8, 8], 2: [8, 3, None], 3: [-5, -5, -5], 4: [7, 7, 7]}
    p2 = {1: [9, 9, 9], 2: [9, 9, 9], 3: [-6, 6, 7], 4: [6, None, 10]}
    for d in (1, 2, 3, 4):
        for k, year in enumerate((2000, 2001, 2002)):
            a, b = p1[d][k], p2[d][k]
            rows.append({
                "ccode1": d, "ccode2": 100 + d, "year": year, "dyad_id": d * 1000 + 100 + d,
                "coercion_onset": int(d == 2 and year == 2001) if not (d == 1 and year == 2000) else None,
                "polity2_1": a, "polity2_2": b,
                "contiguity_land": 1 if d in (2, 3) else 0,
                "capability_ratio": 0.5 if not (d == 4 and year == 2000) else None,
                "politically_relevant": 1,
            })
    return pd.DataFrame(rows).astype({"coercion_onset": "Float64", "polity2_1": "Float64",
                                      "polity2_2": "Float64", "capability_ratio": "Float64"})


def test_threshold_coding_keeps_missing_missing():
    spec = one_spec(regressors="{joint_democracy} + contiguity_land", democracy_threshold=7,
                    predictions=False)
    d = prepare(_tiny_frame(), spec)
    data = d.data.assign(dyad_id=d.data.ccode1 * 1000 + d.data.ccode2).set_index(["dyad_id", "year"])
    coded = data["joint_democracy_polity_ge7"]
    # both >= 7 -> 1; one side below -> 0; a missing side -> row dropped (never coded 0).
    assert coded[(1101, 2001)] == 1 and coded[(2102, 2001)] == 0 and coded[(4104, 2002)] == 1
    assert coded[(4104, 2000)] == 0  # 7 and 6
    assert (2102, 2002) not in coded.index  # polity2_1 missing
    assert (4104, 2001) not in coded.index  # polity2_2 missing
    regime = data["regime_pair_polity_ge7"]
    assert regime[(3103, 2002)] == "mixed" and regime[(3103, 2000)] == "joint autocracy"


def test_listwise_deletion_counts_and_cluster_alignment():
    spec = one_spec(regressors="{joint_democracy} + contiguity_land + capability_ratio",
                    democracy_threshold=7, predictions=False)
    d = prepare(_tiny_frame(), spec)
    # 12 rows, outcome missing in 1 (excluded by the sample: outcome NULL is out of coverage),
    # then 11 sample rows; polity2 missing in 2 (2102/2002, 4104/2001), capability in 1.
    assert d.n_sample == 11
    assert d.dropped_by_column == {"capability_ratio": 1, "joint_democracy_polity_ge7": 2}
    assert len(d.y) == 8 and d.n_dropped == 3
    assert len(d.groups) == len(d.y) == len(d.X)
    # Groups are the dyad ids of exactly the complete-case rows, in row order.
    np.testing.assert_array_equal(d.groups, d.data.ccode1 * 1000 + d.data.ccode2)
    assert sorted(d.groups.tolist()) == d.groups.tolist()


# ---------------------------------------------------------------------------------------------
# Verification: simulation recovery and coverage
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_size_frame():
    """About the real frame's size (985,050 dyad-years) and event rate (1 per 1,000)."""
    return simulate_analysis_frame(SimulationSpec(n_states=100, n_years=199, event_rate=0.001,
                                                  dyad_correlation=0.3, seed=11))


def test_recovers_coefficients_at_real_size(real_size_frame):
    est, fit, _ = fit_spec(real_size_frame, one_spec(predictions=False))
    truth = truth_of(real_size_frame)
    est = est.set_index("term")
    z = (est.loc[list(truth), "estimate"] - pd.Series(truth)) / est.loc[list(truth), "std_error"]
    assert (z.abs() < 3).all(), z
    assert fit["converged"] and fit["n_obs"] == real_size_frame.num_rows
    assert 700 < fit["n_events"] < 1300
    assert fit["separation"] == "none detected"


def test_recovers_peace_year_cubic_under_state_dependence():
    effects = (-0.08, 0.002, -0.00002)
    tb = simulate_analysis_frame(SimulationSpec(n_states=60, n_years=150, event_rate=0.004,
                                                peace_year_effects=effects, seed=21))
    est, fit, _ = fit_spec(tb, one_spec(time_dependence="cubic", predictions=False))
    truth = {**truth_of(tb), "peace_years_coercion_onset": effects[0],
             "peace_years_coercion_onset_2": effects[1], "peace_years_coercion_onset_3": effects[2]}
    est = est.set_index("term")
    z = (est.loc[list(truth), "estimate"] - pd.Series(truth)) / est.loc[list(truth), "std_error"]
    assert (z.abs() < 3).all(), z


COVERAGE_DRAWS = 200


def coverage_draw(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One small correlated draw: do the dyad-clustered and the naive 95% intervals cover the
    truth, term by term (in ``truth_of`` order)?"""
    spec = one_spec(predictions=False)
    tb = simulate_analysis_frame(SimulationSpec(n_states=40, n_years=40, event_rate=0.01,
                                                dyad_correlation=0.4, seed=1000 + seed))
    truth = pd.Series(truth_of(tb))
    design = prepare(tb, spec)
    hits = []
    for s in (spec, dataclasses.replace(spec, covariance="nonrobust")):
        est = fit_design(design, s).estimates.set_index("term").loc[truth.index]
        hits.append(((est.conf_low <= truth) & (truth <= est.conf_high)).to_numpy())
    return hits[0], hits[1]


@pytest.mark.slow
def test_cluster_intervals_cover_at_nominal_rate():
    """Over 200 small correlated draws the 95% dyad-clustered intervals cover 90-99%.

    The draws are independent and seeded, so two processes share them (the suite runs on two
    cores); the result is the same as drawing them one after another."""
    context = multiprocessing.get_context("spawn")  # no fork of a process holding DuckDB threads
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        draws = list(pool.map(coverage_draw, range(COVERAGE_DRAWS), chunksize=10))
    terms = ["Intercept", *DEFAULT_COEFFICIENTS]  # truth_of's order
    coverage = pd.Series(np.mean([d[0] for d in draws], axis=0), index=terms)
    naive_coverage = pd.Series(np.mean([d[1] for d in draws], axis=0), index=terms)
    assert ((coverage >= 0.90) & (coverage <= 0.99)).all(), coverage
    # Contiguity is constant within a dyad: with correlated outcomes naive intervals are too short.
    assert naive_coverage["contiguity_land"] < coverage["contiguity_land"] - 0.05, naive_coverage


# ---------------------------------------------------------------------------------------------
# Verification: second implementations
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mid_frame():
    return simulate_analysis_frame(SimulationSpec(n_states=50, n_years=60, event_rate=0.01,
                                                  dyad_correlation=0.3, seed=7))


def numpy_cluster_sandwich(X: np.ndarray, y: np.ndarray, beta: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """CRV1: H^-1 (sum_g s_g s_g') H^-1 * G/(G-1) * (N-1)/(N-K), written from scratch."""
    p = expit(X @ beta)
    H = X.T @ (X * (p * (1 - p))[:, None])
    scores = X * (y - p)[:, None]
    _, inverse = np.unique(groups, return_inverse=True)
    G = inverse.max() + 1
    summed = np.zeros((G, X.shape[1]))
    np.add.at(summed, inverse, scores)
    meat = summed.T @ summed
    bread = np.linalg.inv(H)
    n, k = X.shape
    return bread @ meat @ bread * G / (G - 1) * (n - 1) / (n - k)


def test_cluster_se_equals_independent_sandwich(mid_frame):
    spec = one_spec(predictions=False)
    design = prepare(mid_frame, spec)
    result = fit_design(design, spec)
    V = numpy_cluster_sandwich(design.X.to_numpy(), design.y, result.params.to_numpy(), design.groups)
    np.testing.assert_allclose(result.estimates["std_error"], np.sqrt(np.diag(V)), rtol=1e-8, atol=0)
    assert result.fit["n_clusters"] == len(np.unique(design.groups))


def test_robust_se_equals_independent_hc0(mid_frame):
    spec = one_spec(predictions=False, covariance="robust")
    design = prepare(mid_frame, spec)
    result = fit_design(design, spec)
    X, y, b = design.X.to_numpy(), design.y, result.params.to_numpy()
    p = expit(X @ b)
    bread = np.linalg.inv(X.T @ (X * (p * (1 - p))[:, None]))
    s = X * (y - p)[:, None]
    V = bread @ (s.T @ s) @ bread
    np.testing.assert_allclose(result.estimates["std_error"], np.sqrt(np.diag(V)), rtol=1e-8)


def test_logit_and_glm_binomial_agree(mid_frame):
    spec = one_spec(predictions=False)
    design = prepare(mid_frame, spec)
    result = fit_design(design, spec)
    glm = sm.GLM(design.y, design.X, family=sm.families.Binomial()).fit(
        cov_type="cluster", cov_kwds={"groups": design.groups}, tol=1e-12)
    np.testing.assert_allclose(result.params, glm.params, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(result.estimates["std_error"], glm.bse, rtol=1e-6)
    assert result.fit["log_likelihood"] == pytest.approx(glm.llf, rel=1e-9)


def firth_newton_raphson(X: np.ndarray, y: np.ndarray, tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Firth (1993) logit by Newton-Raphson on the Jeffreys-penalised score.

    U*(b) = X'(y - p + h (1/2 - p)), h the diagonal of the weighted hat matrix
    W^1/2 X (X'WX)^-1 X' W^1/2; step (X'WX)^-1 U*; returns b and (X'WX)^-1 at b.
    """
    beta = np.zeros(X.shape[1])
    for _ in range(200):
        p = expit(X @ beta)
        w = p * (1 - p)
        info_inv = np.linalg.inv(X.T @ (X * w[:, None]))
        h = np.einsum("ij,jk,ik->i", X, info_inv, X) * w
        step = info_inv @ (X.T @ (y - p + h * (0.5 - p)))
        step = np.clip(step, -5, 5)
        beta = beta + step
        if np.max(np.abs(step)) < tol:
            break
    p = expit(X @ beta)
    return beta, np.linalg.inv(X.T @ (X * (p * (1 - p))[:, None]))


def test_firth_agrees_with_own_newton_raphson():
    tb = simulate_analysis_frame(SimulationSpec(n_states=30, n_years=40, event_rate=0.01, seed=4))
    spec = one_spec(estimator="firth", covariance="nonrobust", predictions=False)
    design = prepare(tb, spec)
    result = fit_design(design, spec)
    beta, cov = firth_newton_raphson(design.X.to_numpy(), design.y)
    np.testing.assert_allclose(result.params.to_numpy(), beta, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(result.estimates["std_error"], np.sqrt(np.diag(cov)), rtol=1e-6)
    # Firth shrinks towards zero relative to ML in small samples (same design).
    ml = fit_design(design, dataclasses.replace(spec, estimator="logit")).params
    assert abs(result.params["Intercept"]) < abs(ml["Intercept"])
    assert result.fit["converged"] and "penalized log-likelihood" in result.fit["notes"]


def _separated_frame() -> pd.DataFrame:
    """Joint democracies never have an event: quasi-complete separation on the focal dummy."""
    rng = np.random.default_rng(5)
    n = 4000
    jd = (rng.uniform(size=n) < 0.2).astype(float)
    cont = (rng.uniform(size=n) < 0.3).astype(float)
    y = ((rng.uniform(size=n) < expit(-3 + 1.5 * cont)) & (jd == 0)).astype(float)
    return pd.DataFrame({
        "ccode1": np.arange(n) % 200, "ccode2": 500 + np.arange(n) % 200, "year": 1900 + np.arange(n) // 200,
        "coercion_onset": y, "joint_democracy_polity": jd, "contiguity_land": cont,
        "regime_pair_polity": np.where(jd == 1, "joint democracy", "mixed"),
    })


def test_separation_is_reported_not_hidden():
    df = _separated_frame()
    spec = one_spec(regressors="{joint_democracy} + contiguity_land")
    est, fit, _ = fit_spec(df, spec)
    assert "joint_democracy_polity=1: no events" in fit["separation"]
    assert fit["n_obs"] == len(df)  # nothing dropped
    firth = one_spec(regressors="{joint_democracy} + contiguity_land", estimator="firth",
                     covariance="nonrobust")
    est_f, fit_f, _ = fit_spec(df, firth)
    jd = est_f.set_index("term").loc["joint_democracy_polity"]
    assert np.isfinite(jd.estimate) and -8 < jd.estimate < -1 and fit_f["converged"]
    assert "joint_democracy_polity=1: no events" in fit_f["separation"]


def test_fit_row_quantities(mid_frame):
    spec = one_spec(predictions=False)
    design = prepare(mid_frame, spec)
    result = fit_design(design, spec)
    ref = sm.Logit(design.y, design.X).fit(disp=0)
    fit = result.fit
    assert fit["n_events"] == int(mid_frame["coercion_onset"].to_numpy().sum())
    assert fit["n_obs"] == mid_frame.num_rows
    assert fit["log_likelihood"] == pytest.approx(ref.llf, rel=1e-10)
    assert fit["ll_null"] == pytest.approx(ref.llnull, rel=1e-7)
    assert fit["aic"] == pytest.approx(ref.aic, rel=1e-10)
    assert fit["bic"] == pytest.approx(ref.bic, rel=1e-10)
    assert fit["pseudo_r2"] == pytest.approx(ref.prsquared, rel=1e-6)
    est = result.estimates.set_index("term")
    assert est.loc["joint_democracy_polity", "is_focal"]
    np.testing.assert_allclose(est.odds_ratio, np.exp(est.estimate))
    np.testing.assert_allclose(est.conf_high - est.estimate, 1.959963984540054 * est.std_error)


def test_sample_filters_pushed_down(tmp_path, mid_frame):
    import pyarrow.parquet as pq

    path = tmp_path / "frame.parquet"
    pq.write_table(mid_frame, path)
    spec = one_spec(sample={"politically_relevant": True, "years": [1850, 1860]}, predictions=False)
    _, fit, _ = fit_spec(str(path), spec)
    df = mid_frame.select(["politically_relevant", "year"]).to_pandas()
    expected = ((df.politically_relevant == 1) & df.year.between(1850, 1860)).sum()
    assert fit["n_obs"] == expected and (fit["year_min"], fit["year_max"]) == (1850, 1860)
    assert fit["sample"] == "politically relevant dyads, 1850-1860"


def _heavy_tailed_frame() -> pd.DataFrame:
    """A rare event and 1 / capability ratio with a long right tail (max / RMS in the hundreds),
    the shape on which max-scaled Firth stopped unconverged in the seed-study replication."""
    rng = np.random.default_rng(11)
    n = 20000
    ratio = rng.lognormal(0.0, 1.6, size=n)
    jd = (rng.uniform(size=n) < 0.3).astype(float)
    y = (rng.uniform(size=n) < expit(-4.5 - 0.6 * jd - 0.02 / ratio)).astype(float)
    return pd.DataFrame({
        "ccode1": np.arange(n) % 300, "ccode2": 500 + np.arange(n) % 300, "year": 1900 + np.arange(n) // 300,
        "coercion_onset": y, "joint_democracy_polity": jd, "capability_ratio": ratio,
        "regime_pair_polity": np.where(jd == 1, "joint democracy", "mixed"),
    })


def test_firth_converges_on_a_heavy_tailed_column():
    df = _heavy_tailed_frame()
    spec = one_spec(regressors="{joint_democracy} + I(1 / capability_ratio)", estimator="firth",
                    covariance="nonrobust", predictions=False)
    design = prepare(df, spec)
    x = design.X["I(1 / capability_ratio)"].to_numpy()
    assert np.abs(x).max() / np.sqrt(np.mean(x * x)) > 30  # the tail the scaling must cope with
    result = fit_design(design, spec)
    assert result.fit["converged"] and result.fit["iterations"] < 40
    beta, cov = firth_newton_raphson(design.X.to_numpy(), design.y)
    np.testing.assert_allclose(result.params.to_numpy(), beta, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(result.estimates["std_error"], np.sqrt(np.diag(cov)), rtol=1e-6)
