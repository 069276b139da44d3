"""The modelling frames: every coded column on the non-directed and directed dyad-years.

Inputs (all Parquet, registered as DuckDB views under these names):

* universe: ``dyad_years`` (ccode1 < ccode2, year) and ``directed_dyad_years``;
* events: ``mid_dyad_years`` (dispute-dyad-years, columns per the data contract),
  ``ties_directed_dyad_years`` (sender ccode1 -> target ccode2 sanction case-years) and, when
  the options carry an ICB coverage, ``icb_directed_dyad_years`` (``dyadstats.events.icb``);
* democracy sources ``polity5``, ``vdem``, ``bmr``, ``uds`` (see ``dyadstats.frame.democracy``);
* control sources ``cow_contdird``, ``nmc``, ``cow_majors``, ``ps_cow_alliance``,
  ``ps_atop_alliance``, ``ps_cow_mindist`` (see ``dyadstats.frame.controls``);
* the canonical tables of the config's ``roles.democracy`` and ``roles.covariates``
  (``role_<kind>_<name>``, see ``dyadstats.roles``): their columns join the regressors, with
  ``_lag1`` twins.

Outcome codings (0/1; NULL outside the event source's coverage, 0 inside it when no event).
Rule: every MID flag asks "does *any* dispute of this dyad-year satisfy X" and is computed
over all dispute-dyad-years before the whittle (the events stage's hostility-level lists
``onset_hostlevs``, ``active_hostlevs``, ``*_originators`` and its directed flags), never from
the one dispute the whittle kept:

* ``coercion_onset``: a MID new in the dyad-year whose dyadic hostility (the higher of the two
  states' hostility levels) is a threat (2) or display (3) of force; ``coercion_onset_limited``
  2-4; ``mid_onset`` 2-5; ``mid_onset_originators`` a new MID (2-5) in which both states are
  originators. With several new disputes, the dyad-year is 1 if any of them qualifies.
* ``mid_ongoing``: any MID (2-5) active in the dyad-year, the onset year included
  (peacesciencer's ``cowmidongoing``); ``mid_continuing``: a MID active that began in an
  earlier year and no new MID this year. ``build.ongoing: drop`` removes the
  ``mid_continuing`` rows from both frames; ``keep`` (default) keeps them with onsets coded 0.
* Directed: ``coercion_initiated`` (A is a side-A originator whose own hostility in a new
  dispute is 2 or 3, B is on side B), ``mid_initiated`` (same, any hostility 2-5 in the dyad).
* Peace years under ``build.peace_years.rule: ongoing``: a year ends the spell when any
  dispute of the outcome's kind is active in it (``_act_<o>``: hostility in the band, both
  originators for ``mid_onset_originators``, A the side-A originator for the directed ones),
  again over all disputes of the (directed) dyad-year.
* TIES (1945-2005): ``sanction_threat_onset`` / ``sanction_imposition_onset`` (either
  direction) and ``sanction_threat_initiated`` / ``sanction_imposition_initiated`` (ccode1 the
  sender, ccode2 the target).
* ICB (the manifest's coverage, 1918-2017): ``icb_crisis_trigger`` (directed: ccode1 triggered
  a crisis for ccode2 this year) and ``icb_crisis_onset`` (either direction); see ``dyadstats.events.icb``.

Everything is DuckDB SQL: one join pass builds the row-wise columns, two window passes add the
peace years and the ``_lag1`` twins, and the result streams to Parquet sorted by key.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from dyadstats.audit import profile_relation, table_record, write_stage_audit
from dyadstats.config import validated
from dyadstats.config.build import BuildConfig, FrameSelection
from dyadstats.errors import ConfigError, SchemaError
from dyadstats.events.icb import (
    ICB_DIRECTED_OUTCOMES,
    ICB_OUTCOMES,
    create_icb_event_tables,
    icb_join,
    icb_outcomes,
)
from dyadstats.frame.codebook import frame_registry, render_codebook
from dyadstats.frame.controls import (
    ALLIANCE_TYPES,
    CONTROL_JOINS,
    CONTROL_RAW,
    CONTROL_SOURCES,
    NMC_COMPONENTS,
    Coverage,
    control_columns,
    control_coverage,
    create_control_tables,
)
from dyadstats.frame.democracy import (
    MEASURES,
    DemocracyRule,
    create_democracy_state_years,
    democracy_rules,
    democracy_score_refs,
    dyad_democracy_columns,
    rules_summary,
)
from dyadstats.frame.spells import (
    peace_year_column_names,
    spell_stage_one,
    spell_stage_two,
)
from dyadstats.io.db import connect, quote_path
from dyadstats.io.files import atomic_path, write_json, write_text
from dyadstats.roles import Roles, attach_roles_sql, role_columns, role_kind, role_output

log = logging.getLogger(__name__)


# Non-directed MID outcomes. Every one asks "does any dispute of this dyad-year satisfy X", so
# it is read from the events stage's hostility-level lists over *all* dispute-dyad-years before
# the whittle (``dyadstats.events.mid.HOSTLEV_LISTS``), never from the kept dispute's own fields:
# the whittle prefers the higher fatality and hostility, so a kept use of force can hide a new
# threat, or a kept dispute with one originator a new one with two (US-Cuba 1983: MID 3058
# kept, MID 2981 has both as originators).
def _any_level(levels: str, lo: int, hi: int) -> str:
    """SQL: the hostility-level list ``levels`` holds a level in ``lo..hi``."""
    return f"list_has_any({levels}, {list(range(lo, hi + 1))})"


# outcome -> (onset condition, 'active' condition for the ongoing peace-years rule)
MID_OUTCOMES: dict[str, tuple[str, str]] = {
    "coercion_onset": (_any_level("onset_hostlevs", 2, 3), _any_level("active_hostlevs", 2, 3)),
    "coercion_onset_limited": (_any_level("onset_hostlevs", 2, 4), _any_level("active_hostlevs", 2, 4)),
    "mid_onset": (_any_level("onset_hostlevs", 2, 5), _any_level("active_hostlevs", 2, 5)),
    "mid_onset_originators": (
        _any_level("onset_hostlevs_originators", 2, 5),
        _any_level("active_hostlevs_originators", 2, 5),
    ),
}
# mid_ongoing: any MID (2-5) active in the dyad-year, whichever dispute was kept.
MID_ONGOING = _any_level("active_hostlevs", 2, 5)
# Directed: the events stage codes initiation, and the active twins, over all disputes of the
# directed dyad-year (``dyadstats.events.mid.DIRECTED_FLAGS_SQL``).
MID_DIRECTED_OUTCOMES: dict[str, tuple[str, str]] = {
    "coercion_initiated": ("coercion_initiated = 1", "coercion_initiator_active = 1"),
    "mid_initiated": ("mid_initiated = 1", "mid_initiator_active = 1"),
}
# TIES rows exist only in onset years (cases carry no yearly duration), so 'active' = onset.
TIES_OUTCOMES: dict[str, str] = {
    "sanction_threat_onset": "sanction_threat_onset",
    "sanction_imposition_onset": "sanction_imposition_onset",
}
TIES_DIRECTED_OUTCOMES: dict[str, str] = {
    "sanction_threat_initiated": "sanction_threat_onset",
    "sanction_imposition_initiated": "sanction_imposition_onset",
}
MID_COLUMNS = ("ccode1", "ccode2", "year", "onset_hostlevs", "active_hostlevs",
               "onset_hostlevs_originators", "active_hostlevs_originators")
MID_DIRECTED_COLUMNS = ("ccode1", "ccode2", "year", "mid_initiated", "coercion_initiated",
                        "mid_initiator_active", "coercion_initiator_active")
TIES_COLUMNS = ("ccode1", "ccode2", "year", "sanction_threat_onset", "sanction_imposition_onset")

# What a frame can leave out (``build.frame``; the defaults build everything). A narrow frame is
# the same SQL with fewer columns and joins, so every column it has is byte-for-byte the full
# frame's column.
ALL_OUTCOMES: tuple[str, ...] = (*MID_OUTCOMES, *TIES_OUTCOMES, *MID_DIRECTED_OUTCOMES, *TIES_DIRECTED_OUTCOMES,
                                 *ICB_OUTCOMES, *ICB_DIRECTED_OUTCOMES)
ICB_OUTCOME_NAMES: tuple[str, ...] = (*ICB_OUTCOMES, *ICB_DIRECTED_OUTCOMES)
CONTROL_GROUPS: tuple[str, ...] = tuple(CONTROL_SOURCES)
# control column -> the source groups it is computed from
CONTROL_COLUMN_GROUPS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("conttype", "contiguity_land", "contiguity_any", "contiguity_150"), ("contiguity",)),
    **dict.fromkeys(("cinc_1", "cinc_2", "capability_ratio", "log_capability_ratio"), ("nmc",)),
    **dict.fromkeys(("major_power_1", "major_power_2", "major_power_dyad"), ("majors",)),
    "defense_pact": ("cow_alliance",),
    "defense_pact_atop": ("atop_alliance",),
    "mindist": ("mindist",),
    "politically_relevant": ("contiguity", "majors"),
    **dict.fromkeys((f"nmc_{p}_{i}" for p in NMC_COMPONENTS for i in (1, 2)), ("nmc_components",)),
    **dict.fromkeys((name for _, _, name in ALLIANCE_TYPES.values()), ("alliance_types",)),
}
# raw control value (CONTROL_RAW key) and CONTROL_JOINS alias -> source group
CONTROL_RAW_GROUP = {"conttype": "contiguity", "cinc1": "nmc", "cinc2": "nmc", "major1": "majors",
                     "major2": "majors", "defense": "cow_alliance", "defense_atop": "atop_alliance",
                     "mindist": "mindist",
                     **{f"{p}{i}": "nmc_components" for p in NMC_COMPONENTS for i in (1, 2)},
                     **dict.fromkeys(ALLIANCE_TYPES, "alliance_types")}
CONTROL_ALIAS_GROUP = {"c": "contiguity", "n1": "nmc", "n2": "nmc", "m1": "majors", "m2": "majors",
                       "dp": "cow_alliance", "da": "atop_alliance", "md": "mindist",
                       "p1": "nmc_components", "p2": "nmc_components",
                       **{alias: "alliance_types" for _, alias, _ in ALLIANCE_TYPES.values()}}


def measure_column_names(measure: str) -> set[str]:
    """The democracy columns of one measure (``dyad_democracy_columns`` naming)."""
    s = MEASURES[measure].score
    return {f"{s}_1", f"{s}_2", f"min_{s}", f"max_{s}", f"dem_{measure}_1", f"dem_{measure}_2",
            f"joint_democracy_{measure}", f"mixed_dyad_{measure}", f"joint_autocracy_{measure}",
            f"regime_pair_{measure}"}


_BUILD = BuildConfig()  # the defaults (dyadstats.config.build)


@dataclass(frozen=True)
class FrameOptions:
    """Everything that changes a coding, recorded in the audit and the Parquet metadata."""

    democracy: Mapping[str, DemocracyRule]
    mid_coverage: Coverage
    ties_coverage: Coverage
    # ICB outcomes need the declared ICB coverage; without it the frames carry none
    icb_coverage: Coverage | None = None
    peace_rule: str = _BUILD.peace_years.rule
    ongoing: str = _BUILD.ongoing
    use_lagged: bool = _BUILD.lag.regressors
    prd_max_conttype: int = _BUILD.controls.politically_relevant_max_conttype
    contiguity_slice: str = _BUILD.controls.contiguity_slice
    extra: Mapping[str, Any] = field(default_factory=dict)
    roles: Roles = field(default_factory=Roles)
    # column selection (build.frame): democracy measures, control source groups, outcomes,
    # whether the _lag1 twins and the directed frame are built
    measures: tuple[str, ...] = tuple(MEASURES)
    controls: tuple[str, ...] = CONTROL_GROUPS
    outcomes: tuple[str, ...] = ALL_OUTCOMES
    lags: bool = True
    directed: bool = True

    def keeps_measure(self, measure: str) -> bool:
        return measure in self.measures

    def keeps_control(self, column: str) -> bool:
        return all(g in self.controls for g in CONTROL_COLUMN_GROUPS[column])

    def keeps_outcome(self, outcome: str) -> bool:
        return outcome in self.outcomes

    def default_outcomes(self) -> tuple[str, ...]:
        """Every outcome this build can carry (the ICB ones only with an ICB coverage)."""
        return ALL_OUTCOMES if self.icb_coverage else tuple(o for o in ALL_OUTCOMES if o not in ICB_OUTCOME_NAMES)

    def selection(self) -> dict[str, Any]:
        """What ``build.frame`` leaves out, in canonical order; empty for the full frames."""
        out: dict[str, Any] = {}
        if self.measures != tuple(MEASURES):
            out["democracy"] = list(self.measures)
        if self.controls != CONTROL_GROUPS:
            out["controls"] = list(self.controls)
        if self.outcomes != self.default_outcomes():
            out["outcomes"] = list(self.outcomes)
        if not self.lags:
            out["lags"] = False
        if not self.directed:
            out["directed"] = False
        return out

    def record(self) -> dict[str, Any]:
        roles = {r.name: f"{role_kind(r)} from {r.table}" for r in (*self.roles.democracy, *self.roles.covariates)}
        return ({"roles": roles} if roles else {}) | {
            "democracy": rules_summary(self.democracy),
            "mid_coverage": self.mid_coverage.as_list(),
            "ties_coverage": self.ties_coverage.as_list(),
            **({"icb_coverage": self.icb_coverage.as_list()} if self.icb_coverage else {}),
            "peace_years_rule": self.peace_rule,
            "ongoing": self.ongoing,
            "lag_regressors": self.use_lagged,
            "politically_relevant_max_conttype": self.prd_max_conttype,
            "contiguity_slice": self.contiguity_slice,
        } | ({"frame_columns": self.selection()} if self.selection() else {})


def frame_options(
    build: Mapping[str, Any] | None, mid_coverage: Sequence[int], ties_coverage: Sequence[int],
    roles: Roles | None = None, icb_coverage: Sequence[int] | None = None,
) -> FrameOptions:
    """Options from the ``build`` config section (defaults and allowed values:
    ``dyadstats.config.build.BuildConfig``) and the parsed ``roles`` section (its democracy
    measures and covariates join the frames). ``icb_coverage`` (the manifest's ICB years) adds the
    ICB outcomes; without it there are none."""
    b = validated(BuildConfig, build, "build")
    selection = frame_selection(b.frame.plain(), b.lag.regressors)
    if icb_coverage is None:
        asked = sorted(set(b.frame.outcomes) & set(ICB_OUTCOME_NAMES))
        if asked and selection["outcomes"] != ALL_OUTCOMES:
            raise ConfigError(f"build.frame.outcomes: {asked} need the ICB coverage (the icb source), which is not given")
        selection["outcomes"] = tuple(o for o in selection["outcomes"] if o not in ICB_OUTCOME_NAMES)
    return FrameOptions(
        democracy=democracy_rules(b.democracy.plain()),
        mid_coverage=Coverage(int(mid_coverage[0]), int(mid_coverage[1])),
        ties_coverage=Coverage(int(ties_coverage[0]), int(ties_coverage[1])),
        icb_coverage=None if icb_coverage is None else Coverage(int(icb_coverage[0]), int(icb_coverage[1])),
        peace_rule=b.peace_years.rule,
        ongoing=b.ongoing,
        use_lagged=b.lag.regressors,
        prd_max_conttype=b.controls.politically_relevant_max_conttype,
        contiguity_slice=b.controls.contiguity_slice,
        roles=roles or Roles(),
        **selection,
    )


def _subset(key: str, value: Any, known: Sequence[str]) -> tuple[str, ...]:
    """A configured list as a subset of ``known`` in ``known``'s order (config order is irrelevant)."""
    if value is None:
        return tuple(known)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"build.frame.{key}: expected a list of names from {list(known)}, got {value!r}")
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise ConfigError(f"build.frame.{key}: unknown name(s) {unknown}; known: {list(known)}")
    return tuple(k for k in known if k in value)


