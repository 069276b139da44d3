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

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dyadstats.models import Design, ModelSpec
from dyadstats.models import covariance as dcov
from dyadstats.models.estimate import _fit_firth, _fit_logit, _ll_null
from dyadstats.models.firth import firth_logit

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
    c1, c2 = design.data["ccode1"].to_numpy(), design.data["ccode2"].to_numpy()
    low, high = np.minimum(c1, c2), np.maximum(c1, c2)
    run = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, groups.size]))
    if np.any(low != low[starts][run]) or np.any(high != high[starts][run]) or np.any(c1 == c2):
        return None
    pair_codes, n_pairs = dcov._pair_codes(low[starts], high[starts])
    if n_pairs != starts.size:
        return None  # two cluster ids for one pair: the dyadic meat's dyads differ from clusters
    codes, n_states = dcov._codes(np.concatenate([low[starts], high[starts]]))
    del pair_codes
    return DyadSums(starts, (codes[: starts.size], codes[starts.size:]), n_states)


def sums_covariance(spec: ModelSpec, scores: np.ndarray, bread: np.ndarray,
                    runs: DyadSums) -> dcov.Covariance | None:
    """The spec's cluster-by-dyad or dyadic covariance from dyad sums; ``None`` for any other."""
    n, k = scores.shape
    if spec.covariance == "cluster" and spec.cluster_by == "dyad":
        by_dyad = np.add.reduceat(scores, runs.starts, axis=0)
        return dcov.cluster_from_sums(by_dyad, bread, n, k, str(spec.cluster_by))
    if spec.covariance == "dyadic":
        by_dyad = np.add.reduceat(scores, runs.starts, axis=0)
        first, second = runs.state_codes
        by_state = (dcov._group_sums(by_dyad, first, runs.n_states)
                    + dcov._group_sums(by_dyad, second, runs.n_states))
        meat = by_state.T @ by_state - by_dyad.T @ by_dyad
        return dcov.dyadic_from_meat(meat, bread, runs.n_states, n, k)
    return None


@dataclass
class WarmStarts:
    """The latest converged logit estimate per set of design columns (and overall).

    Neighbouring designs differ in one choice: one with the same columns (another era or
    sample, the same time control) starts closest to its root; any other starts from the latest
    estimate by term name (missing terms at 0).
    """

    by_columns: dict[tuple[str, ...], pd.Series]
    latest: pd.Series | None = None

    def start(self, design: Design) -> pd.Series | None:
        return self.by_columns.get(tuple(design.X.columns), self.latest)

    def update(self, params: pd.Series) -> None:
        self.by_columns[tuple(params.index)] = params
        self.latest = params


@dataclass
class EstimatorFit:
    """One estimator's point estimate on a design, with its score contributions and bread."""

    fitted: Fitted
    scores: np.ndarray
    bread: np.ndarray


def fit_logit(design: Design, spec: ModelSpec, start: pd.Series | None) -> EstimatorFit:
    """The models stage's logit (warm-started), with its scores and bread at the estimate."""
    params, info = _fit_logit(design, spec, start)
    scores, bread = dcov.logit_scores(design.X.to_numpy(), design.y, params.to_numpy())
    return EstimatorFit((params, info), scores, bread)


def fit_firth(design: Design, spec: ModelSpec, start: pd.Series | None) -> EstimatorFit:
    """Firth from ``start`` (the design's logit) by :func:`firth_logit`; firthmodels where it has no answer."""
    X = design.X.to_numpy()
    warm = (np.zeros(X.shape[1]) if start is None
            else start.reindex(design.X.columns).fillna(0.0).to_numpy(dtype=float))
    fast = firth_logit(X, design.y, warm)
    if fast is None:
        params, info = _fit_firth(design, spec)
        scores, bread = dcov.firth_scores(X, design.y, params.to_numpy())
        return EstimatorFit((params, info), scores, bread)
    info = {
        "log_likelihood": fast.log_likelihood,
        "ll_null": _ll_null(design.y),
        "converged": True,
        "iterations": fast.iterations,
        "warnings": [],
        "k": X.shape[1],
        "penalized_log_likelihood": fast.penalized_log_likelihood,
    }
    return EstimatorFit((pd.Series(fast.params, index=design.X.columns), info), fast.scores, fast.bread)
