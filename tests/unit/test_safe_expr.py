"""Config expressions are data: formulas and sample filters refuse anything but their language."""

from __future__ import annotations

import numpy as np
import pandas as pd
import patsy
import pytest

from dyadstats.safe_expr import (
    UnsafeExpressionError,
    check_formula,
    check_where,
    eval_namespace,
    sql_literal,
)

COLUMNS = {"coercion_onset", "x", "z", "min_polity2", "max_polity2", "year", "era"}


@pytest.mark.parametrize(
    "formula",
    [
        "coercion_onset ~ x + z",
        "coercion_onset ~ np.minimum(x, z) + np.maximum(x, z)",
        "coercion_onset ~ I(1 / x) + I(x ** 2) + log(z) + x:z - 1",
        "coercion_onset ~ C(era, Treatment('1946-1989')) + cr(x, df=3, constraints='center')",
        "coercion_onset ~ I(x > 3) + np.where(x > 0, x, 0)",
    ],
)
def test_allowed_formulas_pass_and_name_their_columns(formula):
    used = check_formula(formula, COLUMNS)
    assert used <= COLUMNS and "x" in used


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("coercion_onset ~ __import__('os').system('touch /tmp/pwned')", "__import__"),
        ("coercion_onset ~ I(x.__class__)", "attribute"),
        ("coercion_onset ~ np.load('f.npy')", "attribute"),
        ("coercion_onset ~ open('x')", r"\['open'\] is neither a column"),
        ("coercion_onset ~ I([c for c in x])", "ListComp"),
        ("coercion_onset ~ I((lambda: 1)())", "call"),
        ("coercion_onset ~ I(x[0])", "Subscript"),
        ("coercion_onset ~ C(era, levels=eval('1'))", r"\['eval'\] is neither a column"),
    ],
)
def test_code_in_a_formula_is_refused(formula, message, tmp_path):
    with pytest.raises(UnsafeExpressionError, match=message):
        check_formula(formula, COLUMNS, "models.specs.M.regressors")
    assert not (tmp_path / "pwned").exists()


def test_unknown_names_are_listed_as_neither_column_nor_function():
    with pytest.raises(UnsafeExpressionError, match=r"\['minimun', 'no_such'\] are neither a column") as err:
        check_formula("coercion_onset ~ np.minimum(x, z) + minimun(x) + no_such", COLUMNS)
    assert "np.{" in str(err.value)


def test_the_eval_namespace_reaches_only_the_listed_functions():
    frame = pd.DataFrame({"y": [0.0, 1.0, 0.0, 1.0], "x": [1.0, 2.0, 3.0, 4.0], "z": [4.0, 3.0, 2.0, 1.0]})
    _, X = patsy.dmatrices("y ~ np.minimum(x, z)", frame, eval_env=eval_namespace(), return_type="dataframe")
    np.testing.assert_array_equal(X.iloc[:, 1], [1.0, 2.0, 2.0, 1.0])
    # Even a name that slipped past the check cannot reach the real numpy or builtins' modules.
    with pytest.raises(patsy.PatsyError):
        patsy.dmatrices("y ~ np.save('f', x)", frame, eval_env=eval_namespace())


@pytest.mark.parametrize(
    "predicate",
    ["year >= 1950 AND (x IS NOT NULL OR z < 2)", "era IN ('1816-1945', '1946-1989')",
     "year BETWEEN 1949 AND 2001", "NOT (abs(x) > 2)", "greatest(x, z) * 2 <= 10"],
)
def test_allowed_predicates_pass(predicate):
    assert check_where(predicate, COLUMNS)


@pytest.mark.parametrize(
    ("predicate", "message"),
    [
        ("1=1; COPY (SELECT 1) TO '/tmp/x.csv'", "statements"),
        ("year IN (SELECT year FROM read_csv('/etc/passwd'))", "not allowed"),
        ("read_text('/etc/passwd') IS NOT NULL", "not allowed"),
        ("no_such_column > 1", "not a column"),
        ("x", "condition"),
        ("t.year > 1", "not a column"),
    ],
)
def test_statements_subqueries_and_unknown_columns_are_refused(predicate, message):
    with pytest.raises(UnsafeExpressionError, match=message):
        check_where(predicate, COLUMNS)