def frame_selection(section: Mapping[str, Any] | None, use_lagged: bool = False) -> dict[str, Any]:
    """The ``build.frame`` column selection as FrameOptions fields (absent keys: everything)."""
    frame = validated(FrameSelection, section, "build.frame")
    if use_lagged and not frame.lags:
        raise ConfigError("build.lag.regressors is true, so the frames need their _lag1 twins: "
                          "set build.frame.lags to true")
    return {
        "measures": _subset("democracy", frame.democracy, tuple(MEASURES)),
        "controls": _subset("controls", frame.controls, CONTROL_GROUPS),
        "outcomes": _subset("outcomes", frame.outcomes, ALL_OUTCOMES),
        "lags": frame.lags,
        "directed": frame.directed,
    }


def register_inputs(con: duckdb.DuckDBPyConnection, inputs: Mapping[str, str | Path]) -> None:
    """One view per input Parquet file, named by its key."""
    for name, path in inputs.items():
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet({quote_path(path)})")


def _require_columns(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str]) -> None:
    have = set(con.sql(f"SELECT * FROM {table} LIMIT 0").columns)
    missing = [c for c in columns if c not in have]
    if missing:
        raise SchemaError(f"input table '{table}' lacks column(s) {missing}; it has {sorted(have)}")


def create_event_tables(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Event flags per dyad-year (``ev_mid``, ``ev_ties``) and directed dyad-year
    (``ev_mid_directed``, ``ev_ties_directed``).

    ``_act_<o>``: an event of outcome o's kind is active in the year (onset or not); used by
    the ``ongoing`` peace-years rule. Several rows per key are allowed (hand-built or
    unwhittled inputs): the flags are the maximum over them.
    """
    _require_columns(con, "mid_dyad_years", MID_COLUMNS)
    _require_columns(con, "mid_directed_dyad_years", MID_DIRECTED_COLUMNS)
    _require_columns(con, "ties_directed_dyad_years", TIES_COLUMNS)
    bad = con.execute("SELECT count(*) FROM mid_dyad_years WHERE ccode1 >= ccode2").fetchone()[0]
    if bad:
        raise SchemaError(f"mid_dyad_years: {bad} rows with ccode1 >= ccode2 (must be non-directed)")

    def flags(outcomes: Mapping[str, tuple[str, str]]) -> str:
        onset = [f"max(coalesce({c}, false)::INTEGER) AS {o}" for o, (c, _) in outcomes.items()]
        active = [f"max(coalesce({a}, false)::INTEGER) AS _act_{o}" for o, (_, a) in outcomes.items()]
        return ", ".join(onset + active)

    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE ev_mid AS
            SELECT ccode1, ccode2, year, {flags(MID_OUTCOMES)},
                   max(coalesce({MID_ONGOING}, false)::INTEGER) AS mid_ongoing
            FROM mid_dyad_years GROUP BY ccode1, ccode2, year"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE ev_mid_directed AS
            SELECT ccode1, ccode2, year, {flags(MID_DIRECTED_OUTCOMES)}
            FROM mid_directed_dyad_years GROUP BY ccode1, ccode2, year"""
    )
    t_dir = ", ".join(
        f"max({c})::INTEGER AS {o}, max({c})::INTEGER AS _act_{o}" for o, c in TIES_DIRECTED_OUTCOMES.items()
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE ev_ties_directed AS
            SELECT ccode1, ccode2, year, {t_dir} FROM ties_directed_dyad_years
            WHERE ccode1 <> ccode2 GROUP BY ccode1, ccode2, year"""
    )
    t_nd = ", ".join(f"max({c})::INTEGER AS {o}, max({c})::INTEGER AS _act_{o}" for o, c in TIES_OUTCOMES.items())
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE ev_ties AS
            SELECT least(ccode1, ccode2) AS ccode1, greatest(ccode1, ccode2) AS ccode2, year, {t_nd}
            FROM ties_directed_dyad_years WHERE ccode1 <> ccode2 GROUP BY ALL"""
    )
    rows, keys = con.execute(
        "SELECT count(*), count(DISTINCT (ccode1, ccode2, year)) FROM mid_dyad_years"
    ).fetchone()
    return {
        "mid_dyad_year_rows": int(rows),
        "mid_dyad_years": int(keys),
        # dyad-years whose every dispute has dyadic hostility 1 (no militarized action): no outcome
        "mid_dyad_years_hostility_below_2": con.execute(
            "SELECT count(*) FROM mid_dyad_years WHERE NOT list_has_any(active_hostlevs, [2, 3, 4, 5])"
        ).fetchone()[0],
        "ties_directed_dyad_year_rows": con.execute("SELECT count(*) FROM ties_directed_dyad_years").fetchone()[0],
    }


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
    return cols + _icb_columns(options, directed)


