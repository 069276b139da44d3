"""Estimation: logit, Firth, mixed and relogit fits, covariances, separation checks, tidy rows.

The standard logit (NumPy Newton, any sandwich covariance) runs on NumPy arrays alone: its
point estimate is a :class:`Coefficients`, its tidy rows are columns of arrays, and the
:class:`ModelResult` builds the pandas objects (``params``, ``cov``, ``estimates``,
``predictions``) only when they are read. statsmodels, Firth, mixed and relogit fits, and
predictions, use pandas as before.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from dyadstats.io.job_warnings import captured_warnings, warning_texts
from dyadstats.models import covariance as dcov
from dyadstats.models.design import Design, prepare
from dyadstats.models.failures import check_estimable
from dyadstats.models.firth_fit import fit_firth_estimate
from dyadstats.models.fit_info import converged_info, ll_null
from dyadstats.models.newton import newton_logit
from dyadstats.models.results import (
    Coefficients,
    EstimateColumns,
    ModelResult,
    Params,
    as_series,
    cov_frame,
    named,
    tidy_columns,
)
from dyadstats.models.separation import column_separation
from dyadstats.models.spec import (
    CLUSTER_DIMENSIONS,
    FIT_OK,
    HUGE_COEF,
    HUGE_SE,
    PREDICTION_COLUMNS,
    ModelSpec,
    ModelSpecError,
)

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("dyadstats.models")


def _fit_logit(design: Design, spec: ModelSpec,
               start: pd.Series | None = None) -> tuple[Params, dict[str, Any]]:
    """The logit MLE: NumPy Newton-Raphson (:mod:`dyadstats.models.newton`) where its answer is
    clean, else statsmodels (non-convergence, separation, rank deficiency: its warnings, its
    conventions). ``start``: a warm start by term name (missing terms start at 0); if the
    iteration fails from there it is rerun from 0 before statsmodels is asked."""
    X = design.matrix
    fast = None
    if start is not None:
        warm = start.reindex(design.terms).fillna(0.0).to_numpy(dtype=float)
        fast = newton_logit(X, design.y, max_iter=spec.max_iter, start=warm, gram=design.gram())
    if fast is None:
        fast = newton_logit(X, design.y, max_iter=spec.max_iter, gram=design.gram())
    if fast is not None and float(np.max(np.abs(fast.params) * design.scales())) <= HUGE_COEF:
        info = converged_info(fast.log_likelihood, design.y, fast.iterations, X.shape[1])
        return Coefficients(tuple(design.terms), fast.params), info
    return _fit_logit_statsmodels(design, spec)


def _fit_logit_statsmodels(design: Design, spec: ModelSpec) -> tuple[pd.Series, dict[str, Any]]:
    """statsmodels' ``Logit`` by Newton-Raphson (imported here: ~1 s off every other path)."""
    import statsmodels.api as sm

    with captured_warnings() as caught:
        res = sm.Logit(design.y, design.X).fit(method="newton", maxiter=spec.max_iter, disp=0)
    info = {
        "log_likelihood": float(res.llf),
        # Closed form: statsmodels' res.llnull refits a null model by Nelder-Mead (slow).
        "ll_null": ll_null(design.y),
        "converged": bool(res.mle_retvals.get("converged", False)),
        "iterations": int(res.mle_retvals.get("iterations", -1)),
        "warnings": warning_texts(caught),
        "k": int(res.df_model) + 1,
    }
    return res.params, info


def _twoway_dims(spec: ModelSpec) -> tuple[str, str]:
    """The two ``twoway`` dimensions: ``cluster_by`` when it lists two, else dyad and year."""
    if isinstance(spec.cluster_by, tuple):
        return spec.cluster_by[0], spec.cluster_by[1]
    return CLUSTER_DIMENSIONS[0], CLUSTER_DIMENSIONS[1]


