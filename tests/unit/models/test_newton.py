"""The NumPy Newton-Raphson logit (dyadstats.models.newton) against statsmodels and hand-worked cases."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import statsmodels.api as sm

from dyadstats.models import covariance as dcov
from dyadstats.models import estimate, fit_design, parse_specs, prepare
from dyadstats.models.newton import newton_logit, two_sided_p
from dyadstats.testing.simulate import SimulationSpec, simulate_analysis_frame

RHS = "{joint_democracy} + contiguity_land + capability_ratio + major_power_dyad + defense_pact"
COVARIANCES = ("nonrobust", "robust", "cluster", "dyadic", "twoway")


def _spec(**kw):
    base = {"outcome": "coercion_onset", "regressors": RHS, "time_dependence": "cubic",
            "predictions": False}
    return parse_specs({"specs": {"M": {**base, **kw}}})["M"]


@pytest.fixture(scope="module")
def frame() -> pa.Table:
    # Small enough for an O(N^2) dyadic double sum; dependent outcomes within dyads and a cubic
    # in peace years (raw columns up to ~10^5: a badly scaled design, as in the real frame).
    return simulate_analysis_frame(SimulationSpec(n_states=20, n_years=15, event_rate=0.08,
                                                  dyad_correlation=0.3, seed=3))


@pytest.fixture(scope="module")
def design(frame):
    return prepare(frame, _spec())


@pytest.fixture(scope="module")
def sm_fit(design):
    return sm.Logit(design.y, design.X).fit(method="newton", maxiter=100, disp=0)


def _refuse_statsmodels(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("statsmodels path taken where the NumPy Newton should answer")

    monkeypatch.setattr(estimate, "_fit_logit_statsmodels", refuse)


def test_newton_equals_statsmodels_coefficients_llf_and_iterations(design, sm_fit):
    fit = newton_logit(design.X.to_numpy(), design.y)
    assert fit is not None
    np.testing.assert_allclose(fit.params, sm_fit.params.to_numpy(), rtol=1e-8, atol=1e-10)
    assert fit.log_likelihood == pytest.approx(sm_fit.llf, rel=1e-12)
    assert fit.iterations == sm_fit.mle_retvals["iterations"]
    np.testing.assert_allclose(fit.bread, sm_fit.cov_params().to_numpy(), rtol=1e-8)


def _statsmodels_se(design, sm_fit, covariance: str) -> np.ndarray:
    """The SEs a second implementation gives for ``covariance`` at statsmodels' own estimate."""
    X, y = design.X.to_numpy(), design.y
    data = design.data
    if covariance == "nonrobust":
        return sm_fit.bse.to_numpy()
    if covariance == "robust":
        return sm.Logit(y, X).fit(method="newton", disp=0, cov_type="HC0").bse
    if covariance == "cluster":
        return sm.Logit(y, X).fit(method="newton", disp=0, cov_type="cluster",
                                  cov_kwds={"groups": design.groups}).bse
    dyads = dcov.unordered_dyads(data["ccode1"].to_numpy(), data["ccode2"].to_numpy())
    if covariance == "twoway":
        groups = np.column_stack([dyads, data["year"].to_numpy()])
        raw = sm.Logit(y, X).fit(method="newton", disp=0, cov_type="cluster",
                                 cov_kwds={"groups": groups}).cov_params()
        # V_dyad + V_year - V_cell is indefinite here; statsmodels returns it as is, the model
        # applies CGM's eigenvalue fix (tested on its own in test_covariance): apply it too.
        return np.sqrt(np.diag(dcov.psd_fix(np.asarray(raw))[0]))
    # dyadic: statsmodels has none. Brute force: sum s_i s_j' over every pair of rows whose
    # dyads share a state, at statsmodels' estimate, with the CRV1 factor over states.
    beta = sm_fit.params.to_numpy()
    p = 1.0 / (1.0 + np.exp(-(X @ beta)))
    s = X * (y - p)[:, None]
    a, b = data["ccode1"].to_numpy(), data["ccode2"].to_numpy()
    share = ((a[:, None] == a[None, :]) | (a[:, None] == b[None, :])
             | (b[:, None] == a[None, :]) | (b[:, None] == b[None, :]))
    meat = s.T @ share.astype(float) @ s
    n, k = X.shape
    g = len(np.unique(np.concatenate([a, b])))
    cov = sm_fit.cov_params().to_numpy() @ meat @ sm_fit.cov_params().to_numpy()
    # With 20 states the dyadic matrix is indefinite: CGM's eigenvalue fix applies to the
    # brute-force matrix as it does to the model's.
    fixed, _ = dcov.psd_fix(cov * g / (g - 1) * (n - 1) / (n - k))
    return np.sqrt(np.diag(fixed))