def helper_columns(options: FrameOptions, directed: bool) -> list[tuple[str, str]]:
    """Hidden per-outcome 'active' flags used by the ``ongoing`` peace-years rule."""
    mid, ties = options.mid_coverage, options.ties_coverage
    keep = options.keeps_outcome
    if directed:
        return [(f"_act_{o}", _covered(mid, f"ed._act_{o}")) for o in MID_DIRECTED_OUTCOMES if keep(o)] + [
            (f"_act_{o}", _covered(ties, f"td._act_{o}")) for o in TIES_DIRECTED_OUTCOMES if keep(o)
        ] + _icb_columns(options, directed, "_act_")
    return [(f"_act_{o}", _covered(mid, f"e._act_{o}")) for o in MID_OUTCOMES if keep(o)] + [
        (f"_act_{o}", _covered(ties, f"t._act_{o}")) for o in TIES_OUTCOMES if keep(o)
    ] + _icb_columns(options, directed, "_act_")


def _icb_columns(options: FrameOptions, directed: bool, prefix: str = "") -> list[tuple[str, str]]:
    """The ICB outcomes (``prefix`` ''), or their 'active' helpers (``_act_``), if the build has ICB."""
    if not options.icb_coverage:
        return []
    return [(f"{prefix}{o}", _covered(options.icb_coverage, f"i.{prefix}{o}"))
            for o in icb_outcomes(directed) if options.keeps_outcome(o)]


