"""MID dyad-year tables: the whittled disputes with summaries over all disputes of each
dyad-year (hostility-level lists), and their directed twin with initiation flags."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from dyadstats.events.pairing import create_dispute_dyad_years
from dyadstats.events.whittle import DEFAULT_WHITTLE_ORDER, whittle
from dyadstats.roles.parse import EventRole
from dyadstats.sql import read_sql

# Hostility-level lists over all disputes of a non-directed dyad-year, before whittling:
# list name -> which dispute-dyad-years it draws from. Each holds the distinct dyadic hostility
# levels (hostlev) of those rows, ascending, empty when there are none, so that a "does any
# dispute of this dyad-year satisfy X" outcome never depends on the dispute the whittle kept.
HOSTLEV_LISTS: dict[str, str] = {
    "onset_hostlevs": "mid_onset = 1",                                      # new disputes
    "active_hostlevs": "true",                                              # every active dispute
    "onset_hostlevs_originators": "mid_onset = 1 AND orig1 = 1 AND orig2 = 1",  # new, both originators
    "active_hostlevs_originators": "orig1 = 1 AND orig2 = 1",               # active, both originators
}
_HOSTLEV_LIST_SQL = ",\n    ".join(
    f"coalesce(list(DISTINCT hostlev ORDER BY hostlev) FILTER (WHERE hostlev IS NOT NULL AND {cond}), [])"
    f" AS {name}"
    for name, cond in HOSTLEV_LISTS.items()
)

# Summaries over all disputes of a non-directed dyad-year, before whittling.
DYAD_YEAR_SUMMARY_SQL = f"""
SELECT
    ccode1, ccode2, year,
    count(*) AS n_disputes,
    sum(mid_onset)::BIGINT AS n_onsets,
    min(hostlev) FILTER (WHERE mid_onset = 1) AS min_onset_hostlev,
    max(hostlev) FILTER (WHERE mid_onset = 1) AS max_onset_hostlev,
    {_HOSTLEV_LIST_SQL}
FROM dispute_dyad_years
GROUP BY ccode1, ccode2, year
"""

# Swap the side-specific columns: the same row seen from state 2.
_SIDE_COLUMNS = ("sidea", "hiact", "hostlev", "orig", "fatality", "fatalpre")


def _mirror_select(table: str) -> str:
    swapped = ", ".join(f"{c}2 AS {c}1, {c}1 AS {c}2" for c in _SIDE_COLUMNS)
    excluded = ", ".join(["ccode1", "ccode2"] + [f"{c}{i}" for c in _SIDE_COLUMNS for i in (1, 2)])
    return (
        f"SELECT ccode2 AS ccode1, ccode1 AS ccode2, {swapped}, * EXCLUDE ({excluded}) FROM {table}"
    )


def _both_directions(table: str) -> str:
    excluded = ", ".join(["ccode1", "ccode2"] + [f"{c}{i}" for c in _SIDE_COLUMNS for i in (1, 2)])
    same = ", ".join(f"{c}1, {c}2" for c in _SIDE_COLUMNS)
    return (
        f"SELECT ccode1, ccode2, {same}, * EXCLUDE ({excluded}) FROM {table} "
        f"UNION ALL BY NAME {_mirror_select(table)}"
    )


# Directed initiation flags over all disputes of a directed dyad-year, before whittling
# (``sql/events/mid_directed_flags.sql``, over the view ``directed_dispute_dyad_years``).
DIRECTED_FLAGS = ("mid_initiated", "coercion_initiated", "mid_initiator_active", "coercion_initiator_active")

MID_COLUMNS = (
    "dispnum, ccode1, ccode2, year, mid_onset, mid_ongoing, hostlev, hostlev1, hostlev2, "
    "hiact1, hiact2, orig1, orig2, sidea1, sidea2, fatality1, fatality2, fatalpre1, fatalpre2, "
    "disp_hostlev, fatality, recip, mindur, maxdur, stmon, styear, source, "
    "n_disputes, n_onsets, min_onset_hostlev, max_onset_hostlev, " + ", ".join(HOSTLEV_LISTS)
)


def create_mid_tables(
    con: duckdb.DuckDBPyConnection,
    source: str,
    order: Sequence[str] | None = None,
    role: EventRole | None = None,
    role_path: str | Path | None = None,
    directed: bool = True,
) -> dict[str, int]:
    """Create ``dispute_dyad_years``, ``mid_dyad_years`` and (unless ``directed`` is false)
    ``mid_directed_dyad_years``."""
    create_dispute_dyad_years(con, source, role, role_path)
    removed = whittle(con, "dispute_dyad_years", "mid_whittled", order or DEFAULT_WHITTLE_ORDER,
                      log_table="mid_whittle_log")
    con.execute(
        f"""
        CREATE OR REPLACE TABLE mid_dyad_years AS
        SELECT {MID_COLUMNS}
        FROM mid_whittled JOIN ({DYAD_YEAR_SUMMARY_SQL}) USING (ccode1, ccode2, year)
        ORDER BY ccode1, ccode2, year
        """
    )
    if not directed:
        return removed
    con.execute(
        "CREATE OR REPLACE TEMP VIEW directed_dispute_dyad_years AS "
        + _both_directions("dispute_dyad_years")
    )
    flags = read_sql("events/mid_directed_flags")
    con.execute(
        f"""
        CREATE OR REPLACE TABLE mid_directed_dyad_years AS
        SELECT {MID_COLUMNS}, {", ".join(DIRECTED_FLAGS)}
        FROM ({_both_directions("mid_dyad_years")}) JOIN ({flags}) USING (ccode1, ccode2, year)
        ORDER BY ccode1, ccode2, year
        """
    )
    return removed


