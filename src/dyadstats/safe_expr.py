"""Config is data: the two expression languages a config may use, checked before anything runs.

* **Formulas** (``models.specs.*.regressors``) are patsy formulas. Patsy evaluates each factor as
  Python, so every factor is parsed with :mod:`ast` and must consist only of frame columns,
  numbers and strings, arithmetic and comparisons, and calls of a fixed list of functions
  (patsy's ``C``, ``I``, spline bases and contrasts; ``log``, ``exp``, ...; ``np.<function>`` for
  the NumPy functions in :data:`NUMPY_FUNCTIONS`). No attribute access beyond ``np.<function>``,
  no subscripts, lambdas, comprehensions or dunder names. The formula is then evaluated in
  :func:`eval_namespace`, which holds only those functions, so nothing else is reachable.
* **Sample filters** (``sample.where``) are SQL predicates over frame columns, parsed with
  sqlglot: column references, literals, comparisons, ``AND``/``OR``/``NOT``, ``IN`` lists,
  ``BETWEEN``, ``IS [NOT] NULL``, arithmetic and a few pure scalar functions. Statements,
  subqueries, table functions and anything else are refused with the offending part named.
"""

from __future__ import annotations

import ast
import keyword
import re
from collections.abc import Collection
from types import MappingProxyType, SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np

from dyadstats.errors import ConfigError

if TYPE_CHECKING:
    import patsy

#: Patsy's own formula functions (evaluated by patsy; listed so the check accepts them).
PATSY_FUNCTIONS = frozenset({
    "C", "I", "Q", "cr", "cc", "bs", "te", "center", "standardize", "scale", "Treatment", "Sum",
    "Poly", "Helmert", "Diff",
})
#: Plain functions a formula may call, and the NumPy functions reachable as ``np.<name>``.
MATH_FUNCTIONS = MappingProxyType({
    "log": np.log, "log1p": np.log1p, "exp": np.exp, "sqrt": np.sqrt, "abs": np.abs,
})
NUMPY_FUNCTIONS = frozenset({
    "minimum", "maximum", "fmin", "fmax", "log", "log1p", "log2", "log10", "exp", "expm1",
    "sqrt", "square", "abs", "absolute", "sign", "floor", "ceil", "round", "clip", "power",
    "where", "isnan",
})
_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.Mod, ast.FloorDiv)
_CMPOPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)


class UnsafeExpressionError(ConfigError):
    """A config expression uses something outside its allowed language."""


#: A formula of bare names only: ``outcome ~ name + name + ...`` (ASCII identifiers, any spaces).
_BARE_FORMULA = re.compile(r"\s*([A-Za-z_]\w*)\s*~\s*([A-Za-z_]\w*(?:\s*\+\s*[A-Za-z_]\w*)*)\s*", re.ASCII)


def bare_formula(formula: str) -> tuple[str, tuple[str, ...]] | None:
    """``(outcome, regressors)`` of a formula that is only bare names joined by ``+``, each
    regressor once, in first-appearance order (patsy's terms of such a formula, after its
    intercept); ``None`` for anything else (functions, ``:``, ``*``, ``-``, numbers, keywords).

    It lets the common formula be read without patsy (whose import pulls in pandas).
    """
    match = _BARE_FORMULA.fullmatch(formula)
    if match is None:
        return None
    outcome = match.group(1)
    names = tuple(dict.fromkeys(n.strip() for n in match.group(2).split("+")))
    if any(keyword.iskeyword(n) for n in (outcome, *names)):
        return None
    return outcome, names


def eval_namespace() -> patsy.EvalEnvironment:
    """The only names a checked formula is evaluated with (no module globals, no builtins)."""
    import patsy

    from dyadstats.models.splines import cr  # patsy's cr, evaluated per distinct value

    np_subset = SimpleNamespace(**{name: getattr(np, name) for name in sorted(NUMPY_FUNCTIONS)})
    return patsy.EvalEnvironment([{"np": np_subset, **MATH_FUNCTIONS, "cr": cr}])


_NAME = re.compile(r"[A-Za-z_][\w.]*", re.ASCII)
_CALL = re.compile(r"[A-Za-z_][\w.]*\s*\(.*\)", re.ASCII | re.DOTALL)