def spell_outcomes(directed: bool, options: FrameOptions | None = None) -> list[str]:
    """Outcomes that get peace years (those the frame carries)."""
    every = [*MID_DIRECTED_OUTCOMES, *TIES_DIRECTED_OUTCOMES] if directed else [*MID_OUTCOMES, *TIES_OUTCOMES]
    if options is not None and options.icb_coverage:
        every += list(icb_outcomes(directed))
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


def control_joins(options: FrameOptions) -> str:
    """The lines of CONTROL_JOINS whose control tables a selected column reads."""
    lines = [line for line in CONTROL_JOINS.strip().splitlines()
             if CONTROL_ALIAS_GROUP[line.split()[3]] in options.controls]
    return "\n" + "\n".join(lines) + "\n" if lines else ""


def era_sql(first: int, last: int, year: str = "u.year") -> str:
    """The three eras of the contract; the outer labels follow the frame's actual years."""
    return (
        f"CASE WHEN {year} <= 1945 THEN '{first}-1945' WHEN {year} <= 1989 THEN '1946-1989' "
        f"ELSE '1990-{last}' END"
    )


def base_select_sql(
    options: FrameOptions,
    control_cov: Mapping[str, Coverage],
    directed: bool,
    years: tuple[int, int],
) -> tuple[str, list[str], list[str]]:
    """The row-wise (join) pass. Returns SQL, the visible column names, the regressor names."""
    universe = "directed_dyad_years" if directed else "dyad_years"
    keys: list[tuple[str, str]] = [
        ("ccode1", "u.ccode1"),
        ("ccode2", "u.ccode2"),
        ("year", "u.year"),
        ("dyad_id", "(u.ccode1 * 1000 + u.ccode2)::BIGINT"),
    ]
    if directed:
        keys.append(("pair_id", "(least(u.ccode1, u.ccode2) * 1000 + greatest(u.ccode1, u.ccode2))::BIGINT"))
    keys.append(("era", era_sql(*years)))
    outcomes = outcome_columns(options, directed)
    regressors = regressor_columns(options, control_cov)
    hidden = helper_columns(options, directed)
    # raw inputs of the regressors: their one-year lags rebuild the regressors' _lag1 twins
    raw = democracy_score_refs() | CONTROL_RAW
    hidden += [(f"_r_{k}", raw[k]) for k in raw_keys(options)]
    if directed:
        event_joins = """
LEFT JOIN ev_mid e ON e.ccode1 = least(u.ccode1, u.ccode2) AND e.ccode2 = greatest(u.ccode1, u.ccode2) AND e.year = u.year
LEFT JOIN ev_mid_directed ed ON ed.ccode1 = u.ccode1 AND ed.ccode2 = u.ccode2 AND ed.year = u.year
LEFT JOIN ev_ties_directed td ON td.ccode1 = u.ccode1 AND td.ccode2 = u.ccode2 AND td.year = u.year"""
    else:
        event_joins = """
LEFT JOIN ev_mid e ON e.ccode1 = u.ccode1 AND e.ccode2 = u.ccode2 AND e.year = u.year"""
        if any(options.keeps_outcome(o) for o in TIES_OUTCOMES):
            event_joins += """
LEFT JOIN ev_ties t ON t.ccode1 = u.ccode1 AND t.ccode2 = u.ccode2 AND t.year = u.year"""
    if _icb_columns(options, directed):
        event_joins += icb_join(directed)
    keep = "true"
    if options.ongoing == "drop":
        keep = f"NOT coalesce({options.mid_coverage.sql('u.year')} AND e.mid_ongoing = 1 AND e.mid_onset = 0, false)"
    hidden.append(("_keep", keep))
    select = ",\n    ".join(f"{sql} AS {name}" for name, sql in keys + outcomes + regressors + hidden)
    democracy_joins = """
LEFT JOIN democracy_state_years s1 ON s1.ccode = u.ccode1 AND s1.year = u.year
LEFT JOIN democracy_state_years s2 ON s2.ccode = u.ccode2 AND s2.year = u.year""" if options.measures else ""
    sql = f"""
SELECT {select}
FROM {universe} u
{event_joins}{democracy_joins}
{control_joins(options)}"""
    visible = [n for n, _ in keys + outcomes + regressors]
    return sql, visible, [n for n, _ in regressors]