@pytest.mark.parametrize("covariance", COVARIANCES)
def test_every_covariance_equals_statsmodels(frame, design, sm_fit, covariance, monkeypatch):
    _refuse_statsmodels(monkeypatch)
    spec = _spec(covariance=covariance)
    result = fit_design(design, spec)
    est = result.estimates.set_index("term")
    np.testing.assert_allclose(est["estimate"].to_numpy(), sm_fit.params.to_numpy(),
                               rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(est["std_error"].to_numpy(), _statsmodels_se(design, sm_fit, covariance),
                               rtol=1e-8)
    assert result.fit["converged"] and result.fit["iterations"] == sm_fit.mle_retvals["iterations"]


def _hand_design():
    """x = 0: 3 events in 10 rows; x = 1: 6 events in 8 rows; each row its own cluster."""
    y = np.array([1] * 3 + [0] * 7 + [1] * 6 + [0] * 2, dtype=float)
    x = np.array([0] * 10 + [1] * 8, dtype=float)
    return np.column_stack([np.ones(18), x]), y


def test_hand_built_saturated_logit():
    """A saturated logit reproduces the cell rates: b0 = logit(.3), b1 = logit(.75) - logit(.3);
    var(b0) = 1/(n0 p0 q0), var(b1) = var(b0) + 1/(n1 p1 q1). In a saturated model the HC0
    meat equals the information (sum of (y - p)^2 in a cell is n p q), so HC0 = nonrobust, and
    one-row clusters scale it by N/(N-K)."""
    X, y = _hand_design()
    fit = newton_logit(X, y)
    assert fit is not None
    logit = lambda q: math.log(q / (1 - q))  # noqa: E731
    np.testing.assert_allclose(fit.params, [logit(0.3), logit(0.75) - logit(0.3)], rtol=1e-12)
    v0, v1 = 1 / (10 * 0.3 * 0.7), 1 / (8 * 0.75 * 0.25)
    np.testing.assert_allclose(np.diag(fit.bread), [v0, v0 + v1], rtol=1e-10)
    llf = 3 * math.log(0.3) + 7 * math.log(0.7) + 6 * math.log(0.75) + 2 * math.log(0.25)
    assert fit.log_likelihood == pytest.approx(llf, rel=1e-14)
    scores, bread = dcov.logit_scores(X, y, fit.params)
    np.testing.assert_allclose(dcov.robust(scores, bread).matrix, fit.bread, rtol=1e-10)
    clustered = dcov.cluster(scores, bread, np.arange(18)).matrix
    np.testing.assert_allclose(clustered, fit.bread * 18 / 16, rtol=1e-10)
    sm_fit = sm.Logit(y, X).fit(method="newton", disp=0)
    np.testing.assert_allclose(fit.params, sm_fit.params, rtol=1e-10)


def test_two_sided_p_is_the_normal_tail():
    z = np.array([0.0, 1.959963984540054, -3.0, np.nan])
    p = two_sided_p(z)
    assert p[0] == 1.0 and p[1] == pytest.approx(0.05, rel=1e-12)
    assert p[2] == pytest.approx(0.0026997960632601866, rel=1e-12)  # 2 * (1 - Phi(3))
    assert np.isnan(p[3])


def _separated_frame() -> pd.DataFrame:
    """defense_pact = 1 rows never have an onset: quasi-complete separation."""
    tb = simulate_analysis_frame(SimulationSpec(n_states=12, n_years=40, event_rate=0.05, seed=9))
    df = tb.to_pandas()
    df.loc[df["defense_pact"] == 1, "coercion_onset"] = 0
    assert (df["defense_pact"] == 1).sum() > 20
    return df


def _old_path(design, spec, monkeypatch):
    """fit_design as it was: statsmodels for every logit."""
    with monkeypatch.context() as m:
        m.setattr(estimate, "newton_logit", lambda *a, **k: None)
        return fit_design(design, spec)


def test_separation_and_non_convergence_are_handled_as_before(monkeypatch):
    df = _separated_frame()
    spec = _spec(time_dependence="none")
    design = prepare(df, spec)
    assert newton_logit(design.X.to_numpy(), design.y) is None  # never converges: defers
    new, old = fit_design(design, spec), _old_path(design, spec, monkeypatch)
    pd.testing.assert_frame_equal(new.estimates, old.estimates)
    assert new.fit == old.fit
    assert "defense_pact=1: no events" in new.fit["separation"]
    assert not new.fit["converged"]
    # Too few iterations allowed: statsmodels' non-convergence, note and all.
    short = _spec(max_iter=3)
    design = prepare(simulate_analysis_frame(SimulationSpec(n_states=12, n_years=40, seed=2)), short)
    new, old = fit_design(design, short), _old_path(design, short, monkeypatch)
    assert new.fit == old.fit and not new.fit["converged"]
    assert "did not converge in 3 iterations" in new.fit["notes"]


def test_rank_deficient_design_defers_to_statsmodels():
    X, y = _hand_design()
    assert newton_logit(np.column_stack([X, 2 * X[:, 1]]), y) is None
    assert newton_logit(X, y) is not None


def test_warm_start_reaches_the_same_root(design, sm_fit):
    cold = newton_logit(design.X.to_numpy(), design.y)
    warm = newton_logit(design.X.to_numpy(), design.y, start=cold.params * 1.001)
    np.testing.assert_allclose(warm.params, sm_fit.params.to_numpy(), rtol=1e-8, atol=1e-10)
    assert warm.iterations < cold.iterations


def test_building_a_frame_and_fitting_a_logit_imports_no_statsmodels_or_scipy_stats():
    code = """
import sys
import numpy as np, pyarrow as pa
import dyadstats, dyadstats.universe, dyadstats.events.mid, dyadstats.frame.build
from dyadstats.models import fit_spec, parse_specs
rng = np.random.default_rng(1)
n = 4000
x = rng.normal(size=n)
y = (rng.uniform(size=n) < 1 / (1 + np.exp(2 - x))).astype(np.int8)
tb = pa.table({"ccode1": np.arange(n) % 9 + 1, "ccode2": np.arange(n) % 7 + 20,
               "year": 1900 + np.arange(n) % 50, "coercion_onset": y, "x": x,
               "joint_democracy_polity": (rng.uniform(size=n) < 0.3).astype(np.int8)})
spec = parse_specs({"specs": {"m": {"outcome": "coercion_onset", "regressors": "{joint_democracy} + x",
                                    "time_dependence": "none", "predictions": False}}})["m"]
est, fit, _ = fit_spec(tb, spec)
assert fit["converged"], fit
heavy = sorted(m for m in sys.modules if m.startswith(("statsmodels", "scipy.stats", "scipy.sparse")))
print("HEAVY:" + ",".join(heavy))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "HEAVY:\n" in out.stdout, out.stdout


@pytest.mark.parametrize("ids", [
    np.array([7, 3, 3, 1_000_000, 0, 7]),                       # table path, gaps, zero
    np.array([5, -2, 5, 9]),                                    # negative: sorted path
    np.array([2**40, 3, 2**40]),                                # huge ids: sorted path
    np.array([2.5, 1.0, 2.5]),                                  # floats: sorted path
    np.random.default_rng(0).integers(0, 5000, size=20_000).astype(np.int16),
])
def test_cluster_codes_equal_numpy_unique(ids):
    codes, g = dcov._codes(ids)
    uniq, inverse = np.unique(ids, return_inverse=True)
    np.testing.assert_array_equal(codes, inverse)
    assert g == len(uniq)
