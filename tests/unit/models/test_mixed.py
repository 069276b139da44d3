"""Crossed random-intercept logit: recovery of known truth and an independent Laplace fit."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from threadpoolctl import threadpool_limits

from dyadstats.models.mixed import DEFAULT_RANDOM_EFFECTS, fit_crossed_logit, group_codes
from dyadstats.testing.crossed import crossed_frame as simulate_crossed

TRUE_BETA = {"Intercept": -2.5, "x": 0.5, "dem": -0.7}
TRUE_SD = {"state_1": 0.8, "state_2": 0.5, "dyad": 0.7}


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    """One BLAS thread, as in model jobs: small dense algebra is far slower with contention."""
    with threadpool_limits(limits=1):
        yield


def crossed_frame(n_states: int, n_dyads: int, n_years: int, seed: int) -> pd.DataFrame:
    """Dyad-years with state-1, state-2 and dyad intercepts drawn from the true SDs."""
    return simulate_crossed(n_states, n_dyads, n_years, seed, beta=TRUE_BETA, sd=TRUE_SD,
                            dem_share=0.3, first_year=1950)


def design_of(df: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    X = pd.DataFrame({"Intercept": 1.0, "x": df["x"], "dem": df["dem"]})
    return X, df["y"].to_numpy(), group_codes(df, DEFAULT_RANDOM_EFFECTS)


# ---------------------------------------------------------------------------------------------
# An independent Laplace approximation (dense numpy; no gpboost, no sparse algebra)
# ---------------------------------------------------------------------------------------------


def dense_indicators(groups: np.ndarray) -> tuple[np.ndarray, list[int]]:
    cols, sizes = [], []
    for j in range(groups.shape[1]):
        levels = np.unique(groups[:, j])
        cols.append((groups[:, j][:, None] == levels[None, :]).astype(float))
        sizes.append(len(levels))
    return np.hstack(cols), sizes


def laplace_dense(X: np.ndarray, y: np.ndarray, Z: np.ndarray, sizes: list[int],
                  beta: np.ndarray, variances: np.ndarray) -> tuple[float, np.ndarray]:
    """Laplace log marginal likelihood and the mode of the random intercepts.

    log L ~ log p(y | u*) - u*'D u*/2 + log|D|/2 - log|Z'WZ + D|/2, u* the posterior mode.
    """
    d = np.concatenate([np.full(s, 1.0 / v) for s, v in zip(sizes, variances, strict=True)])
    u = np.zeros(Z.shape[1])
    offset = X @ beta

    def objective(u: np.ndarray) -> float:
        eta = offset + Z @ u
        return float(np.sum(y * eta - np.logaddexp(0.0, eta)) - 0.5 * np.sum(d * u * u))

    for _ in range(50):
        p = expit(offset + Z @ u)
        H = Z.T @ (Z * (p * (1 - p))[:, None]) + np.diag(d)
        step = np.linalg.solve(H, Z.T @ (y - p) - d * u)
        t, current = 1.0, objective(u)
        while objective(u + t * step) < current - 1e-12 and t > 1e-6:
            t /= 2
        u = u + t * step
        if np.max(np.abs(t * step)) < 1e-10:
            break
    p = expit(offset + Z @ u)
    H = Z.T @ (Z * (p * (1 - p))[:, None]) + np.diag(d)
    return objective(u) + 0.5 * np.sum(np.log(d)) - 0.5 * np.linalg.slogdet(H)[1], u


@pytest.fixture(scope="module")
def small_fit():
    df = crossed_frame(n_states=30, n_dyads=150, n_years=10, seed=7)
    X, y, groups = design_of(df)
    return X, y, groups, fit_crossed_logit(X, y, groups, DEFAULT_RANDOM_EFFECTS)


def test_log_likelihood_equals_independent_laplace(small_fit):
    X, y, groups, fit = small_fit
    Z, sizes = dense_indicators(groups)
    ll, _ = laplace_dense(X.to_numpy(), y, Z, sizes, fit.params.to_numpy(), fit.sd.to_numpy() ** 2)
    assert fit.log_likelihood == pytest.approx(ll, abs=1e-6)


def test_estimate_maximises_the_approximate_likelihood(small_fit):
    """The independent Laplace likelihood is flat at the estimate.

    Scale-free check: a finite-difference gradient g times the parameter's SE is the Newton
    step to the optimum in SE units; it must be below 1% of an SE (gpboost stops on a relative
    likelihood change, mixed.CONVERGENCE_TOL, not at the exact optimum).
    """
    X, y, groups, fit = small_fit
    Z, sizes = dense_indicators(groups)
    beta, var = fit.params.to_numpy(), fit.sd.to_numpy() ** 2
    se_beta = np.sqrt(np.diag(fit.cov.to_numpy()))
    se_log_var = 2.0 * fit.sd_se.to_numpy() / fit.sd.to_numpy()
    h = 1e-4
    for j in range(len(beta)):
        e = np.eye(len(beta))[j] * h
        up = laplace_dense(X.to_numpy(), y, Z, sizes, beta + e, var)[0]
        down = laplace_dense(X.to_numpy(), y, Z, sizes, beta - e, var)[0]
        assert abs((up - down) / (2 * h)) * se_beta[j] < 0.01
    for j in range(len(var)):
        factor = np.ones(len(var))
        factor[j] = np.exp(h)
        up = laplace_dense(X.to_numpy(), y, Z, sizes, beta, var * factor)[0]
        down = laplace_dense(X.to_numpy(), y, Z, sizes, beta, var / factor)[0]
        assert abs((up - down) / (2 * h)) * se_log_var[j] < 0.01     # gradient in log variance


def test_covariance_equals_dense_joint_precision(small_fit):
    """V(b) = the b-block of the inverse of the joint (b, u) precision, built densely."""
    X, y, groups, fit = small_fit
    Z, sizes = dense_indicators(groups)
    var = fit.sd.to_numpy() ** 2
    _, u = laplace_dense(X.to_numpy(), y, Z, sizes, fit.params.to_numpy(), var)
    C = np.hstack([X.to_numpy(), Z])
    p = expit(C @ np.concatenate([fit.params.to_numpy(), u]))
    prior = np.concatenate([np.zeros(X.shape[1]),
                            np.concatenate([np.full(s, 1.0 / v) for s, v in zip(sizes, var, strict=True)])])
    joint = C.T @ (C * (p * (1 - p))[:, None]) + np.diag(prior)
    expected = np.linalg.inv(joint)[: X.shape[1], : X.shape[1]]
    np.testing.assert_allclose(fit.cov.to_numpy(), expected, rtol=1e-6)


def test_gpboost_hessian_ses_agree_with_reported_ses(small_fit):
    _, _, _, fit = small_fit
    se = np.sqrt(np.diag(fit.cov.to_numpy()))
    np.testing.assert_allclose(se, fit.hessian_se.to_numpy(), rtol=0.05)


def test_recovers_known_coefficients_and_variance_components():
    """60 states, 900 dyads x 20 years (18,000 rows, ~12% events).

    Tolerances: each fixed coefficient within 3 SE of its true value; each random-intercept SD
    within 3 delta-method SEs of the truth (the Laplace approximation's downward bias on binary
    data is small next to that here: ~20 events per dyad, ~300 per state).
    """
    df = crossed_frame(n_states=60, n_dyads=900, n_years=20, seed=42)
    X, y, groups = design_of(df)
    fit = fit_crossed_logit(X, y, groups, DEFAULT_RANDOM_EFFECTS)
    assert fit.converged, fit.status
    se = np.sqrt(np.diag(fit.cov.to_numpy()))
    for (term, truth), est, s in zip(TRUE_BETA.items(), fit.params.to_numpy(), se, strict=True):
        assert abs(est - truth) < 3 * s, (term, est, truth, s)
    for effect, truth in TRUE_SD.items():
        assert abs(fit.sd[effect] - truth) < 3 * fit.sd_se[effect], (effect, fit.sd[effect], truth)
    assert fit.n_groups == {"state_1": len(np.unique(groups[:, 0])),
                            "state_2": len(np.unique(groups[:, 1])), "dyad": 900}


def test_reruns_are_byte_identical(small_fit):
    X, y, groups, fit = small_fit
    again = fit_crossed_logit(X, y, groups, DEFAULT_RANDOM_EFFECTS)
    assert fit.params.to_numpy().tobytes() == again.params.to_numpy().tobytes()
    assert fit.cov.to_numpy().tobytes() == again.cov.to_numpy().tobytes()
    assert fit.sd.to_numpy().tobytes() == again.sd.to_numpy().tobytes()
    assert fit.log_likelihood == again.log_likelihood


def test_group_codes_dyad_is_the_non_directed_pair():
    df = pd.DataFrame({"ccode1": [2, 20, 2], "ccode2": [20, 2, 365], "year": [1990, 1990, 1991]})
    codes = group_codes(df, ("state_1", "state_2", "dyad", "year"))
    np.testing.assert_array_equal(codes[:, 2], [2020, 2020, 2365])
    np.testing.assert_array_equal(codes[:, 3], [1990, 1990, 1991])
    with pytest.raises(ValueError, match="unknown random effect"):
        group_codes(df, ("region",))


# ---------------------------------------------------------------------------------------------
# Through the models stage: spec -> design -> fit row
# ---------------------------------------------------------------------------------------------


def model_frame() -> pd.DataFrame:
    """A hand-made analysis frame: 25 states, 120 dyads x 12 years, crossed intercepts."""
    df = crossed_frame(n_states=25, n_dyads=120, n_years=12, seed=3)
    return pd.DataFrame({
        "ccode1": df["ccode1"], "ccode2": df["ccode2"], "year": df["year"],
        "dyad_id": df["ccode1"] * 1000 + df["ccode2"], "politically_relevant": 1,
        "coercion_onset": df["y"], "joint_democracy_polity": df["dem"], "contiguity_land": df["x"],
    })


def mixed_spec(**kw):
    from dyadstats.models import parse_specs

    raw = {"outcome": "coercion_onset", "regressors": "{joint_democracy} + contiguity_land",
           "time_dependence": "none", "estimator": "mixed", "covariance": "nonrobust", **kw}
    return parse_specs({"specs": {"MX": raw}})["MX"]


def test_mixed_spec_fits_through_the_models_stage():
    from dyadstats.models import FIT_COLUMNS, fit_design, prepare

    frame = model_frame()
    spec = mixed_spec()
    result = fit_design(prepare(frame, spec), spec)
    design = prepare(frame, spec)
    direct = fit_crossed_logit(design.X, design.y, group_codes(design.data, DEFAULT_RANDOM_EFFECTS),
                               DEFAULT_RANDOM_EFFECTS)
    fit = result.fit
    assert set(FIT_COLUMNS) <= set(fit)
    assert fit["estimator"] == "mixed" and fit["cov_type"] == "nonrobust"
    assert fit["n_obs"] == len(frame) and fit["n_events"] == int(frame["coercion_onset"].sum())
    assert fit["log_likelihood"] == pytest.approx(direct.log_likelihood, rel=1e-12)
    assert fit["aic"] == pytest.approx(2 * (3 + 3) - 2 * direct.log_likelihood, rel=1e-12)
    est = result.estimates.set_index("term")
    np.testing.assert_array_equal(est["estimate"].to_numpy(), direct.params.to_numpy())
    assert est.loc["joint_democracy_polity", "is_focal"]
    for effect in DEFAULT_RANDOM_EFFECTS:
        assert f"{effect} SD {direct.sd[effect]:.4f}" in fit["notes"]
        assert f"{direct.n_groups[effect]} groups" in fit["notes"]
    assert "Laplace-approximate marginal log-likelihood" in fit["notes"]
    assert "random_effects" not in json.loads(fit["spec"])       # unset keys stay out of params
    assert not result.predictions.empty


def test_mixed_spec_with_chosen_random_effects():
    from dyadstats.models import fit_design, prepare

    spec = mixed_spec(random_effects=["dyad", "year"])
    fit = fit_design(prepare(model_frame(), spec), spec).fit
    assert "dyad SD" in fit["notes"] and "year SD" in fit["notes"] and "state_1" not in fit["notes"]
    assert "12 groups" in fit["notes"]                      # twelve years
    assert json.loads(fit["spec"])["random_effects"] == ["dyad", "year"]
    from dyadstats.models import spec_from_dict

    assert spec_from_dict(json.loads(fit["spec"])) == spec     # the Snakemake-params round trip


@pytest.mark.parametrize(("kw", "message"), [
    ({"covariance": "cluster"}, "model-based covariance only"),
    ({"random_effects": ["region"]}, "random_effects must be"),
    ({"random_effects": ["dyad", "dyad"]}, "random_effects must be"),
    ({"random_effects": []}, "random_effects must be"),
    ({"estimator": "logit", "covariance": "cluster", "random_effects": ["dyad"]}, "estimator mixed only"),
])
def test_mixed_spec_checks(kw, message):
    from dyadstats.models import ModelSpecError

    with pytest.raises(ModelSpecError, match=message):
        mixed_spec(**kw)


def test_schema_accepts_the_new_keys_and_rejects_bad_values():
    from pathlib import Path

    import yaml
    from snakemake.utils import validate

    repo = Path(__file__).resolve().parents[3]
    schema = str(repo / "workflow" / "schemas" / "config.schema.yaml")
    config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    config["models"]["specs"]["MX"] = {"base": "M1_prd", "estimator": "mixed", "covariance": "nonrobust",
                                       "random_effects": ["state_1", "state_2", "dyad"]}
    config["models"]["specs"]["RL"] = {"base": "M1_prd", "estimator": "relogit",
                                       "population_event_rate": 0.002}
    validate(config, schema)
    config["models"]["specs"]["RL"]["population_event_rate"] = 1.5
    with pytest.raises(Exception, match="population_event_rate|1.5"):
        validate(config, schema)
