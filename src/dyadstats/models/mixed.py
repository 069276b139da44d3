"""Logit with crossed random intercepts (estimator ``mixed``), fitted by gpboost.

The model, for dyad-year i of states s1(i), s2(i) in dyad d(i)::

    logit Pr(y_i = 1) = x_i'b + u_s1(i) + v_s2(i) + w_d(i),
    u ~ N(0, sd_1^2), v ~ N(0, sd_2^2), w ~ N(0, sd_d^2), all independent

(the default effects; a spec's ``random_effects`` picks any of ``state_1``, ``state_2``,
``dyad``, ``year``). ``state_1``/``state_2`` are the frame's ``ccode1``/``ccode2`` (the lower
and higher code in the non-directed frame, challenger and target in the directed one), ``dyad``
is the non-directed pair (both directions of a directed pair share it).

Estimation (gpboost ``GPModel``, likelihood ``bernoulli_logit``): the random intercepts are
integrated out by the Laplace approximation and (b, variances) maximise the approximate
marginal likelihood (L-BFGS). What is reported:

* ``log_likelihood``: the Laplace-approximate marginal log-likelihood at the estimate,
  re-evaluated by ``GPModel.neg_log_likelihood`` (the value the optimiser last stored can be
  stale). AIC/BIC count the fixed effects and the variance parameters.
* Covariance of b: the b-block of the inverse joint precision of (b, random intercepts) at the
  Laplace mode, ``[X'WX - X'WZ (Z'WZ + D)^-1 Z'WX]^-1`` (:func:`conditional_covariance`;
  lme4's ``glmer`` with ``use.hessian = FALSE``). It conditions on the estimated variances.
  gpboost's own SEs (a finite-difference Hessian of the approximate marginal likelihood in b,
  diagonal only, so unusable for the delta-method predictions) are recorded for comparison:
  on the real M1 sample they are about 2% smaller. Model-based only: no sandwich covariance
  exists for this fit.
* Each random intercept's SD, ``sqrt(variance)``, with the delta-method SE
  ``se(var) / (2 sd)`` from gpboost's SE of the variance, and its number of groups.

Numerics: the fit runs on columns of unit scale (each divided by its largest absolute value)
and maps back exactly (b = b_scaled / scale, V = V_scaled / (scale scale')); gpboost's
finite-difference Hessian is only accurate on well-scaled columns (raw cubic peace years reach
~10^7). One thread and exact sparse Cholesky factorisations (not the default iterative
solvers with random probe vectors) make reruns byte-identical.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dyadstats.io.job_warnings import captured_warnings, warning_texts
from dyadstats.models.spec import DEFAULT_RANDOM_EFFECTS, RANDOM_EFFECTS

if TYPE_CHECKING:
    import scipy.sparse as sp

    from dyadstats.models.design import Design
    from dyadstats.models.spec import ModelSpec

#: gpboost's convergence status codes (GPModel.summary): 0 converged, 1 iteration limit,
#: 2 the L-BFGS line search failed without a verified optimum.
#: Relative change in the approximate log-likelihood at which L-BFGS stops. gpboost's default
#: (1e-6) stops early enough to move the real M1 sample's state-1 SD by 0.015; 1e-8 leaves the
#: estimates within 1e-4 of a 1e-10 run at ~40% more time.
CONVERGENCE_TOL = 1e-8
_STATUS = {0: "converged", 1: "iteration limit reached", 2: "L-BFGS line search failed"}


@dataclass(frozen=True)
class MixedFit:
    """Estimates of one crossed random-intercept logit."""

    params: pd.Series
    cov: pd.DataFrame              # conditional_covariance (the reported SEs)
    hessian_se: pd.Series          # gpboost's own SEs (finite-difference Hessian), for comparison
    sd: pd.Series                  # SD of each random intercept, by effect name
    sd_se: pd.Series               # delta-method SE of each SD
    n_groups: dict[str, int]
    log_likelihood: float          # Laplace-approximate marginal log-likelihood
    converged: bool
    status: str
    iterations: int
    warnings: list[str]


def group_codes(data: pd.DataFrame, effects: Sequence[str]) -> np.ndarray:
    """Integer group ids (n x len(effects)) of each random effect from a design's data."""
    c1 = data["ccode1"].to_numpy(dtype=np.int64)
    c2 = data["ccode2"].to_numpy(dtype=np.int64)
    columns = {
        "state_1": c1,
        "state_2": c2,
        "dyad": np.minimum(c1, c2) * 1000 + np.maximum(c1, c2),
        "year": data["year"].to_numpy(dtype=np.int64),
    }
    unknown = [e for e in effects if e not in columns]
    if unknown:
        raise ValueError(f"unknown random effect(s) {unknown}; known: {RANDOM_EFFECTS}")
    return np.column_stack([columns[e] for e in effects])


def indicator_matrix(groups: np.ndarray) -> tuple[sp.csc_matrix, list[int]]:
    """Sparse 0/1 design Z (n x total groups) of the random intercepts, one block per column."""
    import scipy.sparse as sp  # only a mixed fit needs it: kept off the plain logit's imports

    blocks, sizes = [], []
    n = groups.shape[0]
    for j in range(groups.shape[1]):
        _, index = np.unique(groups[:, j], return_inverse=True)
        size = int(index.max()) + 1
        blocks.append(sp.csc_matrix((np.ones(n), (np.arange(n), index)), shape=(n, size)))
        sizes.append(size)
    return sp.hstack(blocks, format="csc"), sizes


