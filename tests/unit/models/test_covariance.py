"""Sandwich covariances (dyadstats.models.covariance) against brute force, statsmodels and loops."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.special import expit

from dyadstats.models import covariance as dcov
from dyadstats.models import fit_design, fit_spec, parse_specs, prepare, spec_from_dict

CCODES = np.array([2, 20, 200, 220, 255, 365, 710, 740])  # ids need not be dense


def _panel(directed: bool, seed: int = 3, keep: float = 0.8) -> pd.DataFrame:
    """Random dyad-years of 8 states, 3 years; a random 80% of rows kept (unbalanced)."""
    rng = np.random.default_rng(seed)
    n = len(CCODES)
    pairs = [(i, j) for i in range(n) for j in range(n) if (i != j if directed else i < j)]
    rows = [(CCODES[i], CCODES[j], t) for i, j in pairs for t in (2000, 2001, 2002)]
    df = pd.DataFrame(rows, columns=["ccode1", "ccode2", "year"])
    df = df[rng.uniform(size=len(df)) < keep].reset_index(drop=True)
    shock = dict(zip(CCODES, rng.normal(size=n), strict=True))
    df["x1"] = df.ccode1.map(shock) + rng.normal(size=len(df))
    df["x2"] = rng.normal(size=len(df))
    eta = -0.3 + 0.8 * df.x1 - 0.5 * df.x2 + df.ccode2.map(shock)
    df["y"] = (rng.uniform(size=len(df)) < expit(eta)).astype(float)
    return df


def _logit(df: pd.DataFrame):
    X = np.column_stack([np.ones(len(df)), df.x1, df.x2])
    res = sm.Logit(df.y.to_numpy(), X).fit(method="newton", disp=0, tol=1e-12)
    return X, df.y.to_numpy(), res


def brute_force_dyadic_meat(scores: np.ndarray, s1: np.ndarray, s2: np.ndarray) -> np.ndarray:
    """sum over all ordered pairs (i, j), i = j included, sharing >= 1 state of s_i s_j'."""
    k = scores.shape[1]
    meat = np.zeros((k, k))
    for i in range(len(scores)):
        for j in range(len(scores)):
            if {s1[i], s2[i]} & {s1[j], s2[j]}:
                meat += np.outer(scores[i], scores[j])
    return meat


@pytest.mark.parametrize("directed", [False, True])
def test_dyadic_equals_brute_force_double_sum(directed):
    df = _panel(directed)
    X, y, res = _logit(df)
    scores, bread = dcov.logit_scores(X, y, res.params)
    s1, s2 = df.ccode1.to_numpy(), df.ccode2.to_numpy()
    brute = brute_force_dyadic_meat(scores, s1, s2)
    meat, g = dcov.dyadic_meat(scores, s1, s2)
    assert g == len(CCODES)
    np.testing.assert_allclose(meat, brute, rtol=0, atol=1e-10)
    n, k = X.shape
    expected = bread @ brute @ bread * g / (g - 1) * (n - 1) / (n - k)
    raw = dcov.dyadic(scores, bread, s1, s2, fix_psd=False)
    assert raw.n_clusters == g and not raw.psd_fixed
    np.testing.assert_allclose(raw.matrix, expected, rtol=0, atol=1e-10)
    # Eight states: the estimate is indefinite, so the default applies CGM's fix.
    values, vectors = np.linalg.eigh(expected)
    assert values.min() < 0
    fixed = dcov.dyadic(scores, bread, s1, s2)
    assert fixed.psd_fixed and "negative eigenvalues set to 0" in fixed.note
    np.testing.assert_allclose(fixed.matrix, vectors @ np.diag(np.maximum(values, 0)) @ vectors.T,
                               rtol=0, atol=1e-10)
    # The covariance does not depend on which side a state is listed on, nor on row order.
    perm = np.random.default_rng(0).permutation(n)
    swapped = dcov.dyadic(scores[perm], bread, s2[perm], s1[perm], fix_psd=False)
    np.testing.assert_allclose(swapped.matrix, raw.matrix, rtol=1e-12, atol=1e-15)


def test_dyadic_is_dyad_clustering_when_no_two_dyads_share_a_state():
    """A perfect matching of states: the only pairs sharing a state are within one dyad."""
    rng = np.random.default_rng(8)
    s1, s2 = np.repeat([1, 3, 5, 7], 4), np.repeat([2, 4, 6, 8], 4)
    scores = rng.normal(size=(16, 2))
    meat, g = dcov.dyadic_meat(scores, s1, s2)
    sums = np.array([scores[s1 == a].sum(axis=0) for a in (1, 3, 5, 7)])
    np.testing.assert_allclose(meat, sums.T @ sums, rtol=1e-13)
    assert g == 8


