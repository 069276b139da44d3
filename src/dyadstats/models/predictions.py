"""Average predicted probabilities with delta-method confidence intervals.

Two quantities per model, both averaged over the estimation sample:

* ``observed``: the mean fitted probability among dyad-years of each observed regime pair
  (joint democracy / mixed / joint autocracy, and 'other dyads' = mixed + joint autocracy),
  with the joint-democracy-minus-other difference and ratio.
* ``counterfactual`` (when the focal term is a joint-democracy dummy): the mean probability
  with the dummy set to 1 for every dyad-year ('joint democracy') and to 0 ('other dyads'),
  their difference and ratio. Counterfactual designs are rebuilt through the fitted design's
  patsy ``design_info``, so interactions and spline bases stay consistent.

For an average prediction a(b) = mean_i expit(x_i'b) over rows S, the gradient is
mean_i p_i (1 - p_i) x_i; Var(a) = g' V g with V the model's (e.g. dyad-clustered) covariance.
Differences use g1 - g0. Ratios are reported with the delta-method SE of the ratio and a 95%
interval computed on the log scale (g = g1/a1 - g0/a0) and exponentiated, which keeps it
positive; probabilities and differences use plain Wald intervals, as marginaleffects does.
The test suite checks these against simulation from N(b, V) and against marginaleffects.

Models that enter the three-category regime coding (``{regime_contrasts}``: dummies for two
regime pairs, the third the reference) get two more quantities instead of ``counterfactual``
(setting one dummy while another stays observed would create impossible rows):

* ``regime_contrast``: log-odds contrasts between regime pairs, whatever the reference:
  'joint democracy vs mixed', 'joint democracy vs joint autocracy', 'mixed vs joint autocracy'
  (b_a - b_b, the reference's coefficient being 0; SE sqrt(Var a + Var b - 2 Cov a,b)).
* ``regime_counterfactual``: the average predicted probability with every dyad-year set to
  each regime pair in turn ('joint democracy', 'mixed', 'joint autocracy') and the differences
  'joint democracy - mixed' and 'joint democracy - joint autocracy' (delta method).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import patsy
from scipy.special import expit
from scipy.stats import norm

if TYPE_CHECKING:
    from dyadstats.models.design import Design

Z975 = float(norm.ppf(0.975))
GROUPS = ("joint democracy", "mixed", "joint autocracy")


def average_prediction(X: np.ndarray, params: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean predicted probability over the rows of ``X`` and its gradient in the parameters."""
    p = expit(X @ params)
    w = p * (1.0 - p)
    return float(p.mean()), (X.T @ w) / len(p)


def _row(quantity: str, group: str, est: float, grad: np.ndarray, cov: np.ndarray, n: int) -> dict[str, Any]:
    se = float(np.sqrt(max(grad @ cov @ grad, 0.0)))
    return {"quantity": quantity, "group": group, "estimate": est, "std_error": se,
            "conf_low": est - Z975 * se, "conf_high": est + Z975 * se, "n_obs": n}


def contrast_rows(quantity: str, a1: float, g1: np.ndarray, a0: float, g0: np.ndarray,
                  cov: np.ndarray, n: int) -> list[dict[str, Any]]:
    """Difference a1 - a0 and ratio a1 / a0 with delta-method SEs (ratio CI on the log scale)."""
    diff = _row(quantity, "difference", a1 - a0, g1 - g0, cov, n)
    if a0 <= 0 or a1 <= 0:
        ratio = {"quantity": quantity, "group": "ratio", "estimate": float("nan"),
                 "std_error": float("nan"), "conf_low": float("nan"), "conf_high": float("nan"),
                 "n_obs": n}
        return [diff, ratio]
    r = a1 / a0
    g_ratio = g1 / a0 - a1 * g0 / a0**2
    g_log = g1 / a1 - g0 / a0
    se_log = float(np.sqrt(max(g_log @ cov @ g_log, 0.0)))
    ratio = {
        "quantity": quantity, "group": "ratio", "estimate": r,
        "std_error": float(np.sqrt(max(g_ratio @ cov @ g_ratio, 0.0))),
        "conf_low": r * float(np.exp(-Z975 * se_log)), "conf_high": r * float(np.exp(Z975 * se_log)),
        "n_obs": n,
    }
    return [diff, ratio]


