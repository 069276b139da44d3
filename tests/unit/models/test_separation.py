"""How big a coefficient is: the column scales behind the separation and huge-estimate checks."""

from __future__ import annotations

import numpy as np
import pytest

from dyadstats.models.separation import column_ranges, column_scales


def test_column_scales_one_for_dummies_and_constants_sd_otherwise():

    share = np.array([0.0, 0.5, 1.0, 1.0, 0.25, 0.0])   # inside [0, 1] but not 0/1
    X = np.column_stack([np.ones(6), [0, 1, 1, 0, 0, 1], share, [3.0, -1, 2, 8, 0, 1], np.full(6, 7.0)])
    scales = column_scales(np.asfortranarray(X))
    np.testing.assert_array_equal(scales[[0, 1, 4]], [1.0, 1.0, 1.0])
    assert scales[2] == pytest.approx(float(np.std(share)), rel=1e-15)
    assert scales[3] == pytest.approx(float(np.std([3.0, -1, 2, 8, 0, 1])), rel=1e-15)


def test_column_ranges_flag_exactly_the_zero_one_columns() -> None:
    columns = [
        [0.0, 1.0, 1.0, 0.0],        # 0/1
        [1.0, 1.0, 1.0, 1.0],        # constant 1: 0/1 too
        [0.0, 0.5, 1.0, 1.0],        # a fraction
        [0.0, 1.0, 2.0, 1.0],        # beyond 1
        [0.0, 5e-324, 1.0, 1.0],     # the smallest subnormal is not 0
        [-1.0, 0.0, 1.0, 0.0],       # below 0
        [1.0 - 2**-53, 1.0, 0.0, 0.0],
    ]
    X = np.array(columns).T
    ranges = column_ranges(X)
    assert ranges.binary.tolist() == [bool(np.isin(c, (0.0, 1.0)).all()) for c in columns]
    np.testing.assert_array_equal(ranges.low, X.min(axis=0))
    np.testing.assert_array_equal(ranges.high, X.max(axis=0))
    np.testing.assert_array_equal(column_scales(X, ranges), column_scales(X))
