"""The NumPy fill of plain numeric designs equals patsy's own evaluation, bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import patsy
import pytest

from dyadstats.models import design_matrix
from dyadstats.models.design_matrix import dmatrices
from dyadstats.models.predictions import counterfactual_design
from dyadstats.safe_expr import eval_namespace


@pytest.fixture
def data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 500
    return pd.DataFrame({
        "y": rng.integers(0, 2, n).astype(float),
        "a": rng.normal(size=n),
        "b": rng.integers(0, 2, n).astype(float),
        "c": rng.gamma(2.0, size=n),
        "pair": rng.choice(["joint democracy", "mixed", "joint autocracy"], n),
    })


def _patsy(formula: str, data: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    y, X = patsy.dmatrices(formula, data, NA_action="raise", return_type="dataframe",
                           eval_env=eval_namespace())
    return y.to_numpy().ravel(), X


@pytest.mark.parametrize("formula", [
    "y ~ a + b + c",
    "y ~ a + b + a:b + c",
    "y ~ a * b * c",
    "y ~ c + a + c",            # a repeated term counts once
    "y ~ 0 + a + b",            # no intercept
    "y ~ b:c + a",              # an interaction before a main effect: patsy reorders by degree
])
def test_plain_numeric_designs_equal_patsy(formula: str, data: pd.DataFrame, monkeypatch) -> None:
    calls = []
    real = design_matrix._fill
    monkeypatch.setattr(design_matrix, "_fill", lambda *a: calls.append(1) or real(*a))
    y, X = dmatrices(formula, data, eval_namespace())
    y_ref, X_ref = _patsy(formula, data)
    assert calls, "a plain numeric formula should take the NumPy fill"
    assert list(X.columns) == list(X_ref.columns)
    np.testing.assert_array_equal(X.to_numpy(), X_ref.to_numpy())
    np.testing.assert_array_equal(y, y_ref)
    assert X.design_info.column_names == X_ref.design_info.column_names


@pytest.mark.parametrize("formula", [
    "y ~ a + C(pair)",
    "y ~ a + pair",             # a string column: categorical
    "y ~ a + I(c ** 2)",
    "y ~ np.log(c) + b",
])
def test_other_designs_go_through_patsy(formula: str, data: pd.DataFrame, monkeypatch) -> None:
    monkeypatch.setattr(design_matrix, "_fill", lambda *a: pytest.fail("not a plain numeric design"))
    y, X = dmatrices(formula, data, eval_namespace())
    y_ref, X_ref = _patsy(formula, data)
    assert list(X.columns) == list(X_ref.columns)
    np.testing.assert_array_equal(X.to_numpy(), X_ref.to_numpy())
    np.testing.assert_array_equal(y, y_ref)


def test_counterfactual_design_rebuilds_from_the_attached_info(data: pd.DataFrame) -> None:
    """predictions rebuild X from design_info: a fast-filled X must support that."""
    _, X = dmatrices("y ~ a + b + a:b", data, eval_namespace())

    class _Design:
        pass

    d = _Design()
    d.data, d.X = data, X
    cf = counterfactual_design(d, {"b": 1.0})
    np.testing.assert_array_equal(cf[:, list(X.columns).index("a:b")], data["a"].to_numpy())


def test_stateful_transforms_see_the_whole_data(data: pd.DataFrame) -> None:
    """A spline's knots come from all rows, never from a one-row description."""
    y, X = dmatrices("y ~ a + cr(c, df=3)", data, eval_namespace())
    y_ref, X_ref = _patsy("y ~ a + cr(c, df=3)", data)
    np.testing.assert_array_equal(X.to_numpy(), X_ref.to_numpy())
