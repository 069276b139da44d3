"""Events stage: MID dispute-dyad-years whittled to dyad-years, and TIES sanction dyad-years.

MID (``build.events.source``):

- ``mid5`` (default): every side-A participant of a MID 5.0 dispute (MIDB) paired with every
  side-B participant whose participation shares at least one day ("naive" EUGene/peacesciencer
  pairing), one row per calendar year of the overlap, with the dispute fields from MIDA
  (``sql/mid5_dispute_dyad_years.sql``).
- ``dyadic_mid402``: the published Dyadic MID 4.02 dispute-dyad-years in the same shape
  (``sql/dyadic_mid402_dispute_dyad_years.sql``).
- the name of a ``roles.events`` source (docs/own-data.md): its canonical role table
  (``results/roles/events/<name>.parquet``), through the MID 5.0 pairing if participant-level
  (``dyadstats.roles.create_role_dispute_dyad_years``); the whittling is the same.

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
- ``mid_directed_dyad_years``: both directions of each row (ccode1 = A, ccode2 = B) plus
  ``mid_initiated`` / ``coercion_initiated`` and their active twins ``mid_initiator_active`` /
  ``coercion_initiator_active`` computed over *all* disputes of the directed dyad-year before
  whittling (see ``DIRECTED_FLAGS_SQL``).
- ``ties_directed_dyad_years``: sender -> target sanction threat / imposition onsets (TIES 4.1,
  ``sql/ties_events.sql`` then ``sql/ties_directed_dyad_years.sql``). Codes are read by year
  under ``TIES_CODE_RECODES`` (TIES's 255 for West Germany -> COW 260 during the Cold War, 260
  -> 255 after unification); a pair is kept only in onset years in which both are COW members
  on a common day. The audit counts recoded cases and dropped cases by reason.
- ``icb_directed_dyad_years`` (when asked for in ``outputs``): triggering state -> crisis actor
  ICB crisis triggers (``dyadstats.events.icb``).

Hostility codes: 1 no militarized action, 2 threat, 3 display, 4 use of force, 5 war. MID 5
action codes (hiact) 1-6 are threats, 7-12 displays, 13-19 uses of force, 20-21 war.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from dyadstats.audit import profile_relation, table_record, write_stage_audit
from dyadstats.errors import ConfigError, SchemaError
from dyadstats.events.icb import ICB_TABLE, create_icb_table, icb_audit_record
from dyadstats.io.db import connect, quote_path
from dyadstats.roles import EventRole, create_role_dispute_dyad_years
from dyadstats.sql import read_sql
from dyadstats.universe import write_table

log = logging.getLogger(__name__)

MID_SOURCES = ("mid5", "dyadic_mid402")
DYAD_YEAR = ("ccode1", "ccode2", "year")


@dataclass(frozen=True)
class WhittleRule:
    """Keep, within a dyad-year, the rows whose ``expression`` is the best (max or min)."""

    name: str
    expression: str
    best: str  # "max" or "min"
    description: str


WHITTLE_RULES: dict[str, WhittleRule] = {
    r.name: r
    for r in (
        WhittleRule("onset", "mid_onset", "max", "new disputes over ongoing ones"),
        # A missing fatality level (MID -9, NULL after ingest) ranks between none (0) and 1-25
        # deaths (1), as peacesciencer reads it: 0.5.
        WhittleRule("fatality", "coalesce(fatality::DOUBLE, 0.5)", "max", "highest fatality level, missing read as 0.5"),
        WhittleRule("hostility", "disp_hostlev", "max", "highest dispute hostility level"),
        WhittleRule("mindur", "mindur", "max", "longest minimum duration"),
        WhittleRule("maxdur", "maxdur", "max", "longest maximum duration"),
        WhittleRule("recip", "recip", "max", "reciprocated disputes over unreciprocated"),
        WhittleRule("stmon", "stmon", "min", "earliest start month"),
        WhittleRule("dispnum", "dispnum", "min", "lowest dispute number (last resort)"),
    )
}
DEFAULT_WHITTLE_ORDER = tuple(WHITTLE_RULES)

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


# Directed initiation flags over all disputes of a directed dyad-year (A = ccode1, B = ccode2):
# mid_initiated: a new dispute (dyadic hostility 2-5) in which A is a side-A originator and B
# is on side B; coercion_initiated: the same, with A's own highest hostility a threat or
# display (2-3, i.e. MID 5 actions 1-12). The *_initiator_active twins drop the "new" condition:
# any active dispute of the directed dyad-year so initiated (the ``ongoing`` peace-years rule).
DIRECTED_FLAGS_SQL = """
SELECT
    ccode1, ccode2, year,
    max((mid_onset = 1 AND sidea1 = 1 AND orig1 = 1 AND sidea2 = 0
         AND hostlev BETWEEN 2 AND 5)::INTEGER) AS mid_initiated,
    max((mid_onset = 1 AND sidea1 = 1 AND orig1 = 1 AND sidea2 = 0
         AND hostlev1 IN (2, 3))::INTEGER) AS coercion_initiated,
    max((sidea1 = 1 AND orig1 = 1 AND sidea2 = 0
         AND hostlev BETWEEN 2 AND 5)::INTEGER) AS mid_initiator_active,
    max((sidea1 = 1 AND orig1 = 1 AND sidea2 = 0
         AND hostlev1 IN (2, 3))::INTEGER) AS coercion_initiator_active
