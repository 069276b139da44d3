"""How later stages read the role tables: the role columns appended to a dyad-year frame, and a
role event source in place of MID 5.0 for the events stage."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

from dyadstats.io.db import quote_path
from dyadstats.roles.parse import CovariateRole, EventRole, Roles, role_output
from dyadstats.sql import read_sql

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
        joins += [f"LEFT JOIN read_parquet({quote_path(p)}) {a} ON {a}.ccode = d.ccode1 AND {a}.year = d.year",
                  f"LEFT JOIN read_parquet({quote_path(p)}) {b} ON {b}.ccode = d.ccode2 AND {b}.year = d.year"]
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
        fill = f"fill{i}"
        if c.absent is not None:
            # keys without a row inside the table's first..last year take the table's fill value
            joins.append(f"CROSS JOIN (SELECT min(year) AS lo, max(year) AS hi, any_value(absent) AS absent "
                         f"FROM read_parquet({quote_path(p)})) {fill}")

        def filled(alias: str, key: str, c: CovariateRole = c, fill: str = fill) -> str:
            if c.absent is None:
                return f"{alias}.value"
            return (f"CASE WHEN {alias}.{key} IS NULL AND d.year BETWEEN {fill}.lo AND {fill}.hi "
                    f"THEN {fill}.absent ELSE {alias}.value END")

        if c.level == "state_year":
            a, b = f"cov{i}a", f"cov{i}b"
            joins += [f"LEFT JOIN read_parquet({quote_path(p)}) {a} ON {a}.ccode = d.ccode1 AND {a}.year = d.year",
                      f"LEFT JOIN read_parquet({quote_path(p)}) {b} ON {b}.ccode = d.ccode2 AND {b}.year = d.year"]
            v1, v2 = filled(a, "ccode"), filled(b, "ccode")
            # least/greatest skip NULLs in DuckDB; min/max of a pair must be NULL if either is.
            selects += [f"{v1} AS {n}_1", f"{v2} AS {n}_2",
                        f"CASE WHEN ({v1}) IS NOT NULL AND ({v2}) IS NOT NULL THEN least({v1}, {v2}) END AS min_{n}",
                        f"CASE WHEN ({v1}) IS NOT NULL AND ({v2}) IS NOT NULL THEN greatest({v1}, {v2}) END AS max_{n}"]
        else:
            a = f"cov{i}"
            # A non-directed covariate is stored low code first: in a directed frame both
            # directions of the pair get its value.
            c1, c2 = ("d.ccode1", "d.ccode2") if c.directed else (
                "least(d.ccode1, d.ccode2)", "greatest(d.ccode1, d.ccode2)")
            joins.append(f"LEFT JOIN read_parquet({quote_path(p)}) {a} ON {a}.ccode1 = {c1} "
                         f"AND {a}.ccode2 = {c2} AND {a}.year = d.year")
            selects.append(f"{filled(a, 'ccode1')} AS {n}")
    return f"SELECT {', '.join(selects)} FROM {frame} d {' '.join(joins)}"


# --------------------------------------------------------------------------------------------
# Hook for the events stage: a role event source in place of MID 5.0
# --------------------------------------------------------------------------------------------

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
            f"CREATE OR REPLACE TABLE dispute_dyad_years AS SELECT * FROM read_parquet({quote_path(role_path)}) "
            "ORDER BY ccode1, ccode2, year, dispnum"
        )
        return
    con.execute(f"CREATE OR REPLACE VIEW mid5_participants AS SELECT * FROM read_parquet({quote_path(role_path)})")
    # the dispute level (MIDA's fields) derived from the participants
    con.execute(f"CREATE OR REPLACE VIEW mid5_disputes AS {read_sql('roles/disputes_from_participants')}")
    con.execute(
        f"CREATE OR REPLACE TABLE dispute_dyad_years AS SELECT * REPLACE ($source AS source) "
        f"FROM ({mid5_pairing_sql}) ORDER BY ccode1, ccode2, year, dispnum",
        {"source": role.name},
    )
