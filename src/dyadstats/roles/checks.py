"""Checks of a user table before it becomes a role table: mapped columns exist, are numeric,
keys are unique and not NULL, codes are in their allowed set. Each error names the file, the
config key, and what was expected and found."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb

from dyadstats.errors import SchemaError

MAX_EXAMPLES = 5


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_columns(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}


def require_columns(
    con: duckdb.DuckDBPyConnection, relation: str, wanted: Mapping[str, str], key: str, path: str
) -> None:
    """Every mapped column must exist; name the config key, the expected and the found columns."""
    found = table_columns(con, relation)
    missing = {k: v for k, v in wanted.items() if v not in found}
    if missing:
        shown = ", ".join(f"{k} -> '{v}'" for k, v in missing.items())
        raise SchemaError(
            f"{path}: {key} maps column(s) not in the table: {shown}. "
            f"Expected: {', '.join(wanted.values())}. Found: {', '.join(found)}"
        )


def require_numeric(
    con: duckdb.DuckDBPyConnection, relation: str, columns: Mapping[str, str], key: str, path: str
) -> None:
    types = table_columns(con, relation)
    numeric = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL",
               "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
    for canonical, col in columns.items():
        if not types[col].startswith(numeric):
            examples = [
                r[0] for r in con.execute(
                    f"SELECT DISTINCT {quote_ident(col)} FROM {relation} WHERE TRY_CAST({quote_ident(col)} AS DOUBLE) IS NULL "
                    f"AND {quote_ident(col)} IS NOT NULL LIMIT {MAX_EXAMPLES}"
                ).fetchall()
            ]
            raise SchemaError(
                f"{path}: {key}: column '{col}' ({canonical}) must be numeric but has type "
                f"{types[col]}; non-numeric values: {', '.join(map(repr, examples))}"
            )


def require_unique(
    con: duckdb.DuckDBPyConnection, relation: str, key_cols: Sequence[str], key: str, path: str
) -> None:
    cols = ", ".join(quote_ident(c) for c in key_cols)
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


def require_not_null(
    con: duckdb.DuckDBPyConnection, relation: str, columns: Sequence[str], key: str, path: str
) -> None:
    for c in columns:
        (n,) = con.execute(f"SELECT count(*) FROM {relation} WHERE {quote_ident(c)} IS NULL").fetchone()
        if n:
            raise SchemaError(f"{path}: {key}: key column '{c}' is missing (NULL) in {n:,} rows")


def check_codes(
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


