"""The modelling frames: every coded column on the non-directed and directed dyad-years.

Inputs (all Parquet, registered as DuckDB views under these names):

* universe: ``dyad_years`` (ccode1 < ccode2, year) and ``directed_dyad_years``;
* events: ``mid_dyad_years`` (dispute-dyad-years, columns per the data contract) and
  ``ties_directed_dyad_years`` (sender ccode1 -> target ccode2 sanction case-years);
* democracy sources ``polity5``, ``vdem``, ``bmr``, ``uds`` (see ``dyadstats.democracy``);
* control sources ``cow_contdird``, ``nmc``, ``cow_majors``, ``ps_cow_alliance``,
  ``ps_atop_alliance``, ``ps_cow_mindist`` (see ``dyadstats.controls``);
* the canonical tables of the config's ``roles.democracy`` and ``roles.covariates``
  (``role_<kind>_<name>``, see ``dyadstats.roles``): their columns join the regressors, with
  ``_lag1`` twins.

Outcome codings (0/1; NULL outside the event source's coverage, 0 inside it when no event):

* ``coercion_onset``: a MID new in the dyad-year whose dyadic hostility (the higher of the two
  states' hostility levels) is a threat (2) or display (3) of force; ``coercion_onset_limited``
  2-4; ``mid_onset`` 2-5; ``mid_onset_originators`` a new MID (2-5) in which both states are
  originators. Several disputes in one dyad-year: the dyad-year is coded 1 if any of them
  qualifies (the upstream event table decides whether several are kept).
* ``mid_ongoing``: any MID (2-5) active in the dyad-year, the onset year included
  (peacesciencer's ``cowmidongoing``); ``mid_continuing``: a MID active that began in an
  earlier year and no new MID this year. ``build.ongoing: drop`` removes the
  ``mid_continuing`` rows from both frames; ``keep`` (default) keeps them with onsets coded 0.
* Directed: ``coercion_initiated`` (A is a side-A originator whose own hostility in a new
  dispute is 2 or 3, B is on side B), ``mid_initiated`` (same, any hostility 2-5 in the dyad).
* TIES (1945-2005): ``sanction_threat_onset`` / ``sanction_imposition_onset`` (either
  direction) and ``sanction_threat_initiated`` / ``sanction_imposition_initiated`` (ccode1 the
  sender, ccode2 the target).

Everything is DuckDB SQL: one join pass builds the row-wise columns, two window passes add the
peace years and the ``_lag1`` twins, and the result streams to Parquet sorted by key.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from dyadstats.audit import profile_relation, table_record, write_stage_audit
from dyadstats.codebook import frame_registry, render_codebook
from dyadstats.controls import (
    CONTROL_JOINS,
    CONTROL_RAW,
    Coverage,
    control_columns,
    control_coverage,
    create_control_tables,
)
from dyadstats.db import connect, quote_path
from dyadstats.democracy import (
    DemocracyRule,
    create_democracy_state_years,
    democracy_rules,
    democracy_score_refs,
    dyad_democracy_columns,
    rules_summary,
)
from dyadstats.errors import ConfigError, SchemaError
from dyadstats.io import atomic_path, write_text
from dyadstats.roles import Roles, attach_roles_sql, role_columns, role_kind, role_output
from dyadstats.spells import (
    PEACE_RULES,
    peace_year_column_names,
    spell_stage_one,
    spell_stage_two,
)

log = logging.getLogger(__name__)

ONGOING_CHOICES = ("keep", "drop")

# Non-directed MID outcomes from the whittled ``mid_dyad_years`` (one row per dyad-year) and
# its summaries over *all* disputes of the dyad-year (n_onsets, min/max_onset_hostlev): the
# dyad-year is an onset of the band if its lowest or highest onset hostility, or the kept
# dispute's, falls in the band. Exact unless a dyad-year has three or more new disputes with
# hostility below, inside and above the band at once (none in MID 5.0 for the bands used;
# two dyad-years have onsets of hostility 1 and 4 only).
def _band(lo: int, hi: int) -> str:
    return (
        f"(n_onsets > 0 AND (min_onset_hostlev BETWEEN {lo} AND {hi} "
        f"OR max_onset_hostlev BETWEEN {lo} AND {hi} "
        f"OR (mid_onset = 1 AND hostlev BETWEEN {lo} AND {hi})))"
    )


# outcome -> (onset condition, 'active' condition for the ongoing peace-years rule)
MID_OUTCOMES: dict[str, tuple[str, str]] = {
    "coercion_onset": (_band(2, 3), "hostlev BETWEEN 2 AND 3"),
    "coercion_onset_limited": (_band(2, 4), "hostlev BETWEEN 2 AND 4"),
    "mid_onset": (_band(2, 5), "hostlev BETWEEN 2 AND 5"),
    "mid_onset_originators": (
        "(mid_onset = 1 AND hostlev BETWEEN 2 AND 5 AND orig1 = 1 AND orig2 = 1)",
        "hostlev BETWEEN 2 AND 5 AND orig1 = 1 AND orig2 = 1",
    ),
}
# Directed: the events stage codes initiation over all disputes of the directed dyad-year;
# 'active' uses the kept dispute with A a side-A originator facing B on side B.
MID_DIRECTED_OUTCOMES: dict[str, tuple[str, str]] = {
    "coercion_initiated": (
        "coercion_initiated = 1",
        "sidea1 = 1 AND orig1 = 1 AND sidea2 = 0 AND hostlev1 BETWEEN 2 AND 3",
    ),
    "mid_initiated": (
        "mid_initiated = 1",
        "sidea1 = 1 AND orig1 = 1 AND sidea2 = 0 AND hostlev BETWEEN 2 AND 5",
    ),
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
MID_COLUMNS = ("ccode1", "ccode2", "year", "mid_onset", "hostlev", "orig1", "orig2",
               "n_onsets", "min_onset_hostlev", "max_onset_hostlev")
MID_DIRECTED_COLUMNS = ("ccode1", "ccode2", "year", "hostlev", "hostlev1", "orig1", "sidea1",
                        "sidea2", "mid_initiated", "coercion_initiated")
TIES_COLUMNS = ("ccode1", "ccode2", "year", "sanction_threat_onset", "sanction_imposition_onset")


@dataclass(frozen=True)
class FrameOptions:
    """Everything that changes a coding, recorded in the audit and the Parquet metadata."""

    democracy: Mapping[str, DemocracyRule]
    mid_coverage: Coverage
    ties_coverage: Coverage
    peace_rule: str = "onset"
    ongoing: str = "keep"
    use_lagged: bool = False
    prd_max_conttype: int = 5
    extra: Mapping[str, Any] = field(default_factory=dict)
    roles: Roles = field(default_factory=Roles)

    def record(self) -> dict[str, Any]:
        roles = {r.name: f"{role_kind(r)} from {r.table}" for r in (*self.roles.democracy, *self.roles.covariates)}
        return ({"roles": roles} if roles else {}) | {
            "democracy": rules_summary(self.democracy),
            "mid_coverage": self.mid_coverage.as_list(),
            "ties_coverage": self.ties_coverage.as_list(),
            "peace_years_rule": self.peace_rule,
            "ongoing": self.ongoing,
            "lag_regressors": self.use_lagged,
            "politically_relevant_max_conttype": self.prd_max_conttype,
        }


def frame_options(
    build: Mapping[str, Any] | None, mid_coverage: Sequence[int], ties_coverage: Sequence[int],
    roles: Roles | None = None,
) -> FrameOptions:
    """Options from the ``build`` config section (validated by the JSON schema, checked again)
    and the parsed ``roles`` section (its democracy measures and covariates join the frames)."""
    build = dict(build or {})
    peace = dict(build.get("peace_years") or {})
    rule = str(peace.get("rule", "onset"))
    if rule not in PEACE_RULES:
        raise ConfigError(f"build.peace_years.rule: '{rule}' is not one of {list(PEACE_RULES)}")
    ongoing = str(build.get("ongoing", "keep"))
    if ongoing not in ONGOING_CHOICES:
        raise ConfigError(f"build.ongoing: '{ongoing}' is not one of {list(ONGOING_CHOICES)}")
    controls = dict(build.get("controls") or {})
    prd = int(controls.get("politically_relevant_max_conttype", 5))
    if not 1 <= prd <= 5:
        raise ConfigError(f"build.controls.politically_relevant_max_conttype: {prd} is not in 1..5")
    lag = dict(build.get("lag") or {})
    return FrameOptions(
        democracy=democracy_rules(build.get("democracy")),
        mid_coverage=Coverage(int(mid_coverage[0]), int(mid_coverage[1])),
        ties_coverage=Coverage(int(ties_coverage[0]), int(ties_coverage[1])),
        peace_rule=rule,
        ongoing=ongoing,
        use_lagged=bool(lag.get("regressors", False)),
        prd_max_conttype=prd,
        roles=roles or Roles(),
    )


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
                   max((hostlev BETWEEN 2 AND 5)::INTEGER) AS mid_ongoing
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
    ambiguous = con.execute(
        "SELECT count(*) FROM mid_dyad_years WHERE n_onsets > 2 AND min_onset_hostlev < 2 AND max_onset_hostlev > 3"
    ).fetchone()[0]
    return {
        "mid_dyad_year_rows": int(rows),
        "mid_dyad_years": int(keys),
        "mid_dyad_years_hostility_below_2": con.execute(
            "SELECT count(*) FROM mid_dyad_years WHERE hostlev IS NULL OR hostlev < 2"
        ).fetchone()[0],
        "mid_dyad_years_band_ambiguous": int(ambiguous),
        "ties_directed_dyad_year_rows": con.execute("SELECT count(*) FROM ties_directed_dyad_years").fetchone()[0],
    }


def _covered(cov: Coverage, expr: str, year: str = "u.year") -> str:
    return f"CASE WHEN {cov.sql(year)} THEN coalesce({expr}, 0) END"


def outcome_columns(options: FrameOptions, directed: bool) -> list[tuple[str, str]]:
    """(name, SQL) of the outcome columns, plus hidden ``_act_<o>`` helpers for the spells."""
    mid, ties = options.mid_coverage, options.ties_coverage
    cols: list[tuple[str, str]] = []
    if directed:
        for o in MID_DIRECTED_OUTCOMES:
            cols.append((o, _covered(mid, f"ed.{o}")))
        for o in TIES_DIRECTED_OUTCOMES:
            cols.append((o, _covered(ties, f"td.{o}")))
    else:
        for o in MID_OUTCOMES:
            cols.append((o, _covered(mid, f"e.{o}")))
    cols += [
        ("mid_ongoing", _covered(mid, "e.mid_ongoing")),
        ("mid_continuing", _covered(mid, "(e.mid_ongoing = 1 AND e.mid_onset = 0)::INTEGER")),
    ]
    if not directed:
        for o in TIES_OUTCOMES:
            cols.append((o, _covered(ties, f"t.{o}")))
    return cols


def helper_columns(options: FrameOptions, directed: bool) -> list[tuple[str, str]]:
    """Hidden per-outcome 'active' flags used by the ``ongoing`` peace-years rule."""
    mid, ties = options.mid_coverage, options.ties_coverage
    if directed:
        return [(f"_act_{o}", _covered(mid, f"ed._act_{o}")) for o in MID_DIRECTED_OUTCOMES] + [
            (f"_act_{o}", _covered(ties, f"td._act_{o}")) for o in TIES_DIRECTED_OUTCOMES
        ]
    return [(f"_act_{o}", _covered(mid, f"e._act_{o}")) for o in MID_OUTCOMES] + [
        (f"_act_{o}", _covered(ties, f"t._act_{o}")) for o in TIES_OUTCOMES
    ]


def spell_outcomes(directed: bool) -> list[str]:
    """Outcomes that get peace years."""
    if directed:
        return [*MID_DIRECTED_OUTCOMES, *TIES_DIRECTED_OUTCOMES]
    return [*MID_OUTCOMES, *TIES_OUTCOMES]


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
    regressors = dyad_democracy_columns(options.democracy) + control_columns(
        control_cov, options.prd_max_conttype
    )
    hidden = helper_columns(options, directed)
    # raw inputs of the regressors: their one-year lags rebuild the regressors' _lag1 twins
    hidden += [(f"_r_{k}", v) for k, v in democracy_score_refs().items()]
    hidden += [(f"_r_{k}", v) for k, v in CONTROL_RAW.items()]
    if directed:
        event_joins = """