def lag_name(column: str) -> str:
    return f"{column}_lag1"


def narrow_sql(
    options: FrameOptions, directed: bool, base: str = "frame_base", lagged: Sequence[str] = ()
) -> str:
    """Window passes over a narrow projection of the base rows, in key order.

    Peace years run over the kept rows only (partition includes ``_keep``): rows dropped by
    ``build.ongoing: drop`` are not in the sample, so they neither count nor end a spell.
    Lags run over all rows: ``_l_<raw>`` is last row's raw input and ``_has_prev`` says whether
    that row is the dyad's previous calendar year (not the first year, no gap). ``lagged``
    columns of the base (the role columns) are lagged as they are: ``_l_<column>``.
    """
    outcomes = spell_outcomes(directed, options)
    keys = raw_keys(options)
    lagging = bool(keys or lagged)
    # with every row kept the spells share the lags' window (one sort instead of two)
    spell_unit = "ccode1, ccode2" if options.ongoing == "keep" else "ccode1, ccode2, _keep"
    stage_one: list[tuple[str, str]] = []
    for o in outcomes:
        # ongoing rule: an onset year is an event year (its new dispute is active too)
        event = o if options.peace_rule == "onset" else f"greatest({o}, _act_{o})"
        stage_one += spell_stage_one(o, event, spell_unit)
    stage_one += [(f"_l_{k}", f"lag(_r_{k}) OVER w") for k in keys]
    stage_one += [(f"_l_{c}", f"lag({c}) OVER w") for c in lagged]
    if lagging:
        stage_one.append(("_has_prev", "coalesce(lag(year) OVER w = year - 1, false)"))
    stage_two = [c for o in outcomes for c in spell_stage_two(o, spell_unit)]
    narrow = ", ".join(
        ["ccode1", "ccode2", "year", "_keep", *outcomes, *(f"_act_{o}" for o in outcomes),
         *(f"_r_{k}" for k in keys), *lagged]
    )
    one = ",\n    ".join(["ccode1, ccode2, year, _keep", *(f"{sql} AS {name}" for name, sql in stage_one)])
    two = ",\n    ".join(["ccode1, ccode2, year", *(["_has_prev"] if lagging else []),
                          *(f"_l_{k}" for k in keys), *(f"_l_{c}" for c in lagged),
                          *(f"{sql} AS {name}" for name, sql in stage_two)])
    return f"""
WITH pass_one AS (
    SELECT {one}
    FROM (SELECT {narrow} FROM {base})
    WINDOW w AS (PARTITION BY ccode1, ccode2 ORDER BY year)
)
SELECT {two}
FROM pass_one
ORDER BY ccode1, ccode2, year"""


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


