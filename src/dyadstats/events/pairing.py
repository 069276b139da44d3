"""MID pairing: the unwhittled non-directed ``dispute_dyad_years`` from MID 5.0 (naive
pairing of side A with side B participants), Dyadic MID 4.02, or a ``roles.events`` source."""

from __future__ import annotations

from pathlib import Path

import duckdb

from dyadstats.config import vocab
from dyadstats.errors import ConfigError, SchemaError
from dyadstats.roles.attach import create_role_dispute_dyad_years
from dyadstats.roles.parse import EventRole
from dyadstats.sql import read_sql

MID_SOURCES = vocab.MID_SOURCES
DYAD_YEAR = ("ccode1", "ccode2", "year")


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
        create_role_dispute_dyad_years(con, role, str(role_path), read_sql("events/mid5_dispute_dyad_years"))
    elif source not in MID_SOURCES:
        raise ConfigError(
            f"build.events.source must be one of {list(MID_SOURCES)} or a roles.events name, not {source!r}"
        )
    else:
        sql = read_sql(f"events/{source}_dispute_dyad_years")
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

