"""The models stage's Firth fit: own Newton steps from the logit MLE against firthmodels."""

from __future__ import annotations

import numpy as np
import pytest

from dyadstats.models import fit_design, parse_specs, prepare
from dyadstats.models.firth_fit import fit_firth_estimate
from dyadstats.testing.simulate import SimulationSpec, simulate_analysis_frame

RHS = "{joint_democracy} + contiguity_land + capability_ratio + major_power_dyad + defense_pact"


@pytest.mark.parametrize("covariance", ["nonrobust", "robust", "cluster"])
def test_firth_from_the_logit_equals_firthmodels_from_zero(covariance):
    # The models stage's Firth takes NumPy steps from the logit MLE; firthmodels from zero is
    # the second implementation: the same root to 1e-8, coefficients and SEs alike.
    tb = simulate_analysis_frame(SimulationSpec(n_states=40, n_years=50, event_rate=0.02, seed=11))
    spec = parse_specs({"specs": {"M": {"outcome": "coercion_onset", "regressors": RHS, "estimator": "firth",
                                         "covariance": covariance, "predictions": False,
                                         "time_dependence": "cubic"}}})["M"]
    design = prepare(tb, spec)
    warm = fit_design(design, spec)
    library = fit_design(design, spec, fitted=fit_firth_estimate(design, spec, warm=False))
    np.testing.assert_allclose(warm.params.to_numpy(), library.params.to_numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(warm.estimates["std_error"], library.estimates["std_error"], rtol=1e-8)
    assert warm.fit["converged"] and warm.fit["iterations"] < library.fit["iterations"]


def test_separation_goes_to_firthmodels():
    # Joint democracies never have an event: the logit MLE runs off, so no warm start; the
    # library's answer (finite, strongly negative) is the one reported.
    rng = np.random.default_rng(5)
    n = 4000
    import pandas as pd

    jd = (rng.uniform(size=n) < 0.2).astype(float)
    cont = (rng.uniform(size=n) < 0.3).astype(float)
    y = ((rng.uniform(size=n) < 1 / (1 + np.exp(3 - 1.5 * cont))) & (jd == 0)).astype(float)
    df = pd.DataFrame({"ccode1": np.arange(n) % 200, "ccode2": 500 + np.arange(n) % 200,
                       "year": 1900 + np.arange(n) // 200, "coercion_onset": y,
                       "joint_democracy_polity": jd, "contiguity_land": cont})
    spec = parse_specs({"specs": {"M": {"outcome": "coercion_onset", "estimator": "firth",
                                        "regressors": "{joint_democracy} + contiguity_land",
                                        "time_dependence": "none", "covariance": "nonrobust"}}})["M"]
    design = prepare(df, spec)
    warm, library = fit_firth_estimate(design, spec), fit_firth_estimate(design, spec, warm=False)
    assert warm[1]["iterations"] == library[1]["iterations"]
    np.testing.assert_array_equal(warm[0].to_numpy(), library[0].to_numpy())
    assert warm[0]["joint_democracy_polity"] < -2.0
