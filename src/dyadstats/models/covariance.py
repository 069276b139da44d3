"""Sandwich covariances of logit estimates for dyad-year data (pure numpy).

Every estimator here is ``V = c * B M B`` with

* the bread ``B = (X'WX)^-1``, ``W = diag(p_i (1 - p_i))``, the inverse Fisher information at
  the estimate (for a logit the observed and expected information coincide);
* the meat ``M``, a sum of outer products of per-observation score contributions ``s_i``
  (rows of ``scores``) over the pairs of observations the estimator lets be dependent;
* ``c`` a small-sample factor, stated per estimator below and in :attr:`Covariance.note`.

Scores: a logit has ``s_i = x_i (y_i - p_i)`` (:func:`logit_scores`); a Firth-penalized logit is
the root of the modified score ``U*(b) = sum_i x_i (y_i - p_i + h_i (1/2 - p_i))`` with ``h_i``
the diagonal of the weighted hat matrix ``W^1/2 X (X'WX)^-1 X' W^1/2``, so its sandwich uses
those contributions (:func:`firth_scores`). ``-dU*/db = X'WX + O(1)``: using ``(X'WX)^-1`` as the
Firth bread drops terms of order 1/N relative to the information (the same approximation as
the model-based Firth covariance, which is ``(X'WX)^-1`` at the penalized estimate).

Estimators (N observations, K parameters):

* ``nonrobust``: ``B``.
* ``robust``: HC0, ``B (sum_i s_i s_i') B``, no factor.
* ``cluster`` (one-way CRV1): ``M = sum_g S_g S_g'`` with ``S_g`` the score sum of cluster g;
  ``c = G/(G-1) * (N-1)/(N-K)``, statsmodels' ``cov_type='cluster'`` factor.
* ``dyadic`` (Aronow, Samii & Assenova 2015, Political Analysis 23(4): 564-577): ``M`` sums
  ``s_i s_j'`` over all ordered pairs (i, j), i = j included, whose dyads share at least one
  state, in any years. With ``S_k`` the score sum of the observations involving state k and
  ``S_d`` that of the observations of unordered dyad d, ``M = sum_k S_k S_k' - sum_d S_d S_d'``:
  a pair sharing one state appears in one ``S_k``; a pair of the same unordered dyad (same or
  other year, either direction of a directed frame) shares two states, appears in two and is
  taken back once. ``c = G/(G-1) * (N-1)/(N-K)`` with G the number of states: our choice, the
  CRV1 factor with the states as clusters (ASA's estimator has no factor; with G ~ 150 states
  the difference is under 1% in SE).
* ``twoway`` (Cameron, Gelbach & Miller 2011, JBES 29(2): 238-249):
  ``V = V_1 + V_2 - V_12``, three one-way CRV1 covariances by dimension 1 (e.g. dyad), by
  dimension 2 (e.g. year) and by their intersection, each with its own G/(G-1)*(N-1)/(N-K),
  exactly statsmodels' ``cov_type='cluster'`` with a two-column ``groups``.

``dyadic`` and ``twoway`` meats are differences of PSD matrices and may be indefinite; then
CGM's (2011, section 2.3) fix applies: ``V = U diag(max(lambda, 0)) U'`` from the eigen-
decomposition ``V = U diag(lambda) U'``, and the note says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dyadstats.models.newton import expit, newton_pass, row_blocks

FloatArray = np.ndarray


@dataclass(frozen=True)
class ScoreRows:
    """Score contributions ``s_i = x_i r_i`` kept as ``X`` and the per-row factor ``r``.

    Every meat needs the scores one column at a time (cluster sums) or as ``S'S``, and both
    come from ``X`` and ``r`` directly: the n x k product itself (47 MB on 0.7 M rows, faulted
    in afresh by each process that builds it) is never built. Column sums are the very
    products and bincount sums of the full array, so the covariances are bit-equal to it.
    """

    X: FloatArray
    factor: FloatArray

    @property
    def shape(self) -> tuple[int, int]:
        return self.X.shape  # type: ignore[return-value]

    def column(self, j: int) -> FloatArray:
        return self.X[:, j] * self.factor

    def cross(self) -> FloatArray:
        """``S'S``, block by block (one cache-sized block of ``S`` at a time)."""
        n, k = self.X.shape
        out = np.zeros((k, k))
        for rows in row_blocks(n):
            block = self.X[rows] * self.factor[rows, None]
            out += block.T @ block
        return out


#: Score contributions: an n x k array (row i = s_i) or :class:`ScoreRows`.
Scores = FloatArray | ScoreRows


def _column(scores: Scores, j: int) -> FloatArray:
    return scores.column(j) if isinstance(scores, ScoreRows) else scores[:, j]


def _cross(scores: Scores) -> FloatArray:
    return scores.cross() if isinstance(scores, ScoreRows) else scores.T @ scores


@dataclass(frozen=True)
class Covariance:
    """A covariance matrix with the facts a fit row reports about it."""

    matrix: FloatArray
    n_clusters: int | None      # clusters (states for dyadic; the smaller dimension for twoway)
    note: str                   # the estimator and its small-sample factor, in words
    psd_fixed: bool = False     # CGM's eigenvalue fix was applied