def _dimension_ids(design: Design, dim: str) -> np.ndarray:
    """Cluster ids of one dimension per design row (dyad = the unordered pair of states)."""
    if dim == "year":
        return design.column("year")
    return dcov.unordered_dyads(design.column("ccode1"), design.column("ccode2"))


def model_covariance(design: Design, spec: ModelSpec, params: Params) -> dcov.Covariance:
    """The spec's covariance at ``params`` (formulas and factors: :mod:`dyadstats.models.covariance`).

    Logit sandwiches use the score contributions x_i (y_i - p_i); Firth sandwiches use the
    Firth-modified contributions x_i (y_i - p_i + h_i (1/2 - p_i)) at the penalized estimate.
    The bread is (X'WX)^-1 at the estimate either way; ``nonrobust`` is the bread itself.
    """
    X = design.matrix
    score_fn = dcov.firth_scores if spec.estimator == "firth" else dcov.logit_score_rows
    scores, bread = score_fn(X, design.y, named(params)[1])
    if spec.covariance == "nonrobust":
        return dcov.nonrobust(bread)
    if spec.covariance == "robust":
        return dcov.robust(scores, bread)
    if spec.covariance == "cluster":
        return dcov.cluster(scores, bread, design.groups, str(spec.cluster_by))
    if spec.covariance == "dyadic":
        return dcov.dyadic(scores, bread, design.column("ccode1"), design.column("ccode2"))
    if spec.covariance == "twoway":
        dims = _twoway_dims(spec)
        return dcov.twoway(scores, bread, _dimension_ids(design, dims[0]),
                           _dimension_ids(design, dims[1]), dims)
    raise ModelSpecError(f"model {spec.name!r}: unknown covariance {spec.covariance!r}")


def _cov_type(spec: ModelSpec) -> str:
    """The fit row's ``cov_type``: the covariance with its cluster dimension(s)."""
    if spec.covariance == "cluster":
        return f"cluster ({spec.cluster_by})"
    if spec.covariance == "twoway":
        return "twoway ({}, {})".format(*_twoway_dims(spec))
    return spec.covariance


def fit_estimator(design: Design, spec: ModelSpec,
                  start: pd.Series | None = None) -> tuple[Params, dict[str, Any]]:
    """The point estimate of a logit or Firth spec and its fit facts, before any covariance.

    One such fit serves every covariance choice of the spec (pass it to :func:`fit_design` as
    ``fitted``). ``start`` warm-starts a logit (e.g. from a neighbouring specification); Firth
    ignores it.
    """
    check_estimable(design)
    if spec.estimator == "firth":
        return fit_firth_estimate(design, spec)
    if spec.estimator in ("logit", "relogit"):
        return _fit_logit(design, spec, start)
    raise ModelSpecError(f"model {spec.name!r}: estimator {spec.estimator!r} has no point-estimate-only fit")


def _estimate(design: Design, spec: ModelSpec,
              fitted: tuple[Params, dict[str, Any]] | None = None,
              covariance: dcov.Covariance | None = None,
              ) -> tuple[Params, pd.DataFrame | np.ndarray, dict[str, Any], str, int]:
    """Fit by the spec's estimator: ``(params, cov, info, covariance note, n_clusters)``.

    logit and Firth take any covariance (:func:`model_covariance`); relogit corrects the logit
    MLE and scales its covariance (:mod:`dyadstats.models.relogit`); mixed reports its model-based
    covariance (:mod:`dyadstats.models.mixed`).
    """
    if spec.estimator == "mixed":
        from dyadstats.models.mixed import fit_design_mixed

        params, cov, info = fit_design_mixed(design, spec)
        info = {**info, "ll_null": ll_null(design.y)}
        note = ("model-based covariance of the fixed effects: inverse joint precision at the "
                "Laplace mode, given the variance components")
        return params, cov, info, note, int(len(np.unique(design.groups)))
    params, info = fitted if fitted is not None else (
        (fit_firth_estimate if spec.estimator == "firth" else _fit_logit)(design, spec))
    if covariance is None:
        covariance = model_covariance(design, spec, params)
    cov: pd.DataFrame | np.ndarray = covariance.matrix
    n_clusters = int(covariance.n_clusters if covariance.n_clusters is not None
                     else len(np.unique(design.groups)))
    if spec.estimator == "relogit":
        from dyadstats.models.relogit import describe, relogit

        tau = spec.population_event_rate
        if tau is not None and "Intercept" not in design.terms:
            raise ModelSpecError(f"model {spec.name!r}: population_event_rate needs an intercept "
                                 "in the formula (prior correction shifts it)")
        params, cov, correction = relogit(design.X, design.y, as_series(params),
                                          cov_frame(covariance.matrix, named(params)[0]), tau)
        info = {**info, "notes": [describe(correction, tau)]}
    return params, cov, info, covariance.note, n_clusters