LEFT JOIN ev_mid e ON e.ccode1 = least(u.ccode1, u.ccode2) AND e.ccode2 = greatest(u.ccode1, u.ccode2) AND e.year = u.year
LEFT JOIN ev_mid_directed ed ON ed.ccode1 = u.ccode1 AND ed.ccode2 = u.ccode2 AND ed.year = u.year
LEFT JOIN ev_ties_directed td ON td.ccode1 = u.ccode1 AND td.ccode2 = u.ccode2 AND td.year = u.year"""
    else:
        event_joins = """
LEFT JOIN ev_mid e ON e.ccode1 = u.ccode1 AND e.ccode2 = u.ccode2 AND e.year = u.year
LEFT JOIN ev_ties t ON t.ccode1 = u.ccode1 AND t.ccode2 = u.ccode2 AND t.year = u.year"""
    keep = "true"
    if options.ongoing == "drop":
        keep = f"NOT coalesce({options.mid_coverage.sql('u.year')} AND e.mid_ongoing = 1 AND e.mid_onset = 0, false)"
    hidden.append(("_keep", keep))
    select = ",\n    ".join(f"{sql} AS {name}" for name, sql in keys + outcomes + regressors + hidden)
    sql = f"""
SELECT {select}
FROM {universe} u
{event_joins}
LEFT JOIN democracy_state_years s1 ON s1.ccode = u.ccode1 AND s1.year = u.year
LEFT JOIN democracy_state_years s2 ON s2.ccode = u.ccode2 AND s2.year = u.year
{CONTROL_JOINS}"""
    visible = [n for n, _ in keys + outcomes + regressors]
    return sql, visible, [n for n, _ in regressors]


def lag_name(column: str) -> str:
    return f"{column}_lag1"


RAW_KEYS = [*democracy_score_refs(), *CONTROL_RAW]


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
    outcomes = spell_outcomes(directed)
    # with every row kept the spells share the lags' window (one sort instead of two)
    spell_unit = "ccode1, ccode2" if options.ongoing == "keep" else "ccode1, ccode2, _keep"
    stage_one: list[tuple[str, str]] = []
    for o in outcomes:
        # ongoing rule: an onset year is always an event year, whatever dispute was kept
        event = o if options.peace_rule == "onset" else f"greatest({o}, _act_{o})"
        stage_one += spell_stage_one(o, event, spell_unit)
    stage_one += [(f"_l_{k}", f"lag(_r_{k}) OVER w") for k in RAW_KEYS]
    stage_one += [(f"_l_{c}", f"lag({c}) OVER w") for c in lagged]
    stage_one.append(("_has_prev", "coalesce(lag(year) OVER w = year - 1, false)"))
    stage_two = [c for o in outcomes for c in spell_stage_two(o, spell_unit)]
    narrow = ", ".join(
        ["ccode1", "ccode2", "year", "_keep", *outcomes, *(f"_act_{o}" for o in outcomes),
         *(f"_r_{k}" for k in RAW_KEYS), *lagged]
    )
    one = ",\n    ".join(f"{sql} AS {name}" for name, sql in stage_one)
    two = ",\n    ".join(f"{sql} AS {name}" for name, sql in stage_two)
    keep = ", ".join(["ccode1", "ccode2", "year", "_has_prev", *(f"_l_{k}" for k in RAW_KEYS),
                      *(f"_l_{c}" for c in lagged)])
    return f"""
