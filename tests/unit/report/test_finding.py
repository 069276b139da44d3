"""The finding and the robustness summary come from the model tables, not from typing."""

from __future__ import annotations

import math

import duckdb
import pandas as pd
import pytest

from dyadstats.errors import ConfigError, SchemaError
from dyadstats.report.finding import compute_finding, robustness_table
from dyadstats.report.inputs import ModelTables, read_model_tables
from dyadstats.report.options import report_options
from dyadstats.report.render import finding_text


@pytest.fixture
def models(world: dict):
    con = duckdb.connect(str(world["db"]), read_only=True)
    try:
        return read_model_tables(con, "fixture")
    finally:
        con.close()


def test_finding_numbers_from_the_main_model(models) -> None:
    options = report_options({"term_labels": {"joint_democracy_polity": "joint democracy"}})
    f = compute_finding(models, options)
    assert f.model == "m1_base"  # first model in model_fit order
    # m1_base: b = -0.7, se = 0.2 -> OR exp(-0.7), CI exp(-0.7 -/+ 1.96 * 0.2)
    assert f.odds_ratio.estimate == pytest.approx(math.exp(-0.7))
    assert f.odds_ratio.low == pytest.approx(math.exp(-0.7 - 1.959964 * 0.2), rel=1e-6)
    assert f.direction == "lower" and f.significant
    # No dyadic twin and no three-category model in the basic world: said, not invented.
    assert f.dyadic is None and f.regime_model is None and not f.predictions
    text = finding_text(f, options)
    assert f"odds ratio {math.exp(-0.7):.2f}" in text  # 0.50
    assert "), joint democracy goes with" in text
    assert "95% CI 0.34 to 0.73 with cluster SEs" in text
    assert "50% lower odds" in text
    assert "It is statistically significant at the 0.05 level." in text
    assert "compared here with all other dyads pooled" in text
    # All three share the outcome and a joint-democracy dummy, and their formulas differ.
    assert "Of 3 comparable models" in text and "m1_base, m2_controls, m3_firth" in text
    assert "2 are negative and 1 negative with p < 0.05" in text
    assert "Pointing the other way (a positive democracy term): m3_firth" in text


def test_configured_main_model_and_not_significant_wording(models) -> None:
    options = report_options({"main_model": "m3_firth"})
    f = compute_finding(models, options)
    assert f.model == "m3_firth"
    assert f.direction == "higher" and not f.significant
    text = finding_text(f, options)
    assert f"odds ratio {math.exp(0.1):.2f}" in text
    assert "It is not statistically significant" in text


def _row(model: str, b: float, se: float, **fit) -> tuple[dict, dict]:
    z = b / se
    est = {"model": model, "term": fit.get("focal_term", "joint_democracy_polity"), "estimate": b,
           "std_error": se, "statistic": z, "p_value": math.erfc(abs(z) / math.sqrt(2)),
           "conf_low": b - Z * se, "conf_high": b + Z * se, "odds_ratio": math.exp(b)}
    base = {"model": model, "outcome": "coercion_onset", "estimator": "logit", "cov_type": "cluster (dyad)",
            "sample": "politically relevant dyads", "n_obs": 1000, "n_events": 50, "n_clusters": 100.0,
            "log_likelihood": -1.0, "aic": 1.0, "bic": 1.0, "pseudo_r2": 0.1, "converged": True,
            "n_dropped_missing": 0, "separation": "none", "notes": "", "focal_term": "joint_democracy_polity",
            "frame": "dyad", "democracy": "polity", "formula": "coercion_onset ~ joint_democracy_polity + x"}
    return est, {**base, **fit}


Z = 1.959963984540054


