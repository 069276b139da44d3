"""Universe stage: COW state-years, non-directed and directed dyad-years.

The universe comes from the COW State System Membership spells (``cow_states``), not from a
pre-built dyad-year file. A state is a member in a year if any of its spells touches that year.
Two states form a dyad in a year only if they were both members **on the same day** at least
once in that year (the "same-day rule"; peacesciencer calls the violators "false dyads", e.g.
Suriname entered 1975-11-25 after the Republic of Vietnam ended 1975-04-30). Exact spell dates
are used and a state may have several spells (exit and re-entry).

All set work is DuckDB SQL (``dyadstats/sql/universe/state_year_spans.sql``, ``dyad_years.sql``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import duckdb

from dyadstats.audit import profile_relation, table_record, write_stage_audit
from dyadstats.errors import ConfigError
from dyadstats.io.db import connect, quote_path
from dyadstats.io.files import write_parquet
from dyadstats.sql import read_sql

log = logging.getLogger(__name__)

DEFAULT_FIRST_YEAR = 1816
DEFAULT_LAST_YEAR = 2014

STATE_YEARS_SQL = """
SELECT ccode, year, min(stateabb) AS stateabb
FROM state_year_spans
GROUP BY ccode, year
"""

DIRECTED_SQL = """
SELECT ccode1, ccode2, year, stateabb1, stateabb2 FROM dyad_years
UNION ALL
SELECT ccode2 AS ccode1, ccode1 AS ccode2, year, stateabb2 AS stateabb1, stateabb1 AS stateabb2 FROM dyad_years
"""


def membership_coverage(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """First and last calendar year covered by the ``cow_states`` spells."""
    lo, hi = con.execute("SELECT min(styear), max(endyear) FROM cow_states").fetchone()
    if lo is None:
        raise ConfigError("cow_states holds no membership spells; cannot build the universe")
    return int(lo), int(hi)


def check_year_range(first_year: int, last_year: int, coverage: tuple[int, int]) -> None:
    """Refuse a configured range that is empty or reaches outside the state-system data.

    Outside the data a year would silently get no states at all, which is a wrong universe,
    not an empty one.
    """
    lo, hi = coverage
    if first_year > last_year:
        raise ConfigError(f"build.first_year ({first_year}) is after build.last_year ({last_year})")
    if first_year < lo or last_year > hi:
        raise ConfigError(
            f"build.first_year..build.last_year = {first_year}..{last_year} reaches outside the "
            f"COW state-system spells ({lo}..{hi}); choose years within {lo}..{hi}"
        )


def create_universe_tables(
    con: duckdb.DuckDBPyConnection, first_year: int, last_year: int, directed: bool = True
) -> None:
    """Create tables ``state_year_spans``, ``state_years``, ``dyad_years``, ``directed_dyad_years``.

    The dyad tables carry ``stateabb1`` / ``stateabb2`` beside the codes.

    Needs a relation named ``cow_states`` on ``con`` with the ingested spell columns
    (ccode, stateabb, styear, stmonth, stday, endyear, endmonth, endday).
    """
    check_year_range(first_year, last_year, membership_coverage(con))
    params = {"first_year": first_year, "last_year": last_year}
    con.execute(
        f"CREATE OR REPLACE TABLE state_year_spans AS {read_sql('universe/state_year_spans')}", params
    )
    con.execute(
        f"CREATE OR REPLACE TABLE state_years AS {STATE_YEARS_SQL} ORDER BY ccode, year"
    )
    con.execute(
        # with COW's abbreviations (UKG, FRN) beside the codes, so a reader of any frame sees
        # who the pair is without a lookup
        f"CREATE OR REPLACE TABLE dyad_years AS {read_sql('universe/dyad_years')} "
        "ORDER BY ccode1, ccode2, year"
    )
    if directed:
        con.execute(
            f"CREATE OR REPLACE TABLE directed_dyad_years AS {DIRECTED_SQL} "
            "ORDER BY ccode1, ccode2, year"
        )


def same_day_exclusions(con: duckdb.DuckDBPyConnection) -> int:
    """How many non-directed pairs were members in the same year but never on the same day.

    Every dyad-year pairs two members of that year and appears once, so the excluded pairs
    are the year's member pairs, n (n - 1) / 2, less its dyad-years: counted, not listed.
    """
    (n,) = con.execute(
        """
        SELECT (SELECT coalesce(sum(n * (n - 1) // 2), 0)
                FROM (SELECT count(*) AS n FROM state_years GROUP BY year))
             - (SELECT count(*) FROM dyad_years)
        """
    ).fetchone()
    return int(n)


def build_universe(
    states_path: str | Path,
    state_years_path: str | Path,
    dyad_years_path: str | Path,
    directed_dyad_years_path: str | Path | None,
    audit_path: str | Path,
    first_year: int = DEFAULT_FIRST_YEAR,
    last_year: int = DEFAULT_LAST_YEAR,
) -> dict[str, Any]:
    """Build and write the universe tables and ``results/audit/universe.json``.

    ``directed_dyad_years_path`` None: no directed table (a run without a directed frame).
    """
    directed = directed_dyad_years_path is not None
    con = connect()
    try:
        con.execute(f"CREATE VIEW cow_states AS SELECT * FROM read_parquet({quote_path(states_path)})")
        log.info("building the COW universe %d-%d from %s", first_year, last_year, states_path)
        create_universe_tables(con, first_year, last_year, directed)
        excluded = same_day_exclusions(con)
        (spells,) = con.execute("SELECT count(*) FROM cow_states").fetchone()
        (candidate_years,) = con.execute("SELECT count(*) FROM state_year_spans").fetchone()
        records = [
            table_record(
                "state_years",
                profile_relation(con, "SELECT * FROM state_years", ["ccode", "year"]),
                rows_in=int(spells),
                inputs=[str(states_path)],
                notes=[
                    f"years {first_year}-{last_year}; a state is a member in a year if any of its "
                    "spells touches that year",
                    f"{candidate_years} spell-year spans collapse to state-years "
                    "(states with two spells in one year count once)",
                ],
            ),
            table_record(
                "dyad_years",
                profile_relation(con, "SELECT * FROM dyad_years", ["ccode1", "ccode2", "year"]),
                dropped={"members_same_year_never_same_day": excluded},
                inputs=["state_years"],
                notes=["non-directed, ccode1 < ccode2; same-day rule on exact spell dates"],
            ),
        ]
        if directed:
            records.append(
                table_record(
                    "directed_dyad_years",
                    profile_relation(
                        con, "SELECT * FROM directed_dyad_years", ["ccode1", "ccode2", "year"]
                    ),
                    inputs=["dyad_years"],
                    notes=["both directions of every dyad_years row"],
                )
            )
        # each table in its stored (sorted) order, streamed by DuckDB; a fresh cursor because
        # DuckDB 2.0 refuses new statements while a fetchone() result is open
        written = [("state_years", state_years_path), ("dyad_years", dyad_years_path)]
        written += [("directed_dyad_years", directed_dyad_years_path)] if directed else []
        for table, path in written:
            write_parquet(f"SELECT * FROM {table}", path, con=con.cursor())
        write_stage_audit("universe", records, audit_path)
        log.info(
            "universe: %d state-years, %d dyad-years (%d same-year pairs never on the same day "
            "excluded), %d directed dyad-years",
            records[0]["rows_out"], records[1]["rows_out"], excluded,
            records[2]["rows_out"] if directed else 0,
        )
        return {r["table"]: r for r in records}
    finally:
        con.close()