def conditional_covariance(X: np.ndarray, eta: np.ndarray, groups: np.ndarray,
                           variances: np.ndarray) -> np.ndarray:
    """Covariance of b from the joint precision of (b, u) at the Laplace mode.

    With W = diag(p_i (1 - p_i)) at the mode's linear predictor ``eta``, Z the random
    intercepts' indicators and D = diag(1 / variance) per group::

        V(b) = [X'WX - X'WZ (Z'WZ + D)^-1 Z'WX]^-1

    (the b-block of the inverse of [[X'WX, X'WZ], [Z'WX, Z'WZ + D]]; lme4's ``glmer`` reports
    this covariance with ``use.hessian = FALSE``). Effects whose variance is estimated at zero
    have no random intercepts at the mode and are left out of Z.
    """
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    keep = variances > 0
    p = 1.0 / (1.0 + np.exp(-eta))
    w = p * (1.0 - p)
    WX = X * w[:, None]
    info = X.T @ WX
    if keep.any():
        Z, sizes = indicator_matrix(groups[:, keep])
        precision = np.repeat(1.0 / variances[keep], sizes)
        H = (Z.T @ sp.diags(w) @ Z + sp.diags(precision)).tocsc()
        ZtWX = np.asarray(Z.T @ WX)
        info = info - ZtWX.T @ spla.splu(H).solve(ZtWX)
    return np.linalg.inv(info)


def fit_crossed_logit(X: pd.DataFrame, y: np.ndarray, groups: np.ndarray,
                      effects: Sequence[str], max_iter: int = 1000) -> MixedFit:
    """Fit ``logit Pr(y=1) = X b + one random intercept per column of groups`` by gpboost."""
    import gpboost as gpb

    Xa = X.to_numpy(dtype=float)
    scale = np.abs(Xa).max(axis=0)
    scale[scale == 0] = 1.0
    Xs = Xa / scale
    with captured_warnings() as caught:
        model = gpb.GPModel(
            group_data=groups.astype(float), likelihood="bernoulli_logit",
            num_parallel_threads=1, matrix_inversion_method="cholesky", seed=0,
        )
        model.fit(y=y, X=Xs, params={"maxit": max_iter, "delta_rel_conv": CONVERGENCE_TOL})
        coef = model.get_coef(std_err=True, format_pandas=False)
        var = model.get_cov_pars(std_err=True, format_pandas=False)
        beta_s, variances = coef[0], var[0]
        neg_ll = model.neg_log_likelihood(cov_pars=variances, y=y, fixed_effects=Xs @ beta_s)
        modes = np.asarray(model.predict_training_data_random_effects(), dtype=float)
        # Private accessors: the public API prints these in summary() but does not return them.
        status_code = int(model._get_convergence_status())
        iterations = int(model._get_num_optim_iter())
    names = list(X.columns)
    eta = Xs @ beta_s + modes.sum(axis=1)
    cov = conditional_covariance(Xs, eta, groups, variances) / np.outer(scale, scale)
    hessian_se = coef[1] / scale
    sd = np.sqrt(variances)
    with np.errstate(divide="ignore", invalid="ignore"):
        sd_se = np.where(sd > 0, var[1] / (2.0 * sd), np.nan)
    return MixedFit(
        params=pd.Series(beta_s / scale, index=names),
        cov=pd.DataFrame(cov, index=names, columns=names),
        hessian_se=pd.Series(hessian_se, index=names),
        sd=pd.Series(sd, index=list(effects)), sd_se=pd.Series(sd_se, index=list(effects)),
        n_groups={e: int(len(np.unique(groups[:, j]))) for j, e in enumerate(effects)},
        log_likelihood=-float(neg_ll), converged=status_code == 0,
        status=_STATUS.get(status_code, f"status {status_code}"), iterations=iterations,
        warnings=warning_texts(caught),
    )


def describe(fit: MixedFit) -> str:
    """One note for the fit row: variance components, groups, likelihood and SE method."""
    parts = [
        f"{e} SD {fit.sd[e]:.4f} (SE {fit.sd_se[e]:.4f}, {fit.n_groups[e]} groups)" for e in fit.sd.index
    ]
    ratio = (np.sqrt(np.diag(fit.cov.to_numpy())) / fit.hessian_se.to_numpy()) - 1.0
    return (
        "mixed (gpboost, Laplace): random intercepts " + ", ".join(parts)
        + "; log_likelihood is the Laplace-approximate marginal log-likelihood, AIC/BIC count "
        f"{len(fit.sd)} variance parameter(s); SEs from the joint precision at the Laplace mode, "
        "conditional on the variances (gpboost's finite-difference Hessian SEs differ by at most "
        f"{100 * float(np.nanmax(np.abs(ratio))):.1f}%); predictions set every random intercept "
        f"to zero; optimiser: {fit.status}"
    )


def fit_design_mixed(design: Design, spec: ModelSpec) -> tuple[pd.Series, pd.DataFrame, dict[str, Any]]:
    """The models-stage fitter of estimator ``mixed``: (params, cov, info) like the logit's.

    ``info`` carries the keys :func:`dyadstats.models.fit_design` reads (``ll_null`` is added
    there) plus ``notes`` (see :func:`describe`).
    """
    effects = tuple(spec.random_effects or DEFAULT_RANDOM_EFFECTS)
    fit = fit_crossed_logit(design.X, design.y, group_codes(design.data, effects), effects,
                            max_iter=spec.max_iter)
    info = {
        "log_likelihood": fit.log_likelihood,
        "converged": fit.converged,
        "iterations": fit.iterations,
        "warnings": fit.warnings,
        "k": len(fit.params) + len(fit.sd),
        "notes": [describe(fit)],
    }
    if not math.isfinite(fit.log_likelihood):
        info["converged"] = False
    return fit.params, fit.cov, info