FROM ({directed_disputes})
GROUP BY ccode1, ccode2, year
"""
DIRECTED_FLAGS = ("mid_initiated", "coercion_initiated", "mid_initiator_active", "coercion_initiator_active")

MID_COLUMNS = (
    "dispnum, ccode1, ccode2, year, mid_onset, mid_ongoing, hostlev, hostlev1, hostlev2, "
    "hiact1, hiact2, orig1, orig2, sidea1, sidea2, fatality1, fatality2, fatalpre1, fatalpre2, "
    "disp_hostlev, fatality, recip, mindur, maxdur, stmon, styear, source, "
    "n_disputes, n_onsets, min_onset_hostlev, max_onset_hostlev, " + ", ".join(HOSTLEV_LISTS)
)


def resolve_whittle_order(order: Sequence[str] | None) -> list[str]:
    """Validate a configured whittle order; append ``dispnum`` so the result is always unique."""
    names = list(order or DEFAULT_WHITTLE_ORDER)
    unknown = [n for n in names if n not in WHITTLE_RULES]
    if unknown:
        raise ConfigError(
            f"build.events.whittle_order: unknown rule(s) {unknown}; known: {list(WHITTLE_RULES)}"
        )
    if len(set(names)) != len(names):
        raise ConfigError(f"build.events.whittle_order lists a rule twice: {names}")
    if "dispnum" not in names:
        names.append("dispnum")
    return names


def create_dispute_dyad_years(
    con: duckdb.DuckDBPyConnection,
    source: str,
    role: EventRole | None = None,
    role_path: str | Path | None = None,
) -> None:
    """Create table ``dispute_dyad_years`` (unwhittled, non-directed) from ``source``.

    Needs views ``mid5_participants`` and ``mid5_disputes`` (mid5) or ``dyadic_mid402``; for a
    ``roles.events`` source (``role``, whose canonical table is at ``role_path``) nothing else.
    """
    if role is not None:
        if role.name != source or role_path is None:
            raise ConfigError(
                f"build.events.source: {source!r} needs the role table of roles.events.{source}"
            )
        create_role_dispute_dyad_years(con, role, str(role_path), read_sql("mid5_dispute_dyad_years"))
    elif source not in MID_SOURCES:
        raise ConfigError(
            f"build.events.source must be one of {list(MID_SOURCES)} or a roles.events name, not {source!r}"
        )
    else:
        sql = read_sql(f"{source}_dispute_dyad_years")
        con.execute(
            f"CREATE OR REPLACE TABLE dispute_dyad_years AS {sql} ORDER BY ccode1, ccode2, year, dispnum"
        )
    (dups,) = con.execute(
        "SELECT count(*) FROM (SELECT dispnum, ccode1, ccode2, year FROM dispute_dyad_years "
        "GROUP BY ALL HAVING count(*) > 1)"
    ).fetchall()[0]
    if dups and role is not None:  # the user's file lists a state twice in one dispute
        raise SchemaError(
            f"{role_path}: roles.events.{source}: {dups} dispute-dyad-years occur more than once after "
            "pairing (a state listed twice in one dispute?)"
        )
    if dups:
        raise AssertionError(f"{source}: {dups} duplicated dispute-dyad-years after pairing")


def whittle(
    con: duckdb.DuckDBPyConnection, source_table: str, target_table: str, order: Sequence[str]
) -> dict[str, int]:
    """Reduce ``source_table`` to one row per (ccode1, ccode2, year) into ``target_table``.

    Rules run in ``order``; each keeps, within every dyad-year, the rows whose rule value is the
    best (NULL loses to any value; all-NULL ties). Returns rows removed per rule, in order.
    """
    names = resolve_whittle_order(order)
    con.execute(f"CREATE OR REPLACE TABLE {target_table} AS SELECT * FROM {source_table}")
    removed: dict[str, int] = {}
    for name in names:
        rule = WHITTLE_RULES[name]
        (before,) = con.execute(f"SELECT count(*) FROM {target_table}").fetchall()[0]
        con.execute(
            f"""
            CREATE OR REPLACE TABLE {target_table} AS
            SELECT * EXCLUDE (_value, _best) FROM (
                SELECT *, {rule.expression} AS _value,
                       {rule.best}({rule.expression}) OVER (PARTITION BY ccode1, ccode2, year) AS _best
                FROM {target_table}
            )
            WHERE _value IS NOT DISTINCT FROM _best
            ORDER BY ccode1, ccode2, year, dispnum
            """
        )
        (after,) = con.execute(f"SELECT count(*) FROM {target_table}").fetchall()[0]
        removed[name] = int(before - after)
        log.info("whittle %-9s (%s): removed %d rows", name, rule.description, before - after)
    (dups,) = con.execute(
        f"SELECT count(*) FROM (SELECT ccode1, ccode2, year FROM {target_table} "
        "GROUP BY ALL HAVING count(*) > 1)"
    ).fetchall()[0]
    if dups:
        raise AssertionError(f"whittling left {dups} duplicated dyad-years")
    return removed


def create_mid_tables(
    con: duckdb.DuckDBPyConnection,
    source: str,
    order: Sequence[str] | None = None,
    role: EventRole | None = None,
    role_path: str | Path | None = None,
) -> dict[str, int]:
    """Create ``dispute_dyad_years``, ``mid_dyad_years`` and ``mid_directed_dyad_years``."""
    create_dispute_dyad_years(con, source, role, role_path)
    removed = whittle(con, "dispute_dyad_years", "mid_whittled", order or DEFAULT_WHITTLE_ORDER)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE mid_dyad_years AS
        SELECT {MID_COLUMNS}
        FROM mid_whittled JOIN ({DYAD_YEAR_SUMMARY_SQL}) USING (ccode1, ccode2, year)
        ORDER BY ccode1, ccode2, year
        """
    )
    flags = DIRECTED_FLAGS_SQL.format(directed_disputes=_both_directions("dispute_dyad_years"))
    con.execute(
        f"""
        CREATE OR REPLACE TABLE mid_directed_dyad_years AS
        SELECT {MID_COLUMNS}, {", ".join(DIRECTED_FLAGS)}
        FROM ({_both_directions("mid_dyad_years")}) JOIN ({flags}) USING (ccode1, ccode2, year)
        ORDER BY ccode1, ccode2, year
        """
    )
    return removed


