"""Separation warnings: binary columns that split the outcome, and estimates too large for their
column's scale (the fit row's ``separation`` column).

The checks run on NumPy arrays (:func:`column_separation`, :func:`column_scales`; the models
stage's own fits); :func:`separation_checks`, :func:`term_scales` and :func:`huge_terms` are the
same checks on pandas objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from dyadstats.models.spec import HUGE_COEF, HUGE_SE

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class ColumnRanges:
    """Per design column: smallest and largest value, and whether every value is 0 or 1."""

    low: np.ndarray
    high: np.ndarray
    binary: np.ndarray


def column_ranges(X: np.ndarray) -> ColumnRanges:
    """:class:`ColumnRanges` of ``X``, column by column (one pass each, no temporaries of X)."""
    values = np.asarray(X, dtype=float)
    k = values.shape[1]
    low, high, binary = np.empty(k), np.empty(k), np.zeros(k, dtype=bool)
    for j in range(k):
        column = values[:, j]
        low[j], high[j] = column.min(), column.max()
        # x (1 - x) >= 0 on [0, 1], and 0 exactly at 0 and 1: a 0/1 column has no nonzero one
        binary[j] = low[j] >= 0.0 and high[j] <= 1.0 and not np.any(column * (1.0 - column))
    return ColumnRanges(low, high, binary)


def column_separation(X: np.ndarray, terms: Sequence[str], y: np.ndarray,
                      ranges: ColumnRanges | None = None) -> list[str]:
    """Binary design columns whose 1-rows or 0-rows hold no events or no non-events.

    Such a column has an infinite maximum-likelihood coefficient (quasi-complete separation).
    ``ranges``: :func:`column_ranges` of X, if known.
    """
    binary = (ranges or column_ranges(X)).binary
    found = []
    events_total, n = float(y.sum()), len(y)
    for j, name in enumerate(terms):
        col = X[:, j]
        if name == "Intercept" or not binary[j]:
            continue
        ones = col == 1.0
        n1 = int(ones.sum())
        if n1 in (0, n):
            found.append(f"{name}: constant in the estimation sample")
            continue
        e1 = float(y[ones].sum())
        for label, events, rows in (("=1", e1, n1), ("=0", events_total - e1, n - n1)):
            if events == 0:
                found.append(f"{name}{label}: no events in {rows} rows")
            elif events == rows:
                found.append(f"{name}{label}: events in all {rows} rows")
    return found


def separation_checks(X: pd.DataFrame, y: np.ndarray) -> list[str]:
    """:func:`column_separation` of a design DataFrame."""
    return column_separation(X.to_numpy(), [str(c) for c in X.columns], y)


def column_scales(X: np.ndarray, ranges: ColumnRanges | None = None) -> np.ndarray:
    """What one unit of each coefficient is worth in the linear predictor, for judging its size.

    A 0/1 column: 1 (its coefficient is the log-odds change from 0 to 1, the rule for dummies
    since the beginning); a constant column (the intercept): 1; any other column: its standard
    deviation in the estimation sample, so a coefficient of 30 on a ratio with SD 0.003 (0.09 log
    odds per SD) is ordinary while a continuous column that (quasi-)separates the outcome, whose
    estimate diverges, still shows as tens of log odds per SD. ``ranges``: :func:`column_ranges`
    of X, if known.
    """
    values = np.asarray(X, dtype=float)
    ranges = ranges or column_ranges(values)
    scales = np.ones(values.shape[1])
    for j in range(values.shape[1]):
        if ranges.low[j] == ranges.high[j] or ranges.binary[j]:
            continue
        scales[j] = values[:, j].std()
    return scales


def term_scales(X: pd.DataFrame) -> pd.Series:
    """:func:`column_scales` of a design DataFrame, by term."""
    import pandas as pd

    return pd.Series(column_scales(X.to_numpy(dtype=float)), index=X.columns)


def huge_terms(estimates: pd.DataFrame, scales: pd.Series) -> pd.DataFrame:
    """Terms whose scaled estimate exceeds HUGE_COEF or scaled SE exceeds HUGE_SE log odds."""
    scale = estimates["term"].map(scales).fillna(1.0).to_numpy()
    size = estimates["estimate"].abs().to_numpy() * scale
    spread = estimates["std_error"].to_numpy() * scale
    return estimates.assign(scaled_estimate=size, scaled_se=spread)[(size > HUGE_COEF) | (spread > HUGE_SE)]
