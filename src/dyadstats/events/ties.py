"""TIES 4.1 sanction onsets as sender -> target directed dyad-years, with German codes read
by year and the cases dropped or recoded counted by reason."""

from __future__ import annotations

import duckdb

from dyadstats.sql import read_sql

# TIES codes read as another COW code in the onset years in which the reported code is not a
# COW member but the other is (``sql/events/ties_events.sql``): (from_code, to_code, reason).
TIES_CODE_RECODES: tuple[tuple[int, int, str], ...] = (
    (255, 260, "TIES codes West Germany 255 in Cold War cases; COW: German Federal Republic 260, "
               "1955-05-05 to 1990-10-02 (255 is Germany to 1945-05-08 and from 1990-10-03)"),
    (260, 255, "TIES keeps West Germany's 260 for onsets after unification; COW: Germany 255 "
               "from 1990-10-03 (260 ends 1990-10-02)"),
)

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
    con.execute(f"CREATE OR REPLACE TABLE ties_events AS {read_sql('events/ties_events')}")
    con.execute(
        f"CREATE OR REPLACE TABLE ties_directed_dyad_years AS {read_sql('events/ties_directed_dyad_years')} "
        "ORDER BY ccode1, ccode2, year"
    )
    cursor = con.execute(read_sql("events/ties_counts"))
    names = [d[0] for d in cursor.description]
    dropped = {k: int(v) for k, v in zip(names, cursor.fetchone(), strict=True)}
    recoded: dict[str, int] = {}
    for from_code, to_code, cases, rows in con.execute(read_sql("events/ties_recoded")).fetchall():
        recoded[f"cases_{from_code}_to_{to_code}"] = int(cases)
        recoded[f"sender_target_years_{from_code}_to_{to_code}"] = int(rows)
    return dropped, recoded