# TIES codes read as another COW code in the onset years in which the reported code is not a
# COW member but the other is (``sql/ties_events.sql``): (from_code, to_code, reason).
TIES_CODE_RECODES: tuple[tuple[int, int, str], ...] = (
    (255, 260, "TIES codes West Germany 255 in Cold War cases; COW: German Federal Republic 260, "
               "1955-05-05 to 1990-10-02 (255 is Germany to 1945-05-08 and from 1990-10-03)"),
    (260, 255, "TIES keeps West Germany's 260 for onsets after unification; COW: Germany 255 "
               "from 1990-10-03 (260 ends 1990-10-02)"),
)

TIES_COUNTS_SQL = """
WITH s AS (
    SELECT caseid, threat, imposition, sancimpositionstartyear, targetstate,
           list_filter([sender1, sender2, sender3, sender4, sender5], lambda x: x IS NOT NULL)
               AS senders
    FROM ties
),
non_cow_sender AS (
    SELECT DISTINCT caseid FROM (SELECT caseid, unnest(senders) AS sender FROM s)
    WHERE sender NOT IN (SELECT ccode FROM cow_codes)
),
outside AS (  -- COW-coded pairs (after recoding) not in the system in the onset year
    SELECT DISTINCT caseid, sender_reported IN (SELECT from_code FROM ties_code_recodes)
                            OR target_reported IN (SELECT from_code FROM ties_code_recodes) AS recodable
    FROM ties_events
    WHERE NOT in_system AND sender <> targetstate
      AND sender IN (SELECT ccode FROM cow_codes) AND targetstate IN (SELECT ccode FROM cow_codes)
)
SELECT
    count(*) FILTER (WHERE len(senders) = 0) AS cases_without_state_sender,
    count(*) FILTER (WHERE caseid IN (SELECT caseid FROM non_cow_sender))
        AS cases_with_non_cow_sender_code,
    count(*) FILTER (WHERE targetstate NOT IN (SELECT ccode FROM cow_codes))
        AS cases_with_non_cow_target,
    count(*) FILTER (WHERE imposition = 1 AND threat = 1 AND
        try_cast(regexp_extract(CAST(sancimpositionstartyear AS VARCHAR), '^\\s*(\\d{4})', 1) AS BIGINT) IS NULL)
        AS impositions_after_threat_without_year,
    count(*) FILTER (WHERE list_contains(senders, targetstate)) AS cases_with_sender_equal_target,
    count(*) FILTER (WHERE caseid IN (SELECT caseid FROM outside))
        AS cases_with_pair_outside_system_in_onset_year,
    count(*) FILTER (WHERE caseid IN (SELECT caseid FROM outside WHERE recodable))
        AS cases_with_german_code_outside_system
FROM s
"""