def role_input(role: Any) -> str:
    """The frame rule's input key (and view name) of a role table: ``role_<kind>_<name>``."""
    return f"role_{role_kind(role)}_{role.name}"


def attach_roles(
    base: str, visible: Sequence[str], options: FrameOptions, inputs: Mapping[str, str | Path]
) -> tuple[str, list[str]]:
    """The base rows with the role columns (``dyadstats.roles.attach_roles_sql``) appended.

    The role tables are the frame inputs ``role_<kind>_<name>``; a role column that would
    shadow one of the frame's own columns is refused, naming the role.
    """
    roles = options.roles
    added = role_columns(roles)
    if not added:
        return base, list(visible)
    clash = sorted(set(added) & set(visible))
    if clash:
        raise ConfigError(
            f"roles: column(s) {clash} of a roles.democracy / roles.covariates name clash with the "
            "frame's own columns; rename the role"
        )
    paths = {}
    for role in (*roles.democracy, *roles.covariates):
        if role_input(role) not in inputs:
            raise ConfigError(f"frame: the role table {role_input(role)} ({role_output(role)}) is not an input")
        paths[role_output(role)] = str(inputs[role_input(role)])
    return attach_roles_sql(f"({base})", roles, paths), [*visible, *added]


def role_lag_columns(options: FrameOptions, alias: str = "n") -> list[tuple[str, str]]:
    """The ``_lag1`` twins of the role columns: the dyad's value in the previous year."""
    return [(lag_name(c), f"CASE WHEN {alias}._has_prev THEN {alias}._l_{c} END") for c in role_columns(options.roles)]


def role_coverage(con: duckdb.DuckDBPyConnection, options: FrameOptions, inputs: Mapping[str, str | Path]) -> dict[str, list[int | None]]:
    """``role_<name>``: first and last year with a non-missing score or value in the role table."""
    out: dict[str, list[int | None]] = {}
    for role in (*options.roles.democracy, *options.roles.covariates):
        column = "score" if role_kind(role) == "democracy" else "value"
        lo, hi = con.execute(
            f"SELECT min(year), max(year) FROM read_parquet({quote_path(inputs[role_input(role)])}) "
            f"WHERE {column} IS NOT NULL"
        ).fetchone()
        out[f"role_{role.name}"] = [None if lo is None else int(lo), None if hi is None else int(hi)]
    return out


