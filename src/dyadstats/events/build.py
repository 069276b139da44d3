"""Events stage: MID dispute-dyad-years whittled to dyad-years, and TIES sanction dyad-years.

MID (``build.events.source``):

- ``mid5`` (default): every side-A participant of a MID 5.0 dispute (MIDB) paired with every
  side-B participant whose participation shares at least one day ("naive" EUGene/peacesciencer
  pairing), one row per calendar year of the overlap, with the dispute fields from MIDA
  (``sql/events/mid5_dispute_dyad_years.sql``).
- ``dyadic_mid402``: the published Dyadic MID 4.02 dispute-dyad-years in the same shape
  (``sql/events/dyadic_mid402_dispute_dyad_years.sql``).
- the name of a ``roles.events`` source (docs/own-data.md): its canonical role table
  (``results/roles/events/<name>.parquet``), through the MID 5.0 pairing if participant-level
  (``dyadstats.roles.attach.create_role_dispute_dyad_years``); the whittling is the same.

A dyad-year can hold several disputes; ``whittle`` keeps one by ordered rules (peacesciencer's
defaults) and counts how many rows each rule removed. The kept dispute supplies the dispute
fields (dispnum, hostlev, orig1, ...). A flag that asks "does *any* dispute of this dyad-year
satisfy X" is never read from them: it is computed over all dispute-dyad-years before the
whittle, here, and the frame reads it. Outputs:

- ``mid_dyad_years``: one row per non-directed dyad-year (ccode1 < ccode2) with a MID, plus
  summaries of all its disputes: ``n_disputes``, ``n_onsets``, ``min/max_onset_hostlev`` and
  the hostility-level lists ``onset_hostlevs`` (new disputes), ``active_hostlevs`` (every
  dispute), ``onset_hostlevs_originators`` / ``active_hostlevs_originators`` (those in which
  both states are originators), see ``HOSTLEV_LISTS``.
- ``mid_directed_dyad_years`` (when asked for in ``outputs``): both directions of each row
  (ccode1 = A, ccode2 = B) plus ``mid_initiated`` / ``coercion_initiated`` and their active twins ``mid_initiator_active`` /
  ``coercion_initiator_active`` computed over *all* disputes of the directed dyad-year before
  whittling (``sql/events/mid_directed_flags.sql``).
- ``ties_directed_dyad_years`` (when asked for in ``outputs``): sender -> target sanction
  threat / imposition onsets (TIES 4.1, ``sql/events/ties_events.sql`` then
  ``sql/events/ties_directed_dyad_years.sql``). Codes are read by year
  under ``TIES_CODE_RECODES`` (TIES's 255 for West Germany -> COW 260 during the Cold War, 260
  -> 255 after unification); a pair is kept only in onset years in which both are COW members
  on a common day. The audit counts recoded cases and dropped cases by reason.
- ``icb_directed_dyad_years`` (when asked for in ``outputs``): triggering state -> crisis actor
  ICB crisis triggers (``dyadstats.events.icb``).
- ``war_directed_dyad_years`` (when asked for in ``outputs``): COW Inter-State War v4.0 onsets,
  ongoing years and initiators per directed dyad-year (``dyadstats.events.war``).

The run plan asks for the tables its frames read (:mod:`dyadstats.frame.needs`); the others
are not built, and the ``mid_dyad_years`` audit record names them.

Hostility codes: 1 no militarized action, 2 threat, 3 display, 4 use of force, 5 war. MID 5
action codes (hiact) 1-6 are threats, 7-12 displays, 13-19 uses of force, 20-21 war.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from dyadstats.audit import profile_relation, table_record, write_stage_audit
from dyadstats.events.icb import ICB_TABLE, create_icb_table, icb_audit_record
from dyadstats.events.mid import DIRECTED_FLAGS, HOSTLEV_LISTS, create_mid_tables
from dyadstats.events.pairing import DYAD_YEAR
from dyadstats.events.ties import TIES_CODE_RECODES, create_ties_table
from dyadstats.events.war import WAR_TABLE, create_war_table, war_audit_record
from dyadstats.events.whittle import WHITTLE_RULES, resolve_whittle_order
from dyadstats.io.db import connect, quote_path
from dyadstats.io.files import write_parquet
from dyadstats.paths import MID_DIRECTED_TABLE, MID_TABLE, TIES_TABLE, WHITTLE_LOG_TABLE
from dyadstats.roles.parse import EventRole

log = logging.getLogger(__name__)


def _register_inputs(con: duckdb.DuckDBPyConnection, inputs: dict[str, str | Path]) -> None:
    for name, path in inputs.items():
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({quote_path(path)})")


#: The tables a run may leave out when its frames read none of them (``outputs`` decides).
OPTIONAL_TABLES = (MID_DIRECTED_TABLE, TIES_TABLE, ICB_TABLE, WAR_TABLE)


def build_events(
    inputs: dict[str, str | Path],
    outputs: dict[str, str | Path],
    audit_path: str | Path,
    source: str = "mid5",
    whittle_order: Sequence[str] | None = None,
    event_role: EventRole | None = None,
) -> dict[str, Any]:
    """Build and write the event tables ``outputs`` names and ``results/audit/events.json``.

    ``inputs`` maps view names (mid5_participants, mid5_disputes, dyadic_mid402, ties,
    cow_states, icb_actors, ps_cow_war_inter) to Parquet paths; ``outputs`` maps
    mid_dyad_years and, each only if asked for, mid_directed_dyad_years,
    ties_directed_dyad_years (needs ties, cow_states), icb_directed_dyad_years (icb_actors,
    cow_states), war_directed_dyad_years (ps_cow_war_inter) and mid_whittle_log to Parquet
    paths (:meth:`dyadstats.plan.RunPlan.events_outputs` asks for what the frames read). A table
    not asked for is not built; the mid_dyad_years record's notes name it. With ``event_role``
    (the ``roles.events`` source named by ``source``) ``inputs["role_events"]`` is its
    canonical role table.
    """
    order = resolve_whittle_order(whittle_order)
    directed = MID_DIRECTED_TABLE in outputs
    con = connect()
    try:
        _register_inputs(con, inputs)
        log.info("MID dispute-dyad-years from %s; whittle order %s", source, order)
        removed = create_mid_tables(con, source, order, event_role, inputs.get("role_events"), directed=directed)
        (rows_in,) = con.execute("SELECT count(*) FROM dispute_dyad_years").fetchall()[0]
        skipped = [t for t in OPTIONAL_TABLES if t not in outputs]
        records = [_mid_record(con, source, order, removed, int(rows_in), event_role, skipped)]
        tables = [MID_TABLE]
        if directed:
            records.append(_mid_directed_record(con))
            tables.append(MID_DIRECTED_TABLE)
        if TIES_TABLE in outputs:  # needs inputs ties and cow_states
            records.append(_ties_record(con))
            tables.append(TIES_TABLE)
        if WHITTLE_LOG_TABLE in outputs:  # every dispute-dyad-year with the rule that removed it
            tables.append(WHITTLE_LOG_TABLE)
        if ICB_TABLE in outputs:  # needs inputs icb_actors and cow_states
            records.append(icb_audit_record(con, create_icb_table(con)))
            tables.append(ICB_TABLE)
        if WAR_TABLE in outputs:  # needs input ps_cow_war_inter
            records.append(war_audit_record(con, create_war_table(con)))
            tables.append(WAR_TABLE)
        for table in tables:  # a fresh cursor: see dyadstats.universe.build_universe
            write_parquet(f"SELECT * FROM {table}", outputs[table], con=con.cursor())
        write_stage_audit("events", records, audit_path)
        by_table = {r["table"]: r for r in records}
        log.info("events: %d MID dyad-years (%d dispute-dyad-years in); built %s%s",
                 records[0]["rows_out"], rows_in, ", ".join(tables),
                 f"; not built (no frame reads them): {', '.join(skipped)}" if skipped else "")
        return by_table
    finally:
        con.close()


def _mid_record(con: duckdb.DuckDBPyConnection, source: str, order: Sequence[str], removed: dict[str, int],
                rows_in: int, event_role: EventRole | None, skipped: Sequence[str]) -> dict[str, Any]:
    """The audit record of ``mid_dyad_years``; its notes name the tables the run left out."""
    source_inputs = (
        ["role_events"] if event_role is not None
        else ["mid5_participants", "mid5_disputes"] if source == "mid5" else ["dyadic_mid402"]
    )
    notes = [
        f"source {source}; rows_in = unwhittled non-directed dispute-dyad-years",
        "whittle order: " + " > ".join(f"{n} ({WHITTLE_RULES[n].description})" for n in order),
        "n_disputes, n_onsets, min/max_onset_hostlev and the hostility-level lists "
        f"({', '.join(HOSTLEV_LISTS)}) summarise all disputes of the dyad-year before whittling",
    ]
    if skipped:
        notes.append(f"not built, no frame of this run reads them (build.frame): {', '.join(skipped)}")
    return table_record(
        "mid_dyad_years",
        profile_relation(con, "SELECT * FROM mid_dyad_years", list(DYAD_YEAR)),
        rows_in=rows_in,
        dropped={f"whittle_{k}": v for k, v in removed.items()},
        inputs=source_inputs,
        notes=notes,
    )


def _mid_directed_record(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    return table_record(
        "mid_directed_dyad_years",
        profile_relation(con, "SELECT * FROM mid_directed_dyad_years", list(DYAD_YEAR)),
        inputs=["mid_dyad_years", "dispute_dyad_years"],
        notes=[
            f"both directions of mid_dyad_years; {', '.join(DIRECTED_FLAGS)} "
            "over all disputes of the directed dyad-year before whittling",
        ],
    )


def _ties_record(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Build ``ties_directed_dyad_years``; return its audit record."""
    skipped, recoded = create_ties_table(con)
    (ties_cases,) = con.execute("SELECT count(*) FROM ties").fetchall()[0]
    record = table_record(
        "ties_directed_dyad_years",
        profile_relation(con, "SELECT * EXCLUDE (caseids) FROM ties_directed_dyad_years", list(DYAD_YEAR)),
        rows_in=int(ties_cases),
        dropped=skipped,
        inputs=["ties", "cow_states"],
        notes=[
            "rows_in = TIES cases; rows only where a threat or imposition starts; "
            "coverage 1945-2005 (zero outside it is unknown, not peace)",
            "dropped: cases by reason (overlapping); a sender-target pair is kept in an "
            "onset year only if both are COW members on a common day of it",
            *(f"recoded {f} -> {t} in years {f} is no COW member but {t} is: {why}"
              for f, t, why in TIES_CODE_RECODES),
        ],
    )
    record["recoded"] = recoded
    return record
