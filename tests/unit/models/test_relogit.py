"""King-Zeng rare-events logit: an independent dense implementation, closed forms, simulation."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, logit
from threadpoolctl import threadpool_limits

from dyadstats.models.relogit import bias_correction, covariance_factor, prior_shift, relogit


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    """One BLAS thread, as in model jobs: small dense algebra is far slower with contention."""
    with threadpool_limits(limits=1):
        yield


def newton_logit(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Plain Newton-Raphson logit MLE (independent of statsmodels)."""
    beta = np.zeros(X.shape[1])
    for _ in range(100):
        p = expit(X @ beta)
        step = np.linalg.solve(X.T @ (X * (p * (1 - p))[:, None]), X.T @ (y - p))
        beta += step
        if np.max(np.abs(step)) < 1e-13:
            break
    return beta


def king_zeng_dense(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The paper's formulas written out: dense W and Q, xi by an explicit loop."""
    beta = newton_logit(X, y)
    n = len(y)
    pi = [1.0 / (1.0 + math.exp(-float(X[i] @ beta))) for i in range(n)]
    W = np.zeros((n, n))
    for i in range(n):
        W[i, i] = pi[i] * (1.0 - pi[i]) * 1.0          # w_i = 1
    info_inv = np.linalg.inv(X.T @ W @ X)
    Q = X @ info_inv @ X.T
    w1 = 1.0
    xi = np.array([0.5 * Q[i, i] * ((1.0 + w1) * pi[i] - w1) for i in range(n)])
    bias = info_inv @ X.T @ W @ xi
    return beta - bias


def rare_design(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = (rng.random(n) < 0.3).astype(float)
    X = pd.DataFrame({"Intercept": 1.0, "x1": x1, "x2": x2})
    y = (rng.random(n) < expit(-3.0 + 0.8 * x1 - 0.6 * x2)).astype(float)
    return X, y


def test_equals_dense_independent_implementation():
    X, y = rare_design(400, seed=11)
    beta = pd.Series(newton_logit(X.to_numpy(), y), index=X.columns)
    cov = pd.DataFrame(np.eye(3), index=X.columns, columns=X.columns)
    corrected, _, _ = relogit(X, y, beta, cov)
    np.testing.assert_allclose(corrected.to_numpy(), king_zeng_dense(X.to_numpy(), y),
                               rtol=1e-10, atol=1e-12)


def test_column_scaling_does_not_change_the_correction():
    X, y = rare_design(300, seed=5)
    Xa = X.to_numpy()
    D = np.array([1.0, 1e4, 1e-3])
    bias = bias_correction(Xa, newton_logit(Xa, y))
    bias_scaled = bias_correction(Xa * D, newton_logit(Xa * D, y))
    np.testing.assert_allclose(bias_scaled * D, bias, rtol=1e-8)


def test_intercept_only_closed_form_with_prior_correction():
    # Intercept-only: b = logit(ybar), Q_ii = 1/(n p (1-p)), so bias = (2p - 1)/(2 n p (1-p));
    # prior correction then gives logit(tau) - bias exactly.
    y = np.zeros(500)
    y[:20] = 1.0
    X = pd.DataFrame({"Intercept": np.ones(500)})
    p = y.mean()
    b = pd.Series([logit(p)], index=["Intercept"])
    cov = pd.DataFrame([[1.0 / (500 * p * (1 - p))]], index=b.index, columns=b.index)
    tau = 0.004
    corrected, cov_c, corr = relogit(X, y, b, cov, tau=tau)
    bias = (2 * p - 1) / (2 * 500 * p * (1 - p))
    assert corr.bias["Intercept"] == pytest.approx(bias, rel=1e-12)
    assert corrected["Intercept"] == pytest.approx(logit(tau) - bias, rel=1e-12)
    assert corr.prior_shift == pytest.approx(math.log((1 - tau) / tau * p / (1 - p)), rel=1e-14)
    assert cov_c.iloc[0, 0] == pytest.approx(cov.iloc[0, 0] * (500 / 501) ** 2, rel=1e-14)


def test_prior_correction_shifts_only_the_intercept():
    X, y = rare_design(400, seed=3)
    beta = pd.Series(newton_logit(X.to_numpy(), y), index=X.columns)
    cov = pd.DataFrame(np.diag([0.1, 0.02, 0.05]), index=X.columns, columns=X.columns)
    plain, cov_plain, _ = relogit(X, y, beta, cov)
    tau = 0.01
    prior, cov_prior, corr = relogit(X, y, beta, cov, tau=tau)
    ybar = y.mean()
    assert plain["Intercept"] - prior["Intercept"] == pytest.approx(
        math.log((1 - tau) / tau) + math.log(ybar / (1 - ybar)), rel=1e-12)
    pd.testing.assert_series_equal(plain.drop("Intercept"), prior.drop("Intercept"))
    pd.testing.assert_frame_equal(cov_plain, cov_prior)
    np.testing.assert_allclose(cov_plain.to_numpy(), cov.to_numpy() * (400 / 403) ** 2, rtol=1e-14)
    assert prior_shift(ybar, ybar) == pytest.approx(0.0, abs=1e-15)


def test_prior_correction_refuses_bad_rates_and_missing_intercept():
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        prior_shift(1.0, 0.1)
    X, y = rare_design(200, seed=2)
    X = X.drop(columns="Intercept")
    beta = pd.Series(newton_logit(X.to_numpy(), y), index=X.columns)
    with pytest.raises(ValueError, match="Intercept"):
        relogit(X, y, beta, pd.DataFrame(np.eye(2), index=X.columns, columns=X.columns), tau=0.1)


def test_correction_vanishes_with_large_n():
    X, y = rare_design(400_000, seed=8)
    beta = newton_logit(X.to_numpy(), y)
    bias = bias_correction(X.to_numpy(), beta)
    p = expit(X.to_numpy() @ beta)
    se = np.sqrt(np.diag(np.linalg.inv(X.to_numpy().T @ (X.to_numpy() * (p * (1 - p))[:, None]))))
    assert np.max(np.abs(bias) / se) < 0.01
    assert covariance_factor(400_000, 3) == pytest.approx(1.0, abs=2e-5)
    # The bias is O(1/n): on a tenth of the sample it is about ten times larger.
    small = slice(0, 40_000)
    bias_small = bias_correction(X.to_numpy()[small], newton_logit(X.to_numpy()[small], y[small]))
    assert 3 < abs(bias_small[0] / bias[0]) < 30


def test_reduces_small_sample_bias_in_simulation():
    """300 rows, ~6% events: the MLE's mean intercept is too negative; relogit removes most of it."""
    rng = np.random.default_rng(2024)
    n, reps, truth = 300, 400, np.array([-3.0, 0.8])
    mle, corrected = [], []
    x = rng.normal(size=n)
    X = np.column_stack([np.ones(n), x])
    p = expit(X @ truth)
    for _ in range(reps):
        y = (rng.random(n) < p).astype(float)
        if y.sum() < 3:
            continue
        b = newton_logit(X, y)
        mle.append(b)
        corrected.append(b - bias_correction(X, b))
    bias_mle = np.mean(mle, axis=0) - truth
    bias_kz = np.mean(corrected, axis=0) - truth
    assert bias_mle[0] < -0.05                      # the known small-sample bias
    assert abs(bias_kz[0]) < 0.5 * abs(bias_mle[0])
    assert abs(bias_kz[1]) < abs(bias_mle[1]) + 0.01


# ---------------------------------------------------------------------------------------------
# Through the models stage
# ---------------------------------------------------------------------------------------------


def relogit_frame() -> pd.DataFrame:
    """A hand-made frame: 60 dyads x 10 years, ~5% events."""
    rng = np.random.default_rng(17)
    n_dyads, n_years = 60, 10
    c1 = np.repeat(np.arange(n_dyads) + 2, n_years)
    c2 = c1 + 100
    dem = (rng.random(len(c1)) < 0.4).astype(float)
    contig = (rng.random(len(c1)) < 0.5).astype(float)
    y = (rng.random(len(c1)) < expit(-3.0 - 0.8 * dem + 0.9 * contig)).astype(float)
    return pd.DataFrame({
        "ccode1": c1, "ccode2": c2, "year": np.tile(np.arange(1990, 1990 + n_years), n_dyads),
        "dyad_id": c1 * 1000 + c2, "politically_relevant": 1, "coercion_onset": y,
        "joint_democracy_polity": dem, "contiguity_land": contig,
    })


def relogit_spec(**kw):
    from dyadstats.models import parse_specs

    raw = {"outcome": "coercion_onset", "regressors": "{joint_democracy} + contiguity_land",
           "time_dependence": "none", "estimator": "relogit", **kw}
    return parse_specs({"specs": {"RL": raw}})["RL"]


@pytest.mark.parametrize("covariance", ["cluster", "nonrobust"])
def test_relogit_spec_fits_through_the_models_stage(covariance):
    from dyadstats.models import FIT_COLUMNS, fit_design, prepare

    frame = relogit_frame()
    spec = relogit_spec(covariance=covariance)
    design = prepare(frame, spec)
    result = fit_design(design, spec)
    logit_spec = relogit_spec(covariance=covariance, estimator="logit")
    logit = fit_design(design, logit_spec)
    n, k = design.X.shape
    est = result.estimates.set_index("term")
    np.testing.assert_allclose(est["estimate"].to_numpy(), king_zeng_dense(design.X.to_numpy(), design.y),
                               rtol=1e-8)
    np.testing.assert_allclose(est["std_error"].to_numpy(),
                               logit.estimates["std_error"].to_numpy() * n / (n + k), rtol=1e-12)
    fit = result.fit
    assert set(FIT_COLUMNS) <= set(fit)
    assert fit["estimator"] == "relogit" and fit["cov_type"].startswith(covariance)
    assert fit["log_likelihood"] == logit.fit["log_likelihood"]
    assert "King & Zeng 2001" in fit["notes"] and f"{(n / (n + k)) ** 2:.6f}" in fit["notes"]
    assert not result.predictions.empty


def test_relogit_spec_prior_correction():
    from dyadstats.models import fit_design, prepare

    frame = relogit_frame()
    plain_spec, prior_spec = relogit_spec(), relogit_spec(population_event_rate=0.005)
    design = prepare(frame, plain_spec)
    plain = fit_design(design, plain_spec).estimates.set_index("term")["estimate"]
    prior = fit_design(design, prior_spec)
    ybar = design.y.mean()
    shift = math.log((1 - 0.005) / 0.005 * ybar / (1 - ybar))
    est = prior.estimates.set_index("term")["estimate"]
    assert plain["Intercept"] - est["Intercept"] == pytest.approx(shift, rel=1e-12)
    assert "prior correction to population event rate 0.005" in prior.fit["notes"]
    from dyadstats.models import spec_from_dict

    assert json.loads(prior.fit["spec"])["population_event_rate"] == 0.005
    assert spec_from_dict(json.loads(prior.fit["spec"])) == prior_spec
    assert "population_event_rate" not in plain_spec.to_dict()


@pytest.mark.parametrize(("kw", "message"), [
    ({"population_event_rate": 0.0}, r"\(0, 1\)"),
    ({"population_event_rate": 1.2}, r"\(0, 1\)"),
    ({"estimator": "logit", "population_event_rate": 0.01}, "estimator relogit only"),
])
def test_relogit_spec_checks(kw, message):
    from dyadstats.models import ModelSpecError

    with pytest.raises(ModelSpecError, match=message):
        relogit_spec(**kw)


def test_relogit_prior_correction_needs_an_intercept():
    from dyadstats.models import ModelSpecError, fit_design, prepare

    spec = relogit_spec(regressors="{joint_democracy} + contiguity_land - 1", population_event_rate=0.01)
    with pytest.raises(ModelSpecError, match="intercept"):
        fit_design(prepare(relogit_frame(), spec), spec)