def information(X: FloatArray, beta: FloatArray) -> FloatArray:
    """Fisher information ``X'WX`` of a logit at ``beta``."""
    p = expit(X @ beta)
    return X.T @ (X * (p * (1.0 - p))[:, None])


def logit_scores(X: FloatArray, y: FloatArray, beta: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per-observation score contributions ``x_i (y_i - p_i)`` and the bread ``(X'WX)^-1``."""
    p = expit(X @ beta)
    bread = np.linalg.inv(X.T @ (X * (p * (1.0 - p))[:, None]))
    return X * (y - p)[:, None], bread


def logit_score_rows(X: FloatArray, y: FloatArray, beta: FloatArray) -> tuple[ScoreRows, FloatArray]:
    """:func:`logit_scores` as :class:`ScoreRows`, the bread from one blocked pass over X."""
    information, _, _ = newton_pass(X, y, beta)
    return ScoreRows(X, y - expit(X @ beta)), np.linalg.inv(information)


def firth_scores(X: FloatArray, y: FloatArray, beta: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Firth-modified score contributions ``x_i (y_i - p_i + h_i (1/2 - p_i))`` and ``(X'WX)^-1``.

    ``h_i = w_i x_i' (X'WX)^-1 x_i`` is the hat diagonal; at the Firth estimate the rows sum to 0.
    """
    p = expit(X @ beta)
    w = p * (1.0 - p)
    bread = np.linalg.inv(X.T @ (X * w[:, None]))
    h = np.einsum("ij,jk,ik->i", X, bread, X) * w
    return X * (y - p + h * (0.5 - p))[:, None], bread


def _sandwich(bread: FloatArray, meat: FloatArray) -> FloatArray:
    return bread @ meat @ bread.T


#: Non-negative integer ids up to this multiple of the row count (plus a constant) are coded by
#: a presence table instead of a sort.
_TABLE_FACTOR, _TABLE_EXTRA = 8, 1 << 20


def _codes(ids: np.ndarray) -> tuple[np.ndarray, int]:
    """Dense integer codes 0..G-1 of a 1-d id array (in sorted id order, as ``np.unique``), and G.

    Cluster ids (dyad numbers, years, state codes and their pair codes) are small non-negative
    integers: a presence table codes them in O(N + max id) with the very codes ``np.unique``'s
    sort would give; anything else is sorted.
    """
    flat = np.asarray(ids).ravel()
    if flat.size and flat.dtype.kind in "iu":
        low, high = int(flat.min()), int(flat.max())
        if low >= 0 and high < _TABLE_FACTOR * flat.size + _TABLE_EXTRA:
            present = np.zeros(high + 1, dtype=bool)
            present[flat] = True
            rank = np.cumsum(present) - 1
            return rank[flat], int(rank[-1]) + 1
    uniq, inverse = np.unique(flat, return_inverse=True)
    return inverse.ravel(), len(uniq)


def _pair_codes(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, int]:
    """Dense codes of the (first, second) combinations (1-d sorts only: fast at 10^6 rows)."""
    c1, _ = _codes(first)
    c2, g2 = _codes(second)
    return _codes(c1.astype(np.int64) * g2 + c2)


def _group_sums(scores: Scores, codes: np.ndarray, n_groups: int) -> FloatArray:
    """Per-group column sums (bincount: sequential, hence deterministic, sums)."""
    return np.column_stack([np.bincount(codes, weights=_column(scores, j), minlength=n_groups)
                            for j in range(scores.shape[1])])


def crv1_factor(n_groups: int, n_obs: int, n_params: int) -> float:
    """``G/(G-1) * (N-1)/(N-K)``: statsmodels' (and Stata's ``regress``) CRV1 factor."""
    if n_groups < 2:
        raise ValueError(f"a cluster covariance needs at least 2 clusters, got {n_groups}")
    return n_groups / (n_groups - 1.0) * ((n_obs - 1.0) / float(n_obs - n_params))


def psd_fix(matrix: FloatArray) -> tuple[FloatArray, bool]:
    """CGM's eigenvalue fix: zero negative eigenvalues (returns the matrix and whether it acted).

    Eigenvalues above -1e-12 times the largest are rounding, not indefiniteness: left alone.
    """
    sym = (matrix + matrix.T) / 2.0
    values, vectors = np.linalg.eigh(sym)
    if values.min() >= -1e-12 * np.abs(values).max():
        return matrix, False
    return (vectors * np.clip(values, 0.0, None)) @ vectors.T, True


def nonrobust(bread: FloatArray) -> Covariance:
    """Model-based covariance ``(X'WX)^-1``."""
    return Covariance(bread, None, "model-based covariance (inverse Fisher information)")


def robust(scores: Scores, bread: FloatArray) -> Covariance:
    """HC0: ``B (sum_i s_i s_i') B``, no small-sample factor."""
    return Covariance(_sandwich(bread, _cross(scores)), None, "HC0 robust covariance, no small-sample factor")


def _crv1(scores: Scores, bread: FloatArray, groups: np.ndarray) -> tuple[FloatArray, int]:
    one_way = cluster(scores, bread, groups)
    return one_way.matrix, int(one_way.n_clusters or 0)


def cluster(scores: Scores, bread: FloatArray, groups: np.ndarray, label: str = "dyad") -> Covariance:
    """One-way CRV1 by ``groups``: ``c B (sum_g S_g S_g') B``, c = G/(G-1)*(N-1)/(N-K)."""
    codes, g = _codes(groups)
    n, k = scores.shape
    return cluster_from_sums(_group_sums(scores, codes, g), bread, n, k, label)


def cluster_from_sums(sums: FloatArray, bread: FloatArray, n_obs: int, n_params: int,
                      label: str = "dyad") -> Covariance:
    """:func:`cluster` from the per-cluster score sums ``S_g`` (rows of ``sums``, one per cluster).

    For callers that hold the sums already (rows sorted by cluster: ``np.add.reduceat``).
    """
    g = sums.shape[0]
    matrix = _sandwich(bread, sums.T @ sums) * crv1_factor(g, n_obs, n_params)
    return Covariance(matrix, g, f"CRV1 cluster covariance by {label} ({g} clusters) with "
                                 "small-sample factor G/(G-1)*(N-1)/(N-K)")


def unordered_dyads(state1: np.ndarray, state2: np.ndarray) -> np.ndarray:
    """Codes of the unordered pair {state1, state2} per row (a->b and b->a share one code)."""
    return _pair_codes(np.minimum(state1, state2), np.maximum(state1, state2))[0]


def dyadic_meat(scores: Scores, state1: np.ndarray, state2: np.ndarray) -> tuple[FloatArray, int]:
    """``sum_k S_k S_k' - sum_d S_d S_d'`` (see the module docstring) and the number of states."""
    state1, state2 = np.asarray(state1), np.asarray(state2)
    if np.any(state1 == state2):
        raise ValueError("dyadic covariance: a row pairs a state with itself")
    codes, g = _codes(np.concatenate([state1, state2]))
    n = len(state1)
    by_state = _group_sums(scores, codes[:n], g) + _group_sums(scores, codes[n:], g)
    dyad_codes = unordered_dyads(state1, state2)
    n_dyads = int(dyad_codes.max()) + 1
    by_dyad = _group_sums(scores, dyad_codes, n_dyads)
    return by_state.T @ by_state - by_dyad.T @ by_dyad, g


def dyadic(scores: Scores, bread: FloatArray, state1: np.ndarray, state2: np.ndarray,
           fix_psd: bool = True) -> Covariance:
    """Aronow-Samii-Assenova dyadic-robust covariance, c = G/(G-1)*(N-1)/(N-K), G = states.

    ``fix_psd``: apply CGM's eigenvalue fix when the matrix is indefinite (few states).
    """
    meat, g = dyadic_meat(scores, state1, state2)
    n, k = scores.shape
    return dyadic_from_meat(meat, bread, g, n, k, fix_psd)


def dyadic_from_meat(meat: FloatArray, bread: FloatArray, n_states: int, n_obs: int, n_params: int,
                     fix_psd: bool = True) -> Covariance:
    """:func:`dyadic` from its meat ``sum_k S_k S_k' - sum_d S_d S_d'`` over ``n_states`` states."""
    g = n_states
    matrix = _sandwich(bread, meat) * crv1_factor(g, n_obs, n_params)
    matrix, fixed = psd_fix(matrix) if fix_psd else (matrix, False)
    note = (f"dyadic-robust covariance (Aronow, Samii & Assenova 2015) over {g} states, "
            "small-sample factor G/(G-1)*(N-1)/(N-K) with G = states")
    if fixed:
        note += "; not positive semidefinite: negative eigenvalues set to 0 (CGM 2011)"
    return Covariance(matrix, g, note, fixed)


def twoway(scores: Scores, bread: FloatArray, group1: np.ndarray, group2: np.ndarray,
           labels: Sequence[str] = ("dyad", "year"), fix_psd: bool = True) -> Covariance:
    """CGM two-way covariance ``V_1 + V_2 - V_12``, each term CRV1 with its own factor.

    ``n_clusters`` is the smaller dimension's count (CGM's asymptotics rest on it); the note
    names both.
    """
    v1, g1 = _crv1(scores, bread, group1)
    v2, g2 = _crv1(scores, bread, group2)
    v12, g12 = _crv1(scores, bread, _pair_codes(group1, group2)[0])
    matrix, fixed = psd_fix(v1 + v2 - v12) if fix_psd else (v1 + v2 - v12, False)
    a, b = labels
    note = (f"two-way cluster covariance (Cameron, Gelbach & Miller 2011) by {a} ({g1} clusters) "
            f"and {b} ({g2} clusters), V_{a} + V_{b} - V_{a}x{b} ({g12} cells), each with "
            "small-sample factor G/(G-1)*(N-1)/(N-K)")
    if fixed:
        note += "; not positive semidefinite: negative eigenvalues set to 0 (CGM 2011)"
    return Covariance(matrix, min(g1, g2), note, fixed)
