"""Outcome draws of the simulation: the logit's linear predictor and intercept, logistic
errors correlated within a dyad (Gaussian copula), onsets with optional peace-year effects."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy.special import expit, logit, ndtr


def linear_predictor(columns: Mapping[str, np.ndarray], coefficients: Mapping[str, float]) -> np.ndarray:
    """Sum of coefficient x column over the named frame columns (no intercept)."""
    eta = None
    for name, beta in coefficients.items():
        if name not in columns:
            raise KeyError(f"simulation coefficient names unknown column {name!r}")
        term = beta * columns[name]
        eta = term if eta is None else eta + term
    if eta is None:
        raise ValueError("at least one coefficient is needed")
    return eta


def solve_intercept(eta: np.ndarray, event_rate: float) -> float:
    """The intercept a such that mean(expit(a + eta)) equals ``event_rate`` (bisection)."""
    if not 0.0 < event_rate < 1.0:
        raise ValueError(f"event_rate must be in (0, 1), got {event_rate}")
    lo, hi = -30.0, 30.0
    flat = eta.ravel()
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if expit(mid + flat).mean() < event_rate:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def logistic_errors(rng: np.random.Generator, shape: tuple[int, int], rho: float) -> np.ndarray:
    """Standard-logistic errors, equicorrelated within a row (dyad) via a Gaussian copula."""
    if not 0.0 <= rho < 1.0:
        raise ValueError(f"dyad_correlation must be in [0, 1), got {rho}")
    z = rng.standard_normal(shape)
    if rho > 0:
        z = math.sqrt(rho) * rng.standard_normal((shape[0], 1)) + math.sqrt(1.0 - rho) * z
    u = np.clip(ndtr(z), 1e-15, 1 - 1e-15)
    return logit(u)


def draw_outcome(
    rng: np.random.Generator,
    eta: np.ndarray,
    rho: float,
    peace_effects: Sequence[float],
) -> tuple[np.ndarray, np.ndarray]:
    """Onsets y (dyads x years) and the peace years in force when each year began.

    Peace years count the years since the dyad's last onset (0 in its first year and in the
    year after an onset), the convention of the cubic-in-peace-years literature.
    """
    err = logistic_errors(rng, eta.shape, rho)
    g1, g2, g3 = (float(g) for g in peace_effects)
    if g1 == g2 == g3 == 0.0:
        y = (err < eta).astype(np.int8)
        return y, peace_years(y)
    y = np.zeros(eta.shape, dtype=np.int8)
    peace = np.zeros(eta.shape)
    since = np.zeros(eta.shape[0])
    for k in range(eta.shape[1]):
        peace[:, k] = since
        lin = eta[:, k] + g1 * since + g2 * since**2 + g3 * since**3
        y[:, k] = err[:, k] < lin
        since = np.where(y[:, k] == 1, 0.0, since + 1.0)
    return y, peace


def peace_years(y: np.ndarray) -> np.ndarray:
    """Years since the last onset before each year (dyads x years), vectorised over dyads."""
    n, t = y.shape
    k = np.arange(t)
    # Index of the last onset strictly before year k (or -1 if none): running max of onset years.
    marks = np.where(y == 1, k[None, :], -1)
    last = np.maximum.accumulate(marks, axis=1)
    before = np.concatenate([np.full((n, 1), -1), last[:, :-1]], axis=1)
    return np.where(before < 0, k[None, :], k[None, :] - before - 1).astype(float)


def lag_within_dyad(arr: np.ndarray) -> np.ndarray:
    """The previous year's value within each dyad (NaN in the first year)."""
    out = np.empty_like(arr, dtype=float)
    out[:, 0] = np.nan
    out[:, 1:] = arr[:, :-1]
    return out

