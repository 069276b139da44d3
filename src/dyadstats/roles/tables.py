"""Building the canonical role tables (``results/roles/<kind>/<name>.parquet``): a user table
checked, its state codes checked against the state system, its columns renamed and cast."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from dyadstats.audit import profile_relation, table_record
from dyadstats.errors import SchemaError
from dyadstats.io.db import quote_path
from dyadstats.io.files import write_parquet
from dyadstats.roles.checks import (
    check_codes,
    quote_ident,
    require_columns,
    require_not_null,
    require_numeric,
    require_unique,
    table_columns,
)
from dyadstats.roles.membership import check_membership
from dyadstats.roles.parse import (
    DYADIC_COLUMNS,
    DYADIC_REQUIRED,
    PARTICIPANT_COLUMNS,
    PARTICIPANT_REQUIRED,
    RULES,
    CovariateRole,
    DemocracyRole,
    EventRole,
)

log = logging.getLogger(__name__)


def _write(
    con: duckdb.DuckDBPyConnection, sql: str, order: str, out_path: str | Path,
    params: Mapping[str, Any] | None = None,
) -> None:
    write_parquet(f"SELECT * FROM ({sql}) ORDER BY {order}", out_path, con=con, params=params)


def _record(
    con: duckdb.DuckDBPyConnection, table: str, out_path: str | Path, key: Sequence[str],
    rows_in: int, dropped: Mapping[str, int], inputs: Sequence[str], notes: Sequence[str],
) -> dict[str, Any]:
    profile = profile_relation(con, f"SELECT * FROM read_parquet({quote_path(out_path)})", list(key))
    return table_record(table, profile, rows_in=rows_in, dropped=dropped, inputs=inputs, notes=notes)


def build_democracy_table(
    role: DemocracyRole, table_path: str, state_years_path: str, out_path: str
) -> dict[str, Any]:
    """ccode, year, score, democracy (0/1; NULL where the score is missing) for system members."""
    key = f"roles.democracy.{role.name}"
    con = duckdb.connect()
    src = f"read_parquet({quote_path(table_path)})"
    mapping = {"ccode": role.ccode, "year": role.year, "score": role.score}
    require_columns(con, src, mapping, key, table_path)
    require_numeric(con, src, mapping, key, table_path)
    con.execute(
        f"CREATE TEMP TABLE role_in AS SELECT CAST({quote_ident(role.ccode)} AS BIGINT) AS ccode, "
        f"CAST({quote_ident(role.year)} AS BIGINT) AS year, CAST({quote_ident(role.score)} AS DOUBLE) AS score FROM {src}"
    )
    require_not_null(con, "role_in", ["ccode", "year"], key, table_path)
    require_unique(con, "role_in", ["ccode", "year"], key, table_path)
    checked = check_membership(
        con, "role_in", f"read_parquet({quote_path(state_years_path)})", ["ccode"], "year",
        role.unknown_states, f"{table_path} ({key})", f"{key}.unknown_states",
    )
    op = RULES[role.rule]
    sql = (
        f"SELECT ccode, year, score, CASE WHEN score IS NULL THEN NULL "
        f"WHEN score {op} $threshold THEN 1 ELSE 0 END::INTEGER AS democracy "
        f"FROM ({checked.kept_sql})"
    )
    _write(con, sql, "ccode, year", out_path, {"threshold": float(role.threshold)})
    log.info("%s: democracy iff %s %s %s", key, role.score, role.rule, role.threshold)
    return _record(
        con, f"role_democracy_{role.name}", out_path, ["ccode", "year"], checked.rows_in,
        checked.dropped, [table_path, state_years_path],
        [f"table {role.table}: democracy iff {role.score} {role.rule} {role.threshold:g}"],
    )


def build_covariate_table(
    role: CovariateRole, table_path: str, state_years_path: str, out_path: str
) -> dict[str, Any]:
    """State-year (ccode, year, value) or dyad-year (ccode1, ccode2, year, value) covariate."""
    key = f"roles.covariates.{role.name}"
    con = duckdb.connect()
    src = f"read_parquet({quote_path(table_path)})"
    if role.level == "state_year":
        mapping = {"ccode": role.ccode, "year": role.year, "value": role.column}
        keys = ["ccode", "year"]
        select = (f"CAST({quote_ident(role.ccode)} AS BIGINT) AS ccode, CAST({quote_ident(role.year)} AS BIGINT) AS year, "
                  f"CAST({quote_ident(role.column)} AS DOUBLE) AS value")
    else:
        mapping = {"ccode1": role.ccode1, "ccode2": role.ccode2, "year": role.year, "value": role.column}
        keys = ["ccode1", "ccode2", "year"]
        a, b = quote_ident(role.ccode1), quote_ident(role.ccode2)
        if role.directed:
            pair = f"CAST({a} AS BIGINT) AS ccode1, CAST({b} AS BIGINT) AS ccode2"
        else:  # a non-directed source may list a pair either way round: store it as low, high
            pair = (f"CAST(least({a}, {b}) AS BIGINT) AS ccode1, "
                    f"CAST(greatest({a}, {b}) AS BIGINT) AS ccode2")
        select = f"{pair}, CAST({quote_ident(role.year)} AS BIGINT) AS year, CAST({quote_ident(role.column)} AS DOUBLE) AS value"
    require_columns(con, src, mapping, key, table_path)
    require_numeric(con, src, mapping, key, table_path)
    con.execute(f"CREATE TEMP TABLE role_in AS SELECT {select} FROM {src}")
    require_not_null(con, "role_in", keys, key, table_path)
    require_unique(con, "role_in", keys, key, table_path)
    ccodes = ["ccode"] if role.level == "state_year" else ["ccode1", "ccode2"]
    checked = check_membership(
        con, "role_in", f"read_parquet({quote_path(state_years_path)})", ccodes, "year",
        role.unknown_states, f"{table_path} ({key})", f"{key}.unknown_states",
    )
    notes = [f"table {role.table}: column {role.column} ({role.level})"]
    if role.absent is None:
        _write(con, checked.kept_sql, ", ".join(keys), out_path)
    else:
        # The fill value travels with the table (a constant column), so the frame reads it as
        # data rather than as SQL text.
        _write(con, f"SELECT *, CAST($absent AS DOUBLE) AS absent FROM ({checked.kept_sql})", ", ".join(keys),
               out_path, {"absent": role.absent})
        notes.append(f"keys without a row inside the table's years: {role.absent:g}")
    return _record(con, f"role_covariate_{role.name}", out_path, keys, checked.rows_in, checked.dropped,
                   [table_path, state_years_path], notes)


def build_event_table(
    role: EventRole, table_path: str, state_years_path: str, out_path: str
) -> dict[str, Any]:
    """Canonical event table: MIDB-shaped participants, or non-directed dispute-dyad-years."""
    if role.level == "participant":
        return _build_participants(role, table_path, state_years_path, out_path)
    return _build_dyadic_events(role, table_path, state_years_path, out_path)


def _mapped(role: EventRole, canonical: Sequence[str], con: duckdb.DuckDBPyConnection, src: str) -> dict[str, str]:
    """Canonical -> source column for the columns present (explicitly mapped or by default name)."""
    found = table_columns(con, src)
    out = {}
    for c in canonical:
        col = role.columns.get(c)
        if col is not None or c in found:
            out[c] = col or c
    return out


def _build_participants(
    role: EventRole, table_path: str, state_years_path: str, out_path: str
) -> dict[str, Any]:
    key = f"roles.events.{role.name}"
    con = duckdb.connect()
    src = f"read_parquet({quote_path(table_path)})"
    have = _mapped(role, PARTICIPANT_COLUMNS, con, src)
    required = {c: role.columns.get(c, c) for c in PARTICIPANT_REQUIRED}
    require_columns(con, src, {**required, **have}, key, table_path)
    require_numeric(con, src, have, key, table_path)
    select = ", ".join(
        f"CAST({quote_ident(have[c])} AS BIGINT) AS {c}" if c in have else f"CAST(NULL AS BIGINT) AS {c}"
        for c in PARTICIPANT_COLUMNS
    )
    con.execute(f"CREATE TEMP TABLE role_in AS SELECT {select} FROM {src}")
    require_not_null(con, "role_in", ["dispnum", "ccode", "styear", "endyear", "sidea", "hostlev"], key, table_path)
    check_codes(con, "role_in", {"sidea": (0, 1), "orig": (0, 1), "hostlev": (1, 2, 3, 4, 5)}, key, table_path)
    # A participant is a member in its first year of participation.
    con.execute("CREATE TEMP VIEW role_years AS SELECT *, styear AS year FROM role_in")
    checked = check_membership(
        con, "role_years", f"read_parquet({quote_path(state_years_path)})", ["ccode"], "year",
        role.unknown_states, f"{table_path} ({key})", f"{key}.unknown_states",
    )
    cols = ", ".join(PARTICIPANT_COLUMNS)
    _write(con, f"SELECT {cols}, $source AS source FROM ({checked.kept_sql})",
           "dispnum, ccode, styear, stmon NULLS FIRST", out_path, {"source": role.name})
    return _record(
        con, f"role_events_{role.name}", out_path, [], checked.rows_in, checked.dropped,
        [table_path, state_years_path], [f"table {role.table}: participant-level (MID format)"],
    )


def _build_dyadic_events(
    role: EventRole, table_path: str, state_years_path: str, out_path: str
) -> dict[str, Any]:
    """Non-directed dispute-dyad-years in the ``mid_dyad_years`` shape (NULL where not coded).

    A directed source lists each pair twice (AB and BA): both collapse onto one non-directed
    row (ccode1 < ccode2), keeping the highest hostility and the onset if either row has it.
    Without a dispute id every event of a dyad-year is one row.
    """
    key = f"roles.events.{role.name}"
    con = duckdb.connect()
    src = f"read_parquet({quote_path(table_path)})"
    have = _mapped(role, DYADIC_COLUMNS, con, src)
    required = {c: role.columns.get(c, c) for c in DYADIC_REQUIRED}
    require_columns(con, src, {**required, **have}, key, table_path)
    require_numeric(con, src, have, key, table_path)

    def col(c: str) -> str:
        return f"CAST({quote_ident(have[c])} AS BIGINT)" if c in have else "CAST(NULL AS BIGINT)"

    onset = (f"CAST({quote_ident(have['onset'])} AS BIGINT)" if "onset" in have
             else f"CASE WHEN {col('year')} = {col('start_year')} THEN 1 ELSE 0 END")
    con.execute(
        f"CREATE TEMP TABLE role_in AS SELECT {col('dispnum')} AS dispnum, {col('ccode1')} AS a, "
        f"{col('ccode2')} AS b, {col('year')} AS year, {onset} AS onset, {col('hostlev')} AS hostlev, "
        f"{col('hostlev1')} AS hostlev_a, {col('hostlev2')} AS hostlev_b, "
        f"{col('orig1')} AS orig_a, {col('orig2')} AS orig_b, {col('sidea1')} AS sidea_a, "
        f"{col('sidea2')} AS sidea_b, {col('hiact1')} AS hiact_a, {col('hiact2')} AS hiact_b, "
        f"{col('start_year')} AS start_year FROM {src}"
    )
    require_not_null(con, "role_in", ["a", "b", "year", "onset"], key, table_path)
    check_codes(con, "role_in", {"onset": (0, 1), "hostlev": (1, 2, 3, 4, 5)}, key, table_path)
    (self_pairs,) = con.execute("SELECT count(*) FROM role_in WHERE a = b").fetchone()
    if self_pairs:
        raise SchemaError(f"{table_path}: {key}: {self_pairs} rows pair a state with itself (ccode1 = ccode2)")
    checked = check_membership(
        con, "(SELECT a AS ccode1, b AS ccode2, * EXCLUDE (a, b) FROM role_in)",
        f"read_parquet({quote_path(state_years_path)})", ["ccode1", "ccode2"], "year",
        role.unknown_states, f"{table_path} ({key})", f"{key}.unknown_states",
    )
    kept = checked.kept_sql
    if role.directed:
        # AB and BA describe one dispute-dyad-year; where a source's twins disagree (Dyadic MID
        # 4.02 puts both states on side A in a few BA rows), the row listing the lower code first
        # wins, as in the built-in Dyadic MID reader. A pair listed one way only is kept.
        kept = f"""
            SELECT * FROM ({kept}) r
            WHERE ccode1 < ccode2 OR NOT EXISTS (
                SELECT 1 FROM ({kept}) t
                WHERE t.ccode1 = r.ccode2 AND t.ccode2 = r.ccode1 AND t.year = r.year
                  AND t.dispnum IS NOT DISTINCT FROM r.dispnum)"""

    # Side-specific fields follow the state: hostlev1 is the lower-coded state's.
    def side(a: str, b: str) -> str:
        return f"max(CASE WHEN ccode1 < ccode2 THEN {a} ELSE {b} END)"

    pairs = f"""
        SELECT dispnum, least(ccode1, ccode2) AS ccode1, greatest(ccode1, ccode2) AS ccode2, year,
               max(onset)::INTEGER AS mid_onset, 1 AS mid_ongoing,
               {side('sidea_a', 'sidea_b')} AS sidea1, {side('sidea_b', 'sidea_a')} AS sidea2,
               {side('hiact_a', 'hiact_b')} AS hiact1, {side('hiact_b', 'hiact_a')} AS hiact2,
               {side('hostlev_a', 'hostlev_b')} AS hostlev1, {side('hostlev_b', 'hostlev_a')} AS hostlev2,
               {side('orig_a', 'orig_b')} AS orig1, {side('orig_b', 'orig_a')} AS orig2,
               max(coalesce(hostlev, greatest(hostlev_a, hostlev_b))) AS hostlev,
               min(coalesce(start_year, year)) AS styear
        FROM ({kept})
        GROUP BY dispnum, least(ccode1, ccode2), greatest(ccode1, ccode2), year
    """
    # The dispute-level hostility is the highest of the dispute's dyads (the dyad's own without
    # a dispute id); fatality, reciprocation, durations and start month are not coded here.
    sql = f"""
        SELECT dispnum, ccode1, ccode2, year, mid_onset, mid_ongoing, sidea1, sidea2, hiact1, hiact2,
               hostlev1, hostlev2, orig1, orig2,
               NULL::BIGINT AS fatality1, NULL::BIGINT AS fatality2, NULL::BIGINT AS fatalpre1,
               NULL::BIGINT AS fatalpre2, hostlev,
               CASE WHEN dispnum IS NULL THEN hostlev
                    ELSE max(hostlev) OVER (PARTITION BY dispnum) END AS disp_hostlev,
               NULL::BIGINT AS fatality, NULL::BIGINT AS recip, NULL::BIGINT AS mindur,
               NULL::BIGINT AS maxdur, NULL::BIGINT AS stmon,
               CASE WHEN dispnum IS NULL THEN styear
                    ELSE min(styear) OVER (PARTITION BY dispnum, ccode1, ccode2) END AS styear,
               $source AS source
        FROM ({pairs})
    """
    _write(con, sql, "ccode1, ccode2, year, dispnum NULLS FIRST", out_path, {"source": role.name})
    return _record(
        con, f"role_events_{role.name}", out_path, ["dispnum", "ccode1", "ccode2", "year"],
        checked.rows_in, checked.dropped, [table_path, state_years_path],
        [f"table {role.table}: dyadic ({'directed' if role.directed else 'non-directed'}) events"],
    )


def build_role_table(
    role: DemocracyRole | EventRole | CovariateRole, table_path: str, state_years_path: str, out_path: str
) -> dict[str, Any]:
    """Dispatch on the role's kind; returns the audit record."""
    if isinstance(role, DemocracyRole):
        return build_democracy_table(role, table_path, state_years_path, out_path)
    if isinstance(role, EventRole):
        return build_event_table(role, table_path, state_years_path, out_path)
    return build_covariate_table(role, table_path, state_years_path, out_path)

