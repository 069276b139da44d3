"""The NumPy Firth logit against firthmodels (the library the models stage defers to)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from firthmodels import FirthLogisticRegression

from dyadstats.models import covariance as dcov
from dyadstats.models.firth import firth_logit
from dyadstats.models.newton import newton_logit


def _data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    dummy = (rng.random(n) < 0.3).astype(float)
    years = rng.integers(0, 60, n) / 10.0
    X = np.column_stack([np.ones(n), dummy, rng.normal(size=n), years, years**2, years**3])
    eta = -2.5 - 0.8 * dummy + 0.5 * X[:, 2] - 0.5 * years + 0.1 * years**2 - 0.01 * years**3
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-eta))).astype(float)
    return X, y


def _library(X: np.ndarray, y: np.ndarray) -> tuple[FirthLogisticRegression, np.ndarray]:
    # As the models stage calls it (dyadstats.models.firth_fit.fit_firth_estimate): RMS-scaled columns,
    # max-scaled where that stalls; tolerances 1e-8.
    for scale in (np.sqrt(np.mean(X * X, axis=0)), np.abs(X).max(axis=0)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = FirthLogisticRegression(fit_intercept=False, max_iter=200, gtol=1e-8, xtol=1e-8).fit(X / scale, y)
        if model.converged_:
            return model, scale
    raise AssertionError("firthmodels did not converge")


@pytest.mark.parametrize("n, seed", [(1000, 1), (3000, 2), (20000, 3)])
def test_matches_firthmodels_coefficients_ses_and_penalized_loglik(n: int, seed: int) -> None:
    X, y = _data(n, seed)
    start = newton_logit(X, y).params
    fit = firth_logit(X, y, start)
    assert fit is not None
    model, scale = _library(X, y)
    beta = model.coef_ / scale
    np.testing.assert_allclose(fit.params, beta, rtol=0, atol=1e-8 * np.maximum(1.0, np.abs(beta)).max())
    np.testing.assert_allclose(fit.params, beta, rtol=1e-8, atol=1e-10)
    scores, bread = dcov.firth_scores(X, y, beta)
    groups = np.arange(n) // 4
    for ours, theirs in (
        (dcov.nonrobust(fit.bread), dcov.nonrobust(bread)),
        (dcov.cluster(fit.scores, fit.bread, groups), dcov.cluster(scores, bread, groups)),
        (dcov.robust(fit.scores, fit.bread), dcov.robust(scores, bread)),
    ):
        np.testing.assert_allclose(np.sqrt(np.diag(ours.matrix)), np.sqrt(np.diag(theirs.matrix)), rtol=1e-8)
    # firthmodels reports the penalized log-likelihood of its scaled problem: put ours on that scale.
    shift = float(np.sum(np.log(np.sqrt(np.mean(X * X, axis=0)))) - np.sum(np.log(scale)))
    assert fit.penalized_log_likelihood + shift == pytest.approx(float(model.loglik_), abs=1e-8)
    p = 1.0 / (1.0 + np.exp(-(X @ beta)))
    assert fit.log_likelihood == pytest.approx(float(np.sum(y * np.log(p) + (1 - y) * np.log1p(-p))), abs=1e-8)


def test_separated_data_has_a_finite_firth_estimate_like_the_library() -> None:
    # A dummy whose 1-rows hold no events: the logit MLE diverges, Firth's does not.
    X, y = _data(2000, 4)
    X[:, 1] = 0.0
    X[:200, 1] = 1.0
    y[:200] = 0.0
    fit = firth_logit(X, y, np.zeros(X.shape[1]))
    assert fit is not None
    model, scale = _library(X, y)
    np.testing.assert_allclose(fit.params, model.coef_ / scale, rtol=1e-8, atol=1e-10)
    assert fit.params[1] < -2.0


def test_no_answer_when_not_converged_or_not_estimable() -> None:
    X, y = _data(500, 5)
    assert firth_logit(X, y, np.zeros(X.shape[1]), max_iter=1) is None
    collinear = np.column_stack([X, 2.0 * X[:, 2]])
    assert firth_logit(collinear, y, np.zeros(collinear.shape[1])) is None
