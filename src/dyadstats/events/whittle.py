"""MID whittling: ordered rules that keep one dispute per dyad-year (peacesciencer's defaults),
with the number of rows each rule removed."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from dyadstats.config.build import EventsOptions
from dyadstats.errors import ConfigError

log = logging.getLogger(__name__)


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
DEFAULT_WHITTLE_ORDER = tuple(EventsOptions().whittle_order)  # dyadstats.config.build
# the fields the rules compare, shown beside each candidate in the whittle log
WHITTLE_LOG_FIELDS = "s.mid_onset, s.fatality, s.disp_hostlev, s.mindur, s.maxdur, s.recip, s.stmon"

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


def whittle(
    con: duckdb.DuckDBPyConnection, source_table: str, target_table: str, order: Sequence[str],
    log_table: str | None = None,
) -> dict[str, int]:
    """Reduce ``source_table`` to one row per (ccode1, ccode2, year) into ``target_table``.

    Rules run in ``order``; each keeps, within every dyad-year, the rows whose rule value is the
    best (NULL loses to any value; all-NULL ties). Returns rows removed per rule, in order.
    With ``log_table``, also create the whittle log: every row of ``source_table`` with the rule
    that removed it (``removed_by``, NULL for the kept dispute) and that rule's place in the order.
    """
    names = resolve_whittle_order(order)
    con.execute(f"CREATE OR REPLACE TABLE {target_table} AS SELECT * FROM {source_table}")
    con.execute("CREATE OR REPLACE TEMP TABLE _whittle_removed "
                "(ccode1 INTEGER, ccode2 INTEGER, year INTEGER, dispnum INTEGER, removed_by VARCHAR, step INTEGER)")
    removed: dict[str, int] = {}
    for step, name in enumerate(names, start=1):
        rule = WHITTLE_RULES[name]
        (before,) = con.execute(f"SELECT count(*) FROM {target_table}").fetchall()[0]
        if log_table is not None:
            con.execute(
                f"""
                INSERT INTO _whittle_removed
                SELECT ccode1, ccode2, year, dispnum, $name, $step FROM (
                    SELECT *, {rule.expression} AS _value,
                           {rule.best}({rule.expression}) OVER (PARTITION BY ccode1, ccode2, year) AS _best
                    FROM {target_table}
                )
                WHERE _value IS DISTINCT FROM _best
                """,
                {"name": name, "step": step},
            )
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
    if log_table is not None:
        con.execute(
            f"""
            CREATE OR REPLACE TABLE {log_table} AS
            SELECT s.ccode1, s.ccode2, s.year, s.dispnum, {WHITTLE_LOG_FIELDS},
                   count(*) OVER (PARTITION BY s.ccode1, s.ccode2, s.year) AS n_candidates,
                   r.removed_by, r.step AS removed_at_step
            FROM {source_table} s LEFT JOIN _whittle_removed r USING (ccode1, ccode2, year, dispnum)
            ORDER BY s.ccode1, s.ccode2, s.year, r.step NULLS FIRST, s.dispnum
            """
        )
    return removed

