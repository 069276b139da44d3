"""Inter-state war onsets (COW Inter-State War v4.0, peacesciencer's dyadic war-years) as
dyad-year events.

Source: ``ps_cow_war_inter`` (peacesciencer's ``cow_war_inter``; Sarkees & Wayman 2010, *Resort
to War*). peacesciencer made COW's participant spells dyadic (data-raw/cow_wars/
cow_interstate_wars.R): two participants of a war on opposite sides (``sidea1`` != ``sidea2``)
that fight on a common day form a directed dyad-year, one row per war, year and participation
spell, both directions. Its fields, as this module reads them:

- ``cowinteronset`` = 1 in the pair's first year of the war, so a state joining a war late
  starts it with each opponent in the year it joins (the USA and Germany in 1941, not 1939),
  and again in the first year of a *resumed* participation spell (``resume`` = 1: COW's
  second start/end dates after a lapse in combat, e.g. Prussia and Denmark 1849 in the First
  Schleswig-Holstein War). ``cowinterongoing`` = 1 in every row.
- ``initiator1`` / ``initiator2``: COW's participant-level initiator flag (the state began the
  war), the same for every opponent of that state.
- ``batdeath1`` / ``batdeath2``: each state's battle deaths over the whole war; -9 (unknown)
  is NULL after ingest.

Coding (``sql/events/war_directed_dyad_years.sql``): one row of ``war_directed_dyad_years`` per
directed dyad-year at war, flags the maxima over all its war rows (``war_onset``, ``war_ongoing``,
``war_initiated``, ``war_initiator_active``), and the war-level fields of the one war
peacesciencer's ``add_cow_wars(type = "inter")`` keeps (onset first, then most battle deaths).

Outcomes (NULL outside the declared coverage, 1816-2007; 0 inside it when no war): ``war_onset``
(non-directed: a war between the two starts this year, as peacesciencer's ``cowinteronset``)
and ``war_initiated`` (directed: ccode1 is an initiator of a war that it and ccode2 start
fighting this year). A war is *active* for the pair in every year it is fought; the ``ongoing``
peace-years rule counts those years as event years, the ``onset`` rule only the onsets.
"""

from __future__ import annotations

from typing import Any

import duckdb

from dyadstats.audit import profile_relation, table_record
from dyadstats.events.flag_tables import create_flag_tables
from dyadstats.paths import WAR_TABLE
from dyadstats.sql import read_sql

WAR_INPUT = "ps_cow_war_inter"
# frame outcome -> (event-table flag of the onset, flag of an active war)
WAR_OUTCOMES: dict[str, tuple[str, str]] = {"war_onset": ("war_onset", "war_ongoing")}
WAR_DIRECTED_OUTCOMES: dict[str, tuple[str, str]] = {"war_initiated": ("war_initiated", "war_initiator_active")}
WAR_OUTCOME_NAMES: tuple[str, ...] = (*WAR_OUTCOMES, *WAR_DIRECTED_OUTCOMES)
WAR_COLUMNS = ("ccode1", "ccode2", "year", "war_onset", "war_ongoing", "war_initiated", "war_initiator_active")


def war_outcomes(directed: bool) -> dict[str, tuple[str, str]]:
    """The war outcomes of one frame: the directed initiation or the non-directed onset."""
    return WAR_DIRECTED_OUTCOMES if directed else WAR_OUTCOMES


def create_war_table(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Create ``war_directed_dyad_years`` from the view ``ps_cow_war_inter``; return the counts
    the audit reports (input rows, resumed spells, unknown battle deaths, several wars a year)."""
    con.execute(
        f"CREATE OR REPLACE TABLE {WAR_TABLE} AS {read_sql('events/war_directed_dyad_years')} "
        "ORDER BY ccode1, ccode2, year"
    )
    (rows, wars, resumed, unknown, same_state) = con.execute(
        f"""SELECT count(*), count(DISTINCT warnum), count(*) FILTER (WHERE resume = 1),
                   count(*) FILTER (WHERE batdeath1 IS NULL OR batdeath2 IS NULL),
                   count(*) FILTER (WHERE ccode1 = ccode2)
            FROM {WAR_INPUT}"""
    ).fetchone()
    (several, onsets, resumed_only, initiated) = con.execute(
        f"""SELECT count(*) FILTER (WHERE n_wars > 1), count(*) FILTER (WHERE war_onset = 1),
                   count(*) FILTER (WHERE war_onset_resumed_only = 1), count(*) FILTER (WHERE war_initiated = 1)
            FROM {WAR_TABLE}"""
    ).fetchone()
    return {
        "war_rows": int(rows), "wars": int(wars), "resumed_spell_rows": int(resumed),
        "rows_with_unknown_battle_deaths": int(unknown), "rows_same_state": int(same_state),
        "directed_dyad_years_with_several_wars": int(several), "onset_directed_dyad_years": int(onsets),
        "onset_directed_dyad_years_resumed_only": int(resumed_only),
        "initiated_directed_dyad_years": int(initiated),
    }


def war_audit_record(con: duckdb.DuckDBPyConnection, counts: dict[str, Any]) -> dict[str, Any]:
    """The events-audit record of ``war_directed_dyad_years`` (after :func:`create_war_table`)."""
    record = table_record(
        WAR_TABLE,
        profile_relation(con, f"SELECT * EXCLUDE (warnums, onset_warnums) FROM {WAR_TABLE}",
                         ["ccode1", "ccode2", "year"]),
        rows_in=counts["war_rows"],
        dropped={"rows_same_state": counts["rows_same_state"]},
        inputs=[WAR_INPUT],
        notes=[
            "rows_in = cow_war_inter rows (directed dyad, war, year, participation spell); one row out "
            "per directed dyad-year at war, flags over all its wars",
            f"{counts['directed_dyad_years_with_several_wars']} directed dyad-years fight several wars; "
            "warnum/batdeath1/batdeath2 come from the one add_cow_wars keeps",
            f"{counts['onset_directed_dyad_years_resumed_only']} onset directed dyad-years are onsets only "
            "because a participation spell resumed (resume = 1), as peacesciencer codes them",
            "coverage 1816-2007 (COW Inter-State War v4.0): outside it the outcomes are NULL",
        ],
    )
    record["war_counts"] = counts
    return record


def create_war_event_tables(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Frame event tables ``ev_war_directed`` (ccode1 -> ccode2) and ``ev_war`` (ccode1 < ccode2)
    from the view ``war_directed_dyad_years``; flags are maxima over the rows of a key."""
    create_flag_tables(con, WAR_TABLE, WAR_COLUMNS, "ev_war", WAR_DIRECTED_OUTCOMES, WAR_OUTCOMES)
    rows, onsets = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE war_onset = 1) FROM {WAR_TABLE}"
    ).fetchone()
    return {"war_directed_dyad_year_rows": int(rows), "war_directed_onset_dyad_years": int(onsets)}


def war_join(directed: bool) -> str:
    """The frame's LEFT JOIN of its war event table (alias ``wa``)."""
    table = "ev_war_directed" if directed else "ev_war"
    return f"\nLEFT JOIN {table} wa ON wa.ccode1 = u.ccode1 AND wa.ccode2 = u.ccode2 AND wa.year = u.year"
