"""The event flag tables both frames join: MID and TIES flags per (directed) dyad-year, read
from the events stage's tables over all their disputes (``ev_mid``, ``ev_ties``, ...)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb

from dyadstats.errors import SchemaError
from dyadstats.frame.outcomes import (
    MID_COLUMNS,
    MID_DIRECTED_COLUMNS,
    MID_DIRECTED_OUTCOMES,
    MID_ONGOING,
    MID_OUTCOMES,
    TIES_COLUMNS,
    TIES_DIRECTED_OUTCOMES,
    TIES_OUTCOMES,
)
from dyadstats.paths import MID_DIRECTED_TABLE, MID_TABLE, TIES_TABLE


def _require_columns(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str]) -> None:
    have = set(con.sql(f"SELECT * FROM {table} LIMIT 0").columns)
    missing = [c for c in columns if c not in have]
    if missing:
        raise SchemaError(f"input table '{table}' lacks column(s) {missing}; it has {sorted(have)}")


def create_event_tables(con: duckdb.DuckDBPyConnection, directed: bool = True, ties: bool = True) -> dict[str, Any]:
    """Event flags per dyad-year (``ev_mid``, ``ev_ties``) and directed dyad-year
    (``ev_mid_directed``, ``ev_ties_directed``): the directed ones only if ``directed`` (they
    read ``mid_directed_dyad_years``), the TIES ones only if ``ties`` (they read
    ``ties_directed_dyad_years``; :func:`dyadstats.frame.needs.frame_needs` says which).

    ``_act_<o>``: an event of outcome o's kind is active in the year (onset or not); used by
    the ``ongoing`` peace-years rule. Several rows per key are allowed (hand-built or
    unwhittled inputs): the flags are the maximum over them.
    """
    _require_columns(con, MID_TABLE, MID_COLUMNS)
    if directed:
        _require_columns(con, MID_DIRECTED_TABLE, MID_DIRECTED_COLUMNS)
    if ties:
        _require_columns(con, TIES_TABLE, TIES_COLUMNS)
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
    if directed:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE ev_mid_directed AS
                SELECT ccode1, ccode2, year, {flags(MID_DIRECTED_OUTCOMES)}
                FROM mid_directed_dyad_years GROUP BY ccode1, ccode2, year"""
        )
    if ties:
        _create_ties_flags(con, directed)
    rows, keys = con.execute(
        "SELECT count(*), count(DISTINCT (ccode1, ccode2, year)) FROM mid_dyad_years"
    ).fetchone()
    facts = {
        "mid_dyad_year_rows": int(rows),
        MID_TABLE: int(keys),
        # dyad-years whose every dispute has dyadic hostility 1 (no militarized action): no outcome
        "mid_dyad_years_hostility_below_2": con.execute(
            "SELECT count(*) FROM mid_dyad_years WHERE NOT list_has_any(active_hostlevs, [2, 3, 4, 5])"
        ).fetchone()[0],
    }
    if ties:
        facts["ties_directed_dyad_year_rows"] = con.execute(
            "SELECT count(*) FROM ties_directed_dyad_years").fetchone()[0]
    return facts


def _create_ties_flags(con: duckdb.DuckDBPyConnection, directed: bool) -> None:
    """``ev_ties`` (either direction) and, if ``directed``, ``ev_ties_directed`` (sender -> target)."""
    if directed:
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