@pytest.fixture
def inference_tables() -> ModelTables:
    """A main model, its dyadic-SE and Firth re-estimates, a three-category model, a second
    sample, a weak-link model and an economic-coercion model pointing the other way."""
    rows = [
        _row("main", -0.7, 0.2),                                               # z = -3.5
        _row("main_dyadic", -0.7, 0.4, cov_type="dyadic", n_clusters=40.0),    # z = -1.75
        _row("main_firth", -0.68, 0.21, estimator="firth", cov_type="nonrobust"),
        _row("regime", -0.9, 0.25, formula="coercion_onset ~ joint_democracy_polity + mixed_dyad_polity + x"),
        _row("all_dyads", -0.3, 0.25, sample="all dyads"),                     # negative, not significant
        _row("weak", -0.05, 0.01, focal_term="min_polity2", formula="coercion_onset ~ min_polity2 + x"),
        _row("ties", 0.5, 0.2, outcome="sanction_threat_onset",
             formula="sanction_threat_onset ~ joint_democracy_polity + x"),
    ]
    estimates = pd.DataFrame([e for e, _ in rows])
    fit = pd.DataFrame([f for _, f in rows])

    def pred(quantity: str, group: str, est: float, se: float) -> dict:
        return {"model": "regime", "quantity": quantity, "group": group, "estimate": est, "std_error": se,
                "conf_low": est - Z * se, "conf_high": est + Z * se, "n_obs": 1000}

    predictions = pd.DataFrame([
        pred("regime_contrast", "joint democracy vs mixed", -1.2, 0.3),
        pred("regime_contrast", "joint democracy vs joint autocracy", -0.9, 0.25),
        pred("regime_contrast", "mixed vs joint autocracy", 0.3, 0.2),
        pred("regime_counterfactual", "joint democracy", 0.02, 0.005),
        pred("regime_counterfactual", "mixed", 0.06, 0.01),
        pred("regime_counterfactual", "joint autocracy", 0.045, 0.008),
    ])
    return ModelTables(estimates=estimates, fit=fit, predictions=predictions)


def test_comparable_models_by_the_declared_rule(inference_tables) -> None:
    r = robustness_table(inference_tables, report_options({"main_model": "main"})).set_index("model")
    assert r["comparison"].to_dict() == {
        "main": "counted",
        "main_dyadic": "re-estimate of main (same data and formula)",
        "main_firth": "re-estimate of main (same data and formula)",
        "regime": "different democracy coding (three regime pairs)",
        "all_dyads": "counted",
        "weak": "different democracy coding",
        "ties": "different outcome",
    }


def test_finding_says_first_when_significance_depends_on_the_se(inference_tables) -> None:
    options = report_options({"main_model": "main"})
    f = compute_finding(inference_tables, options)
    assert f.dyadic is not None and f.dyadic.model == "main_dyadic"
    assert f.significant and f.dyadic.p_value > 0.05 and f.se_dependent
    assert f.dyadic.odds_ratio.high == pytest.approx(math.exp(-0.7 + Z * 0.4))
    text = finding_text(f, options)
    assert text.startswith("Whether joint democracy (Polity) goes with lower odds of coercion onset (threat or display) at the 0.05 level "
                           "depends on the standard errors: p < 0.001 with cluster (dyad) SEs, p = 0.080 with dyadic-robust SEs.")
    assert f"95% CI {math.exp(-0.7 - Z * 0.4):.2f} to {math.exp(-0.7 + Z * 0.4):.2f} with dyadic-robust SEs" in text
    # Contrasts and probabilities from the three-category model, not from the pooled main model.
    assert f.regime_model == "regime"
    assert f.regime_contrasts["mixed"].estimate == pytest.approx(math.exp(-1.2))
    assert f"against mixed dyads the odds ratio of joint democracy is {math.exp(-1.2):.2f}" in text.lower()
    assert "mixed 60.00" in text and "joint autocracy 45.00" in text and "joint democracy 20.00" in text
    assert "Of 2 comparable models (same outcome, a joint-democracy dummy, independent fits: main, all_dyads)" in text
    assert "2 are negative and 1 negative with p < 0.05" in text
    assert "Pointing the other way (a positive democracy term): ties (sanction threat onset (TIES), odds ratio 1.65" in text


def test_finding_with_robust_significance_says_both(inference_tables) -> None:
    fit = inference_tables.fit.copy()
    est = inference_tables.estimates.copy()
    est.loc[est["model"] == "main_dyadic", ["std_error", "conf_low", "conf_high", "p_value"]] = [
        0.25, -0.7 - Z * 0.25, -0.7 + Z * 0.25, math.erfc(2.8 / math.sqrt(2))]
    f = compute_finding(ModelTables(est, fit, inference_tables.predictions), report_options({"main_model": "main"}))
    assert not f.se_dependent
    text = finding_text(f, report_options({"main_model": "main"}))
    assert text.startswith("In the main model (main:")
    assert "It is statistically significant at the 0.05 level under both." in text


def test_regime_model_must_have_contrasts(inference_tables) -> None:
    with pytest.raises(SchemaError, match="regime_contrasts"):
        compute_finding(inference_tables, report_options({"main_model": "main", "regime_model": "all_dyads"}))


