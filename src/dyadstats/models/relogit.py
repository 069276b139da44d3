"""Rare-events logit (King & Zeng 2001): small-sample bias correction and prior correction.

King, G. and Zeng, L. (2001), "Logistic Regression in Rare Events Data", Political Analysis
9(2): 137-163. What is implemented, in the paper's notation:

* **Bias correction.** Starting from the maximum-likelihood estimate ``b`` of a logit with design
  ``X`` (n rows, k columns including the intercept) and fitted probabilities
  ``pi_i = expit(x_i'b)``::

      W     = diag(pi_i (1 - pi_i) w_i)              (w_i = 1: no case weights)
      Q     = X (X'WX)^-1 X'                         (only its diagonal Q_ii is needed)
      xi_i  = 0.5 Q_ii ((1 + w1) pi_i - w1)          (w1 = 1, so xi_i = 0.5 Q_ii (2 pi_i - 1))
      bias  = (X'WX)^-1 X'W xi                       (a weighted least-squares fit of xi on X)
      b~    = b - bias

  ``Q_ii = x_i'(X'WX)^-1 x_i`` is computed row-wise from one Cholesky factor, never as the
  n x n matrix. The weighted variant (w1 = tau / ybar, w0 = (1 - tau) / (1 - ybar)) is not
  implemented: the pipeline corrects for the sampling rate by prior correction, so the bias term
  uses w_i = w1 = 1 (the sample as drawn) and the intercept is shifted afterwards.

* **Covariance.** ``V(b~) = (n / (n + k))^2 V(b)``, where ``V(b)`` is the covariance
  of the maximum-likelihood estimate the spec asks for (model-based, HC0 or cluster-robust).
  The factor is King and Zeng's approximation, derived for the model-based covariance;
  applying it to a sandwich covariance is our extension. The covariance is evaluated at the
  MLE (not re-evaluated at b~).

* **Prior correction**, when the config declares the population event rate ``tau``
  (the sample over-represents events, e.g. a case-control design): the intercept becomes
  ``b~_0 - ln[((1 - tau) / tau) (ybar / (1 - ybar))]``, ``ybar`` the sample event share.
  The slopes and the covariance are unchanged (the correction is a constant shift).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.linalg import cho_factor, cho_solve
from scipy.special import expit


@dataclass(frozen=True)
class RelogitCorrection:
    """The pieces of one correction (kept for the fit row's notes and for tests)."""

    bias: pd.Series                # subtracted from the MLE
    cov_factor: float              # (n / (n + k))^2
    prior_shift: float | None      # subtracted from the intercept, None without prior correction


def hat_diagonal(X: np.ndarray, chol: tuple[np.ndarray, bool]) -> np.ndarray:
    """Diagonal of ``Q = X (X'WX)^-1 X'``: ``Q_ii = x_i' (X'WX)^-1 x_i``.

    ``chol`` is the Cholesky factor of ``X'WX``. O(n k^2) time and O(n k) memory instead of the
    n x n matrix.
    """
    solved = cho_solve(chol, X.T)             # (X'WX)^-1 X', k x n
    return np.einsum("ij,ji->i", X, solved)


def bias_correction(X: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """King-Zeng bias of the logit MLE ``beta``: ``(X'WX)^-1 X'W xi`` with w_i = w1 = 1.

    Computed on columns of unit scale and mapped back: with ``X D`` (D diagonal) Q and xi are
    unchanged and the bias becomes ``D^-1 bias``, so the result is the same while ``X'WX`` stays
    well conditioned (raw cubic peace-year columns reach ~10^7).
    """
    pi = expit(X @ beta)
    w = pi * (1.0 - pi)
    scale = np.abs(X).max(axis=0)
    scale[scale == 0] = 1.0
    Xs = X / scale
    chol = cho_factor((Xs * w[:, None]).T @ Xs)
    q = hat_diagonal(Xs, chol)
    xi = 0.5 * q * (2.0 * pi - 1.0)
    return cho_solve(chol, Xs.T @ (w * xi)) / scale


def covariance_factor(n: int, k: int) -> float:
    """King and Zeng's variance shrinkage of the corrected estimate: ``(n / (n + k))^2``."""
    return (n / (n + k)) ** 2


def prior_shift(tau: float, ybar: float) -> float:
    """``ln[((1 - tau) / tau) (ybar / (1 - ybar))]``, subtracted from the intercept."""
    if not 0.0 < tau < 1.0:
        raise ValueError(f"population event rate must lie in (0, 1), got {tau}")
    if not 0.0 < ybar < 1.0:
        raise ValueError(f"sample event share must lie in (0, 1), got {ybar}")
    return math.log((1.0 - tau) / tau * (ybar / (1.0 - ybar)))


def relogit(X: pd.DataFrame, y: np.ndarray, params: pd.Series, cov: pd.DataFrame,
            tau: float | None = None, intercept: str = "Intercept",
            ) -> tuple[pd.Series, pd.DataFrame, RelogitCorrection]:
    """Correct a logit MLE: bias correction, scaled covariance and (with ``tau``) prior correction.

    ``params``/``cov``: the maximum-likelihood fit on ``X``/``y`` (any covariance type). Returns
    the corrected coefficients, the scaled covariance and the correction's pieces. Raises
    ``ValueError`` when ``tau`` is given but ``X`` has no ``intercept`` column.
    """
    Xa = X.to_numpy(dtype=float)
    n, k = Xa.shape
    bias = pd.Series(bias_correction(Xa, params.to_numpy(dtype=float)), index=params.index)
    corrected = params - bias
    factor = covariance_factor(n, k)
    shift = None
    if tau is not None:
        if intercept not in corrected.index:
            raise ValueError(f"prior correction needs an {intercept!r} column in the design")
        shift = prior_shift(float(tau), float(np.mean(y)))
        corrected[intercept] -= shift
    return corrected, cov * factor, RelogitCorrection(bias=bias, cov_factor=factor, prior_shift=shift)


def describe(correction: RelogitCorrection, tau: float | None) -> str:
    """One note for the fit row: what was corrected and by how much."""
    largest = correction.bias.abs().idxmax()
    text = (
        "relogit (King & Zeng 2001): bias-corrected MLE b - (X'WX)^-1 X'W xi "
        f"(largest |bias| {correction.bias[largest]:.4g} on {largest}); covariance = the "
        f"MLE's times (n/(n+k))^2 = {correction.cov_factor:.6f}; log_likelihood/AIC/BIC are "
        "those of the maximum-likelihood fit"
    )
    if correction.prior_shift is not None:
        text += (
            f"; prior correction to population event rate {tau:g}: intercept shifted by "
            f"-{correction.prior_shift:.4f}, so predicted probabilities are on the population scale"
        )
    return text
