"""Resolution: placeholders, lags, thresholds -> concrete columns, sample SQL and formula."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dyadstats.config.build import BuildConfig
from dyadstats.frame.spells import ongoing_name, peace_year_column_names
from dyadstats.models.spec import (
    POLYPROD_OFFSET,
    REGIME_DUMMIES,
    FrameColumnError,
    ModelSpec,
    _measure_score,
)
from dyadstats.safe_expr import allowed_functions, check_where, formula_names

#: The build's default peace-years rule (a frame without metadata was counted by it).
DEFAULT_PEACE_RULE: str = BuildConfig().peace_years.rule


@dataclass(frozen=True)
class Resolved:
    """A spec in concrete terms for one frame."""

    spec: ModelSpec
    outcome: str
    formula: str
    rhs: str
    focal_term: str | None
    focal_is_dummy: bool
    regime_pair: str | None
    columns: tuple[str, ...]          # frame/derived columns the model needs (listwise deletion)
    derived: dict[str, str]           # derived column -> SQL expression over frame columns
    where: str                        # SQL predicate selecting the sample
    cluster_expr: str                 # SQL expression of the cluster id
    notes: tuple[str, ...] = ()
    #: three-category regime coding: category -> dummy column ('' for the reference), else {}
    regime_terms: dict[str, str] = field(default_factory=dict)
    #: bound parameters of ``where`` ($first_year, $last_year, $era)
    params: dict[str, Any] = field(default_factory=dict)
    #: peace years recounted for this model (None: the frame's columns are used as they are)
    spells: SpellRecount | None = None


@dataclass(frozen=True)
class SpellRecount:
    """A model's own peace-years count: over which rows, by which rule, from which columns."""

    outcome: str                      # the outcome whose spells are counted
    event: str                        # SQL flag of the years that end a spell
    over: str                         # universe (every frame row) | sample (the model's rows)
    inputs: tuple[str, ...]           # frame columns the count reads
    replaces: tuple[str, ...]         # frame columns the recount supersedes


def _lag(col: str, lag: bool) -> str:
    return f"{col}_lag1" if lag else col


def _threshold_tag(measure: str, threshold: float, lag: bool) -> str:
    """Column-name tag of a threshold coding, e.g. ``polity_ge7`` or ``vdem_ge0p5_lag1``."""
    tag = f"{measure}_ge{threshold:g}".replace(".", "p").replace("-", "m")
    return tag + ("_lag1" if lag else "")


def _derived_democracy(measure: str, threshold: float, lag: bool) -> dict[str, str]:
    """Placeholder -> (column name, SQL) for threshold-coded democracy (NULL if a score is)."""
    score = _measure_score(measure)
    s1, s2 = _lag(f"{score}_1", lag), _lag(f"{score}_2", lag)
    tag = _threshold_tag(measure, threshold, lag)
    miss = f'"{s1}" IS NULL OR "{s2}" IS NULL'
    d1, d2 = f'("{s1}" >= {threshold!r})', f'("{s2}" >= {threshold!r})'

    def case(expr: str) -> str:
        # Guard first: SQL's NULL AND FALSE is FALSE, which would code a missing score as 0.
        return f"CASE WHEN {miss} THEN NULL ELSE ({expr})::INTEGER END"

    return {
        "dem_1": (f"dem_{tag}_1", case(d1)),
        "dem_2": (f"dem_{tag}_2", case(d2)),
        "joint_democracy": (f"joint_democracy_{tag}", case(f"{d1} AND {d2}")),
        "mixed_dyad": (f"mixed_dyad_{tag}", case(f"{d1} <> {d2}")),
        "joint_autocracy": (f"joint_autocracy_{tag}", case(f"NOT {d1} AND NOT {d2}")),
        "regime_pair": (
            f"regime_pair_{tag}",
            f"CASE WHEN {miss} THEN NULL WHEN {d1} AND {d2} THEN 'joint democracy' "
            f"WHEN {d1} <> {d2} THEN 'mixed' ELSE 'joint autocracy' END",
        ),
    }


def _regime_pair_sql(dem_1: str, dem_2: str, name: str) -> tuple[str, str]:
    """A regime-pair label coded from the two sides' 0/1 democracy columns (NULL-safe)."""
    return name, (
        f'CASE WHEN "{dem_1}" IS NULL OR "{dem_2}" IS NULL THEN NULL '
        f'WHEN "{dem_1}" = 1 AND "{dem_2}" = 1 THEN \'joint democracy\' '
        f'WHEN "{dem_1}" = 0 AND "{dem_2}" = 0 THEN \'joint autocracy\' ELSE \'mixed\' END'
    )