def sum_of_factors(formula: str) -> list[str] | None:
    """The factors of ``name ~ term + term + ...`` where each term is a name or one call
    (``I(1 / x)``, ``np.log(x)``), split at the ``+`` outside parentheses: patsy's factors
    of such a formula, each term one factor (their code as written, not patsy's re-spacing:
    the same Python). ``None`` for any other shape (``-``, ``*``, ``:``, numbers, quotes), which
    patsy reads.

    The config's formulas are checked when every workflow run parses its config; this reads
    the common shapes without importing patsy (and numpy with it).
    """
    lhs, tilde, rhs = formula.partition("~")
    if not tilde or "~" in rhs or any(q in rhs for q in "'\"") or not _NAME.fullmatch(lhs.strip()):
        return None
    terms, depth, start = [], 0, 0
    for i, char in enumerate(rhs):
        depth += (char == "(") - (char == ")")
        if depth < 0:
            return None
        if char == "+" and depth == 0:
            terms.append(rhs[start:i].strip())
            start = i + 1
    terms.append(rhs[start:].strip())
    if depth or not all(_NAME.fullmatch(t) or (_CALL.fullmatch(t) and _closes_at_end(t)) for t in terms):
        return None
    return [lhs.strip(), *dict.fromkeys(terms)]


def _closes_at_end(term: str) -> bool:
    """Whether a call's first ``(`` is closed by its last character (one call, not ``f(a)(b)``
    or ``f(a) * g(b)``)."""
    depth = 0
    for i, char in enumerate(term):
        depth += (char == "(") - (char == ")")
        if char == ")" and depth == 0:
            return i == len(term) - 1
    return False


def formula_factors(formula: str) -> list[str]:
    """The Python code of every factor on both sides of a patsy formula."""
    bare = bare_formula(formula)
    if bare is not None:  # the factors of bare names are the names (no patsy import)
        return [bare[0], *bare[1]]
    simple = sum_of_factors(formula)
    if simple is not None:
        return simple
    import patsy

    try:
        desc = patsy.ModelDesc.from_formula(formula)
    except patsy.PatsyError as exc:
        raise UnsafeExpressionError(f"not a valid formula: {exc}") from exc
    return [
        f.code for term in (*desc.lhs_termlist, *desc.rhs_termlist) for f in term.factors
        if hasattr(f, "code")
    ]


def check_formula_syntax(rhs: str, where: str = "regressors") -> None:
    """Refuse unsafe constructs in a right-hand side before any frame exists (config parse time);
    ``{placeholders}`` stand for columns. Unknown names are left to :func:`formula_names`."""
    formula_names("y ~ " + re.sub(r"\{[^}]*\}", "placeholder", rhs), (), where)


def formula_names(formula: str, columns: Collection[str], where: str = "formula") -> tuple[set[str], set[str]]:
    """``(columns used, unknown names)`` of a formula; refuses any construct outside the language.

    An unknown name is neither one of ``columns`` nor an allowed function; the caller decides how
    to report it (e.g. as a column the frame lacks).
    """
    used: set[str] = set()
    unknown: set[str] = set()
    for code in formula_factors(formula):
        try:
            tree = ast.parse(code, mode="eval")
        except SyntaxError as exc:
            raise UnsafeExpressionError(f"{where}: cannot parse {code!r}: {exc.msg}") from exc
        _check_node(tree.body, set(columns), used, unknown, where, code)
    return used, unknown


def allowed_functions() -> str:
    """The function list, as messages print it."""
    return f"{sorted(PATSY_FUNCTIONS | set(MATH_FUNCTIONS))}, np.{{{', '.join(sorted(NUMPY_FUNCTIONS))}}}"


def check_formula(formula: str, columns: Collection[str], where: str = "formula") -> set[str]:
    """Refuse anything but columns, constants, arithmetic and allowed function calls.

    Returns the column names the formula uses. ``where`` names the config key in messages.
    Unknown names are reported together, each as neither a column nor an allowed function.
    """
    used, unknown = formula_names(formula, columns, where)
    if unknown:
        raise UnsafeExpressionError(
            f"{where}: {sorted(unknown)} {'is' if len(unknown) == 1 else 'are'} neither a column of "
            f"the frame nor an allowed function (functions: {allowed_functions()})"
        )
    return used