def test_sql_literal_doubles_quotes():
    assert sql_literal("1816-1945' OR '1'='1") == "'1816-1945'' OR ''1''=''1'"
    assert sql_literal(7) == "7" and sql_literal(0.5) == "0.5"


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "ccode1": [2, 2, 2, 20, 20, 20], "ccode2": [20, 40, 41, 40, 41, 42], "year": [1950] * 3 + [1990] * 3,
        "era": ["1946-1989"] * 3 + ["1990-2014"] * 3, "coercion_onset": [0.0, 1.0, 0.0, 1.0, 0.0, 0.0],
        "x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "z": [6.0, 5.0, 4.0, 3.0, 2.0, 1.0],
    })


def _spec(**kw):
    from dyadstats.models import parse_specs

    base = {"outcome": "coercion_onset", "regressors": "x", "focal": "x", "time_dependence": "none",
            "covariance": "nonrobust", "predictions": False}
    return parse_specs({"specs": {"M": {**base, **kw}}})["M"]


def test_models_accept_numpy_functions_and_bind_the_era():
    from dyadstats.models import prepare

    d = prepare(_frame(), _spec(regressors="np.minimum(x, z)"))
    np.testing.assert_array_equal(d.X.iloc[:, 1], [1.0, 2.0, 3.0, 3.0, 2.0, 1.0])
    # An era label with a quote is a value, not SQL: it selects nothing, never widens the sample.
    from dyadstats.errors import DyadstatsError

    with pytest.raises(DyadstatsError, match="no complete rows"):
        prepare(_frame(), _spec(sample={"era": "1990-2014' OR '1'='1"}))
    assert len(prepare(_frame(), _spec(sample={"era": "1990-2014"})).y) == 3


def test_models_refuse_code_in_where_and_formulas(tmp_path):
    from dyadstats.models import FrameColumnError, prepare

    target = tmp_path / "out.csv"
    with pytest.raises(UnsafeExpressionError, match="statements"):
        prepare(_frame(), _spec(sample={"where": f"1=1; COPY (SELECT 1) TO '{target}'"}))
    assert not target.exists()
    with pytest.raises(FrameColumnError, match=r"\['minimun'\].*neither frame columns nor allowed functions"):
        prepare(_frame(), _spec(regressors="minimun(x, z)"))
    with pytest.raises(UnsafeExpressionError, match="attribute"):
        prepare(_frame(), _spec(regressors="I(x.__class__)"))


@pytest.mark.parametrize("formula", [
    "coercion_onset ~ x + I(1 / z) + major",
    "coercion_onset ~ np.minimum(x, z)+np.log(z) + x",
    "coercion_onset ~ I(x ** 2) + I( x ** 2 ) + I(x > 3)",
    "coercion_onset ~ I(x.__class__) + z",
    "coercion_onset ~ open(x)",
    "coercion_onset ~ I([c for c in x])",
    "coercion_onset ~ I((lambda: 1)())",
    "coercion_onset ~ I(x[0]) + np.where(x > 0, x, 0)",
])
def test_sums_of_names_and_calls_are_read_as_patsy_reads_them(formula):
    """The patsy-free reading of ``y ~ name + call(...)`` gives patsy's factors (as the same
    Python), hence the same columns, unknown names and refusals."""
    from dyadstats.safe_expr import formula_names, sum_of_factors

    ours = sum_of_factors(formula)
    assert ours is not None
    desc = patsy.ModelDesc.from_formula(formula)
    theirs = [f.code for t in (*desc.lhs_termlist, *desc.rhs_termlist) for f in t.factors]
    assert list(dict.fromkeys(map(ast_dump, ours))) == list(dict.fromkeys(map(ast_dump, theirs)))
    try:
        result = formula_names(formula, COLUMNS)
    except UnsafeExpressionError as exc:
        result = str(exc)
    with_patsy = _patsy_formula_names(formula)
    assert result == with_patsy


@pytest.mark.parametrize("formula", [
    "y ~ a - 1", "y ~ a * b", "y ~ a:b", "y ~ a + 0", "y ~ (a + b)", "y ~ f(a)(b)", "y ~ f(a) * g(b)",
    "y ~ C(x, Treatment('a'))", "y ~ a + I(b", "y ~ a + b)", "y ~ a ~ b", "1 ~ a",
])
def test_other_shapes_are_left_to_patsy(formula):
    from dyadstats.safe_expr import sum_of_factors

    assert sum_of_factors(formula) is None


def ast_dump(code: str) -> str:
    import ast

    return ast.dump(ast.parse(code, mode="eval"))


def _patsy_formula_names(formula: str):
    import unittest.mock

    from dyadstats import safe_expr

    with unittest.mock.patch.object(safe_expr, "sum_of_factors", lambda f: None):
        try:
            return safe_expr.formula_names(formula, COLUMNS)
        except UnsafeExpressionError as exc:
            return str(exc)
