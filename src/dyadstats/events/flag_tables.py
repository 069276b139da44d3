"""The frames' event flag tables of a directed event source (ICB crises, COW wars): one row
per key with each outcome's onset and 'active' flags as maxima over the source's rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb

from dyadstats.errors import SchemaError


def create_flag_tables(
    con: duckdb.DuckDBPyConnection, source: str, columns: Sequence[str], prefix: str,
    directed_outcomes: Mapping[str, tuple[str, str]], outcomes: Mapping[str, tuple[str, str]],
) -> None:
    """Tables ``<prefix>_directed`` (ccode1 -> ccode2) and ``<prefix>`` (ccode1 < ccode2) from
    the view ``source`` (directed rows; a pair listed one way or both gives the same table).

    ``outcomes`` map an outcome to its (onset, active) SQL conditions over the source's columns;
    the source must have ``columns``.
    """
    have = set(con.sql(f"SELECT * FROM {source} LIMIT 0").columns)
    missing = [c for c in columns if c not in have]
    if missing:
        raise SchemaError(f"input table '{source}' lacks column(s) {missing}; it has {sorted(have)}")

    def flags(chosen: Mapping[str, tuple[str, str]]) -> str:
        return ", ".join(f"max({onset})::INTEGER AS {o}, max({active})::INTEGER AS _act_{o}"
                         for o, (onset, active) in chosen.items())

    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {prefix}_directed AS
            SELECT ccode1, ccode2, year, {flags(directed_outcomes)}
            FROM {source} WHERE ccode1 <> ccode2 GROUP BY ccode1, ccode2, year"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {prefix} AS
            SELECT least(ccode1, ccode2) AS ccode1, greatest(ccode1, ccode2) AS ccode2, year, {flags(outcomes)}
            FROM {source} WHERE ccode1 <> ccode2 GROUP BY ALL"""
    )