WITH pass_one AS (
    SELECT ccode1, ccode2, year, _keep,
    {one}
    FROM (SELECT {narrow} FROM {base})
    WINDOW w AS (PARTITION BY ccode1, ccode2 ORDER BY year)
)
SELECT {keep},
    {two}
FROM pass_one
ORDER BY ccode1, ccode2, year"""


def lag_columns(
    options: FrameOptions, control_cov: Mapping[str, Coverage], alias: str = "n", year: str = "(b.year - 1)"
) -> list[tuple[str, str]]:
    """The ``_lag1`` twins: each regressor recomputed from last year's raw inputs and coverage."""
    dem = dyad_democracy_columns(options.democracy, {k: f"{alias}._l_{k}" for k in democracy_score_refs()})
    ctl = control_columns(control_cov, options.prd_max_conttype, year, {k: f"{alias}._l_{k}" for k in CONTROL_RAW})
    return [(lag_name(name), f"CASE WHEN {alias}._has_prev THEN {sql} END") for name, sql in dem + ctl]


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
    base: str = "frame_base", narrow: str = "frame_narrow",
) -> tuple[str, list[str]]:
    """Kept rows with their peace years and lags. Both tables are stored in key order, so a
    POSITIONAL JOIN pairs them without hashing or re-sorting the wide rows."""
    peace = [c for o in spell_outcomes(directed) for c in peace_year_column_names(o)]
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


