"""State-system membership check for user tables keyed by COW state codes and years.

A user table (a democracy measure, an event source, a covariate) may code states that are not
members of the state system in a given year: a typo, another coding scheme (Gleditsch-Ward or
Polity's own codes), or a country-year before independence. Such rows would silently never
match a dyad-year, so they stop the run with a count and examples, unless the user opts in to
dropping them; the dropped count is then logged and written to the audit.

Rows whose year lies outside the state system's years (the analysis range) cannot match any
dyad-year either; they are not errors and are set aside under their own audit reason.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from dyadstats.errors import SchemaError

log = logging.getLogger(__name__)

MAX_EXAMPLES = 5
POLICIES = ("error", "drop")


@dataclass(frozen=True)
class MembershipResult:
    """What the check found: the kept relation's SQL and the rows set aside, by reason."""

    kept_sql: str
    rows_in: int
    not_members: int
    outside_years: int
    first_year: int
    last_year: int

    @property
    def dropped(self) -> dict[str, int]:
        out: dict[str, int] = {}
        if self.not_members:
            out["state code not a system member in that year"] = self.not_members
        if self.outside_years:
            out[f"year outside the state system years {self.first_year}-{self.last_year}"] = (
                self.outside_years
            )
        return out


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def check_membership(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    state_years: str,
    ccode_columns: Sequence[str],
    year_column: str,
    policy: str,
    what: str,
    config_key: str,
) -> MembershipResult:
    """Check every ``ccode_columns`` x ``year_column`` pair of ``relation`` against ``state_years``.

    ``relation`` and ``state_years`` are SQL relations (table names or parenthesised queries);
    ``state_years`` must have columns ccode and year. With ``policy='error'`` a non-member raises
    ``SchemaError`` naming ``what`` (the file or table), the count, the first examples and the
    config key that turns on dropping; with ``policy='drop'`` the rows are dropped and counted.
    """
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {POLICIES}, got {policy!r}")
    first, last = con.execute(f"SELECT min(year), max(year) FROM {state_years}").fetchone()
    if first is None:
        raise SchemaError(f"the state system table is empty; cannot check {what}")
    y = _q(year_column)
    in_years = f"{y} BETWEEN {int(first)} AND {int(last)}"
    # A row is a non-member if any of its state codes is absent from state_years in that year.
    member_tests = " AND ".join(
        f"EXISTS (SELECT 1 FROM {state_years} s WHERE s.ccode = t.{_q(c)} AND s.year = t.{y})"
        for c in ccode_columns
    )
    rows_in = con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
    outside = con.execute(
        f"SELECT count(*) FROM {relation} t WHERE NOT ({in_years}) OR {y} IS NULL"
    ).fetchone()[0]
    bad_sql = f"SELECT * FROM {relation} t WHERE {in_years} AND NOT ({member_tests})"
    not_members = con.execute(f"SELECT count(*) FROM ({bad_sql})").fetchone()[0]
    kept_sql = f"SELECT * FROM {relation} t WHERE {in_years} AND {member_tests}"
    result = MembershipResult(
        kept_sql=kept_sql, rows_in=int(rows_in), not_members=int(not_members),
        outside_years=int(outside), first_year=int(first), last_year=int(last),
    )
    if outside:
        log.info(
            "%s: %d rows outside the state system years %d-%d set aside (they match no dyad-year)",
            what, outside, first, last,
        )
    if not not_members:
        return result
    examples = _examples(con, bad_sql, state_years, ccode_columns, year_column)
    if policy == "drop":
        log.warning(
            "%s: dropped %d rows whose state code is not a system member in that year "
            "(%s: drop); e.g. %s", what, not_members, config_key, examples,
        )
        return result
    raise SchemaError(
        f"{what}: {not_members:,} of {rows_in:,} rows have a state code that is not a member of "
        f"the state system in that year ({first}-{last}); e.g. {examples}. "
        f"Fix the codes, or set {config_key}: drop to drop these rows (the count is logged "
        "and audited)."
    )


def _examples(
    con: duckdb.DuckDBPyConnection,
    bad_sql: str,
    state_years: str,
    ccode_columns: Sequence[str],
    year_column: str,
) -> str:
    """The first few offending (column, code, year) triples, with how many rows each covers."""
    parts = []
    names = {f"column_{i}": c for i, c in enumerate(ccode_columns)}  # config values: bound, not pasted
    for key, c in names.items():
        parts.append(
            f"SELECT ${key} AS col, b.{_q(c)} AS code, b.{_q(year_column)} AS yr FROM ({bad_sql}) b "
            f"WHERE NOT EXISTS (SELECT 1 FROM {state_years} s "
            f"WHERE s.ccode = b.{_q(c)} AND s.year = b.{_q(year_column)})"
        )
    union = " UNION ALL ".join(parts)
    rows = con.execute(
        f"SELECT col, code, min(yr), max(yr), count(*) AS n FROM ({union}) "
        f"GROUP BY col, code ORDER BY n DESC, code NULLS FIRST, col LIMIT {MAX_EXAMPLES}", names
    ).fetchall()
    distinct = con.execute(f"SELECT count(DISTINCT (col, code)) FROM ({union})", names).fetchone()[0]
    shown = "; ".join(
        f"{col}={'NULL' if code is None else code} in "
        f"{lo if lo == hi else f'{lo}-{hi}'} ({n} row{'s' if n != 1 else ''})"
        for col, code, lo, hi, n in rows
    )
    more = f" (and {distinct - len(rows)} more codes)" if distinct > len(rows) else ""
    return shown + more
