"""Average predicted probabilities: delta method vs simulation and vs marginaleffects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from dyadstats.models import fit_design, parse_specs, prepare
from dyadstats.models.predictions import average_prediction, contrast_rows
from dyadstats.testing.simulate import SimulationSpec, simulate_analysis_frame

RHS = "{joint_democracy} + contiguity_land + capability_ratio + major_power_dyad"


@pytest.fixture(scope="module")
def fitted():
    # Large enough (about 90 joint-democratic events) for the first-order delta method to hold.
    tb = simulate_analysis_frame(SimulationSpec(n_states=60, n_years=100, event_rate=0.03,
                                                dyad_correlation=0.3, seed=8))
    spec = parse_specs({"specs": {"P": {"outcome": "coercion_onset", "regressors": RHS,
                                         "time_dependence": "none"}}})["P"]
    design = prepare(tb, spec)
    return design, fit_design(design, spec)


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    X = np.column_stack([np.ones(500), rng.normal(size=(500, 2))])
    b = np.array([-2.0, 0.5, -0.3])
    _, grad = average_prediction(X, b)
    eps = 1e-6
    numeric = [(expit(X @ (b + eps * e)).mean() - expit(X @ (b - eps * e)).mean()) / (2 * eps)
               for e in np.eye(3)]
    np.testing.assert_allclose(grad, numeric, rtol=1e-6)


def test_delta_method_matches_simulation_from_the_sampling_distribution(fitted):
    """Draw coefficients from N(b, V) and recompute the quantities: SDs match the delta SEs.

    600 draws estimate an SD to about 3%, so a 10% tolerance is about three of its SEs.
    """
    design, result = fitted
    preds = result.predictions.set_index(["quantity", "group"])
    b, V = result.params.to_numpy(), result.cov.to_numpy()
    draws = np.random.default_rng(1).multivariate_normal(b, V, size=600)
    X = design.X.to_numpy()
    jd_col = list(design.X.columns).index("joint_democracy_polity")
    X1, X0 = X.copy(), X.copy()
    X1[:, jd_col], X0[:, jd_col] = 1.0, 0.0
    jd_rows = (design.data["regime_pair_polity"] == "joint democracy").to_numpy()

    def mean_prob(M: np.ndarray) -> np.ndarray:
        return np.concatenate([expit(M @ chunk.T).mean(axis=0) for chunk in np.array_split(draws, 6)])

    sims = {
        ("counterfactual", "joint democracy"): mean_prob(X1),
        ("counterfactual", "other dyads"): mean_prob(X0),
        ("observed", "joint democracy"): mean_prob(X[jd_rows]),
        ("observed", "other dyads"): mean_prob(X[~jd_rows]),
    }
    sims[("counterfactual", "difference")] = np.subtract(sims[("counterfactual", "joint democracy")],
                                                         sims[("counterfactual", "other dyads")])
    sims[("counterfactual", "ratio")] = np.divide(sims[("counterfactual", "joint democracy")],
                                                  sims[("counterfactual", "other dyads")])
    for key, values in sims.items():
        sd = np.std(values, ddof=1)
        assert preds.loc[key, "std_error"] == pytest.approx(sd, rel=0.1), key
    # The ratio's interval is on the log scale: compare with simulated quantiles loosely.
    lo, hi = np.quantile(sims[("counterfactual", "ratio")], [0.025, 0.975])
    assert preds.loc[("counterfactual", "ratio"), "conf_low"] == pytest.approx(lo, rel=0.2)
    assert preds.loc[("counterfactual", "ratio"), "conf_high"] == pytest.approx(hi, rel=0.2)


def test_agrees_with_marginaleffects(fitted):
    import statsmodels.formula.api as smf
    from marginaleffects import avg_predictions

    design, result = fitted
    df = design.data.assign(cluster=design.groups,
                            regime_pair_polity=design.data["regime_pair_polity"].astype("category"))
    model = smf.logit("coercion_onset ~ joint_democracy_polity + contiguity_land + capability_ratio"
                      " + major_power_dyad", df).fit(
        disp=0, cov_type="cluster", cov_kwds={"groups": df["cluster"]})
    ours = result.predictions.set_index(["quantity", "group"])
    by_group = avg_predictions(model, by="regime_pair_polity").to_pandas()
    for row in by_group.itertuples():
        key = ("observed", str(row.regime_pair_polity))
        assert ours.loc[key, "estimate"] == pytest.approx(row.estimate, rel=1e-6)
        assert ours.loc[key, "std_error"] == pytest.approx(row.std_error, rel=1e-3)
    cf = avg_predictions(model, variables={"joint_democracy_polity": [0, 1]},
                         by="joint_democracy_polity").to_pandas()
    for row in cf.itertuples():
        group = "joint democracy" if float(row.joint_democracy_polity) == 1 else "other dyads"
        assert ours.loc[("counterfactual", group), "estimate"] == pytest.approx(row.estimate, rel=1e-6)
        assert ours.loc[("counterfactual", group), "std_error"] == pytest.approx(row.std_error, rel=1e-3)


def test_prediction_rows_are_consistent(fitted):
    design, result = fitted
    p = result.predictions.set_index(["quantity", "group"])
    for q in ("observed", "counterfactual"):
        a1, a0 = p.loc[(q, "joint democracy"), "estimate"], p.loc[(q, "other dyads"), "estimate"]
        assert p.loc[(q, "difference"), "estimate"] == pytest.approx(a1 - a0)
        assert p.loc[(q, "ratio"), "estimate"] == pytest.approx(a1 / a0)
        r = p.loc[(q, "ratio")]
        assert r.conf_low < r.estimate < r.conf_high and r.conf_low > 0
    # With joint democracy a regressor, the ML score equations make the mean fitted probability
    # among joint democracies equal their observed event rate.
    jd = (design.data["regime_pair_polity"] == "joint democracy").to_numpy()
    assert p.loc[("observed", "joint democracy"), "estimate"] == pytest.approx(design.y[jd].mean(), rel=1e-6)
    assert p.loc[("observed", "joint democracy"), "n_obs"] == int(jd.sum())
    assert set(result.predictions["model"]) == {"P"}


def test_ratio_undefined_when_baseline_zero():
    g = np.zeros(2)
    rows = contrast_rows("observed", 0.1, g, 0.0, g, np.eye(2), 10)
    ratio = pd.DataFrame(rows).set_index("group").loc["ratio"]
    assert np.isnan(ratio.estimate) and np.isnan(ratio.conf_low)
