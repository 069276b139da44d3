"""Democracy terms of the seed study: polyprod, weak and strong link, three-category regime pair."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy.special import expit

from dyadstats.models import ModelSpecError, fit_design, parse_specs, prepare, resolve


def spec_of(**kw):
    base = {"outcome": "coercion_onset", "time_dependence": "none", "covariance": "nonrobust",
            "sample": {"politically_relevant": False}}
    return parse_specs({"specs": {"M": {**base, **kw}}})["M"]


def hand_frame() -> pd.DataFrame:
    """Five dyad-years whose polity2 pairs give polyprod values worked out by hand."""
    return pd.DataFrame({
        "ccode1": [2, 2, 20, 40, 41], "ccode2": [20, 40, 40, 41, 42], "year": [1990] * 5,
        "coercion_onset": [0.0, 1.0, 0.0, 1.0, 0.0],
        "polity2_1": [10.0, -10.0, 7.0, 0.0, None],
        "polity2_2": [10.0, 10.0, 6.0, -4.0, 3.0],
    })


def test_polyprod_is_the_product_of_shifted_halved_scores():
    spec = spec_of(regressors="{polyprod}", focal="{polyprod}", predictions=False)
    r = resolve(spec, list(hand_frame().columns))
    assert r.formula == "coercion_onset ~ polyprod_polity2"
    d = prepare(hand_frame(), spec)
    # (10+10)/2*(10+10)/2 = 100; (0/2)*(20/2) = 0; 8.5*8 = 68; 5*3 = 15; a missing side drops the row.
    assert d.data["polyprod_polity2"].tolist() == [100.0, 0.0, 68.0, 15.0]
    assert d.dropped_by_column == {"polyprod_polity2": 1}
    lagged = resolve(spec_of(regressors="{polyprod}", focal="{polyprod}", lag=True), ["polity2_1_lag1", "polity2_2_lag1", "coercion_onset"])
    assert lagged.derived["polyprod_polity2_lag1"].count("_lag1") == 2


def test_polyprod_needs_polity():
    with pytest.raises(ModelSpecError, match="polyprod"):
        spec_of(regressors="{polyprod}", democracy="vdem")


def test_weak_and_strong_link_enter_together():
    r = resolve(spec_of(regressors="{weak_link} + {strong_link}", focal="{weak_link}"),
                ["min_polity2", "max_polity2", "coercion_onset"])
    assert r.formula == "coercion_onset ~ min_polity2 + max_polity2"


@pytest.mark.parametrize(
    ("reference", "terms"),
    [
        ("joint_autocracy", "joint_democracy_polity + mixed_dyad_polity"),
        ("mixed", "joint_democracy_polity + joint_autocracy_polity"),
        ("joint_democracy", "mixed_dyad_polity + joint_autocracy_polity"),
    ],
)
def test_regime_contrasts_enter_the_two_non_reference_dummies(reference, terms):
    cols = ["joint_democracy_polity", "mixed_dyad_polity", "joint_autocracy_polity", "coercion_onset"]
    r = resolve(spec_of(regressors="{regime_contrasts}", regime_reference=reference), cols)
    assert r.formula == f"coercion_onset ~ {terms}"
    assert r.regime_terms[reference.replace("_", " ")] == ""


def test_bad_regime_reference_is_refused():
    with pytest.raises(ModelSpecError, match="regime_reference"):
        spec_of(regressors="{regime_contrasts}", regime_reference="democracy")


TRUTH = {"Intercept": -3.0, "joint democracy": -1.0, "mixed": 0.4, "x": 0.5}


@pytest.fixture(scope="module")
def regime_frame() -> pd.DataFrame:
    """Dyad-years from a logit with known regime-pair effects (joint autocracy the baseline)."""
    rng = np.random.default_rng(42)
    n = 60_000
    pair = rng.choice(["joint democracy", "mixed", "joint autocracy"], size=n, p=[0.2, 0.45, 0.35])
    x = rng.normal(size=n)
    eta = TRUTH["Intercept"] + TRUTH["x"] * x + np.select(
        [pair == "joint democracy", pair == "mixed"], [TRUTH["joint democracy"], TRUTH["mixed"]], 0.0)
    y = (rng.random(n) < expit(eta)).astype(float)
    return pd.DataFrame({
        "ccode1": np.arange(n) // 50, "ccode2": 10_000 + np.arange(n) % 50, "year": 1900 + np.arange(n) % 40,
        "coercion_onset": y, "x": x, "regime_pair_polity": pair,
        "joint_democracy_polity": (pair == "joint democracy").astype(int),
        "mixed_dyad_polity": (pair == "mixed").astype(int),
        "joint_autocracy_polity": (pair == "joint autocracy").astype(int),
    })


def contrasts_of(frame: pd.DataFrame, reference: str) -> pd.DataFrame:
    spec = spec_of(regressors="{regime_contrasts} + x", regime_reference=reference)
    result = fit_design(prepare(frame, spec), spec)
    return result.predictions.set_index(["quantity", "group"])


def test_regime_contrasts_do_not_depend_on_the_reference(regime_frame):
    by_ref = {ref: contrasts_of(regime_frame, ref) for ref in ("joint_autocracy", "mixed", "joint_democracy")}
    base = by_ref["joint_autocracy"]
    for other in by_ref.values():
        for col in ("estimate", "std_error"):
            np.testing.assert_allclose(other[col].to_numpy(), base[col].to_numpy(), rtol=1e-7, atol=1e-10)


def test_regime_contrasts_match_a_categorical_fit_and_the_truth(regime_frame):
    got = contrasts_of(regime_frame, "joint_autocracy").loc["regime_contrast"]
    # Second implementation: statsmodels' formula API with the pair as a categorical, mixed as
    # the reference, gives "joint democracy vs mixed" directly as a coefficient.
    ref = smf.logit("coercion_onset ~ C(regime_pair_polity, Treatment('mixed')) + x", regime_frame).fit(disp=0)
    term = "C(regime_pair_polity, Treatment('mixed'))[T.joint democracy]"
    row = got.loc["joint democracy vs mixed"]
    assert row["estimate"] == pytest.approx(ref.params[term], abs=1e-6)
    assert row["std_error"] == pytest.approx(ref.bse[term], rel=1e-5)
    truth = {
        "joint democracy vs mixed": TRUTH["joint democracy"] - TRUTH["mixed"],
        "joint democracy vs joint autocracy": TRUTH["joint democracy"],
        "mixed vs joint autocracy": TRUTH["mixed"],
    }
    for group, value in truth.items():
        assert abs(got.loc[group, "estimate"] - value) < 3.5 * got.loc[group, "std_error"], group


def test_regime_counterfactuals_average_the_fitted_model(regime_frame):
    preds = contrasts_of(regime_frame, "mixed").loc["regime_counterfactual"]
    ref = smf.logit("coercion_onset ~ C(regime_pair_polity) + x", regime_frame).fit(disp=0)
    for pair in ("joint democracy", "mixed", "joint autocracy"):
        expected = ref.predict(regime_frame.assign(regime_pair_polity=pair)).mean()
        assert preds.loc[pair, "estimate"] == pytest.approx(expected, rel=1e-6)
    diff = preds.loc["joint democracy - mixed", "estimate"]
    assert diff == pytest.approx(preds.loc["joint democracy", "estimate"] - preds.loc["mixed", "estimate"], rel=1e-12)
    assert "counterfactual" not in contrasts_of(regime_frame, "mixed").index.get_level_values(0)
