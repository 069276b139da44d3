"""The fits of one design: a warm-started logit, a warm-started Firth, covariances from cluster sums.

Every specification of a design group shares one estimator fit per estimator (its point
estimate serves every covariance) and one set of per-dyad score sums per fit, from which the
cluster and dyadic covariances follow without another pass over the rows:

* rows are sorted by dyad (:mod:`dyadstats.multiverse.prepared`, and
  :func:`dyadstats.models.prepare` alike), so the dyad sums ``S_d`` are one ``np.add.reduceat``;
* the cluster (by dyad) meat is ``sum_d S_d S_d'``;
* each dyad holds one unordered pair of states, so the state sums of the dyadic meat are sums
  of dyad sums: ``S_k = sum_{d ni k} S_d``, and ``M = sum_k S_k S_k' - sum_d S_d S_d'``
  (:func:`dyadstats.models.covariance.dyadic_meat`, regrouped).

Other covariances, and designs whose rows are not so sorted, go through
:func:`dyadstats.models.model_covariance` unchanged. The Firth point estimate is
:func:`dyadstats.models.firth.firth_logit` from the design's logit estimate, and the models
stage's firthmodels fit where that gives no answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dyadstats.models import Design, ModelSpec
from dyadstats.models import covariance as dcov
from dyadstats.models.estimate import _fit_logit_statsmodels
from dyadstats.models.firth import firth_logit
from dyadstats.models.firth_fit import firth_info, fit_firth_estimate
from dyadstats.models.fit_info import converged_info
from dyadstats.models.newton import expit, newton_logit
from dyadstats.models.spec import HUGE_COEF

Fitted = tuple[pd.Series, dict[str, Any]]


@dataclass(frozen=True)
class DyadSums:
    """How a design's rows group into dyads (contiguous runs) and their states."""

    starts: np.ndarray          # first row of each dyad
    state_codes: tuple[np.ndarray, np.ndarray]   # per dyad: codes of its two states
    n_states: int


def dyad_sums(design: Design) -> DyadSums | None:
    """The dyad runs of a design, or ``None`` if its rows do not form one run per unordered pair."""
    groups = np.asarray(design.groups)
    if groups.size == 0 or groups.dtype.kind not in "iu" or np.any(np.diff(groups) < 0):
        return None
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    c1, c2 = design.column("ccode1"), design.column("ccode2")
    low, high = np.minimum(c1, c2), np.maximum(c1, c2)
    run = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, groups.size]))
    if np.any(low != low[starts][run]) or np.any(high != high[starts][run]) or np.any(c1 == c2):
        return None
    _, n_pairs = dcov._pair_codes(low[starts], high[starts])
    if n_pairs != starts.size:
        return None  # two cluster ids for one pair: the dyadic meat's dyads differ from clusters
    codes, n_states = dcov._codes(np.concatenate([low[starts], high[starts]]))
    return DyadSums(starts, (codes[: starts.size], codes[starts.size:]), n_states)


def _by_dyad(scores: dcov.Scores, starts: np.ndarray) -> np.ndarray:
    """Per-dyad score sums (rows in dyad runs): column by column for :class:`ScoreRows`."""
    if isinstance(scores, dcov.ScoreRows):
        return np.column_stack([np.add.reduceat(scores.column(j), starts) for j in range(scores.shape[1])])
    return np.add.reduceat(scores, starts, axis=0)


def sums_covariance(spec: ModelSpec, scores: dcov.Scores, bread: np.ndarray,
                    runs: DyadSums) -> dcov.Covariance | None:
    """The spec's cluster-by-dyad or dyadic covariance from dyad sums; ``None`` for any other."""
    n, k = scores.shape
    if spec.covariance == "cluster" and spec.cluster_by == "dyad":
        by_dyad = _by_dyad(scores, runs.starts)
        return dcov.cluster_from_sums(by_dyad, bread, n, k, str(spec.cluster_by))
    if spec.covariance == "dyadic":
        by_dyad = _by_dyad(scores, runs.starts)
        first, second = runs.state_codes
        by_state = (dcov._group_sums(by_dyad, first, runs.n_states)
                    + dcov._group_sums(by_dyad, second, runs.n_states))
        meat = by_state.T @ by_state - by_dyad.T @ by_dyad
        return dcov.dyadic_from_meat(meat, bread, runs.n_states, n, k)
    return None


def _role(term: str) -> str:
    """A term's name without the lag suffix: a lagged column plays its unlagged twin's role."""
    return term.removesuffix("_lag1")


