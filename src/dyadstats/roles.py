"""Roles: what a user-declared dataset is for, mapped onto the pipeline's canonical tables.

A dataset added under ``extra_sources`` (or any manifest table) becomes useful to the analysis
by filling a role, declared in the config under ``roles``:

- ``roles.democracy.<m>``: a state-year democracy measure (ccode, year, score) plus the threshold
  rule that makes a state a democracy. In the dyad-year frame it gives ``dem_<m>_1``,
  ``dem_<m>_2``, ``joint_democracy_<m>``, ``mixed_dyad_<m>``, ``joint_autocracy_<m>``,
  ``regime_pair_<m>`` and the scores ``<m>_1``, ``<m>_2``, ``min_<m>``, ``max_<m>``.
- ``roles.events.<e>``: a source of coercion attempts, either participant-level in MID format
  (run through the same dyadic build and whittling as MID 5.0) or already dyadic (ccode1,
  ccode2, year, onset or start year, optional hostility; directed or not).
- ``roles.covariates.<c>``: a state-year variable (``<c>_1``, ``<c>_2``, ``min_<c>``,
  ``max_<c>`` in the dyad-year frame) or a dyad-year variable (``<c>``).

Each role is turned into one canonical Parquet table under ``results/roles/`` after its state
codes are checked against the state system (``dyadstats.membership``). Column names in a role
refer to the ingested table (after the source's ``rename`` and snake_case); the defaults are
the canonical names, so a source whose ``rename`` already produces them needs none.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from dyadstats.audit import profile_relation, table_record
from dyadstats.config import validated
from dyadstats.config.roles import (
    CovariateRoleConfig,
    DemocracyRoleConfig,
    EventRoleConfig,
    RolesConfig,
)
from dyadstats.errors import ConfigError, SchemaError
from dyadstats.io.files import atomic_path
from dyadstats.membership import check_membership

log = logging.getLogger(__name__)

NAME = re.compile(r"^[a-z][a-z0-9_]*$")
#: threshold rule -> SQL operator (the rules themselves: dyadstats.config.vocab.ThresholdRule)
RULES = {">=": ">=", ">": ">", "<=": "<=", "<": "<", "==": "="}
MAX_EXAMPLES = 5

# Canonical columns of each event level, and which of them a source must map.
PARTICIPANT_COLUMNS = (
    "dispnum", "ccode", "sidea", "styear", "stmon", "stday", "endyear", "endmon", "endday",
    "hostlev", "hiact", "orig", "fatality", "fatalpre",
)
PARTICIPANT_REQUIRED = ("dispnum", "ccode", "sidea", "styear", "stmon", "endyear", "endmon", "hostlev", "orig")
DYADIC_COLUMNS = (
    "ccode1", "ccode2", "year", "onset", "start_year", "hostlev", "hostlev1", "hostlev2",
    "dispnum", "orig1", "orig2", "sidea1", "sidea2", "hiact1", "hiact2",
)
# Columns of the events stage's unwhittled ``dispute_dyad_years`` (NULL where not coded).
DISPUTE_DYAD_YEAR_COLUMNS = (
    "dispnum", "ccode1", "ccode2", "year", "mid_onset", "mid_ongoing", "sidea1", "sidea2",
    "hiact1", "hiact2", "hostlev1", "hostlev2", "orig1", "orig2", "fatality1", "fatality2",
    "fatalpre1", "fatalpre2", "hostlev", "disp_hostlev", "fatality", "recip", "mindur", "maxdur",
    "stmon", "styear", "source",
)
DYADIC_REQUIRED = ("ccode1", "ccode2", "year")


# defaults of the role keys: dyadstats.config.roles
_DEMOCRACY = DemocracyRoleConfig.model_fields
_EVENT = EventRoleConfig.model_fields
_COVARIATE = CovariateRoleConfig.model_fields


@dataclass(frozen=True)
class DemocracyRole:
    """A state-year democracy measure: democracy iff ``score <rule> threshold``."""

    name: str
    table: str
    score: str
    threshold: float
    rule: str = _DEMOCRACY["rule"].default
    ccode: str = _DEMOCRACY["ccode"].default
    year: str = _DEMOCRACY["year"].default
    unknown_states: str = _DEMOCRACY["unknown_states"].default


@dataclass(frozen=True)
class EventRole:
    """A source of coercion attempts, participant-level (MID format) or already dyadic."""

    name: str
    table: str
    level: str
    columns: Mapping[str, str] = field(default_factory=dict)
    directed: bool = _EVENT["directed"].default
    unknown_states: str = _EVENT["unknown_states"].default

    def column(self, canonical: str) -> str | None:
        """The table column mapped to ``canonical`` (defaults to the canonical name itself)."""
        return self.columns.get(canonical, canonical)


@dataclass(frozen=True)
class CovariateRole:
    """A state-year or dyad-year variable merged onto the dyad-year frame by key."""

    name: str
    table: str
    level: str
    column: str
    ccode: str = _COVARIATE["ccode"].default
    ccode1: str = _COVARIATE["ccode1"].default
    ccode2: str = _COVARIATE["ccode2"].default
    year: str = _COVARIATE["year"].default
    directed: bool = _COVARIATE["directed"].default
    unknown_states: str = _COVARIATE["unknown_states"].default


@dataclass(frozen=True)
class Roles:
    democracy: tuple[DemocracyRole, ...] = ()
    events: tuple[EventRole, ...] = ()
    covariates: tuple[CovariateRole, ...] = ()

    def all(self) -> list[DemocracyRole | EventRole | CovariateRole]:
        return [*self.democracy, *self.events, *self.covariates]

    @property
    def tables(self) -> set[str]:
        return {r.table for r in self.all()}


def role_kind(role: DemocracyRole | EventRole | CovariateRole) -> str:
    return {DemocracyRole: "democracy", EventRole: "events", CovariateRole: "covariates"}[type(role)]


def role_output(role: DemocracyRole | EventRole | CovariateRole) -> str:
    """Where the canonical table of a role is written."""
    return f"results/roles/{role_kind(role)}/{role.name}.parquet"


# --------------------------------------------------------------------------------------------
# Parsing (the JSON schema checks shapes; this checks references and names, naming the key)
# --------------------------------------------------------------------------------------------


def _require_table(key: str, table: Any, tables: Collection[str]) -> str:
    if not isinstance(table, str) or table not in tables:
        known = ", ".join(sorted(tables))
        raise ConfigError(
            f"{key}.table: '{table}' is not a declared table. Declare it under extra_sources "
            f"(or use a manifest table). Known tables: {known}"
        )
    return table


def _name(key: str, name: str) -> str:
    if not NAME.match(name):
        raise ConfigError(f"{key}: role name '{name}' must be snake_case (a-z, 0-9, _), starting with a letter")
    return name


def parse_roles(section: Mapping[str, Any] | None, tables: Collection[str]) -> Roles:
    """Turn the ``roles`` config section into role objects; raise ConfigError naming the key
    (shapes, defaults and allowed values: ``dyadstats.config.roles.RolesConfig``)."""
    for kind in ("democracy", "events", "covariates"):
        for name in ((section or {}).get(kind) or {}):
            _name(f"roles.{kind}", str(name))
    typed = validated(RolesConfig, section, "roles")
    democracy = []
    for name, spec in typed.democracy.items():
        key = f"roles.democracy.{name}"
        democracy.append(
            DemocracyRole(
                name=name, table=_require_table(key, spec.table, tables), score=spec.score,
                threshold=float(spec.threshold), rule=spec.rule, ccode=spec.ccode, year=spec.year,
                unknown_states=spec.unknown_states,
            )
        )
    events = []
    for name, spec in typed.events.items():
        key = f"roles.events.{name}"
        allowed = PARTICIPANT_COLUMNS if spec.level == "participant" else DYADIC_COLUMNS
        unknown = sorted(set(spec.columns) - set(allowed))
        if unknown:
            raise ConfigError(
                f"{key}.columns: unknown canonical column(s) {', '.join(unknown)} for level "
                f"'{spec.level}'; allowed: {', '.join(allowed)}"
            )
        if spec.level == "dyadic" and "onset" not in spec.columns and "start_year" not in spec.columns:
            raise ConfigError(
                f"{key}.columns: a dyadic event source needs 'onset' (0/1 column) or "
                "'start_year' (onset = year equals the start year)"
            )
        events.append(
            EventRole(
                name=name, table=_require_table(key, spec.table, tables), level=spec.level,
                columns=dict(spec.columns), directed=spec.directed, unknown_states=spec.unknown_states,
            )
        )
    covariates = []
    for name, spec in typed.covariates.items():
        key = f"roles.covariates.{name}"
        covariates.append(
            CovariateRole(
                name=name, table=_require_table(key, spec.table, tables), level=spec.level,
                column=spec.column or name, ccode=spec.ccode, ccode1=spec.ccode1, ccode2=spec.ccode2,
                year=spec.year, directed=spec.directed, unknown_states=spec.unknown_states,
            )
        )
    names = [r.name for r in democracy] + [r.name for r in covariates]
    clash = sorted({n for n in names if names.count(n) > 1})
    if clash:
        raise ConfigError(f"roles: the name(s) {', '.join(clash)} are used by more than one democracy/covariate role")
    return Roles(tuple(democracy), tuple(events), tuple(covariates))


# --------------------------------------------------------------------------------------------
# Building the canonical role tables
# --------------------------------------------------------------------------------------------


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}


def _require_columns(
    con: duckdb.DuckDBPyConnection, relation: str, wanted: Mapping[str, str], key: str, path: str
) -> None:
    """Every mapped column must exist; name the config key, the expected and the found columns."""
    found = _columns(con, relation)
    missing = {k: v for k, v in wanted.items() if v not in found}
    if missing:
        shown = ", ".join(f"{k} -> '{v}'" for k, v in missing.items())
        raise SchemaError(
            f"{path}: {key} maps column(s) not in the table: {shown}. "
            f"Expected: {', '.join(wanted.values())}. Found: {', '.join(found)}"
        )


def _require_numeric(
    con: duckdb.DuckDBPyConnection, relation: str, columns: Mapping[str, str], key: str, path: str
) -> None:
    types = _columns(con, relation)
    numeric = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL",
               "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
    for canonical, col in columns.items():
        if not types[col].startswith(numeric):
            examples = [
                r[0] for r in con.execute(
                    f"SELECT DISTINCT {_q(col)} FROM {relation} WHERE TRY_CAST({_q(col)} AS DOUBLE) IS NULL "
                    f"AND {_q(col)} IS NOT NULL LIMIT {MAX_EXAMPLES}"
                ).fetchall()
            ]
            raise SchemaError(
                f"{path}: {key}: column '{col}' ({canonical}) must be numeric but has type "
                f"{types[col]}; non-numeric values: {', '.join(map(repr, examples))}"
            )


def _require_unique(
    con: duckdb.DuckDBPyConnection, relation: str, key_cols: Sequence[str], key: str, path: str
) -> None:
    cols = ", ".join(_q(c) for c in key_cols)
    dup = con.execute(
        f"SELECT {cols}, count(*) AS n FROM {relation} GROUP BY {cols} HAVING count(*) > 1 "
        f"ORDER BY {cols} LIMIT {MAX_EXAMPLES}"
    ).fetchall()
    if dup:
        (n_keys,) = con.execute(
            f"SELECT count(*) FROM (SELECT {cols} FROM {relation} GROUP BY {cols} HAVING count(*) > 1)"
        ).fetchone()
        shown = "; ".join(
            ", ".join(f"{c}={v}" for c, v in zip(key_cols, row[:-1], strict=True)) + f" ({row[-1]} rows)"
            for row in dup
        )
        raise SchemaError(
            f"{path}: {key}: {n_keys:,} duplicate key(s) ({', '.join(key_cols)}); first: {shown}"
        )


def _require_not_null(
    con: duckdb.DuckDBPyConnection, relation: str, columns: Sequence[str], key: str, path: str
) -> None:
    for c in columns:
        (n,) = con.execute(f"SELECT count(*) FROM {relation} WHERE {_q(c)} IS NULL").fetchone()
        if n:
            raise SchemaError(f"{path}: {key}: key column '{c}' is missing (NULL) in {n:,} rows")


def _write(con: duckdb.DuckDBPyConnection, sql: str, order: str, out_path: str | Path) -> None:
    with atomic_path(out_path) as tmp:
        con.execute(f"COPY (SELECT * FROM ({sql}) ORDER BY {order}) TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)")


def _record(
    con: duckdb.DuckDBPyConnection, table: str, out_path: str | Path, key: Sequence[str],
    rows_in: int, dropped: Mapping[str, int], inputs: Sequence[str], notes: Sequence[str],
) -> dict[str, Any]:
    profile = profile_relation(con, f"SELECT * FROM read_parquet('{out_path}')", list(key))
    return table_record(table, profile, rows_in=rows_in, dropped=dropped, inputs=inputs, notes=notes)


def build_democracy_table(
    role: DemocracyRole, table_path: str, state_years_path: str, out_path: str
) -> dict[str, Any]:
    """ccode, year, score, democracy (0/1; NULL where the score is missing) for system members."""
    key = f"roles.democracy.{role.name}"
    con = duckdb.connect()
    src = f"read_parquet('{table_path}')"
    mapping = {"ccode": role.ccode, "year": role.year, "score": role.score}
    _require_columns(con, src, mapping, key, table_path)
    _require_numeric(con, src, mapping, key, table_path)
    con.execute(
        f"CREATE TEMP TABLE role_in AS SELECT CAST({_q(role.ccode)} AS BIGINT) AS ccode, "
        f"CAST({_q(role.year)} AS BIGINT) AS year, CAST({_q(role.score)} AS DOUBLE) AS score FROM {src}"
    )
    _require_not_null(con, "role_in", ["ccode", "year"], key, table_path)
    _require_unique(con, "role_in", ["ccode", "year"], key, table_path)
    checked = check_membership(
        con, "role_in", f"read_parquet('{state_years_path}')", ["ccode"], "year",
        role.unknown_states, f"{table_path} ({key})", f"{key}.unknown_states",
    )
    op = RULES[role.rule]
    sql = (
        f"SELECT ccode, year, score, CASE WHEN score IS NULL THEN NULL "
        f"WHEN score {op} {role.threshold!r} THEN 1 ELSE 0 END::INTEGER AS democracy "
        f"FROM ({checked.kept_sql})"
    )
    _write(con, sql, "ccode, year", out_path)
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
    src = f"read_parquet('{table_path}')"
    if role.level == "state_year":
        mapping = {"ccode": role.ccode, "year": role.year, "value": role.column}
        keys = ["ccode", "year"]
        select = (f"CAST({_q(role.ccode)} AS BIGINT) AS ccode, CAST({_q(role.year)} AS BIGINT) AS year, "
                  f"CAST({_q(role.column)} AS DOUBLE) AS value")
    else:
        mapping = {"ccode1": role.ccode1, "ccode2": role.ccode2, "year": role.year, "value": role.column}
        keys = ["ccode1", "ccode2", "year"]
        a, b = _q(role.ccode1), _q(role.ccode2)
        if role.directed:
            pair = f"CAST({a} AS BIGINT) AS ccode1, CAST({b} AS BIGINT) AS ccode2"
        else:  # a non-directed source may list a pair either way round: store it as low, high
            pair = (f"CAST(least({a}, {b}) AS BIGINT) AS ccode1, "
                    f"CAST(greatest({a}, {b}) AS BIGINT) AS ccode2")
        select = f"{pair}, CAST({_q(role.year)} AS BIGINT) AS year, CAST({_q(role.column)} AS DOUBLE) AS value"
    _require_columns(con, src, mapping, key, table_path)
    _require_numeric(con, src, mapping, key, table_path)
    con.execute(f"CREATE TEMP TABLE role_in AS SELECT {select} FROM {src}")
    _require_not_null(con, "role_in", keys, key, table_path)
    _require_unique(con, "role_in", keys, key, table_path)
    ccodes = ["ccode"] if role.level == "state_year" else ["ccode1", "ccode2"]
    checked = check_membership(
        con, "role_in", f"read_parquet('{state_years_path}')", ccodes, "year",
        role.unknown_states, f"{table_path} ({key})", f"{key}.unknown_states",
    )
    _write(con, checked.kept_sql, ", ".join(keys), out_path)
    return _record(
        con, f"role_covariate_{role.name}", out_path, keys, checked.rows_in, checked.dropped,
        [table_path, state_years_path], [f"table {role.table}: column {role.column} ({role.level})"],
    )


def build_event_table(
    role: EventRole, table_path: str, state_years_path: str, out_path: str
) -> dict[str, Any]:
    """Canonical event table: MIDB-shaped participants, or non-directed dispute-dyad-years."""
    if role.level == "participant":
        return _build_participants(role, table_path, state_years_path, out_path)
    return _build_dyadic_events(role, table_path, state_years_path, out_path)


def _mapped(role: EventRole, canonical: Sequence[str], con: duckdb.DuckDBPyConnection, src: str) -> dict[str, str]:
    """Canonical -> source column for the columns present (explicitly mapped or by default name)."""
    found = _columns(con, src)
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
    src = f"read_parquet('{table_path}')"
    have = _mapped(role, PARTICIPANT_COLUMNS, con, src)
    required = {c: role.columns.get(c, c) for c in PARTICIPANT_REQUIRED}
    _require_columns(con, src, {**required, **have}, key, table_path)
    _require_numeric(con, src, have, key, table_path)
    select = ", ".join(
        f"CAST({_q(have[c])} AS BIGINT) AS {c}" if c in have else f"CAST(NULL AS BIGINT) AS {c}"
        for c in PARTICIPANT_COLUMNS
    )
    con.execute(f"CREATE TEMP TABLE role_in AS SELECT {select} FROM {src}")
    _require_not_null(con, "role_in", ["dispnum", "ccode", "styear", "endyear", "sidea", "hostlev"], key, table_path)
    _check_codes(con, "role_in", {"sidea": (0, 1), "orig": (0, 1), "hostlev": (1, 2, 3, 4, 5)}, key, table_path)
    # A participant is a member in its first year of participation.
    con.execute("CREATE TEMP VIEW role_years AS SELECT *, styear AS year FROM role_in")
    checked = check_membership(
        con, "role_years", f"read_parquet('{state_years_path}')", ["ccode"], "year",
        role.unknown_states, f"{table_path} ({key})", f"{key}.unknown_states",
    )
    cols = ", ".join(PARTICIPANT_COLUMNS)
    _write(con, f"SELECT {cols}, '{role.name}' AS source FROM ({checked.kept_sql})",
           "dispnum, ccode, styear, stmon NULLS FIRST", out_path)
    return _record(
        con, f"role_events_{role.name}", out_path, [], checked.rows_in, checked.dropped,
        [table_path, state_years_path], [f"table {role.table}: participant-level (MID format)"],
    )


def _check_codes(
    con: duckdb.DuckDBPyConnection, relation: str, allowed: Mapping[str, Sequence[int]], key: str, path: str
) -> None:
    for col, codes in allowed.items():
        values = ", ".join(str(c) for c in codes)
        bad = con.execute(
            f"SELECT DISTINCT {col} FROM {relation} WHERE {col} IS NOT NULL AND {col} NOT IN ({values}) "
            f"ORDER BY 1 LIMIT {MAX_EXAMPLES}"
        ).fetchall()
        if bad:
            raise SchemaError(
                f"{path}: {key}: column {col} must be one of {values}; found "
                + ", ".join(str(r[0]) for r in bad)
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
    src = f"read_parquet('{table_path}')"
    have = _mapped(role, DYADIC_COLUMNS, con, src)
    required = {c: role.columns.get(c, c) for c in DYADIC_REQUIRED}
    _require_columns(con, src, {**required, **have}, key, table_path)
    _require_numeric(con, src, have, key, table_path)

    def col(c: str) -> str:
        return f"CAST({_q(have[c])} AS BIGINT)" if c in have else "CAST(NULL AS BIGINT)"

    onset = (f"CAST({_q(have['onset'])} AS BIGINT)" if "onset" in have
             else f"CASE WHEN {col('year')} = {col('start_year')} THEN 1 ELSE 0 END")
    con.execute(
        f"CREATE TEMP TABLE role_in AS SELECT {col('dispnum')} AS dispnum, {col('ccode1')} AS a, "
        f"{col('ccode2')} AS b, {col('year')} AS year, {onset} AS onset, {col('hostlev')} AS hostlev, "
        f"{col('hostlev1')} AS hostlev_a, {col('hostlev2')} AS hostlev_b, "
        f"{col('orig1')} AS orig_a, {col('orig2')} AS orig_b, {col('sidea1')} AS sidea_a, "
        f"{col('sidea2')} AS sidea_b, {col('hiact1')} AS hiact_a, {col('hiact2')} AS hiact_b, "
        f"{col('start_year')} AS start_year FROM {src}"
    )
    _require_not_null(con, "role_in", ["a", "b", "year", "onset"], key, table_path)
    _check_codes(con, "role_in", {"onset": (0, 1), "hostlev": (1, 2, 3, 4, 5)}, key, table_path)
    (self_pairs,) = con.execute("SELECT count(*) FROM role_in WHERE a = b").fetchone()
    if self_pairs:
        raise SchemaError(f"{table_path}: {key}: {self_pairs} rows pair a state with itself (ccode1 = ccode2)")
    checked = check_membership(
        con, "(SELECT a AS ccode1, b AS ccode2, * EXCLUDE (a, b) FROM role_in)",
        f"read_parquet('{state_years_path}')", ["ccode1", "ccode2"], "year",
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
               '{role.name}' AS source
        FROM ({pairs})
    """
    _write(con, sql, "ccode1, ccode2, year, dispnum NULLS FIRST", out_path)
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


