"""ICB crisis triggers (International Crisis Behavior v14, actor level) as dyad-year events.

Source: ``icb_actors`` (icb2v14.csv, one row per crisis actor and crisis; Brecher, Wilkenfeld,
Beardsley, James & Quinn 2021, *ICB Data Codebook, Version 14*). The fields used:

- ``cracid``: the crisis actor, a state, by its country code (the COW numbering);
- ``trigent``: the triggering entity, the one whose act triggered the crisis *for that actor*.
  A state is coded by its country code. Three codes are not states: **996**, a non-state actor
  (an insurgency, a terrorist group, an exile force, an international organisation: e.g. the
  Bay of Pigs exiles for Cuba 1961, al-Qaeda for the USA 1998 and 2001, the IAEA for Iran
  2003); **997**, several states acting together (e.g. the Western powers for the USSR in the
  1948 Berlin Blockade, NATO for Yugoslavia 1999, Egypt and Syria forming the UAR for Iraq and
  Jordan 1958); **995**, not a state code either: by the five actor rows it marks (Zimbabwe-
  Rhodesia 1979, Saudi Arabia 1987, Azerbaijan 1991, India 1998, Indonesia 1999) triggers that
  mix states with non-state actors. The
  codebook gives no member list for 997 and no state for 995/996, so none of them names a
  triggering *state*: they give no dyad, and each is counted in the events audit;
- ``yrtrig``: the year the crisis was triggered for that actor (actors of one crisis can have
  different trigger years); ``yrterm``: the year it ended for that actor;
- ``triggr``: the trigger type, 1 verbal act ... 6 an *internal* verbal or physical challenge to
  the regime or elite ... 9 violence; ``trigloc``: 2 when the trigger happened inside the crisis
  actor's territory. The v14 actor file has no other trigger-entity field (no group list for
  multi-state or non-state triggers).

Coding (``sql/events/icb_trigger_rows.sql``, ``sql/events/icb_directed_dyad_years.sql``): every actor row gets
one category, first match wins: ``missing_trigger_or_year``, ``non_state_actor`` (996),
``multiple_states`` (997), ``code_995``, ``self_triggered`` (trigent = cracid: an internal
crisis with the actor coded as its own trigger; none in v14), ``trigger_not_cow_code`` /
``actor_not_cow_code`` (a code outside the COW list, e.g. ICB's 671 Hejaz and 672 Najd, 1924),
``after_cow_system_data`` (a trigger year after the last year of the COW membership spells:
2017 in states2016), ``trigger_not_member_in_year`` / ``actor_not_member_in_year`` (a COW code
of a state not in the system that year, e.g. Indonesia 1945-48, Croatia and Slovenia 1991) and
``state_trigger``, the rows that become ``icb_directed_dyad_years``. ICB keeps 260 for unified
Germany and 678 for unified Yemen; COW ends 260 (West Germany) and 678 (North Yemen) in 1990 and
codes the unified states 255 and 679, so 260 and 678 after 1990 are read as 255 and 679 (counted).
Internal-challenge triggers (triggr 6) and internal-location triggers (trigloc 2) are counted per
category; those coded with a foreign state as trigent stay in.

Outcomes (NULL outside the declared ICB coverage, 0 inside it when no trigger):
``icb_crisis_trigger`` (directed frame: ccode1 triggered a crisis for ccode2 that year) and
``icb_crisis_onset`` (non-directed: either direction). A crisis is *active* for the pair from
its trigger year to the actor's termination year; the ``ongoing`` peace-years rule counts those
years as event years, the ``onset`` rule only the trigger years.
"""

from __future__ import annotations

import logging
from typing import Any

import duckdb

from dyadstats.audit import profile_relation, table_record
from dyadstats.events.flag_tables import create_flag_tables
from dyadstats.paths import ICB_TABLE
from dyadstats.sql import read_sql

log = logging.getLogger(__name__)

ICB_INPUT = "icb_actors"
NON_STATE_CODE, MULTI_STATE_CODE, OTHER_CODE = 996, 997, 995
# Audit categories, in the order the SQL tests them; all but 'state_trigger' give no dyad.
CATEGORIES = (
    "missing_trigger_or_year", "non_state_actor", "multiple_states", "code_995", "self_triggered",
    "trigger_not_cow_code", "actor_not_cow_code", "after_cow_system_data",
    "trigger_not_member_in_year", "actor_not_member_in_year", "state_trigger",
)
# frame outcome -> (event-table flag of the onset, flag of an active crisis)
ICB_DIRECTED_OUTCOMES: dict[str, tuple[str, str]] = {"icb_crisis_trigger": ("icb_crisis_trigger", "icb_crisis_active")}
ICB_OUTCOMES: dict[str, tuple[str, str]] = {"icb_crisis_onset": ("icb_crisis_trigger", "icb_crisis_active")}
ICB_COLUMNS = ("ccode1", "ccode2", "year", "icb_crisis_trigger", "icb_crisis_active")


def icb_outcomes(directed: bool) -> dict[str, tuple[str, str]]:
    """The ICB outcomes of one frame: the directed trigger or its non-directed twin."""
    return ICB_DIRECTED_OUTCOMES if directed else ICB_OUTCOMES


