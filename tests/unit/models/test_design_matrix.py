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


# ---------------------------------------------------------------------------------------------
# Bare-names formulas: built from NumPy columns without patsy, as patsy builds them
# ---------------------------------------------------------------------------------------------


def _columns(data: pd.DataFrame) -> dict[str, np.ndarray]:
    out = {c: data[c].to_numpy() for c in data.columns}
    out["k"] = np.arange(len(data), dtype=np.int64) % 7   # an integer column
    out["flag"] = out["b"] == 1.0                          # bool: categorical to patsy
    return out


@pytest.mark.parametrize("formula", [
    "y ~ a + b + c",
    "y ~ c + a + c",            # a repeated name counts once, at its first place
    "y~a+b",                    # no spaces
    "  y ~   a +\tb  +  c  ",   # any whitespace
    "y ~ a + a + a",
    "y ~ k + a",                # an integer column becomes float
    "k ~ a + b",                # an integer outcome too
    "y ~ y + a",                # the outcome among the regressors, as patsy keeps it
    "y ~ b",
])
def test_bare_numeric_formulas_equal_patsy_without_patsy(formula: str, data: pd.DataFrame) -> None:
    columns = _columns(data)
    built = design_matrix.numpy_design(formula, columns)
    assert built is not None, "a bare-names formula takes the NumPy path"
    y, X = built
    frame = pd.DataFrame({k: v for k, v in columns.items() if k != "flag"})
    y_ref, X_ref = _patsy(formula, frame)
    assert list(X.columns) == list(X_ref.columns)
    assert X.values.flags.f_contiguous and X.values.dtype == np.float64
    np.testing.assert_array_equal(X.values, X_ref.to_numpy())
    np.testing.assert_array_equal(y, y_ref)
    assert list(design_matrix.design_info(formula, frame, eval_namespace()).column_names) == list(X.columns)


@pytest.mark.parametrize("formula", [
    "y ~ np.log(c) + b",        # a function
    "y ~ a:b",                  # an interaction
    "y ~ a * b",
    "y ~ C(b) + a",
    "y ~ bs(c, df=3) + a",
    "y ~ cr(c, df=3)",
    "y ~ a - 1",                # no intercept
    "y ~ 0 + a",
    "y ~ 1 + a",                # a number
    "y ~ I(a + b)",
    "y ~ a + pair",             # a string column
    "y ~ a + flag",             # a bool column (categorical to patsy)
    "y ~ a + missing",          # not a column
    "y ~ a + lambda",           # a keyword
    "y ~ a + (b + c)",          # parentheses
    "y + a ~ b",
])
def test_anything_else_goes_to_patsy(formula: str, data: pd.DataFrame) -> None:
    assert design_matrix.numpy_design(formula, _columns(data)) is None


def test_no_rows_goes_to_patsy(data: pd.DataFrame) -> None:
    empty = {k: v[:0] for k, v in _columns(data).items()}
    assert design_matrix.numpy_design("y ~ a + b", empty) is None


@pytest.mark.parametrize(("formula", "expected"), [
    ("y ~ a + b", ("y", ("a", "b"))),
    ("y ~ b + a + b", ("y", ("b", "a"))),
    (" out_1 ~ x_2 ", ("out_1", ("x_2",))),
    ("y ~ a:b", None),
    ("y ~ a + -b", None),
    ("y ~ a +", None),
    ("~ a", None),
    ("y ~ 2a", None),
    ("y ~ é", None),
])
def test_bare_formula_reads_names_only(formula: str, expected) -> None:
    from dyadstats.safe_expr import bare_formula, formula_factors

    assert bare_formula(formula) == expected
    if expected is not None:  # the same factors patsy reads
        desc = patsy.ModelDesc.from_formula(formula)
        codes = [f.code for t in (*desc.lhs_termlist, *desc.rhs_termlist) for f in t.factors]
        assert formula_factors(formula) == codes