def test_unknown_main_model_is_refused(models) -> None:
    with pytest.raises(SchemaError, match="nosuch"):
        compute_finding(models, report_options({"main_model": "nosuch"}))


def test_robustness_sign_and_significance(models) -> None:
    r = robustness_table(models, report_options({})).set_index("model")
    assert r["sign"].to_dict() == {"m1_base": "negative", "m2_controls": "negative", "m3_firth": "positive"}
    # p-values: |z| = 3.5, 1.33, 0.2 -> only m1 below 0.05
    assert r["significant"].to_dict() == {"m1_base": True, "m2_controls": False, "m3_firth": False}
    stricter = robustness_table(models, report_options({"significance_levels": [0.0001, 0.0002, 0.0003]}))
    assert not stricter["significant"].any()  # p(m1) = 4.7e-4


def test_confidence_interval_on_the_wrong_scale_is_refused(world: dict) -> None:
    con = duckdb.connect(str(world["db"]))
    con.execute("UPDATE model_estimates SET conf_low = exp(conf_low), conf_high = exp(conf_high) WHERE model = 'm2_controls'")
    models = read_model_tables(con, "fixture")
    con.close()
    with pytest.raises(SchemaError, match="m2_controls"):
        robustness_table(models, report_options({}))


def test_missing_contract_column_names_table_and_column(world: dict) -> None:
    con = duckdb.connect(str(world["db"]))
    con.execute("ALTER TABLE model_fit DROP COLUMN focal_term")
    with pytest.raises(SchemaError, match="model_fit.*focal_term"):
        read_model_tables(con, "fixture")
    con.close()


def test_bad_report_options_are_refused() -> None:
    with pytest.raises(ConfigError, match="significance_levels"):
        report_options({"significance_levels": [0.05, 0.01, 0.001]})
    with pytest.raises(ConfigError, match="democracy_measure"):
        report_options({"democracy_measure": "Polity; DROP TABLE x"})
    with pytest.raises(ConfigError, match="eras"):
        report_options({"eras": [{"label": "x", "start": 2000, "end": 1990}]})


def test_a_per_unit_focal_term_with_model_based_ses_is_worded_as_such(models) -> None:
    """A weak-link score is read per unit, not as 'joint democracy'; model-based SEs use no
    clusters, so none are counted; the pooled-dummy caveat applies to dummies only."""
    import dataclasses

    options = report_options({"term_labels": {"min_polity2": "weak-link democracy"}})
    dummy = compute_finding(models, options)
    score = dataclasses.replace(dummy, focal_term="min_polity2", cov_type="nonrobust", n_clusters=120)
    assert dummy.focal_is_dummy and not score.focal_is_dummy and dummy.clustered and not score.clustered
    text = finding_text(score, options)
    assert "each one-unit increase in weak-link democracy goes with 50% lower odds" in text
    assert "with nonrobust SEs, p" in text and "clusters" not in text
    assert "compared here with all other dyads pooled" not in text
    lagged = dataclasses.replace(dummy, focal_term="joint_democracy_polity_lag1")
    assert lagged.focal_is_dummy


def test_the_specification_curve_is_summed_up_in_the_finding(models) -> None:
    """With a curve, the finding states its size, shares and median (the multiverse summary's
    counts); without one it says nothing about it."""
    options = report_options({"term_labels": {"joint_democracy_polity": "joint democracy"}})
    curve = pd.DataFrame({
        "spec_id": [1, 2, 3, 4, 5],
        "status": ["ok", "ok", "ok", "ok", "failed"],
        "estimator": ["logit", "logit", "firth", "logit", "logit"],
        "estimate": [-0.9, -0.4, -0.2, 0.3, None],
        "p_value": [0.001, 0.03, 0.4, 0.2, None],
    })
    f = compute_finding(models, options, curve)
    assert f.curve is not None
    assert (f.curve.specifications, f.curve.estimated) == (5, 4)
    assert (f.curve.share_negative, f.curve.share_negative_significant) == (0.75, 0.5)
    assert f.curve.median_estimate == pytest.approx(-0.3)
    text = finding_text(f, options)
    assert ("Across the specification curve (4 of 5 specifications estimated; their choices are in "
            "its section below), 75.0% of the democracy terms are negative and 50.0% negative with "
            "p < 0.05; the median is -0.30 on the log-odds scale.") in text
    assert "specification curve" not in finding_text(compute_finding(models, options), options)