def final_sql(
    visible: Sequence[str], lags: Sequence[tuple[str, str]], directed: bool,
    base: str = "frame_base", narrow: str = "frame_narrow", options: FrameOptions | None = None,
) -> tuple[str, list[str]]:
    """Kept rows with their peace years and lags. Both tables are stored in key order, so a
    POSITIONAL JOIN pairs them without hashing or re-sorting the wide rows."""
    peace = [c for o in spell_outcomes(directed, options) for c in peace_year_column_names(o)]
    columns = [*visible, *peace, *(name for name, _ in lags)]
    select = ",\n    ".join(
        [*(f"b.{c}" for c in visible), *(f"n.{c}" for c in peace), *(f"{sql} AS {name}" for name, sql in lags)]
    )
    sql = f"""
SELECT {select}
FROM {base} b POSITIONAL JOIN {narrow} n
WHERE b._keep"""
    return sql, columns


def check_aligned(con: duckdb.DuckDBPyConnection, base: str = "frame_base", narrow: str = "frame_narrow") -> None:
    """Refuse to write if the two key-ordered tables do not pair row for row."""
    (bad,) = con.execute(
        f"SELECT count(*) FROM {base} b POSITIONAL JOIN {narrow} n "
        "WHERE b.ccode1 IS DISTINCT FROM n.ccode1 OR b.ccode2 IS DISTINCT FROM n.ccode2 OR b.year IS DISTINCT FROM n.year"
    ).fetchone()
    if bad:
        raise AssertionError(f"{base} and {narrow} are not in the same key order ({bad} rows differ)")


def _copy_parquet(con: duckdb.DuckDBPyConnection, sql: str, path: str | Path, metadata: Mapping[str, str]) -> None:
    """Stream a query to Parquet atomically, with the coding options as key-value metadata."""
    kv = ", ".join(f"{_sql_str(k)}: {_sql_str(v)}" for k, v in sorted(metadata.items()))
    with atomic_path(path) as tmp:
        con.execute(
            f"COPY ({sql}) TO {quote_path(tmp)} "
            f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880, KV_METADATA {{{kv}}})"
        )


