"""dyadstats' cr() equals patsy's cr() (basis, names, counterfactual designs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import patsy
import pytest

from dyadstats.models.splines import cr
from dyadstats.safe_expr import eval_namespace


@pytest.mark.parametrize("df", [3, 5])
def test_the_basis_equals_patsys_on_repeated_values(df: int) -> None:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"t": rng.integers(0, 120, 20_000).astype(float), "y": rng.integers(0, 2, 20_000)})
    formula = f"y ~ cr(t, df={df}, constraints='center')"
    _, theirs = patsy.dmatrices(formula, frame, return_type="dataframe")
    _, ours = patsy.dmatrices(formula, frame, return_type="dataframe", eval_env=eval_namespace())
    assert list(ours.columns) == list(theirs.columns)
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=0, atol=1e-13)
    # the memorized state serves new data, as patsy's does (counterfactual designs)
    new = pd.DataFrame({"t": [0.0, 7.0, 119.0, 7.0], "y": [0, 1, 0, 1]})
    np.testing.assert_allclose(
        np.asarray(patsy.build_design_matrices([ours.design_info], new)[0]),
        np.asarray(patsy.build_design_matrices([theirs.design_info], new)[0]), rtol=0, atol=1e-13)


def test_plain_arrays_and_the_stateful_marker() -> None:
    assert getattr(cr, "__patsy_stateful_transform__", None) is not None
    x = np.array([3.0, 1.0, 3.0, 2.0, 5.0, 1.0])
    mine = patsy.dmatrix("cr(x, df=3) - 1", {"x": x}, eval_env=eval_namespace())
    theirs = patsy.dmatrix("cr(x, df=3) - 1", {"x": x})
    np.testing.assert_allclose(np.asarray(mine), np.asarray(theirs), atol=1e-13)
    assert np.asarray(mine)[0].tolist() == np.asarray(mine)[2].tolist()  # equal values, equal rows