# Cases and sender-target onset rows recoded, per (from_code, to_code).
TIES_RECODED_SQL = """
SELECT r.from_code, r.to_code,
       count(DISTINCT e.caseid) AS cases,
       count(e.caseid) AS sender_target_years
FROM ties_code_recodes AS r
LEFT JOIN ties_events AS e
  ON (e.sender_reported = r.from_code AND e.sender = r.to_code)
  OR (e.target_reported = r.from_code AND e.targetstate = r.to_code)
GROUP BY ALL ORDER BY ALL
"""


def create_ties_table(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, int], dict[str, int]]:
    """Create ``ties_directed_dyad_years``; return (counts of what was skipped and why, counts
    of what was recoded).

    Needs views ``ties`` and ``cow_states``. ``dropped`` counts cases by reason (a case can
    lose some sender-target rows and keep others, so the reasons overlap):
    ``cases_with_pair_outside_system_in_onset_year`` are cases with a COW-coded sender-target
    pair that was not in the state system in the onset year (after recoding; e.g. India 750
    in 1946), ``cases_with_german_code_outside_system`` those of them with a German code that
    the recode could not place (255 in 1950: neither German state is a COW member 1946-1954).
    ``recoded`` counts cases (``cases_<from>_to_<to>``) and sender-target onset rows
    (``sender_target_years_<from>_to_<to>``) read under ``TIES_CODE_RECODES``.
    """
    con.execute("CREATE OR REPLACE TABLE cow_codes AS SELECT DISTINCT ccode FROM cow_states")
    con.execute("CREATE OR REPLACE TABLE ties_code_recodes (from_code BIGINT, to_code BIGINT)")
    con.executemany("INSERT INTO ties_code_recodes VALUES (?, ?)", [(f, t) for f, t, _ in TIES_CODE_RECODES])
    con.execute(f"CREATE OR REPLACE TABLE ties_events AS {read_sql('ties_events')}")
    con.execute(
        f"CREATE OR REPLACE TABLE ties_directed_dyad_years AS {read_sql('ties_directed_dyad_years')} "
        "ORDER BY ccode1, ccode2, year"
    )
    counts = con.execute(TIES_COUNTS_SQL).df()
    dropped = {k: int(v) for k, v in counts.iloc[0].items()}
    recoded: dict[str, int] = {}
    for from_code, to_code, cases, rows in con.execute(TIES_RECODED_SQL).fetchall():
        recoded[f"cases_{from_code}_to_{to_code}"] = int(cases)
        recoded[f"sender_target_years_{from_code}_to_{to_code}"] = int(rows)
    return dropped, recoded


