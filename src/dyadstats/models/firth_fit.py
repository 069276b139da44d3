"""Firth's penalized logit for the models stage: own Newton steps from the logit MLE, firthmodels
where they have no clean answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from dyadstats.io.job_warnings import captured_warnings, warning_texts
from dyadstats.models.design import Design
from dyadstats.models.fit_info import converged_info, ll_null
from dyadstats.models.newton import newton_logit
from dyadstats.models.spec import HUGE_COEF, ModelSpec

if TYPE_CHECKING:
    import pandas as pd

    from dyadstats.models.firth import FirthFit


def fit_firth_estimate(design: Design, spec: ModelSpec, warm: bool = True) -> tuple[pd.Series, dict[str, Any]]:
    """Firth's penalized logit: NumPy Newton steps from the logit MLE
    (:func:`dyadstats.models.firth.firth_logit`, checked against firthmodels to 1e-8) where the
    logit converges and the steps reach the root cleanly, else firthmodels from zero
    (``warm=False``: firthmodels at once, for callers that tried their own warm start)."""
    import pandas as pd

    if warm:
        fast = _firth_from_logit(design, spec)
        if fast is not None:
            return pd.Series(fast.params, index=design.terms), firth_info(fast, design.y)
    return _fit_firth_library(design, spec)


def firth_info(fit: FirthFit, y: np.ndarray) -> dict[str, Any]:
    """The fit record of an own Firth fit that converged cleanly."""
    return {**converged_info(fit.log_likelihood, y, fit.iterations, len(fit.params)),
            "penalized_log_likelihood": fit.penalized_log_likelihood}


def _firth_from_logit(design: Design, spec: ModelSpec) -> FirthFit | None:
    """Firth from the logit MLE of the same design (within O(1/n) of the Firth root: a few
    steps); ``None`` when the logit or the Firth steps have no clean answer (separation, say)."""
    logit = newton_logit(design.matrix, design.y, max_iter=spec.max_iter, gram=design.gram())
    if logit is None or float(np.max(np.abs(logit.params) * design.scales())) > HUGE_COEF:
        return None
    from dyadstats.models.firth import firth_logit  # scipy: off the standard logit's path

    return firth_logit(design.matrix, design.y, logit.params)


def _fit_firth_library(design: Design, spec: ModelSpec) -> tuple[pd.Series, dict[str, Any]]:
    """firthmodels' ``FirthLogisticRegression`` from zero on rescaled columns."""
    import pandas as pd
    from firthmodels import FirthLogisticRegression

    X = design.matrix
    # Firth's penalty (Jeffreys prior) is invariant to rescaling columns, so fit on rescaled
    # columns and map back exactly: b = b_scaled / scale. This spares Newton-Raphson the
    # step-halving that raw cubic peace-year columns (up to ~10^7) provoke. Root-mean-square
    # first: a heavy-tailed column (1 / capability ratio, max 19,336, RMS ~ 30) scaled by its
    # maximum needs a scaled coefficient near -108 reached in bounded steps (the polyprod
    # replication on all dyads stopped unconverged at 100 iterations; by RMS it converges in 17).
    # Where the RMS fit's line search stalls at the optimum (the weak-link replication on all
    # dyads), the max-scaled fit converges (in 32): the first converged fit is kept, the same
    # estimate either way up to the tolerance.
    for scale in (np.sqrt(np.mean(X * X, axis=0)), np.abs(X).max(axis=0)):
        scale[scale == 0] = 1.0
        with captured_warnings() as caught:
            # Tight tolerances (library default 1e-4): Newton converges quadratically, so this
            # costs one or two iterations and makes the estimates reproducible to ~1e-8.
            model = FirthLogisticRegression(
                fit_intercept=False, max_iter=spec.max_iter, gtol=1e-8, xtol=1e-8
            ).fit(X / scale, design.y)
        if model.converged_:
            break
    params = pd.Series(model.coef_ / scale, index=design.terms)
    p = 1.0 / (1.0 + np.exp(-(X @ params.to_numpy())))
    with np.errstate(divide="ignore"):
        llf = float(np.sum(design.y * np.log(p) + (1 - design.y) * np.log1p(-p)))
    info = {
        "log_likelihood": llf,
        "ll_null": ll_null(design.y),
        "converged": bool(model.converged_),
        "iterations": int(model.n_iter_),
        "warnings": warning_texts(caught),
        "k": X.shape[1],
        "penalized_log_likelihood": float(model.loglik_),
    }
    return params, info