# --------------------------------------------------------------------------------------------
# Attaching role tables to a dyad-year frame (hook for the frame build)
# --------------------------------------------------------------------------------------------


def role_columns(roles: Roles) -> list[str]:
    """The time-varying columns the roles add to a dyad-year frame (for lags and reports)."""
    cols: list[str] = []
    for d in roles.democracy:
        m = d.name
        cols += [f"dem_{m}_1", f"dem_{m}_2", f"joint_democracy_{m}", f"mixed_dyad_{m}",
                 f"joint_autocracy_{m}", f"regime_pair_{m}", f"{m}_1", f"{m}_2", f"min_{m}", f"max_{m}"]
    for c in roles.covariates:
        cols += [f"{c.name}_1", f"{c.name}_2", f"min_{c.name}", f"max_{c.name}"] if c.level == "state_year" else [c.name]
    return cols


def attach_roles_sql(frame: str, roles: Roles, paths: Mapping[str, str] | None = None) -> str:
    """SQL selecting every row of ``frame`` (ccode1, ccode2, year) plus the role columns.

    ``paths`` maps a role's output path (``role_output``) to where it actually is, for callers
    running outside the workflow's working directory. Missing scores stay NULL, and so do the
    indicators built from them: a dyad with one unscored state is not coded.
    """
    paths = paths or {}
    selects = ["d.*"]
    joins = []
    for i, d in enumerate(roles.democracy):
        m, p = d.name, paths.get(role_output(d), role_output(d))
        a, b = f"dem{i}a", f"dem{i}b"
        joins += [f"LEFT JOIN read_parquet('{p}') {a} ON {a}.ccode = d.ccode1 AND {a}.year = d.year",
                  f"LEFT JOIN read_parquet('{p}') {b} ON {b}.ccode = d.ccode2 AND {b}.year = d.year"]
        both = f"{a}.democracy IS NOT NULL AND {b}.democracy IS NOT NULL"
        selects += [
            f"{a}.democracy AS dem_{m}_1", f"{b}.democracy AS dem_{m}_2",
            f"CASE WHEN {both} THEN ({a}.democracy = 1 AND {b}.democracy = 1)::INTEGER END AS joint_democracy_{m}",
            f"CASE WHEN {both} THEN ({a}.democracy + {b}.democracy = 1)::INTEGER END AS mixed_dyad_{m}",
            f"CASE WHEN {both} THEN ({a}.democracy = 0 AND {b}.democracy = 0)::INTEGER END AS joint_autocracy_{m}",
            f"CASE WHEN NOT ({both}) THEN NULL WHEN {a}.democracy + {b}.democracy = 2 THEN 'joint democracy' "
            f"WHEN {a}.democracy + {b}.democracy = 1 THEN 'mixed' ELSE 'joint autocracy' END AS regime_pair_{m}",
            f"{a}.score AS {m}_1", f"{b}.score AS {m}_2",
            f"CASE WHEN {a}.score IS NOT NULL AND {b}.score IS NOT NULL THEN least({a}.score, {b}.score) END AS min_{m}",
            f"CASE WHEN {a}.score IS NOT NULL AND {b}.score IS NOT NULL THEN greatest({a}.score, {b}.score) END AS max_{m}",
        ]
    for i, c in enumerate(roles.covariates):
        n, p = c.name, paths.get(role_output(c), role_output(c))
        if c.level == "state_year":
            a, b = f"cov{i}a", f"cov{i}b"
            joins += [f"LEFT JOIN read_parquet('{p}') {a} ON {a}.ccode = d.ccode1 AND {a}.year = d.year",
                      f"LEFT JOIN read_parquet('{p}') {b} ON {b}.ccode = d.ccode2 AND {b}.year = d.year"]
            # least/greatest skip NULLs in DuckDB; min/max of a pair must be NULL if either is.
            selects += [f"{a}.value AS {n}_1", f"{b}.value AS {n}_2",
                        f"CASE WHEN {a}.value IS NOT NULL AND {b}.value IS NOT NULL THEN least({a}.value, {b}.value) END AS min_{n}",
                        f"CASE WHEN {a}.value IS NOT NULL AND {b}.value IS NOT NULL THEN greatest({a}.value, {b}.value) END AS max_{n}"]
        else:
            a = f"cov{i}"
            # A non-directed covariate is stored low code first: in a directed frame both
            # directions of the pair get its value.
            c1, c2 = ("d.ccode1", "d.ccode2") if c.directed else (
                "least(d.ccode1, d.ccode2)", "greatest(d.ccode1, d.ccode2)")
            joins.append(f"LEFT JOIN read_parquet('{p}') {a} ON {a}.ccode1 = {c1} "
                         f"AND {a}.ccode2 = {c2} AND {a}.year = d.year")
            selects.append(f"{a}.value AS {n}")
    return f"SELECT {', '.join(selects)} FROM {frame} d {' '.join(joins)}"