def placeholder_columns(spec: ModelSpec) -> tuple[dict[str, str], dict[str, str]]:
    """Placeholder -> column for the spec's measure (and lag), and derived column -> SQL."""
    m, lag = spec.democracy, spec.lag
    score = _measure_score(m)
    derived: dict[str, str] = {}
    if spec.democracy_threshold is not None:
        coded = _derived_democracy(m, float(spec.democracy_threshold), lag)
        cols = {ph: name for ph, (name, _) in coded.items()}
        derived = {name: sql for name, sql in coded.values()}
    else:
        cols = {
            "dem_1": _lag(f"dem_{m}_1", lag),
            "dem_2": _lag(f"dem_{m}_2", lag),
            "joint_democracy": _lag(f"joint_democracy_{m}", lag),
            "mixed_dyad": _lag(f"mixed_dyad_{m}", lag),
            "joint_autocracy": _lag(f"joint_autocracy_{m}", lag),
            # Groups the predictions; resolve() codes it from dem_1/dem_2 if the frame lacks it.
            "regime_pair": _lag(f"regime_pair_{m}", lag),
        }
    if score is None:  # BMR: the weakest link of a dichotomy is joint democracy itself.
        cols["weak_link"] = cols["joint_democracy"]
        cols["strong_link"] = f"(1 - {cols['joint_autocracy']})"
    else:
        cols["weak_link"] = _lag(f"min_{score}", lag)
        cols["strong_link"] = _lag(f"max_{score}", lag)
    if m in POLYPROD_OFFSET:
        name, sql = _polyprod(str(score), POLYPROD_OFFSET[m], lag)
        cols["polyprod"] = name
        derived[name] = sql
    cols["regime_contrasts"] = " + ".join(
        cols[ph] for cat, ph in REGIME_DUMMIES.items() if cat != _category(spec.regime_reference)
    )
    return cols, derived


def _category(reference: str) -> str:
    """Regime-pair label of a ``regime_reference`` value (``joint_autocracy`` -> 'joint autocracy')."""
    return reference.replace("_", " ")


def _polyprod(score: str, offset: float, lag: bool) -> tuple[str, str]:
    """The product of the two sides' scores shifted to start at 0 and halved (NULL if either is)."""
    s1, s2 = _lag(f"{score}_1", lag), _lag(f"{score}_2", lag)
    name = _lag(f"polyprod_{score}", lag)
    return name, f'(("{s1}" + {offset!r}) / 2.0) * (("{s2}" + {offset!r}) / 2.0)'


def regime_terms(spec: ModelSpec, cols: Mapping[str, str]) -> dict[str, str]:
    """Regime-pair category -> its dummy column, for a spec entering ``{regime_contrasts}``.

    Empty when the spec does not use the three-category coding. The reference category maps
    to an empty string (its coefficient is zero by construction).
    """
    if "{regime_contrasts}" not in spec.regressors:
        return {}
    ref = _category(spec.regime_reference)
    return {cat: ("" if cat == ref else cols[ph]) for cat, ph in REGIME_DUMMIES.items()}


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _spell_recount(spec: ModelSpec, available: set[str], frame_rule: str | None
                   ) -> tuple[SpellRecount | None, list[str]]:
    """The spec's own peace-years count (if it asks for one) and the frame columns it lacks.

    ``frame_rule``: the rule the frame's peace years were counted by (its Parquet metadata;
    None: the build default). A model that keeps the frame's rows and rule uses its columns.
    """
    frame_rule = frame_rule or DEFAULT_PEACE_RULE
    rule = spec.peace_years_rule or frame_rule
    if spec.time_dependence == "none" or (spec.peace_years_over == "universe" and rule == frame_rule):
        return None, []
    outcome = spec.peace_years or spec.outcome
    if rule == "ongoing":
        event, inputs = f'greatest("{outcome}", "{ongoing_name(outcome)}")', (outcome, ongoing_name(outcome))
    else:
        event, inputs = f'"{outcome}"', (outcome,)
    replaces = tuple(c for c in peace_year_column_names(outcome) if c in available)
    recount = SpellRecount(outcome=outcome, event=event, over=spec.peace_years_over, inputs=inputs,
                           replaces=replaces)
    return recount, [c for c in inputs if c not in available]


def _time_terms(spec: ModelSpec) -> tuple[str, list[str]]:
    """Formula terms and columns for the time-dependence control."""
    base = f"peace_years_{spec.peace_years or spec.outcome}"
    if spec.time_dependence == "cubic":
        cols = [base, f"{base}_2", f"{base}_3"]
        return " + ".join(cols), cols
    if spec.time_dependence == "splines":
        # patsy's cr() is a natural cubic regression spline; its knots are stored in the
        # design info, so counterfactual designs reuse them.
        return f"cr({base}, df={spec.spline_df}, constraints='center')", [base]
    return "", []