def create_icb_table(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Create ``icb_trigger_rows`` and ``icb_directed_dyad_years``; return the audit counts.

    Needs views ``icb_actors`` and ``cow_states``. The counts: actor rows per category (every
    row in exactly one), and, per category, rows with an internal-challenge trigger (triggr 6),
    an internal-location trigger (trigloc 2), a missing termination year and a recode to COW.
    """
    con.execute("CREATE OR REPLACE TABLE cow_codes AS SELECT DISTINCT ccode FROM cow_states")
    con.execute(
        f"CREATE OR REPLACE TABLE icb_trigger_rows AS {read_sql('events/icb_trigger_rows')} ORDER BY crisno, cracno",
        {"non_state": NON_STATE_CODE, "multi_state": MULTI_STATE_CODE, "other_code": OTHER_CODE},
    )
    con.execute(
        f"CREATE OR REPLACE TABLE {ICB_TABLE} AS {read_sql('events/icb_directed_dyad_years')} "
        "ORDER BY ccode1, ccode2, year"
    )
    rows = con.execute(
        """
        SELECT category, count(*), sum(internal_challenge::INTEGER), sum(internal_location::INTEGER),
               sum(termination_missing::INTEGER), sum(recoded_to_cow::INTEGER)
        FROM icb_trigger_rows GROUP BY category
        """
    ).fetchall()
    found = {r[0]: [int(v or 0) for v in r[1:]] for r in rows}
    unknown = sorted(set(found) - set(CATEGORIES))
    if unknown:
        raise AssertionError(f"icb_trigger_rows: categories {unknown} are not documented")
    zero = [0, 0, 0, 0, 0]
    per = {c: found.get(c, zero) for c in CATEGORIES}
    return {
        "actor_rows_by_category": {c: v[0] for c, v in per.items()},
        "internal_challenge_triggers_by_category": {c: v[1] for c, v in per.items() if v[1]},
        "internal_location_triggers_by_category": {c: v[2] for c, v in per.items() if v[2]},
        "termination_year_missing_by_category": {c: v[3] for c, v in per.items() if v[3]},
        "recoded_to_cow_by_category": {c: v[4] for c, v in per.items() if v[4]},
    }


def icb_audit_record(con: duckdb.DuckDBPyConnection, counts: dict[str, Any]) -> dict[str, Any]:
    """The events-audit record of ``icb_directed_dyad_years`` (after :func:`create_icb_table`)."""
    by_category = counts["actor_rows_by_category"]
    kept = by_category["state_trigger"]
    (trigger_rows,) = con.execute(f"SELECT count(*) FROM {ICB_TABLE} WHERE icb_crisis_trigger = 1").fetchone()
    (collapsed,) = con.execute(
        f"SELECT coalesce(sum(n_trigger_actor_rows - 1), 0) FROM {ICB_TABLE} WHERE icb_crisis_trigger = 1"
    ).fetchone()
    dropped = {f"actor_rows_{c}": n for c, n in by_category.items() if c != "state_trigger"}
    dropped["state_trigger_rows_sharing_a_dyad_year"] = int(collapsed)
    record = table_record(
        ICB_TABLE,
        profile_relation(con, f"SELECT * EXCLUDE (trigger_crisnos, active_crisnos) FROM {ICB_TABLE}",
                         ["ccode1", "ccode2", "year"]),
        rows_in=int(sum(by_category.values())),
        dropped=dropped,
        inputs=[ICB_INPUT, "cow_states"],
        notes=[
            "rows_in = ICB actor-level rows; one category per row (dyadstats.events.icb); only "
            "state_trigger rows give directed dyad-years (triggering state -> crisis actor)",
            f"{kept} state-trigger actor rows -> {int(trigger_rows)} trigger dyad-years "
            "(icb_crisis_trigger = 1); the other rows are active years up to the actor's termination year",
            "trigent 996 = non-state actor, 997 = several states, 995 = mixed state/non-state trigger: "
            "no triggering state, no dyad",
        ],
    )
    record["trigger_categories"] = counts
    return record


def create_icb_event_tables(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Frame event tables ``ev_icb_directed`` (ccode1 -> ccode2) and ``ev_icb`` (ccode1 < ccode2)
    from the view ``icb_directed_dyad_years``; flags are maxima over the rows of a key."""
    create_flag_tables(con, ICB_TABLE, ICB_COLUMNS, "ev_icb", ICB_DIRECTED_OUTCOMES, ICB_OUTCOMES)
    rows, triggers = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE icb_crisis_trigger = 1) FROM {ICB_TABLE}"
    ).fetchone()
    return {"icb_directed_dyad_year_rows": int(rows), "icb_directed_trigger_dyad_years": int(triggers)}


def icb_join(directed: bool) -> str:
    """The frame's LEFT JOIN of its ICB event table (alias ``i``)."""
    if directed:
        return "\nLEFT JOIN ev_icb_directed i ON i.ccode1 = u.ccode1 AND i.ccode2 = u.ccode2 AND i.year = u.year"
    return "\nLEFT JOIN ev_icb i ON i.ccode1 = u.ccode1 AND i.ccode2 = u.ccode2 AND i.year = u.year"