def _by_name(params: pd.Series | None, design: Design) -> np.ndarray | None:
    """``params`` by term name (lagged and unlagged twins alike) on the design's columns; terms
    it lacks start at 0."""
    if params is None:
        return None
    by_role = dict(zip(map(_role, params.index), params.to_numpy(dtype=float), strict=True))
    return np.array([by_role.get(_role(str(c)), 0.0) for c in design.X.columns])


@dataclass
class WarmStarts:
    """Converged estimates of earlier designs, to start the next design's iterations near its root.

    Keyed by the design's *place*: what it shares with its neighbours in the expansion order
    (specifications that differ in the outcome, measure, threshold, link or lag share the
    sample, the era and the time control, and so most of their coefficients). A logit starts
    from the latest logit at the same place, else the latest logit with the same columns, else
    the latest one (by term name, missing terms at 0). A Firth fit starts from its own design's
    logit plus the Firth-minus-logit difference last seen at the same place (the small-sample
    correction changes little between neighbours).
    """

    logit: dict[object, pd.Series] = field(default_factory=dict)
    firth_shift: dict[object, pd.Series] = field(default_factory=dict)
    latest: pd.Series | None = None

    @staticmethod
    def place(design: Design) -> tuple[object, ...]:
        sample = design.resolved.spec.sample
        return (sample.politically_relevant, sample.years, design.resolved.spec.time_dependence)

    def logit_start(self, design: Design) -> np.ndarray | None:
        params = self.logit.get(self.place(design),
                                self.logit.get(tuple(design.X.columns), self.latest))
        return _by_name(params, design)

    def firth_start(self, design: Design, logit: pd.Series | None) -> np.ndarray:
        start = _by_name(logit, design)
        if start is None:
            return np.zeros(design.X.shape[1])
        shift = _by_name(self.firth_shift.get(self.place(design)), design)
        return start if shift is None else start + shift

    def add_logit(self, design: Design, params: pd.Series) -> None:
        self.logit[self.place(design)] = self.logit[tuple(params.index)] = self.latest = params

    def add_firth(self, design: Design, params: pd.Series, logit: pd.Series) -> None:
        self.firth_shift[self.place(design)] = params - logit.reindex(params.index).fillna(0.0)


@dataclass
class EstimatorFit:
    """One estimator's point estimate on a design, with its score contributions and bread."""

    fitted: Fitted
    scores: dcov.Scores
    bread: np.ndarray


def fit_logit(design: Design, spec: ModelSpec, start: np.ndarray | None, scales: np.ndarray) -> EstimatorFit:
    """The models stage's logit (:func:`dyadstats.models.estimate._fit_logit`: NumPy Newton where
    its answer is clean, else statsmodels) from ``start``, with the scores and the bread at the
    estimate (the Newton fit's own). ``scales``: the design's term scales (its checks' array)."""
    X, y = design.X.to_numpy(), design.y
    gram = design.gram()
    fast = newton_logit(X, y, max_iter=spec.max_iter, start=start, gram=gram) if start is not None else None
    if fast is None:
        fast = newton_logit(X, y, max_iter=spec.max_iter, gram=gram)
    if fast is not None and float(np.max(np.abs(fast.params) * scales)) <= HUGE_COEF:
        info = converged_info(fast.log_likelihood, y, fast.iterations, X.shape[1])
        scores = dcov.ScoreRows(X, y - expit(X @ fast.params))
        return EstimatorFit((pd.Series(fast.params, index=design.X.columns), info), scores, fast.bread)
    params, info = _fit_logit_statsmodels(design, spec)
    scores, bread = dcov.logit_scores(X, y, params.to_numpy())
    return EstimatorFit((params, info), scores, bread)


def fit_firth(design: Design, spec: ModelSpec, start: np.ndarray) -> EstimatorFit:
    """Firth from ``start`` by :func:`firth_logit`; the models stage's firthmodels fit where it has no answer."""
    X = design.X.to_numpy()
    fast = firth_logit(X, design.y, start)
    if fast is None:
        params, info = fit_firth_estimate(design, spec, warm=False)
        scores, bread = dcov.firth_scores(X, design.y, params.to_numpy())
        return EstimatorFit((params, info), scores, bread)
    return EstimatorFit((pd.Series(fast.params, index=design.X.columns), firth_info(fast, design.y)),
                        fast.scores, fast.bread)