def resolve(spec: ModelSpec, frame_columns: Sequence[str], frame_rule: str | None = None) -> Resolved:
    """Concrete columns, formula and sample SQL of ``spec`` for a frame with these columns.

    ``frame_rule``: the peace-years rule the frame was built with (None: the build default).
    """
    available = set(frame_columns)
    cols, derived = placeholder_columns(spec)
    notes: list[str] = []
    rhs = spec.regressors.format_map(cols)
    focal = spec.focal.format_map(cols) if spec.focal else None

    # Lag plain frame columns named in the regressors (democracy placeholders are already lagged).
    if spec.lag:
        placeholder_values = set(cols.values()) | set(derived)
        not_lagged: list[str] = []

        def lag_token(match: re.Match[str]) -> str:
            tok = match.group(0)
            if tok in placeholder_values or tok not in available:
                return tok
            if f"{tok}_lag1" in available:
                return f"{tok}_lag1"
            not_lagged.append(tok)
            return tok

        rhs = _IDENT.sub(lag_token, rhs)
        if focal and focal in available and f"{focal}_lag1" in available and focal not in placeholder_values:
            focal = f"{focal}_lag1"
        if not_lagged:
            notes.append(f"no _lag1 twin in the frame, entered unlagged: {sorted(set(not_lagged))}")

    time_rhs, time_cols = _time_terms(spec)
    full_rhs = " + ".join(p for p in (rhs, time_rhs) if p)
    formula = f"{spec.outcome} ~ {full_rhs}"
    # Config is data: the formula may hold only columns, constants, arithmetic and the allowed
    # functions (dyadstats.safe_expr); anything else is refused before patsy evaluates it.
    known = available | set(derived)
    used, unknown_names = formula_names(formula, known, f"models.specs.{spec.name}.regressors")
    if focal:
        focal_used, focal_unknown = formula_names(f"y ~ {focal}", known, f"models.specs.{spec.name}.focal")
        used |= focal_used
        unknown_names |= focal_unknown - {"y"}
    used_derived = {k: v for k, v in derived.items() if k in used}
    needed = [spec.outcome, *sorted(t for t in used if t in available), *time_cols]
    needed += sorted(used_derived)
    spells, spell_missing = _spell_recount(spec, available, frame_rule)
    if spells:
        rule = spec.peace_years_rule or frame_rule or DEFAULT_PEACE_RULE
        rows = "the model's own sample rows" if spells.over == "sample" else "every frame row"
        notes.append(f"peace years of {spells.outcome} recounted over {rows} ({rule} years end a spell)")
    frame_time_cols = [] if spells else time_cols
    missing = [c for c in [spec.outcome, *frame_time_cols] if c not in available] + spell_missing
    if spec.frame == "dyad" and spec.sample.politically_relevant:
        missing += [] if "politically_relevant" in available else ["politically_relevant"]
    unknown = sorted(unknown_names)
    if missing or unknown:
        raise FrameColumnError(
            f"model {spec.name!r}: the {spec.frame} analysis frame lacks column(s) "
            f"{sorted(set(missing + unknown))}, which are neither frame columns nor allowed "
            f"functions ({allowed_functions()}) (formula: {formula})"
        )
    regime: str | None = cols["regime_pair"]
    if regime in derived:
        used_derived[regime] = derived[regime]
    elif regime not in available:
        # The directed frame carries only the sides' dummies: code the pair from them.
        if cols["dem_1"] in available and cols["dem_2"] in available:
            regime, sql = _regime_pair_sql(cols["dem_1"], cols["dem_2"], regime)
            used_derived[regime] = sql
        else:
            regime = None
    focal_is_dummy = bool(focal) and focal.startswith("joint_democracy")
    terms = regime_terms(spec, cols)

    # Values reach SQL as bound parameters; a `where` filter is parsed and re-rendered so it
    # can only be a predicate over frame columns (dyadstats.safe_expr.check_where).
    where = [f'"{spec.outcome}" IS NOT NULL']
    params: dict[str, Any] = {}
    if spec.sample.politically_relevant:
        where.append('"politically_relevant" = 1')
    if spec.sample.years:
        where.append('"year" BETWEEN $first_year AND $last_year')
        params.update(first_year=int(spec.sample.years[0]), last_year=int(spec.sample.years[1]))
    if spec.sample.era:
        where.append('"era" = $era')
        params["era"] = str(spec.sample.era)
    if spec.sample.where:
        where.append(f"({check_where(spec.sample.where, available, f'models.specs.{spec.name}.sample.where')})")
    if spec.cluster_by == "year":
        cluster_expr = '"year"'
    elif spec.frame == "directed":
        # Both directions of a pair form one cluster (the non-directed dyad).
        cluster_expr = 'least("ccode1", "ccode2") * 1000 + greatest("ccode1", "ccode2")'
    else:
        cluster_expr = '"dyad_id"' if "dyad_id" in available else '"ccode1" * 1000 + "ccode2"'
    return Resolved(
        spec=spec, outcome=spec.outcome, formula=formula, rhs=full_rhs, focal_term=focal,
        focal_is_dummy=focal_is_dummy, regime_pair=regime,
        columns=tuple(dict.fromkeys(needed)), derived=used_derived, where=" AND ".join(where), params=params,
        cluster_expr=cluster_expr, notes=tuple(notes), regime_terms=terms, spells=spells,
    )