def _register_inputs(con: duckdb.DuckDBPyConnection, inputs: dict[str, str | Path]) -> None:
    for name, path in inputs.items():
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({quote_path(path)})")


def build_events(
    inputs: dict[str, str | Path],
    outputs: dict[str, str | Path],
    audit_path: str | Path,
    source: str = "mid5",
    whittle_order: Sequence[str] | None = None,
    event_role: EventRole | None = None,
) -> dict[str, Any]:
    """Build and write the MID and TIES event tables and ``results/audit/events.json``.

    ``inputs`` maps view names (mid5_participants, mid5_disputes, dyadic_mid402, ties,
    cow_states, icb_actors) to Parquet paths; ``outputs`` maps mid_dyad_years,
    mid_directed_dyad_years, ties_directed_dyad_years and (optionally) icb_directed_dyad_years
    to Parquet paths. With ``event_role`` (the ``roles.events`` source
    named by ``source``) ``inputs["role_events"]`` is its canonical role table.
    """
    order = resolve_whittle_order(whittle_order)
    con = connect()
    try:
        _register_inputs(con, inputs)
        log.info("MID dispute-dyad-years from %s; whittle order %s", source, order)
        removed = create_mid_tables(con, source, order, event_role, inputs.get("role_events"))
        (rows_in,) = con.execute("SELECT count(*) FROM dispute_dyad_years").fetchall()[0]
        skipped, recoded = create_ties_table(con)
        (ties_cases,) = con.execute("SELECT count(*) FROM ties").fetchall()[0]
        key = list(DYAD_YEAR)
        source_inputs = (
            ["role_events"] if event_role is not None
            else ["mid5_participants", "mid5_disputes"] if source == "mid5" else ["dyadic_mid402"]
        )
        records = [
            table_record(
                "mid_dyad_years",
                profile_relation(con, "SELECT * FROM mid_dyad_years", key),
                rows_in=int(rows_in),
                dropped={f"whittle_{k}": v for k, v in removed.items()},
                inputs=source_inputs,
                notes=[
                    f"source {source}; rows_in = unwhittled non-directed dispute-dyad-years",
                    "whittle order: " + " > ".join(f"{n} ({WHITTLE_RULES[n].description})" for n in order),
                    "n_disputes, n_onsets, min/max_onset_hostlev and the hostility-level lists "
                    f"({', '.join(HOSTLEV_LISTS)}) summarise all disputes of the dyad-year "
                    "before whittling",
                ],
            ),
            table_record(
                "mid_directed_dyad_years",
                profile_relation(con, "SELECT * FROM mid_directed_dyad_years", key),
                inputs=["mid_dyad_years", "dispute_dyad_years"],
                notes=[
                    f"both directions of mid_dyad_years; {', '.join(DIRECTED_FLAGS)} "
                    "over all disputes of the directed dyad-year before whittling",
                ],
            ),
            table_record(
                "ties_directed_dyad_years",
                profile_relation(con, "SELECT * EXCLUDE (caseids) FROM ties_directed_dyad_years", key),
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
            ),
        ]
        records[2]["recoded"] = recoded
        tables = ["mid_dyad_years", "mid_directed_dyad_years", "ties_directed_dyad_years"]
        if ICB_TABLE in outputs:  # needs inputs icb_actors and cow_states
            records.append(icb_audit_record(con, create_icb_table(con)))
            tables.append(ICB_TABLE)
        for table in tables:
            write_table(con, table, outputs[table])
        write_stage_audit("events", records, audit_path)
        log.info(
            "events: %d MID dyad-years (%d dispute-dyad-years in), %d TIES directed dyad-years",
            records[0]["rows_out"], rows_in, records[2]["rows_out"],
        )
        return {r["table"]: r for r in records}
    finally:
        con.close()