def _sql_str(value: Any) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def universe_years(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    lo, hi = con.execute("SELECT min(year), max(year) FROM dyad_years").fetchone()
    if lo is None:
        raise SchemaError("dyad_years is empty: no frame to build")
    return int(lo), int(hi)


FRAMES = (("analysis_dyad_years", False), ("analysis_directed_dyad_years", True))


@dataclass
class FrameBuild:
    """A connection with the shared inputs of both frames prepared (democracy, controls, events)."""

    con: duckdb.DuckDBPyConnection
    inputs: Mapping[str, str | Path]
    options: FrameOptions
    years: tuple[int, int]
    control_cov: dict[str, Coverage]
    coverage: dict[str, Any]
    facts: dict[str, Any]


def prepare_frame_build(
    inputs: Mapping[str, str | Path], options: FrameOptions, threads: int | None = None
) -> FrameBuild:
    """Register the inputs and build the state-year and event tables both frames join."""
    con = connect(threads=threads)
    try:
        # the POSITIONAL JOIN below relies on the tables keeping their ORDER BY order
        con.execute("SET preserve_insertion_order = true")
        register_inputs(con, inputs)
        years = universe_years(con)
        log.info("frame: harmonising democracy scores (polity, vdem, bmr, uds)")
        dem_facts = create_democracy_state_years(con)
        control_cov = control_coverage(con, options.contiguity_slice)
        log.info("frame: control tables; coverage %s", {k: v.as_list() for k, v in control_cov.items()})
        control_facts = create_control_tables(con, options.controls, options.contiguity_slice)
        event_facts = create_event_tables(con)
        if options.icb_coverage:
            event_facts |= create_icb_event_tables(con)
        coverage = {
            "mid": options.mid_coverage.as_list(),
            "ties": options.ties_coverage.as_list(),
            **({"icb": options.icb_coverage.as_list()} if options.icb_coverage else {}),
            **{k: v.as_list() for k, v in control_cov.items()},
            **{f"democracy_{k}": v["score_years"] for k, v in dem_facts.items()},
            "universe": list(years),
            **role_coverage(con, options, inputs),
        }
    except BaseException:
        con.close()
        raise
    return FrameBuild(con, inputs, options, years, control_cov, coverage,
                      {"democracy": dem_facts, "controls": control_facts, "events": event_facts})


def _metadata(options: FrameOptions) -> dict[str, str]:
    metadata = {
        "dyadstats.ongoing": options.ongoing,
        "dyadstats.peace_years_rule": options.peace_rule,
        "dyadstats.lag_regressors": str(options.use_lagged).lower(),
        "dyadstats.frame.democracy": "; ".join(f"{k}: {v}" for k, v in rules_summary(options.democracy).items()),
    }
    if options.selection():
        metadata["dyadstats.frame_columns"] = str(options.selection())
    return metadata


def write_frame(build: FrameBuild, name: str, path: str | Path, directed: bool) -> dict[str, Any]:
    """Build one analysis frame, stream it to ``path``; return its audit record."""
    con, options, inputs = build.con, build.options, build.inputs
    lagged_roles = role_columns(options.roles) if options.lags else []
    base, visible, _ = base_select_sql(options, build.control_cov, directed, build.years)
    base, visible = attach_roles(base, visible, options, inputs)
    lags = lag_columns(options, build.control_cov) + (role_lag_columns(options) if options.lags else [])
    sql, columns = final_sql(visible, lags, directed, options=options)
    registry = [c.name for c in frame_registry(directed, options)]
    if registry != columns:
        raise SchemaError(
            f"{name}: the codebook registry and the SQL disagree: "
            f"only in SQL {sorted(set(columns) - set(registry))}, "
            f"only in registry {sorted(set(registry) - set(columns))}"
            + ("" if set(columns) != set(registry) else " (order differs)")
        )
    log.info("frame: joining %s", name)
    order = "ccode1, ccode2, year" if role_columns(options.roles) else "u.ccode1, u.ccode2, u.year"
    con.execute(f"CREATE OR REPLACE TEMP TABLE frame_base AS {base} ORDER BY {order}")
    log.info("frame: peace years and lags of %s", name)
    narrow = narrow_sql(options, directed, lagged=lagged_roles)
    con.execute(f"CREATE OR REPLACE TEMP TABLE frame_narrow AS {narrow}")
    check_aligned(con)
    log.info("frame: writing %s (%d columns)", name, len(columns))
    _copy_parquet(con, sql, path, _metadata(options))
    con.execute("DROP TABLE frame_narrow")
    con.execute("DROP TABLE frame_base")
    universe = "directed_dyad_years" if directed else "dyad_years"
    rows_in = con.execute(f"SELECT count(*) FROM {universe}").fetchone()[0]
    profile = profile_relation(con, f"SELECT * FROM read_parquet({quote_path(path)})",
                               ["ccode1", "ccode2", "year"])
    dropped = {"ongoing_mid_years_dropped": int(rows_in - profile["rows"])} if options.ongoing == "drop" else {}
    record = table_record(
        name,
        profile,
        rows_in=int(rows_in),
        dropped=dropped,
        inputs=sorted(inputs),
        notes=[
            f"ongoing MID years (a MID from an earlier year, no new MID): {options.ongoing}",
            f"peace years counted on {options.peace_rule} years",
            f"lag regressors in models: {options.use_lagged}",
        ],
    )
    record["options"] = options.record()
    record["coverage"] = build.coverage
    log.info("frame: %s has %d rows", name, profile["rows"])
    return record


def finish_frames(
    records: Sequence[Mapping[str, Any]], facts: Mapping[str, Any], coverage: Mapping[str, Any],
    audit_path: str | Path, codebook_path: str | Path, options: FrameOptions,
) -> dict[str, Any]:
    """The stage audit (facts on the first frame's record) and the codebook of the written frames."""
    out = [dict(r) for r in records]
    out[0].update(facts)
    write_stage_audit("frame", out, audit_path)
    write_text(render_codebook(options, coverage, {r["table"]: r for r in out}), codebook_path)
    return {r["table"]: r for r in out}


def build_frames(
    inputs: Mapping[str, str | Path],
    dyad_path: str | Path,
    directed_path: str | Path | None,
    audit_path: str | Path,
    codebook_path: str | Path,
    options: FrameOptions,
    threads: int | None = None,
) -> dict[str, Any]:
    """Build ``analysis_dyad_years`` and (unless ``build.frame.directed`` is false)
    ``analysis_directed_dyad_years`` in one connection, then the audit and codebook."""
    build = prepare_frame_build(inputs, options, threads)
    try:
        paths = {"analysis_dyad_years": dyad_path, "analysis_directed_dyad_years": directed_path}
        records = [write_frame(build, name, paths[name], directed)
                   for name, directed in FRAMES if options.directed or not directed]
    finally:
        build.con.close()
    return finish_frames(records, build.facts, build.coverage, audit_path, codebook_path, options)


def build_frame_part(
    inputs: Mapping[str, str | Path], directed: bool, path: str | Path, part_path: str | Path,
    options: FrameOptions, threads: int | None = None,
) -> dict[str, Any]:
    """One frame as its own job (the workflow builds the two in parallel): the Parquet and a
    JSON part (record, shared facts, coverage) that :func:`finish_frame_parts` gathers."""
    name = dict((d, n) for n, d in FRAMES)[directed]
    build = prepare_frame_build(inputs, options, threads)
    try:
        record = write_frame(build, name, path, directed)
    finally:
        build.con.close()
    part = {"record": record, "facts": build.facts, "coverage": build.coverage}
    write_json(part, part_path)
    return part


def finish_frame_parts(
    part_paths: Sequence[str | Path], audit_path: str | Path, codebook_path: str | Path, options: FrameOptions
) -> dict[str, Any]:
    """Gather the frame jobs' parts (non-directed first) into the stage audit and codebook."""
    parts = [json.loads(Path(p).read_text(encoding="utf-8")) for p in part_paths]
    parts.sort(key=lambda part: [n for n, _ in FRAMES].index(part["record"]["table"]))
    return finish_frames([p["record"] for p in parts], parts[0]["facts"], parts[0]["coverage"],
                         audit_path, codebook_path, options)