def observed_group_predictions(X: np.ndarray, params: np.ndarray, cov: np.ndarray,
                               regime: pd.Series) -> list[dict[str, Any]]:
    """Mean fitted probability by observed regime pair, plus JD-vs-other contrasts."""
    rows: list[dict[str, Any]] = []
    labels = regime.to_numpy(dtype=object)
    stats: dict[str, tuple[float, np.ndarray, int]] = {}
    masks = {g: labels == g for g in GROUPS}
    masks["other dyads"] = masks["mixed"] | masks["joint autocracy"]
    for group in (*GROUPS, "other dyads"):
        mask = masks[group]
        n = int(mask.sum())
        if n == 0:
            continue
        a, g = average_prediction(X[mask], params)
        stats[group] = (a, g, n)
        rows.append(_row("observed", group, a, g, cov, n))
    if "joint democracy" in stats and "other dyads" in stats:
        (a1, g1, n1), (a0, g0, n0) = stats["joint democracy"], stats["other dyads"]
        rows += contrast_rows("observed", a1, g1, a0, g0, cov, n1 + n0)
    return rows


def counterfactual_design(design: Design, settings: Mapping[str, float]) -> np.ndarray:
    """The design matrix with the given columns set to fixed values for every row."""
    data = design.data.assign(**{k: float(v) for k, v in settings.items()})
    (X,) = patsy.build_design_matrices([design.X.design_info], data, NA_action="raise")
    return np.asarray(X)


def counterfactual_predictions(design: Design, params: np.ndarray, cov: np.ndarray,
                               focal: str) -> list[dict[str, Any]]:
    """Average predictions with the focal dummy set to 1 and to 0 for the whole sample."""
    n = len(design.y)
    a1, g1 = average_prediction(counterfactual_design(design, {focal: 1.0}), params)
    a0, g0 = average_prediction(counterfactual_design(design, {focal: 0.0}), params)
    return [
        _row("counterfactual", "joint democracy", a1, g1, cov, n),
        _row("counterfactual", "other dyads", a0, g0, cov, n),
        *contrast_rows("counterfactual", a1, g1, a0, g0, cov, n),
    ]


#: Ordered pairs of regime categories reported as contrasts (first minus second).
REGIME_CONTRASTS = (
    ("joint democracy", "mixed"), ("joint democracy", "joint autocracy"), ("mixed", "joint autocracy"),
)


def _contrast_vector(names: list[str], terms: Mapping[str, str], a: str, b: str) -> np.ndarray:
    """Weights c with c'beta = b_a - b_b (a reference category's coefficient is zero)."""
    c = np.zeros(len(names))
    for cat, sign in ((a, 1.0), (b, -1.0)):
        if terms[cat]:
            c[names.index(terms[cat])] += sign
    return c


def regime_contrast_rows(params: pd.Series, cov: pd.DataFrame, terms: Mapping[str, str],
                         n: int) -> list[dict[str, Any]]:
    """Log-odds contrasts between regime pairs of a three-category model."""
    names = [str(t) for t in params.index]
    beta, V = params.to_numpy(), cov.to_numpy()
    rows = []
    for a, b in REGIME_CONTRASTS:
        c = _contrast_vector(names, terms, a, b)
        rows.append(_row("regime_contrast", f"{a} vs {b}", float(c @ beta), c, V, n))
    return rows


def regime_counterfactual_predictions(design: Design, params: np.ndarray, cov: np.ndarray,
                                      terms: Mapping[str, str]) -> list[dict[str, Any]]:
    """Average predictions with every dyad-year set to each regime pair in turn."""
    n = len(design.y)
    dummies = [col for col in terms.values() if col]
    stats: dict[str, tuple[float, np.ndarray]] = {}
    rows = []
    for cat in GROUPS:
        settings = {col: float(col == terms[cat]) for col in dummies}
        a, g = average_prediction(counterfactual_design(design, settings), params)
        stats[cat] = (a, g)
        rows.append(_row("regime_counterfactual", cat, a, g, cov, n))
    a1, g1 = stats["joint democracy"]
    for other in ("mixed", "joint autocracy"):
        a0, g0 = stats[other]
        rows.append(_row("regime_counterfactual", f"joint democracy - {other}", a1 - a0, g1 - g0, cov, n))
    return rows


def model_predictions(design: Design, params: pd.Series, cov: pd.DataFrame) -> pd.DataFrame:
    """All prediction rows of one fitted model (without the ``model`` column)."""
    beta = params.to_numpy()
    V = cov.loc[params.index, params.index].to_numpy()
    X = design.X.to_numpy()
    resolved = design.resolved
    rows: list[dict[str, Any]] = []
    if resolved.regime_pair and resolved.regime_pair in design.data:
        rows += observed_group_predictions(X, beta, V, design.data[resolved.regime_pair])
    if resolved.regime_terms:
        rows += regime_contrast_rows(params, cov.loc[params.index, params.index], resolved.regime_terms, len(X))
        rows += regime_counterfactual_predictions(design, beta, V, resolved.regime_terms)
    elif resolved.focal_is_dummy and resolved.focal_term in design.data:
        rows += counterfactual_predictions(design, beta, V, resolved.focal_term)
    return pd.DataFrame(rows, columns=["quantity", "group", "estimate", "std_error",
                                       "conf_low", "conf_high", "n_obs"])
