"""The report's exact Poisson interval and its chi-squared quantile (no scipy.stats import)."""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import chi2

from dyadstats.report.figures import chi2_ppf, poisson_interval


def test_chi2_ppf_equals_scipy_bit_for_bit() -> None:
    rng = np.random.default_rng(15)
    df = np.concatenate([np.arange(1, 400), rng.integers(1, 2_000_000, 2_000)]).astype(float)
    for q in (0.005, 0.025, 0.05, 0.5, 0.95, 0.975, 0.995):
        assert np.array_equal(chi2_ppf(q, df), chi2.ppf(q, df))


def test_garwood_interval_known_values() -> None:
    # k = 0: lower 0, upper -ln(0.025) (the chi2 with 2 df is an exponential with mean 2)
    low, high = poisson_interval(np.array([0.0, 1.0, 10.0]), np.array([1.0, 1.0, 2.0]))
    assert low[0] == 0.0
    assert math.isclose(high[0], -math.log(0.025), rel_tol=1e-12)
    # k = 1: the published Garwood bounds 0.0253 and 5.5716
    assert math.isclose(low[1], 0.0253, abs_tol=5e-5) and math.isclose(high[1], 5.5716, abs_tol=5e-5)
    # k = 10 over exposure 2: Garwood (4.7954, 18.3904) / 2
    assert math.isclose(low[2], 4.7954 / 2, abs_tol=5e-5) and math.isclose(high[2], 18.3904 / 2, abs_tol=5e-5)