def test_directed_pair_is_one_unordered_dyad():
    codes = dcov.unordered_dyads(np.array([2, 20, 2, 365]), np.array([20, 2, 365, 2]))
    assert codes[0] == codes[1] and codes[2] == codes[3] and codes[0] != codes[2]
    with pytest.raises(ValueError, match="itself"):
        dcov.dyadic_meat(np.ones((2, 1)), np.array([1, 2]), np.array([1, 3]))


def test_cluster_robust_and_nonrobust_equal_statsmodels():
    df = _panel(directed=False)
    X, y, res = _logit(df)
    scores, bread = dcov.logit_scores(X, y, res.params)
    dyad = df.ccode1.to_numpy() * 1000 + df.ccode2.to_numpy()
    ref = sm.Logit(y, X).fit(method="newton", disp=0, tol=1e-12, cov_type="cluster",
                             cov_kwds={"groups": dyad})
    got = dcov.cluster(scores, bread, dyad)
    np.testing.assert_allclose(got.matrix, ref.cov_params(), rtol=1e-10)
    assert got.n_clusters == len(np.unique(dyad)) and "G/(G-1)*(N-1)/(N-K)" in got.note
    hc0 = sm.Logit(y, X).fit(method="newton", disp=0, tol=1e-12, cov_type="HC0")
    np.testing.assert_allclose(dcov.robust(scores, bread).matrix, hc0.cov_params(), rtol=1e-10)
    np.testing.assert_allclose(dcov.nonrobust(bread).matrix, res.cov_params(), rtol=1e-10)


@pytest.mark.parametrize("directed", [False, True])
def test_twoway_equals_statsmodels_two_way_cluster(directed):
    """statsmodels' two-way CRV1 applies G/(G-1)*(N-1)/(N-K) to each of its three terms, as
    CGM and dyadstats do: no factor difference, so the matrices agree to rounding."""
    df = _panel(directed, seed=5, keep=1.0)
    X, y, res = _logit(df)
    scores, bread = dcov.logit_scores(X, y, res.params)
    dyad = dcov.unordered_dyads(df.ccode1.to_numpy(), df.ccode2.to_numpy())
    year = df.year.to_numpy()
    ref = sm.Logit(y, X).fit(method="newton", disp=0, tol=1e-12, cov_type="cluster",
                             cov_kwds={"groups": np.column_stack([dyad, year])})
    # statsmodels applies no eigenvalue fix: compare the raw CGM combination.
    got = dcov.twoway(scores, bread, dyad, year, fix_psd=False)
    np.testing.assert_allclose(got.matrix, ref.cov_params(), rtol=0, atol=1e-10)
    assert got.n_clusters == 3 and f"dyad ({len(np.unique(dyad))} clusters)" in got.note
    values = np.linalg.eigvalsh(got.matrix)
    fixed = dcov.twoway(scores, bread, dyad, year)
    assert fixed.psd_fixed == (values.min() < 0)
    assert np.linalg.eigvalsh(fixed.matrix).min() > -1e-14


def test_psd_fix_zeroes_negative_eigenvalues():
    fixed, acted = dcov.psd_fix(np.array([[1.0, 2.0], [2.0, 1.0]]))  # eigenvalues 3 and -1
    assert acted
    np.testing.assert_allclose(fixed, np.full((2, 2), 1.5), atol=1e-14)
    same, acted = dcov.psd_fix(np.eye(2))
    assert not acted and (same == np.eye(2)).all()


# --------------------------------------------------------------------------------------------
# Firth: sandwich from the modified scores at the penalized estimate
# --------------------------------------------------------------------------------------------


