"""Fitted-model results as arrays first: point estimates (:class:`Coefficients`), tidy
estimate rows as columns (:func:`tidy_columns`) and the :class:`ModelResult` that builds the
pandas objects (``params``, ``cov``, ``estimates``, ``predictions``) only when they are read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from dyadstats.models.newton import two_sided_p
from dyadstats.models.spec import ESTIMATE_COLUMNS, PREDICTION_COLUMNS, Z975

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Coefficients:
    """Point estimates by term, without pandas (:meth:`to_series` gives the pandas Series)."""

    terms: tuple[str, ...]
    values: np.ndarray

    def copy(self) -> Coefficients:
        return Coefficients(self.terms, self.values.copy())

    def to_series(self) -> pd.Series:
        import pandas as pd

        return pd.Series(self.values, index=list(self.terms))


#: A point estimate: own coefficients or a pandas Series by term (statsmodels, Firth, mixed, ...).
Params = Union[Coefficients, "pd.Series"]
#: Tidy estimate rows as columns (:data:`~dyadstats.models.spec.ESTIMATE_COLUMNS` order).
EstimateColumns = dict[str, Any]


def named(params: Params) -> tuple[list[str], np.ndarray]:
    """``(terms, values)`` of a point estimate of either kind."""
    if isinstance(params, Coefficients):
        return list(params.terms), params.values
    return [str(t) for t in params.index], params.to_numpy(dtype=float)


def as_series(params: Params) -> pd.Series:
    """A point estimate as a pandas Series by term."""
    return params.to_series() if isinstance(params, Coefficients) else params


def cov_frame(matrix: np.ndarray, terms: Sequence[str]) -> pd.DataFrame:
    """A covariance matrix as a DataFrame labelled by term on both axes."""
    import pandas as pd

    return pd.DataFrame(matrix, index=list(terms), columns=list(terms))


class ModelResult:
    """Everything one fitted model contributes to the tidy tables.

    ``params``, ``cov``, ``estimates`` and ``predictions`` are pandas objects, built on first
    read when the fit gave arrays (:class:`Coefficients`, a covariance matrix, tidy columns,
    no predictions): the models stage writes those arrays without pandas
    (:mod:`dyadstats.models.tables`).
    """

    def __init__(self, name: str, params: Params, cov: pd.DataFrame | np.ndarray,
                 estimates: pd.DataFrame | EstimateColumns, fit: dict[str, Any],
                 predictions: pd.DataFrame | None) -> None:
        self.name = name
        self.fit = fit
        self._params = params
        self._cov = cov
        self._estimates = estimates
        self._predictions = predictions

    @property
    def params(self) -> pd.Series:
        self._params = as_series(self._params)
        return self._params

    @property
    def cov(self) -> pd.DataFrame:
        if isinstance(self._cov, np.ndarray):
            self._cov = cov_frame(self._cov, named(self._params)[0])
        return self._cov

    @property
    def estimates(self) -> pd.DataFrame:
        if isinstance(self._estimates, dict):
            self._estimates = estimates_frame(self._estimates)
        return self._estimates

    @property
    def predictions(self) -> pd.DataFrame:
        if self._predictions is None:
            import pandas as pd

            self._predictions = pd.DataFrame(columns=PREDICTION_COLUMNS)
        return self._predictions

    @property
    def estimate_columns(self) -> EstimateColumns | None:
        """The tidy estimates as columns when the fit gave them so (else None: a frame)."""
        return self._estimates if isinstance(self._estimates, dict) else None

    @property
    def has_predictions_frame(self) -> bool:
        """Whether predictions were computed (a frame); False: the empty table."""
        return self._predictions is not None


def tidy_columns(name: str, terms: Sequence[str], est: np.ndarray, cov: np.ndarray,
                 focal: str | None) -> EstimateColumns:
    """One row per term as columns: estimate, SE, z, two-sided normal p, 95% Wald CI, odds
    ratio (``model`` and ``term`` as lists of str, the rest NumPy arrays)."""
    se = np.sqrt(np.clip(np.diag(np.asarray(cov, dtype=float)), 0.0, None))
    est = np.asarray(est, dtype=float)
    terms = [str(t) for t in terms]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = est / se
        out = {
            "model": [name] * len(terms),
            "term": terms,
            "term_index": np.arange(len(terms), dtype=np.int64),
            "estimate": est,
            "std_error": se,
            "statistic": z,
            "p_value": two_sided_p(z),
            "conf_low": est - Z975 * se,
            "conf_high": est + Z975 * se,
            "odds_ratio": np.exp(est),
            "is_focal": np.array([t == (focal or "") for t in terms], dtype=bool),
        }
    return {c: out[c] for c in ESTIMATE_COLUMNS}


def estimates_frame(columns: EstimateColumns) -> pd.DataFrame:
    """Tidy estimate columns (:func:`tidy_columns`) as the estimates DataFrame."""
    import pandas as pd

    return pd.DataFrame(columns)[ESTIMATE_COLUMNS]


def tidy_estimates(name: str, params: pd.Series, cov: pd.DataFrame, focal: str | None) -> pd.DataFrame:
    """One row per term: estimate, SE, z, two-sided normal p, 95% Wald CI, odds ratio."""
    return estimates_frame(tidy_columns(name, params.index.astype(str), params.to_numpy(),
                                        cov.to_numpy(), focal))
