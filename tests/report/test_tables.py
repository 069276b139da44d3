"""The regression table shows exactly the estimates in model_estimates; LaTeX is escaped."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from dyadstats.report.inputs import read_model_tables
from dyadstats.report.options import report_options
from dyadstats.report.tables import markdown_table, regression_table, tex_escape


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
    csv = table.csv.set_index("Term")
    est = world["estimates"]
    for i, model in enumerate(["m1_base", "m2_controls", "m3_firth"], start=1):
        column = next(c for c in csv.columns if c.endswith(f"({i})"))
        assert model in column
        for _, row in est[est["model"] == model].iterrows():
            expected = f"{row['estimate']:.3f}{_stars(row['p_value'])} ({row['std_error']:.3f})"
            assert csv.loc[row["term"], column] == expected, (model, row["term"])
        assert csv.loc["Dyad-years (N)", column] == f"{world['fit'].set_index('model').loc[model, 'n_obs']:,}"
    # a term a model does not have is blank, not zero
    assert csv.loc["log_capability_ratio", next(c for c in csv.columns if c.endswith("(1)"))] == ""
    # democracy term first, intercept last
    coef_terms = table.csv.loc[table.csv["group"] == "coef", "Term"].tolist()
    assert coef_terms[0] == "joint_democracy_polity" and coef_terms[-1] == "Intercept"
    assert csv.loc["Clusters (dyads)"].iloc[-1] == "-"  # m3 has no clusters


def test_table_models_order_labels_and_dropped_terms(models) -> None:
    options = report_options({
        "table_models": ["m2_controls", "m1_base"],
        "term_labels": {"joint_democracy_polity": "Joint democracy"},
        "drop_terms": ["^log_"],
    })
    table = regression_table(models, options)
    heads = [c for c in table.csv.columns if c not in ("group", "Term")]
    assert "m2_controls" in heads[0] and "m1_base" in heads[1] and len(heads) == 2
    assert "Joint democracy" in table.csv["Term"].tolist()
    assert "log_capability_ratio" not in table.csv["Term"].tolist()
    assert r"Terms not shown: \textasciicircum{}log\_." in table.latex


def test_latex_is_escaped_and_complete(models) -> None:
    tex = regression_table(models, report_options({})).latex
    assert r"joint\_democracy\_polity" in tex
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
