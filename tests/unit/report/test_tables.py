"""The regression tables show exactly the estimates in model_estimates, labelled, with peace
years collapsed; the main table takes the configured models; LaTeX is escaped."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from dyadstats.errors import ConfigError
from dyadstats.report.inputs import read_model_tables
from dyadstats.report.options import report_options
from dyadstats.report.regression import main_table_models, regime_reference, regression_table
from dyadstats.report.tables import markdown_table, tex_escape


@pytest.fixture
def models(world: dict):
    con = duckdb.connect(str(world["db"]), read_only=True)
    try:
        return read_model_tables(con, "fixture")
    finally:
        con.close()


def _stars(p: float) -> str:
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def test_every_cell_matches_model_estimates(models, world: dict) -> None:
    table = regression_table(models, report_options({}))
    csv = table.csv.set_index("term")
    est = world["estimates"]
    for i, model in enumerate(["m1_base", "m2_controls", "m3_firth"], start=1):
        column = next(c for c in csv.columns if c.endswith(f"({i})"))
        assert model in column
        for _, row in est[est["model"] == model].iterrows():
            expected = f"{row['estimate']:.3f}{_stars(row['p_value'])} ({row['std_error']:.3f})"
            assert csv.loc[row["term"], column] == expected, (model, row["term"])
        stats = table.csv.set_index("Term")
        assert stats.loc["Dyad-years (N)", column] == f"{world['fit'].set_index('model').loc[model, 'n_obs']:,}"
        dropped = world["fit"].set_index("model").loc[model, "n_dropped_missing"]
        assert stats.loc["Rows dropped (missing values)", column] == f"{dropped:,}"
    # a term a model does not have is blank, not zero
    assert csv.loc["log_capability_ratio", next(c for c in csv.columns if c.endswith("(1)"))] == ""
    # democracy term first, intercept last; every row labelled, never its column name
    coef = table.csv[table.csv["group"] == "coef"]
    assert coef["term"].iloc[0] == "joint_democracy_polity" and coef["term"].iloc[-1] == "Intercept"
    assert coef["Term"].tolist() == ["Joint democracy (Polity)", "Land contiguity",
                                     "Log capability ratio (higher / lower CINC)", "Constant"]
    assert table.csv.set_index("Term").loc["Clusters (dyads)"].iloc[-1] == "-"  # m3 has no clusters


def test_table_models_order_labels_and_dropped_terms(models) -> None:
    options = report_options({
        "table_models": ["m2_controls", "m1_base"],
        "term_labels": {"joint_democracy_polity": "Joint democracy"},
        "drop_terms": ["^log_"],
    })
    table = regression_table(models, options)
    heads = [c for c in table.csv.columns if c not in ("group", "Term", "term")]
    assert "m2_controls" in heads[0] and "m1_base" in heads[1] and len(heads) == 2
    assert "Joint democracy" in table.csv["Term"].tolist()
    assert "log_capability_ratio" not in table.csv["term"].tolist()
    assert r"Terms not shown: \textasciicircum{}log\_." in table.latex


def _with_peace_and_regime(models):
    """The fixture plus a three-category model with cubic peace years."""
    terms = {"joint_democracy_polity": (-0.3, 0.2), "mixed_dyad_polity": (0.5, 0.1),
             "peace_years_coercion_onset": (-0.07, 0.01), "peace_years_coercion_onset_2": (0.001, 0.0002),
             "peace_years_coercion_onset_3": (-0.00001, 0.000002), "Intercept": (-4.0, 0.3)}
    rows = pd.DataFrame([{"model": "m4_regime", "term": t, "estimate": b, "std_error": se, "statistic": b / se,
                          "p_value": 0.005, "conf_low": b - 2 * se, "conf_high": b + 2 * se,
                          "odds_ratio": 2.718281828 ** b} for t, (b, se) in terms.items()])
    fit = models.fit.iloc[[0]].assign(
        model="m4_regime", formula="coercion_onset ~ joint_democracy_polity + mixed_dyad_polity", year_min=1816,
        year_max=2012)
    return type(models)(pd.concat([models.estimates, rows], ignore_index=True),
                        pd.concat([models.fit, fit], ignore_index=True), models.predictions)


def test_peace_years_collapse_and_regime_contrasts_get_their_own_rows(models) -> None:
    tables = _with_peace_and_regime(models)
    table = regression_table(tables, report_options({}), ["m1_base", "m4_regime"], key="main", full=False)
    labels = table.csv["Term"].tolist()
    assert not any("eace_years_" in t for t in labels)  # no raw peace-year rows
    row = table.csv.set_index("Term").loc["Peace years"]
    assert row.iloc[-2:].tolist() == ["none", "cubic"]
    # the pooled coding and the contrast with joint autocracy are different rows
    contrast = table.csv.set_index("term").loc["joint_democracy_polity__vs_joint_autocracy"]
    assert contrast["Term"] == "Joint democracy vs joint autocracy (Polity)"
    assert contrast.iloc[-1] == "-0.300** (0.200)"
    pooled = table.csv.set_index("term").loc["joint_democracy_polity"]
    assert pooled.iloc[-1] == "" and pooled.iloc[-2].startswith("-0.700")
    assert table.csv.set_index("Term").loc["Years used"].iloc[-1] == "1816-2012"
    assert "Pseudo R²" not in labels  # the main table keeps the few rows a reader needs


def test_main_table_models_default_configured_and_capped(models) -> None:
    assert main_table_models(models, report_options({})) == ["m1_base", "m2_controls", "m3_firth"]
    assert main_table_models(models, report_options({"main_table_models": ["m3_firth"]})) == ["m3_firth"]
    with pytest.raises(ConfigError, match="not in model_fit"):
        main_table_models(models, report_options({"main_table_models": ["nope"]}))
    with pytest.raises(ConfigError, match="at most 8"):
        main_table_models(models, report_options({"main_table_models": [f"m{i}" for i in range(9)]}))


def test_regime_reference_reads_the_formula() -> None:
    assert regime_reference("y ~ joint_democracy_polity + mixed_dyad_polity + x") == "joint_autocracy"
    assert regime_reference("y ~ joint_democracy_vdem + joint_autocracy_vdem") == "mixed_dyad"
    assert regime_reference("y ~ joint_democracy_polity + x") is None
    assert regime_reference(None) is None


def test_latex_is_escaped_and_complete(models) -> None:
    tex = regression_table(models, report_options({})).latex
    assert "Joint democracy (Polity)" in tex
    assert r"firth\_logit" in tex
    assert "joint_democracy" not in tex
    assert tex.count(r"\begin{table}") == 1 and r"\end{table}" in tex
    assert tex_escape("a_b & 5% #1 $") == r"a\_b \& 5\% \#1 \$"


def test_html_has_a_fixed_id(models) -> None:
    html_a = regression_table(models, report_options({})).html
    html_b = regression_table(models, report_options({})).html
    assert 'id="tbl-regression"' in html_a
    assert html_a == html_b


def test_markdown_table_groups_and_line_breaks() -> None:
    df = pd.DataFrame(
        {"x": ["1\n(2)", "3"]},
        index=pd.MultiIndex.from_tuples([("g", "a"), ("g", "b|c")]),
    )
    md = markdown_table(df, "row")
    assert md.splitlines() == ["| row | x |", "|---|---|", "| **g** | |", "| a | 1<br>(2) |", "| b\\|c | 3 |"]