@dataclass(frozen=True)
class DesignChecks:
    """What a fit row reports about its design alone (the same for every fit on it)."""

    separation: list[str]       # :func:`~dyadstats.models.separation.separation_checks`
    scale_values: np.ndarray    # :func:`~dyadstats.models.separation.term_scales`, as an array
    terms: tuple[str, ...]

    @property
    def scales(self) -> pd.Series:
        """The term scales by term (:func:`~dyadstats.models.separation.term_scales`)."""
        import pandas as pd

        return pd.Series(self.scale_values, index=list(self.terms))

    def scale_of(self) -> dict[str, float]:
        return dict(zip(self.terms, self.scale_values.tolist(), strict=True))


def design_checks(design: Design) -> DesignChecks:
    """The design-only checks of :func:`fit_design`, computed once to share across its fits."""
    X = design.matrix
    return DesignChecks(column_separation(X, design.terms, design.y, design.ranges()), design.scales(),
                        tuple(design.terms))


def _huge_notes(est: EstimateColumns, scale_of: dict[str, float]) -> list[str]:
    """Terms whose scaled estimate exceeds HUGE_COEF or scaled SE exceeds HUGE_SE log odds."""
    notes = []
    for term, estimate, se in zip(est["term"], est["estimate"].tolist(), est["std_error"].tolist(),
                                  strict=True):
        scale = scale_of.get(term, 1.0)
        size, spread = abs(estimate) * scale, se * scale
        if size > HUGE_COEF or spread > HUGE_SE:
            notes.append(f"{term}: estimate {estimate:.3g}, SE {se:.3g}"
                         + (f" ({size:.3g} log odds per SD)" if scale != 1.0 else "")
                         + " (suspected separation)")
    return notes


