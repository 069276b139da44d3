"""The finding and the robustness summary come from the model tables, not from typing."""

from __future__ import annotations

import math

import duckdb
import pytest

from dyadstats.errors import ConfigError, SchemaError
from dyadstats.report.finding import compute_finding, robustness_table
from dyadstats.report.inputs import read_model_tables
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
    assert f.contrast == "counterfactual"
    assert f.difference.estimate == pytest.approx(-0.002)
    assert set(f.predictions) == {"joint democracy", "mixed", "joint autocracy", "other dyads"}
    text = finding_text(f, options)
    assert f"odds ratio {math.exp(-0.7):.2f}" in text  # 0.50
    assert "), joint democracy goes with" in text
    assert "95% CI 0.34 to 0.73" in text
    assert "50% lower odds" in text
    assert "statistically significant at the 0.05 level" in text
    assert "joint democracy 2.00" in text and "mixed 6.00" in text
    assert "by -2.00 per 1,000" in text
    assert "negative in 2 and negative with p < 0.05 in 1" in text


def test_configured_main_model_and_not_significant_wording(models) -> None:
    options = report_options({"main_model": "m3_firth"})
    f = compute_finding(models, options)
    assert f.model == "m3_firth"
    assert f.direction == "higher" and not f.significant
    text = finding_text(f, options)
    assert f"odds ratio {math.exp(0.1):.2f}" in text
    assert "not statistically significant" in text
    assert "Setting joint democracy" not in text  # m3 has no predictions


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
