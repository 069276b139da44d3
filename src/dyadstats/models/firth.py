"""A NumPy Firth-penalized logit, warm-started: firthmodels' estimate without its set-up cost.

Firth's (1993) estimate is the root of the modified score
``U*(b) = X'(y - p + h (1/2 - p))``, ``h`` the diagonal of the weighted hat matrix
``W^1/2 X (X'WX)^-1 X' W^1/2``. firthmodels (the library the models
stage asks when this module has no answer, :func:`dyadstats.models.firth_fit.fit_firth_estimate`) finds it by Newton-Raphson steps
``b <- b + (X'WX)^-1 U*(b)`` from zero with step-halving on the penalized log-likelihood; this
module takes the same steps from a warm start (the logit MLE of the same design, which is
within O(1/n) of the Firth estimate), so a few steps reach the root, and stops only when every
step is below :data:`TOLERANCE` in the units of the columns scaled to unit root-mean-square
(firthmodels: 1e-8 on its scaled problem, with ``xtol=gtol=1e-8`` as the models stage asks).

It answers only when the answer is clean: :func:`firth_logit` returns ``None`` (the caller
then asks firthmodels) when the information is not positive definite, a value turns
non-finite, the penalized log-likelihood falls, or the iteration has not converged within
``max_iter`` steps.

Reference: Firth (1993), "Bias reduction of maximum likelihood estimates", Biometrika 80(1).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy.linalg import LinAlgError, cho_solve, cholesky, solve_triangular

from dyadstats.models.newton import BLOCK_ROWS, expit, row_blocks

FloatArray = np.ndarray

#: Convergence: every step below this, in the units of RMS-scaled columns.
TOLERANCE = 1e-10
#: Steps allowed from a warm start (near the root each one gains several digits).
MAX_ITER = 50


@dataclass(frozen=True)
class FirthFit:
    """A converged Firth fit and the quantities at the estimate that its sandwich needs."""

    params: FloatArray
    #: unpenalized log-likelihood at the estimate, ``sum y log p + (1 - y) log(1 - p)``
    log_likelihood: float
    #: penalized log-likelihood of the RMS-scaled problem, as firthmodels reports it (its
    #: ``loglik_`` on ``X / rms``, the scaling the models stage fits)
    penalized_log_likelihood: float
    iterations: int
    #: ``(X'WX)^-1`` at the estimate
    bread: FloatArray
    #: per-observation Firth-modified score contributions ``x_i (y_i - p_i + h_i (1/2 - p_i))``
    scores: FloatArray


@dataclass(frozen=True)
class _State:
    p: FloatArray
    chol: FloatArray      # lower Cholesky factor of X'WX
    hat: FloatArray       # h_i
    score: FloatArray     # U*(b)
    penalized: float      # log-likelihood + 1/2 log det X'WX


def _weighted_blocks(X: FloatArray, root_w: FloatArray) -> Iterator[tuple[slice, FloatArray]]:
    """``(rows, W^1/2 X[rows])`` block by block, in one reused cache-sized buffer."""
    n, k = X.shape
    block = min(BLOCK_ROWS, max(n, 1))
    buffer = np.empty((block, k), order="F")
    for rows in row_blocks(n, block):
        yield rows, np.multiply(X[rows], root_w[rows, None], out=buffer[: rows.stop - rows.start])


def _state(X: FloatArray, y: FloatArray, beta: FloatArray) -> _State:
    """p, the Cholesky factor of X'WX, the hat diagonal, the modified score and the penalized
    log-likelihood at ``beta``: two blocked passes over X (X'WX, then ``h_i = |L^-1 a_i|^2``
    with ``a_i = w_i^1/2 x_i``), no n x k temporaries (a third faster on 0.3 M rows)."""
    eta = X @ beta
    p = expit(eta)
    root_w = np.sqrt(p * (1.0 - p))
    k = X.shape[1]
    information = np.zeros((k, k))
    for _, a in _weighted_blocks(X, root_w):
        information += a.T @ a
    chol = cholesky(information, lower=True)
    inverse_t = solve_triangular(chol, np.eye(k), lower=True).T
    hat = np.empty(X.shape[0])
    for rows, a in _weighted_blocks(X, root_w):
        q = a @ inverse_t
        hat[rows] = np.einsum("ij,ij->i", q, q)
    score = X.T @ (y - p + hat * (0.5 - p))
    loglik = float(np.sum(y * eta - np.logaddexp(0.0, eta)))
    penalized = loglik + float(np.sum(np.log(np.diag(chol))))
    return _State(p, chol, hat, score, penalized)


def firth_logit(X: FloatArray, y: FloatArray, start: FloatArray,
                max_iter: int = MAX_ITER) -> FirthFit | None:
    """Firth-penalized logit by Newton-Raphson steps from ``start``; ``None``: ask firthmodels."""
    X = np.asfortranarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, k = X.shape
    if n == 0 or k == 0:
        return None
    rms = np.sqrt(np.mean(X * X, axis=0))
    rms[rms == 0.0] = 1.0
    beta = np.asarray(start, dtype=float).copy()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        try:
            state = _state(X, y, beta)
            iterations = 0
            while iterations < max_iter:
                iterations += 1
                step = cho_solve((state.chol, True), state.score)
                if not np.all(np.isfinite(step)):
                    return None
                beta = beta + step
                new = _state(X, y, beta)
                if not math.isfinite(new.penalized) or new.penalized < state.penalized - 1e-9 * abs(state.penalized):
                    return None
                state = new
                if float(np.max(np.abs(step) * rms)) <= TOLERANCE:
                    break
            else:
                return None
        except (LinAlgError, ValueError):
            return None
        bread = cho_solve((state.chol, True), np.eye(k))
        p = state.p
        llf = float(np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)))
    if not (np.all(np.isfinite(beta)) and np.all(np.isfinite(bread)) and math.isfinite(llf)):
        return None
    # firthmodels fits X / rms: its log det differs from ours by 2 sum(log rms).
    penalized = state.penalized - float(np.sum(np.log(rms)))
    scores = X * (y - p + state.hat * (0.5 - p))[:, None]
    return FirthFit(params=beta, log_likelihood=llf, penalized_log_likelihood=penalized,
                    iterations=iterations, bread=bread, scores=scores)