def fit_design(design: Design, spec: ModelSpec | None = None,
               fitted: tuple[Params, dict[str, Any]] | None = None,
               covariance: dcov.Covariance | None = None,
               checks: DesignChecks | None = None) -> ModelResult:
    """Estimate one model on a prepared design and tidy it (estimates, fit row, predictions).

    Raises :class:`~dyadstats.models.failures.ModelFailure` when the model is not estimable
    (constant outcome or regressor, collinear columns).

    ``fitted``: the spec's point estimate from :func:`fit_estimator`, reused (specs that differ
    only in the covariance share one fit); ``None`` fits it here. ``covariance``: the spec's
    covariance at that fit, computed by the caller (only with ``fitted``; a logit or Firth spec),
    else :func:`model_covariance`. ``checks``: :func:`design_checks` of ``design``, shared.
    """
    spec = spec or design.resolved.spec
    resolved = design.resolved
    if fitted is None:  # (a given fit passed the check in fit_estimator)
        check_estimable(design)
    if covariance is not None and (fitted is None or spec.estimator not in ("logit", "firth")):
        raise ModelSpecError(f"model {spec.name!r}: a given covariance needs a given logit or Firth fit")
    params, cov, info, cov_note, n_clusters = _estimate(design, spec, fitted, covariance)
    terms, values = named(params)
    cov_matrix = cov if isinstance(cov, np.ndarray) else cov.to_numpy()
    estimates = tidy_columns(spec.name, terms, values, cov_matrix, resolved.focal_term)

    checks = checks or design_checks(design)
    separation = list(checks.separation) + _huge_notes(estimates, checks.scale_of())
    notes = list(resolved.notes) + info["warnings"] + info.get("notes", [])
    if not info["converged"]:
        notes.append(f"did not converge in {info['iterations']} iterations")
    if design.n_dropped:
        notes.append(f"listwise deletion dropped {design.n_dropped} of {design.n_sample} sample rows")
    if spec.estimator == "firth":
        notes.append(
            f"Firth: penalized log-likelihood {info['penalized_log_likelihood']:.4f}; "
            "log_likelihood/AIC/BIC are the unpenalized values at the Firth estimate"
            + ("" if spec.covariance == "nonrobust" else
               "; sandwich from the Firth-modified scores at the penalized estimate")
        )
    notes.append(cov_note)
    if resolved.focal_term and resolved.focal_term not in set(terms):
        notes.append(f"focal term {resolved.focal_term!r} is not a coefficient of this model")

    n, k = len(design.y), info["k"]
    llf = info["log_likelihood"]
    years = design.column("year")
    fit = {
        "model": spec.name,
        "description": spec.description,
        "outcome": spec.outcome,
        "focal_term": resolved.focal_term,
        "estimator": spec.estimator,
        "cov_type": _cov_type(spec),
        "frame": spec.frame,
        "democracy": spec.democracy + (
            f" >= {spec.democracy_threshold:g}" if spec.democracy_threshold is not None else ""),
        "sample": spec.sample.describe(),
        "formula": resolved.formula,
        "year_min": int(years.min()),
        "year_max": int(years.max()),
        "n_sample": int(design.n_sample),
        "n_obs": int(n),
        "n_events": int(design.y.sum()),
        "n_clusters": n_clusters,
        "log_likelihood": llf,
        "ll_null": info["ll_null"],
        "aic": 2 * k - 2 * llf,
        "bic": k * math.log(n) - 2 * llf,
        "pseudo_r2": 1.0 - llf / info["ll_null"] if info["ll_null"] else float("nan"),
        "converged": info["converged"],
        "iterations": info["iterations"],
        "n_dropped_missing": int(design.n_dropped),
        "dropped_by_column": json.dumps(design.dropped_by_column, sort_keys=True),
        "separation": "; ".join(separation) if separation else "none detected",
        "notes": "; ".join(notes),
        "status": FIT_OK,
        "failure_reason": None,
        "spec": json.dumps(spec.to_dict(), sort_keys=True),
    }
    preds = None
    if spec.predictions:
        from dyadstats.models.predictions import model_predictions  # scipy: only when asked

        found = model_predictions(design, as_series(params), cov_frame(cov_matrix, terms))
        if not found.empty:
            found.insert(0, "model", spec.name)
        preds = found.reindex(columns=PREDICTION_COLUMNS)
    log.info("%s: %s estimator, N=%d, events=%d, clusters=%d, converged=%s",
             spec.name, spec.estimator, n, fit["n_events"], fit["n_clusters"], fit["converged"])
    return ModelResult(spec.name, params, cov, estimates, fit, preds)


def fit_spec(source: Any, spec: ModelSpec) -> tuple[pd.DataFrame, dict[str, Any], pd.DataFrame]:
    """Prepare and fit one spec on a frame (path, Arrow table or pandas frame).

    Returns ``(estimates, fit_row, predictions)``. To fit many specs on one sample, call
    :func:`prepare` once and :func:`fit_design` per estimator/covariance variant.
    """
    result = fit_design(prepare(source, spec), spec)
    return result.estimates, result.fit, result.predictions