def build_frames(
    inputs: Mapping[str, str | Path],
    dyad_path: str | Path,
    directed_path: str | Path,
    audit_path: str | Path,
    codebook_path: str | Path,
    options: FrameOptions,
    threads: int | None = None,
) -> dict[str, Any]:
    """Build ``analysis_dyad_years`` and ``analysis_directed_dyad_years``, the audit and codebook."""
    con = connect(threads=threads)
    try:
        con.execute("SET preserve_insertion_order = true")
        register_inputs(con, inputs)
        years = universe_years(con)
        log.info("frame: harmonising democracy scores (polity, vdem, bmr, uds)")
        dem_facts = create_democracy_state_years(con)
        control_cov = control_coverage(con)
        log.info("frame: control tables; coverage %s", {k: v.as_list() for k, v in control_cov.items()})
        control_facts = create_control_tables(con)
        event_facts = create_event_tables(con)
        metadata = {
            "dyadstats.ongoing": options.ongoing,
            "dyadstats.peace_years_rule": options.peace_rule,
            "dyadstats.lag_regressors": str(options.use_lagged).lower(),
            "dyadstats.democracy": "; ".join(f"{k}: {v}" for k, v in rules_summary(options.democracy).items()),
        }
        records = []
        frames: dict[str, list[str]] = {}
        coverage = {
            "mid": options.mid_coverage.as_list(),
            "ties": options.ties_coverage.as_list(),
            **{k: v.as_list() for k, v in control_cov.items()},
            **{f"democracy_{k}": v["score_years"] for k, v in dem_facts.items()},
            "universe": list(years),
            **role_coverage(con, options, inputs),
        }
        for name, path, directed in (
            ("analysis_dyad_years", dyad_path, False),
            ("analysis_directed_dyad_years", directed_path, True),
        ):
            base, visible, _ = base_select_sql(options, control_cov, directed, years)
            base, visible = attach_roles(base, visible, options, inputs)
            sql, columns = final_sql(
                visible, lag_columns(options, control_cov) + role_lag_columns(options), directed
            )
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
            narrow = narrow_sql(options, directed, lagged=role_columns(options.roles))
            con.execute(f"CREATE OR REPLACE TEMP TABLE frame_narrow AS {narrow}")
            check_aligned(con)
            log.info("frame: writing %s (%d columns)", name, len(columns))
            _copy_parquet(con, sql, path, metadata)
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
            record["coverage"] = coverage
            records.append(record)
            frames[name] = columns
            log.info("frame: %s has %d rows", name, profile["rows"])
        records[0]["democracy"] = dem_facts
        records[0]["controls"] = control_facts
        records[0]["events"] = event_facts
        write_stage_audit("frame", records, audit_path)
        write_text(render_codebook(options, coverage, {r["table"]: r for r in records}), codebook_path)
        return {r["table"]: r for r in records}
    finally:
        con.close()