def loop_firth_cluster(X: np.ndarray, y: np.ndarray, beta: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Firth CRV1 written as plain loops: h_i, modified scores, cluster sums, sandwich."""
    n, k = X.shape
    p = [1.0 / (1.0 + np.exp(-float(X[i] @ beta))) for i in range(n)]
    info = sum(p[i] * (1 - p[i]) * np.outer(X[i], X[i]) for i in range(n))
    inv = np.linalg.inv(info)
    sums: dict[object, np.ndarray] = {}
    for i in range(n):
        h = p[i] * (1 - p[i]) * float(X[i] @ inv @ X[i])
        s = X[i] * (y[i] - p[i] + h * (0.5 - p[i]))
        sums[groups[i]] = sums.get(groups[i], np.zeros(k)) + s
    meat = sum(np.outer(v, v) for v in sums.values())
    g = len(sums)
    return inv @ meat @ inv * g / (g - 1) * (n - 1) / (n - k)


def _firth_frame() -> pd.DataFrame:
    df = _panel(directed=False, seed=11, keep=1.0)
    return df.rename(columns={"y": "coercion_onset"}).assign(dyad_id=df.ccode1 * 1000 + df.ccode2)


def _firth_spec(covariance: str):
    return parse_specs({"specs": {"F": {
        "outcome": "coercion_onset", "regressors": "x1 + x2", "time_dependence": "none",
        "estimator": "firth", "covariance": covariance, "predictions": False, "focal": "x1"}}})["F"]


def test_firth_cluster_sandwich_equals_loop_and_scores_vanish():
    df = _firth_frame()
    spec = _firth_spec("cluster")
    design = prepare(df, spec)
    result = fit_design(design, spec)
    X, y, beta = design.X.to_numpy(), design.y, result.params.to_numpy()
    scores, _ = dcov.firth_scores(X, y, beta)
    # The Firth estimate is the root of the modified score; the ML score is not zero there.
    assert np.abs(scores.sum(axis=0)).max() < 1e-7
    assert np.abs((X * (y - expit(X @ beta))[:, None]).sum(axis=0)).max() > 1e-3
    V = loop_firth_cluster(X, y, beta, design.groups)
    np.testing.assert_allclose(result.cov.to_numpy(), V, rtol=1e-10, atol=1e-14)
    assert result.fit["cov_type"] == "cluster (dyad)" and "Firth-modified scores" in result.fit["notes"]


def test_firth_dyadic_equals_brute_force():
    df = _firth_frame()
    spec = _firth_spec("dyadic")
    design = prepare(df, spec)
    result = fit_design(design, spec)
    X, y, beta = design.X.to_numpy(), design.y, result.params.to_numpy()
    scores, bread = dcov.firth_scores(X, y, beta)
    s1, s2 = design.data.ccode1.to_numpy(), design.data.ccode2.to_numpy()
    n, k = X.shape
    g = len(CCODES)
    V = bread @ brute_force_dyadic_meat(scores, s1, s2) @ bread * g / (g - 1) * (n - 1) / (n - k)
    values, vectors = np.linalg.eigh(V)
    assert values.min() < 0  # eight states: indefinite, so the fit applies CGM's fix
    V = vectors @ np.diag(np.maximum(values, 0)) @ vectors.T
    np.testing.assert_allclose(result.cov.to_numpy(), V, rtol=0, atol=1e-12)
    assert result.fit["n_clusters"] == g and "negative eigenvalues set to 0" in result.fit["notes"]


# --------------------------------------------------------------------------------------------
# Models stage
# --------------------------------------------------------------------------------------------


def _hand_frame() -> pd.DataFrame:
    """Five states, every dyad in two years; outcome and regressor written out by hand."""
    pairs = [(2, 20), (2, 200), (2, 365), (2, 710), (20, 200), (20, 365), (20, 710),
             (200, 365), (200, 710), (365, 710)]
    y = [1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0]
    x = [0.5, -1.0, 1.2, 0.3, -0.4, 0.8, -1.5, 0.1, 2.0, -0.2,
         0.7, 1.1, 0.9, -0.6, -0.3, 0.2, 1.4, 0.6, -0.9, -1.1]
    rows = [{"ccode1": a, "ccode2": b, "year": t} for t in (1990, 1991) for a, b in pairs]
    df = pd.DataFrame(rows)
    return df.assign(coercion_onset=np.array(y, dtype=float), x=x, dyad_id=df.ccode1 * 1000 + df.ccode2)


def _spec(**kw):
    base = {"outcome": "coercion_onset", "regressors": "x", "time_dependence": "none",
            "predictions": False, "focal": "x"}
    return parse_specs({"specs": {"D": {**base, **kw}}})["D"]


def test_models_fit_dyadic_spec_on_hand_made_frame():
    df = _hand_frame()
    est, fit, _ = fit_spec(df, _spec(covariance="dyadic"))
    assert fit["cov_type"] == "dyadic" and fit["n_clusters"] == 5
    assert "G = states" in fit["notes"] and "Aronow, Samii & Assenova" in fit["notes"]
    X = np.column_stack([np.ones(len(df)), df.x])
    ref = sm.Logit(df.coercion_onset.to_numpy(), X).fit(disp=0, tol=1e-12)
    scores, bread = dcov.logit_scores(X, df.coercion_onset.to_numpy(), ref.params)
    V = bread @ brute_force_dyadic_meat(scores, df.ccode1.to_numpy(), df.ccode2.to_numpy()) @ bread
    V *= 5 / 4 * (20 - 1) / (20 - 2)
    values, vectors = np.linalg.eigh(V)
    if values.min() < 0:  # CGM's fix, stated in the notes
        assert "negative eigenvalues set to 0" in fit["notes"]
        V = vectors @ np.diag(np.maximum(values, 0)) @ vectors.T
    np.testing.assert_allclose(est.std_error, np.sqrt(np.diag(V)), rtol=1e-8)


def test_models_twoway_spec_records_both_dimensions():
    df = _hand_frame()
    _, fit, _ = fit_spec(df, _spec(covariance="twoway", cluster_by=["dyad", "year"]))
    assert fit["cov_type"] == "twoway (dyad, year)" and fit["n_clusters"] == 2
    assert "dyad (10 clusters)" in fit["notes"] and "year (2 clusters)" in fit["notes"]
    spec = _spec(covariance="twoway", cluster_by=["year", "dyad"])
    assert spec.cluster_by == ("year", "dyad")
    assert spec_from_dict(json.loads(json.dumps(spec.to_dict()))) == spec  # Snakemake params
    # A single cluster_by name means the default pair (the only two dimensions).
    _, default, _ = fit_spec(df, _spec(covariance="twoway"))
    assert default["cov_type"] == "twoway (dyad, year)"


# --------------------------------------------------------------------------------------------
# The coverage benchmark's data-generating process (coverage itself is benchmark-only)
# --------------------------------------------------------------------------------------------


def _benchmark():
    path = Path(__file__).resolve().parents[3] / "benchmarks" / "coverage_dyadic.py"
    spec = importlib.util.spec_from_file_location("coverage_dyadic", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def test_benchmark_dgp_is_an_exact_logit_with_shared_state_parts():
    bench = _benchmark()
    ws, wd, wn = bench.error_weights(0.1, 0.2)
    # z is N(0, 1) exactly (two state shocks, one dyad shock, noise), so logit(Phi(z)) is
    # standard logistic and the marginal model is the fitted logit with slope b1.
    assert 2 * ws**2 + wd**2 + wn**2 == pytest.approx(1.0, abs=1e-15)
    s1, s2, dyad, year = bench.panel_layout(5, 3)
    assert len(s1) == 10 * 3 and (s1 < s2).all() and set(year) == {0, 1, 2}
    design = bench.Design(states=5, years=3, lam=1.0)  # regressor = state parts only
    panel = bench.simulate(design, np.random.default_rng(1))
    # With lam = 1, x_ab = (v_a + v_b)/sqrt(2) with v = +-1: constant within a dyad over years,
    # and the dyads of one state differ only through the other state's v.
    x = panel["x"].reshape(10, 3)
    assert np.ptp(x, axis=1).max() == 0.0
    assert set(np.round(np.unique(x) * np.sqrt(2), 12)) <= {-2.0, 0.0, 2.0}
    # Seeding by (seed, replication): a replication does not depend on the others.
    a = bench.replicate(bench.Design(states=8, years=2), 4, 7)
    b = bench.replicate(bench.Design(states=8, years=2), 4, 7)
    assert a == b


@pytest.mark.parametrize("directed", [False, True])
def test_score_rows_give_the_full_score_arrays_covariances(directed):
    """ScoreRows (X and y - p, no n x k array) against the materialised scores: the cluster,
    dyadic and two-way meats are the same bincount sums (bit-equal); HC0's S'S is summed block
    by block and the bread comes from the blocked Newton pass (equal to rounding)."""
    df = _panel(directed, seed=3, keep=1.0)
    X, y, res = _logit(df)
    X = np.asfortranarray(X)
    full, bread = dcov.logit_scores(X, y, res.params)
    rows, rows_bread = dcov.logit_score_rows(X, y, res.params)
    np.testing.assert_allclose(rows_bread, bread, rtol=1e-12)
    s1, s2 = df.ccode1.to_numpy(), df.ccode2.to_numpy()
    dyad = dcov.unordered_dyads(s1, s2)
    year = df.year.to_numpy()
    np.testing.assert_array_equal(dcov._group_sums(rows, dyad, int(dyad.max()) + 1),
                                  dcov._group_sums(full, dyad, int(dyad.max()) + 1))
    np.testing.assert_array_equal(dcov.dyadic_meat(rows, s1, s2)[0], dcov.dyadic_meat(full, s1, s2)[0])
    pairs = [
        (dcov.cluster(rows, rows_bread, dyad), dcov.cluster(full, bread, dyad)),
        (dcov.robust(rows, rows_bread), dcov.robust(full, bread)),
        (dcov.dyadic(rows, rows_bread, s1, s2), dcov.dyadic(full, bread, s1, s2)),
        (dcov.twoway(rows, rows_bread, dyad, year), dcov.twoway(full, bread, dyad, year)),
    ]
    for got, want in pairs:
        np.testing.assert_allclose(got.matrix, want.matrix, rtol=1e-11, atol=1e-15)
        assert (got.n_clusters, got.note) == (want.n_clusters, want.note)
    assert rows.shape == full.shape
    np.testing.assert_array_equal(rows.column(2), full[:, 2])
