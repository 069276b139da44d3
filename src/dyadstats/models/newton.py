"""A plain NumPy Newton-Raphson logit: statsmodels' ``Logit.fit(method="newton")``, without its cost.

statsmodels' logit is exact but slow on a 10^6-row design: building the model checks the rank
with an SVD, every iteration evaluates the log-likelihood, score and Hessian through generic
wrappers, and importing ``statsmodels.api`` alone takes about a second. For a plain logit the
estimate is the unique root of the score, so any Newton iteration that converges to it gives
the same coefficients; this one takes the very same steps as statsmodels' ``_fit_newton``
(start at 0, ``H = X'WX / n + 1e-10 I``, ``b <- b + H^-1 X'(y - p) / n``, stop when every
``|b_new - b_old| <= 1e-8`` or after ``max_iter`` steps), so it stops after the same number of
iterations too, and the covariances are computed from its estimate by
:mod:`dyadstats.models.covariance` exactly as before.

It answers only when the answer is clean: :func:`newton_logit` returns ``None`` (and the
caller defers to statsmodels, whose warnings and conventions then apply unchanged) when the
iteration does not converge, produces non-finite values, or the design is (nearly) rank
deficient (by numpy's rank rule), i.e. whenever separation or collinearity makes the MLE ill-defined.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

FloatArray = np.ndarray

#: statsmodels' newton defaults (``tol`` and ``ridge_factor`` of ``_fit_newton``).
TOLERANCE = 1e-8
RIDGE = 1e-10
#: Safety factor on the rounding error of the Gram matrix's eigenvalues (see _clearly_full_rank).
EIGEN_SLACK = 10.0


@dataclass(frozen=True)
class NewtonFit:
    """A converged logit fit."""

    params: FloatArray
    log_likelihood: float
    iterations: int
    #: ``(X'WX)^-1`` at the estimate (the sandwiches' bread; ``nonrobust`` itself).
    bread: FloatArray


def expit(eta: FloatArray) -> FloatArray:
    """The logistic function ``1 / (1 + exp(-eta))`` (overflow to inf gives exactly 0)."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-eta))


def _clearly_full_rank(gram: FloatArray, n_rows: int) -> bool:
    """Whether X has full column rank by numpy's ``matrix_rank`` rule (the one statsmodels uses),
    decided from ``gram = X'X`` without an SVD of X.

    ``matrix_rank`` counts singular values above ``tol = s_max * max(n, k) * eps``. The
    eigenvalues of X'X are the squared singular values, computed to an absolute error of about
    ``k * eps * s_max^2``; only when the smallest clears ``tol^2`` by more than that error (times
    a safety factor) is the answer certain. Otherwise the caller defers to statsmodels.
    """
    k = gram.shape[0]
    values = np.linalg.eigvalsh(gram)
    top = float(values.max())
    if not np.isfinite(top) or top <= 0.0:
        return False
    eps = float(np.finfo(float).eps)
    tol_sq = top * (max(n_rows, k) * eps) ** 2
    rounding = EIGEN_SLACK * k * eps * top
    return float(values.min()) > tol_sq + rounding


#: Rows per block of :func:`newton_pass`: a block of X and of ``W^1/2 X`` stay in cache.
BLOCK_ROWS = 8192


def row_blocks(n: int, size: int = BLOCK_ROWS) -> Iterator[slice]:
    """Consecutive row slices of at most ``size`` rows covering ``0..n`` (the blocked passes)."""
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def newton_pass(X: FloatArray, y: FloatArray, beta: FloatArray,
                 with_log_likelihood: bool = False) -> tuple[FloatArray, FloatArray, float]:
    """``(X'WX, X'(y - p), log-likelihood)`` at ``beta`` in one pass over X, block by block.

    Each block of rows is read once for ``eta = X b``, the score and ``A'A`` with
    ``A = W^1/2 X`` (numpy hands ``A.T @ A`` to BLAS syrk: half the work of a general product),
    and ``A`` lives in one small buffer: three whole-array passes per iteration, and an n x k
    scratch array (a page fault per 4 KB the first time a process touches it), cost about
    twice as much on 0.7 M rows. The log-likelihood (NaN unless asked) is statsmodels'
    ``sum log F(q x'b)`` with ``q = 2 y - 1``.
    """
    n, k = X.shape
    block = min(BLOCK_ROWS, max(n, 1))
    buffer = np.empty((block, k), order="F")
    information = np.zeros((k, k))
    score = np.zeros(k)
    llf = 0.0 if with_log_likelihood else math.nan
    for rows in row_blocks(n, block):
        x = X[rows]
        eta = x @ beta
        p = expit(eta)
        score += x.T @ (y[rows] - p)
        a = np.multiply(x, np.sqrt(p * (1.0 - p))[:, None], out=buffer[: x.shape[0]])
        information += a.T @ a
        if with_log_likelihood:
            # log F(t) = -log(1 + exp(-t)) = -logaddexp(0, -t): exact for large |t| either way.
            llf -= float(np.sum(np.logaddexp(0.0, -(2.0 * y[rows] - 1.0) * eta)))
    return information, score, llf


def newton_logit(X: FloatArray, y: FloatArray, max_iter: int = 100,
                 start: FloatArray | None = None, gram: FloatArray | None = None) -> NewtonFit | None:
    """Fit a logit by statsmodels' Newton-Raphson steps; ``None`` when statsmodels should decide.

    ``start`` (default zeros, as statsmodels) warm-starts the iteration, e.g. from a neighbouring
    specification; the root is the same, only the number of iterations can differ. ``gram``:
    ``X'X``, if known (:meth:`dyadstats.models.Design.gram`).
    """
    # Column-major: the row blocks' products and syrk run fastest on it.
    X = np.asfortranarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, k = X.shape
    if n == 0 or k == 0 or not _clearly_full_rank(X.T @ X if gram is None else gram, n):
        return None
    beta = np.zeros(k) if start is None else np.asarray(start, dtype=float).copy()
    ridge = RIDGE * np.eye(k)
    iterations = 0
    step = np.full(k, np.inf)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        while iterations < max_iter and np.any(np.abs(step) > TOLERANCE):
            information, score, _ = newton_pass(X, y, beta)
            try:
                step = np.linalg.solve(information / n + ridge, score / n)
            except np.linalg.LinAlgError:
                return None
            if not np.all(np.isfinite(step)):
                return None
            beta = beta + step
            iterations += 1
        if iterations == max_iter:
            # statsmodels calls reaching max_iter non-convergence (even on a last small step)
            # and says so with its own warning: let it.
            return None
        information, _, llf = newton_pass(X, y, beta, with_log_likelihood=True)
        try:
            bread = np.linalg.inv(information)
        except np.linalg.LinAlgError:
            return None
    if not (np.all(np.isfinite(beta)) and np.all(np.isfinite(bread)) and math.isfinite(llf)):
        return None
    return NewtonFit(params=beta, log_likelihood=llf, iterations=iterations, bread=bread)


def two_sided_p(z: FloatArray) -> FloatArray:
    """Two-sided standard-normal p value ``2 (1 - Phi(|z|)) = erfc(|z| / sqrt 2)`` (NaN stays NaN)."""
    flat = np.asarray(z, dtype=float).ravel()
    out = np.array([math.erfc(abs(v) / math.sqrt(2.0)) if not math.isnan(v) else math.nan
                    for v in flat])
    return out.reshape(np.shape(z))