# --------------------------------------------------------------------------------------------
# Hook for the events stage: a role event source in place of MID 5.0
# --------------------------------------------------------------------------------------------

# Dispute-level fields the MID 5.0 pairing reads from MIDA, derived from participant rows:
# highest hostility and fatality of any participant, reciprocated if a side-B state took
# militarized action (hostility >= 2), the earliest start; durations need exact days.
DISPUTES_FROM_PARTICIPANTS_SQL = """
SELECT dispnum,
       max(hostlev) AS hostlev,
       max(fatality) AS fatality,
       max((sidea = 0 AND hostlev >= 2)::INTEGER) AS recip,
       NULL::BIGINT AS mindur, NULL::BIGINT AS maxdur,
       arg_min(stmon, styear * 100 + stmon) AS stmon,
       min(styear) AS styear
FROM {participants}
GROUP BY dispnum
"""


def create_role_dispute_dyad_years(
    con: duckdb.DuckDBPyConnection, role: EventRole, role_path: str, mid5_pairing_sql: str
) -> None:
    """Create table ``dispute_dyad_years`` from a role event source, for the events stage.

    A dyadic source's role table already has that shape. A participant-level source is run
    through the MID 5.0 pairing (``mid5_pairing_sql``, which reads views ``mid5_participants``
    and ``mid5_disputes``), with the dispute level derived from the participants; the source
    label becomes the role's name. Whittling then proceeds exactly as for MID 5.0.
    """
    if role.level == "dyadic":
        con.execute(
            f"CREATE OR REPLACE TABLE dispute_dyad_years AS SELECT * FROM read_parquet('{role_path}') "
            "ORDER BY ccode1, ccode2, year, dispnum"
        )
        return
    con.execute(f"CREATE OR REPLACE VIEW mid5_participants AS SELECT * FROM read_parquet('{role_path}')")
    con.execute(
        "CREATE OR REPLACE VIEW mid5_disputes AS "
        + DISPUTES_FROM_PARTICIPANTS_SQL.format(participants="mid5_participants")
    )
    con.execute(
        f"CREATE OR REPLACE TABLE dispute_dyad_years AS SELECT * REPLACE ('{role.name}' AS source) "
        f"FROM ({mid5_pairing_sql}) ORDER BY ccode1, ccode2, year, dispnum"
    )
