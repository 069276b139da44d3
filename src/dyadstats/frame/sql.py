"""The frame's SELECT statements, assembled from the column lists: the row-wise join pass, the
window passes (peace years, lags) over a narrow projection, and the final positional join."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb

from dyadstats.eras import era_periods
from dyadstats.events.icb import icb_join
from dyadstats.events.war import war_join
from dyadstats.frame.columns import (
    helper_columns,
    icb_columns,
    outcome_columns,
    raw_keys,
    regressor_columns,
    spell_outcomes,
    war_columns,
)
from dyadstats.frame.controls import CONTROL_JOINS, CONTROL_RAW, Coverage
from dyadstats.frame.covariates import COVARIATE_JOINS
from dyadstats.frame.democracy import democracy_score_refs
from dyadstats.frame.options import CONTROL_ALIAS_GROUP, FrameOptions
from dyadstats.frame.outcomes import TIES_OUTCOMES
from dyadstats.frame.spells import (
    ongoing_name,
    peace_year_column_names,
    peace_years_name,
    spell_powers,
    spell_stage_one,
    spell_stage_two,
)


def control_joins(options: FrameOptions) -> str:
    """The lines of CONTROL_JOINS and COVARIATE_JOINS whose tables a selected column reads."""
    joins = CONTROL_JOINS.strip() + "\n" + COVARIATE_JOINS.strip()
    lines = [line for line in joins.splitlines()
             if CONTROL_ALIAS_GROUP[line.split()[3]] in options.controls]
    return "\n" + "\n".join(lines) + "\n" if lines else ""


def era_sql(first: int, last: int, year: str = "u.year") -> str:
    """The frame's ``era`` label (:mod:`dyadstats.eras`: fixed breaks, outer bounds the frame's
    years); labels are built from integers, so they are safe as literals."""
    periods = era_periods(first, last)
    whens = " ".join(f"WHEN {year} <= {end} THEN '{label}'" for label, _, end in periods[:-1])
    return f"CASE {whens} ELSE '{periods[-1][0]}' END" if whens else f"'{periods[-1][0]}'"


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
        ("stateabb1", "u.stateabb1"),
        ("stateabb2", "u.stateabb2"),
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
    if icb_columns(options, directed):
        event_joins += icb_join(directed)
    if war_columns(options, directed):
        event_joins += war_join(directed)
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
    # every lagged input in one lag() of a STRUCT: one window evaluation instead of one per
    # column (about 10% of the pass on the full frames), unpacked in the second pass
    lag_inputs = [(f"_l_{k}", f"_r_{k}") for k in keys] + [(f"_l_{c}", c) for c in lagged]
    if lag_inputs:
        packed = ", ".join(f"{name} := {source}" for name, source in lag_inputs)
        stage_one.append(("_l_packed", f"lag(struct_pack({packed})) OVER w"))
    if lagging:
        stage_one.append(("_has_prev", "coalesce(lag(year) OVER w = year - 1, false)"))
    stage_two = [c for o in outcomes for c in spell_stage_two(o, spell_unit, powers=False)]
    narrow = ", ".join(
        ["ccode1", "ccode2", "year", "_keep", *outcomes, *(f"_act_{o}" for o in outcomes),
         *(f"_r_{k}" for k in keys), *lagged]
    )
    one = ",\n    ".join(["ccode1, ccode2, year, _keep", *(f"{sql} AS {name}" for name, sql in stage_one)])
    two = ",\n    ".join(["ccode1, ccode2, year", *(["_has_prev"] if lagging else []),
                          *(f"_l_packed.{name} AS {name}" for name, _ in lag_inputs),
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


def final_sql(
    visible: Sequence[str], lags: Sequence[tuple[str, str]], directed: bool,
    base: str = "frame_base", narrow: str = "frame_narrow", options: FrameOptions | None = None,
) -> tuple[str, list[str]]:
    """Kept rows with their peace years and lags. Both tables are stored in key order, so a
    POSITIONAL JOIN pairs them without hashing or re-sorting the wide rows."""
    outcomes = spell_outcomes(directed, options)
    peace = [c for o in outcomes for c in peace_year_column_names(o)]
    # the narrow pass counts the peace years; their powers are taken here, once per row
    counted = [(peace_years_name(o), f"n.{peace_years_name(o)}") for o in outcomes]
    powers = [c for o in outcomes for c in spell_powers(o, f"n.{peace_years_name(o)}")]
    spell_sql = dict(counted + powers)
    # The years that end a spell under the ongoing rule, kept so a model can recount its own
    # peace years under either rule (models' peace_years_rule / peace_years_over).
    ongoing = [(ongoing_name(o), f"greatest(b.{o}, b._act_{o})") for o in outcomes]
    columns = [*visible, *peace, *(name for name, _ in ongoing), *(name for name, _ in lags)]
    select = ",\n    ".join(
        [*(f"b.{c}" for c in visible), *(f"{spell_sql[c]} AS {c}" for c in peace),
         *(f"{sql} AS {name}" for name, sql in [*ongoing, *lags])]
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


#: Rows per key-range slice of the join pass (see :func:`create_sorted_base`).
SORT_SLICE_ROWS = 500_000


def slice_bounds(con: duckdb.DuckDBPyConnection, universe: str, slice_rows: int = SORT_SLICE_ROWS) -> list[int]:
    """``ccode1`` values that cut ``universe`` into slices of about ``slice_rows`` rows (none
    for a universe that fits in one slice)."""
    (rows,) = con.execute(f"SELECT count(*) FROM {universe}").fetchone()
    slices = -(-int(rows) // slice_rows)
    if slices <= 1:
        return []
    (cuts,) = con.execute(f"SELECT quantile_disc(ccode1, $q) FROM {universe}",
                          {"q": [i / slices for i in range(1, slices)]}).fetchone()
    return sorted({int(c) for c in cuts if c is not None})


def create_sorted_base(con: duckdb.DuckDBPyConnection, base: str, universe: str,
                       table: str = "frame_base", slice_rows: int = SORT_SLICE_ROWS) -> int:
    """``CREATE TABLE table AS base ORDER BY ccode1, ccode2, year``, one ``ccode1`` range at a
    time (returns the number of slices).

    Sorting the wide joined rows at once holds them twice (the sort's runs and the table: on
    the full directed frame 3.6 GB at the peak); slice by slice, in key order, the sort holds
    one slice and its freed memory serves the next one (2.6 GB, no slower). The slices are
    appended in key order and each is sorted, so the table is the same row for row; the
    positional join with the narrow pass checks it (:func:`check_aligned`).
    """
    cuts = slice_bounds(con, universe, slice_rows)
    edges: list[int | None] = [None, *cuts, None]
    for i, (lo, hi) in enumerate(zip(edges, edges[1:], strict=False)):
        conditions, params = [], {}
        if lo is not None:
            conditions.append("ccode1 >= $lo")
            params["lo"] = lo
        if hi is not None:
            conditions.append("ccode1 < $hi")
            params["hi"] = hi
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        query = f"SELECT * FROM ({base}){where} ORDER BY ccode1, ccode2, year"
        statement = f"CREATE OR REPLACE TEMP TABLE {table} AS " if i == 0 else f"INSERT INTO {table} "
        con.execute(statement + query, params)
    return len(edges) - 1