def _check_node(node: ast.AST, columns: set[str], used: set[str], unknown: set[str],
                where: str, code: str) -> None:
    def refuse(what: str) -> None:
        raise UnsafeExpressionError(f"{where}: {what} is not allowed in a formula (in {code!r})")

    def visit(n: ast.AST) -> None:
        _check_node(n, columns, used, unknown, where, code)

    if isinstance(node, ast.Constant):
        if not isinstance(node.value, int | float | str | bool) or node.value is ...:
            refuse(f"the constant {node.value!r}")
    elif isinstance(node, ast.Name):
        if node.id.startswith("_"):
            refuse(f"the name {node.id!r}")
        if node.id in columns:
            used.add(node.id)
        elif node.id not in PATSY_FUNCTIONS and node.id not in MATH_FUNCTIONS:
            unknown.add(node.id)
    elif isinstance(node, ast.Attribute):
        if not (isinstance(node.value, ast.Name) and node.value.id == "np" and node.attr in NUMPY_FUNCTIONS):
            refuse(f"the attribute {ast.unparse(node)!r} (only np.<function> for the listed functions)")
    elif isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            if func.id.startswith("_"):
                refuse(f"the name {func.id!r}")
            if func.id not in PATSY_FUNCTIONS and func.id not in MATH_FUNCTIONS:
                unknown.add(func.id)
        elif isinstance(func, ast.Attribute):
            visit(func)
        else:
            refuse(f"the call {ast.unparse(node)!r}")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                refuse("*args")
            visit(arg)
        for kw in node.keywords:
            if kw.arg is None:
                refuse("**kwargs")
            visit(kw.value)
    elif isinstance(node, ast.BinOp):
        if not isinstance(node.op, _BINOPS):
            refuse(f"the operator {type(node.op).__name__}")
        visit(node.left)
        visit(node.right)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd | ast.Not):
            refuse(f"the operator {type(node.op).__name__}")
        visit(node.operand)
    elif isinstance(node, ast.Compare):
        if not all(isinstance(op, _CMPOPS) for op in node.ops):
            refuse("that comparison")
        for n in (node.left, *node.comparators):
            visit(n)
    elif isinstance(node, ast.BoolOp):
        for n in node.values:
            visit(n)
    elif isinstance(node, ast.List | ast.Tuple):
        for n in node.elts:
            visit(n)
    else:
        refuse(f"{type(node).__name__} ({ast.unparse(node)!r})")


# --------------------------------------------------------------------------------------------
# SQL predicates (sample.where)
# --------------------------------------------------------------------------------------------

#: Pure scalar SQL functions a ``where`` predicate may call.
SQL_FUNCTIONS = frozenset({"abs", "ln", "log", "exp", "sqrt", "least", "greatest", "coalesce", "round", "floor", "ceil"})


def check_where(predicate: str, columns: Collection[str] | None, where: str = "sample.where") -> str:
    """Parse a SQL predicate over frame columns and return it re-rendered by sqlglot (DuckDB).

    Only column references, literals, comparisons, boolean logic, IN lists, BETWEEN, IS NULL,
    arithmetic and :data:`SQL_FUNCTIONS` pass; every column must be in ``columns`` (``None``:
    the syntax only, as when a config is read before any frame exists).
    """
    import sqlglot
    from sqlglot import exp

    try:
        statements = sqlglot.parse(predicate, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise UnsafeExpressionError(f"{where}: not a SQL predicate: {exc}") from exc
    if len(statements) != 1 or statements[0] is None:
        raise UnsafeExpressionError(f"{where}: give one predicate, not {len(statements)} statements")
    tree = statements[0]
    allowed: tuple[type, ...] = (
        exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null, exp.Paren, exp.Not,
        exp.And, exp.Or, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Is, exp.In,
        exp.Between, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.Neg, exp.Tuple,
        exp.Abs, exp.Ln, exp.Log, exp.Exp, exp.Sqrt, exp.Least, exp.Greatest, exp.Coalesce,
        exp.Round, exp.Floor, exp.Ceil,
    )
    for node in tree.walk():
        if not isinstance(node, allowed):
            raise UnsafeExpressionError(
                f"{where}: {node.sql(dialect='duckdb')!r} ({type(node).__name__}) is not allowed; a filter "
                "may use frame columns, literals, comparisons, AND/OR/NOT, IN (...), BETWEEN, IS NULL, "
                f"arithmetic and {sorted(SQL_FUNCTIONS)}"
            )
        if isinstance(node, exp.Column) and (node.table or (columns is not None and node.name not in set(columns))):
            raise UnsafeExpressionError(f"{where}: {node.sql()!r} is not a column of the frame")
    if not isinstance(tree, exp.Condition) or isinstance(tree, exp.Column | exp.Literal):
        raise UnsafeExpressionError(f"{where}: {predicate!r} is not a true/false condition")
    return tree.sql(dialect="duckdb")


def sql_literal(value: Any) -> str:
    """A value as a SQL literal (strings quoted with embedded quotes doubled); for fixed SQL
    where a bound parameter cannot be used (e.g. inside a view definition)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"
