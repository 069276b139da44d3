"""The frames' columns as (name, SQL) pairs: outcomes within their coverage, the hidden
'active' helpers of the spells, the democracy and control regressors and their ``_lag1`` twins."""

from __future__ import annotations

from collections.abc import Mapping

from dyadstats.events.icb import icb_outcomes
from dyadstats.events.war import war_outcomes
from dyadstats.frame.controls import CONTROL_RAW, Coverage, control_columns
from dyadstats.frame.democracy import MEASURES, democracy_score_refs, dyad_democracy_columns
from dyadstats.frame.options import CONTROL_RAW_GROUP, FrameOptions, measure_column_names
from dyadstats.frame.outcomes import (
    MID_DIRECTED_OUTCOMES,
    MID_OUTCOMES,
    TIES_DIRECTED_OUTCOMES,
    TIES_OUTCOMES,
)


def _covered(cov: Coverage, expr: str, year: str = "u.year") -> str:
    return f"CASE WHEN {cov.sql(year)} THEN coalesce({expr}, 0) END"


def outcome_columns(options: FrameOptions, directed: bool) -> list[tuple[str, str]]:
    """(name, SQL) of the outcome columns, plus hidden ``_act_<o>`` helpers for the spells."""
    mid, ties = options.mid_coverage, options.ties_coverage
    cols: list[tuple[str, str]] = []
    keep = options.keeps_outcome
    if directed:
        cols += [(o, _covered(mid, f"ed.{o}")) for o in MID_DIRECTED_OUTCOMES if keep(o)]
        cols += [(o, _covered(ties, f"td.{o}")) for o in TIES_DIRECTED_OUTCOMES if keep(o)]
    else:
        cols += [(o, _covered(mid, f"e.{o}")) for o in MID_OUTCOMES if keep(o)]
    cols += [
        ("mid_ongoing", _covered(mid, "e.mid_ongoing")),
        ("mid_continuing", _covered(mid, "(e.mid_ongoing = 1 AND e.mid_onset = 0)::INTEGER")),
    ]
    if not directed:
        cols += [(o, _covered(ties, f"t.{o}")) for o in TIES_OUTCOMES if keep(o)]
    return cols + icb_columns(options, directed) + war_columns(options, directed)


def helper_columns(options: FrameOptions, directed: bool) -> list[tuple[str, str]]:
    """Hidden per-outcome 'active' flags used by the ``ongoing`` peace-years rule."""
    mid, ties = options.mid_coverage, options.ties_coverage
    keep = options.keeps_outcome
    if directed:
        return [(f"_act_{o}", _covered(mid, f"ed._act_{o}")) for o in MID_DIRECTED_OUTCOMES if keep(o)] + [
            (f"_act_{o}", _covered(ties, f"td._act_{o}")) for o in TIES_DIRECTED_OUTCOMES if keep(o)
        ] + icb_columns(options, directed, "_act_") + war_columns(options, directed, "_act_")
    return [(f"_act_{o}", _covered(mid, f"e._act_{o}")) for o in MID_OUTCOMES if keep(o)] + [
        (f"_act_{o}", _covered(ties, f"t._act_{o}")) for o in TIES_OUTCOMES if keep(o)
    ] + icb_columns(options, directed, "_act_") + war_columns(options, directed, "_act_")


def icb_columns(options: FrameOptions, directed: bool, prefix: str = "") -> list[tuple[str, str]]:
    """The ICB outcomes (``prefix`` ''), or their 'active' helpers (``_act_``), if the build has ICB."""
    if not options.icb_coverage:
        return []
    return [(f"{prefix}{o}", _covered(options.icb_coverage, f"i.{prefix}{o}"))
            for o in icb_outcomes(directed) if options.keeps_outcome(o)]


def war_columns(options: FrameOptions, directed: bool, prefix: str = "") -> list[tuple[str, str]]:
    """The war outcomes (``prefix`` ''), or their 'active' helpers (``_act_``), if the build has the war source."""
    if not options.war_coverage:
        return []
    return [(f"{prefix}{o}", _covered(options.war_coverage, f"wa.{prefix}{o}"))
            for o in war_outcomes(directed) if options.keeps_outcome(o)]


def spell_outcomes(directed: bool, options: FrameOptions | None = None) -> list[str]:
    """Outcomes that get peace years (those the frame carries)."""
    every = [*MID_DIRECTED_OUTCOMES, *TIES_DIRECTED_OUTCOMES] if directed else [*MID_OUTCOMES, *TIES_OUTCOMES]
    if options is not None and options.icb_coverage:
        every += list(icb_outcomes(directed))
    if options is not None and options.war_coverage:
        every += list(war_outcomes(directed))
    return [o for o in every if options is None or options.keeps_outcome(o)]


def regressor_columns(
    options: FrameOptions, control_cov: Mapping[str, Coverage], dem_refs: Mapping[str, str] | None = None,
    control_raw: Mapping[str, str] | None = None, year: str = "u.year",
) -> list[tuple[str, str]]:
    """(name, SQL) of the selected democracy and control columns, in frame order.

    Raw inputs of groups left out may be missing from ``dem_refs`` / ``control_raw``: they are
    read as NULL and their columns dropped.
    """
    dem_refs = {k: "NULL" for k in democracy_score_refs()} | dict(dem_refs or democracy_score_refs())
    control_raw = {k: "NULL" for k in CONTROL_RAW} | dict(control_raw or CONTROL_RAW)
    names = set().union(*(measure_column_names(m) for m in options.measures))
    dem = [(n, sql) for n, sql in dyad_democracy_columns(options.democracy, dem_refs) if n in names]
    ctl = control_columns(control_cov, options.prd_max_conttype, year, control_raw)
    return dem + [(n, sql) for n, sql in ctl if options.keeps_control(n)]


def raw_keys(options: FrameOptions) -> list[str]:
    """The raw inputs whose one-year lags rebuild the selected regressors' ``_lag1`` twins."""
    if not options.lags:
        return []
    dem = [f"{MEASURES[m].score}_{i}" for m in options.measures for i in (1, 2)]
    ctl = [k for k in CONTROL_RAW if CONTROL_RAW_GROUP[k] in options.controls]
    return [k for k in democracy_score_refs() if k in dem] + ctl

def lag_name(column: str) -> str:
    return f"{column}_lag1"


def lag_columns(
    options: FrameOptions, control_cov: Mapping[str, Coverage], alias: str = "n", year: str = "(b.year - 1)"
) -> list[tuple[str, str]]:
    """The ``_lag1`` twins: each regressor recomputed from last year's raw inputs and coverage."""
    if not options.lags:
        return []
    keys = raw_keys(options)
    dem = {k: f"{alias}._l_{k}" for k in democracy_score_refs() if k in keys}
    ctl = {k: f"{alias}._l_{k}" for k in CONTROL_RAW if k in keys}
    cols = regressor_columns(options, control_cov, dem, ctl, year)
    return [(lag_name(name), f"CASE WHEN {alias}._has_prev THEN {sql} END") for name, sql in cols]
