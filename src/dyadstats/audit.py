"""Per-stage audit records: rows in and out, drops by reason, key uniqueness, nulls, coverage.

Every stage writes ``results/audit/<stage>.json`` holding one record per output table, so a
reviewer can check the lineage without rerunning anything (``dyadstats audit`` prints it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from dyadstats.io.db import quote_path
from dyadstats.io.files import write_json, write_parquet

if TYPE_CHECKING:  # pandas is imported where a table is built: the build stages never need it
    import pandas as pd


def profile_relation(
    con: duckdb.DuckDBPyConnection, relation_sql: str, key: Sequence[str] | None = None
) -> dict[str, Any]:
    """Rows, null count per column, key uniqueness and year coverage of a SQL relation.

    One scan for the rows, nulls and years, one for the key: a profile costs about as much as
    reading the table once more, whatever its width.
    """
    columns = con.sql(relation_sql).columns
    year_col = next((c for c in ("year", "styear", "startyear", "yrtrig") if c in columns), None)
    aggregates = ["count(*)", *(f'count(*) - count("{c}")' for c in columns)]
    if year_col:
        aggregates += [f'min("{year_col}")', f'max("{year_col}")']
    row = con.execute(f"SELECT {', '.join(aggregates)} FROM ({relation_sql})").fetchone() or ()
    rows = int(row[0])
    out: dict[str, Any] = {
        "rows": rows,
        "columns": len(columns),
        "nulls": {c: int(n) for c, n in zip(columns, row[1:1 + len(columns)], strict=True)},
    }
    if key:
        out.update(_key_profile(con, relation_sql, key))
    if year_col and rows:
        lo, hi = row[-2:]
        out["years"] = [None if lo is None else int(lo), None if hi is None else int(hi)]
        out["year_column"] = year_col
    return out


def _key_profile(con: duckdb.DuckDBPyConnection, relation_sql: str, key: Sequence[str]) -> dict[str, Any]:
    """Whether ``key`` identifies the rows of the relation, and how many keys repeat."""
    cols = ", ".join(f'"{k}"' for k in key)
    dup = con.execute(
        f"SELECT count(*) FROM (SELECT {cols} FROM ({relation_sql}) GROUP BY {cols} HAVING count(*) > 1)"
    ).fetchone()[0]
    return {"key": list(key), "key_unique": dup == 0, "duplicate_keys": int(dup)}


def profile_parquet(
    con: duckdb.DuckDBPyConnection, path: str | Path, key: Sequence[str] | None = None
) -> dict[str, Any]:
    """:func:`profile_relation` of a Parquet file written by :func:`write_parquet`, from its
    footer where the footer holds the answer: the rows, the null count of every column and the
    year range are the column chunks' statistics (DuckDB writes them for every column), so only
    the key's uniqueness reads data, three columns of it. A file whose footer lacks a statistic
    is profiled by reading it, as any relation."""
    source = f"SELECT * FROM read_parquet({quote_path(path)})"
    columns = con.sql(source).columns
    year_col = next((c for c in ("year", "styear", "startyear", "yrtrig") if c in columns), None)
    stats = con.execute(
        """
        SELECT path_in_schema, sum(stats_null_count), count(*) FILTER (WHERE stats_null_count IS NULL),
               min(TRY_CAST(stats_min_value AS BIGINT)), max(TRY_CAST(stats_max_value AS BIGINT)),
               count(*) FILTER (WHERE stats_min_value IS NULL OR stats_max_value IS NULL)
        FROM parquet_metadata($path) GROUP BY path_in_schema
        """,
        {"path": str(path)},
    ).fetchall()
    by_column = {name: row for name, *row in stats}
    (rows,) = con.execute("SELECT num_rows FROM parquet_file_metadata($path)", {"path": str(path)}).fetchone()
    complete = set(by_column) == set(columns) and all(r[1] == 0 for r in by_column.values())
    if not complete or (year_col and rows and by_column[year_col][4]):
        return profile_relation(con, source, key)
    out: dict[str, Any] = {
        "rows": int(rows),
        "columns": len(columns),
        "nulls": {c: int(by_column[c][0] or 0) for c in columns},
    }
    if key:
        out.update(_key_profile(con, source, key))
    if year_col and rows:
        out["years"] = [int(by_column[year_col][2]), int(by_column[year_col][3])]
        out["year_column"] = year_col
    return out


def profile_frame(frame: pd.DataFrame, key: Sequence[str] | None = None) -> dict[str, Any]:
    """Same as ``profile_relation`` for an in-memory pandas frame."""
    con = duckdb.connect()
    con.register("frame_to_profile", frame)
    try:
        return profile_relation(con, "SELECT * FROM frame_to_profile", key)
    finally:
        con.close()


def table_record(
    table: str,
    profile: Mapping[str, Any],
    rows_in: int | None = None,
    dropped: Mapping[str, int] | None = None,
    inputs: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    """One audit record for one output table."""
    return {
        "table": table,
        "inputs": list(inputs),
        "rows_in": rows_in,
        "rows_out": profile["rows"],
        "dropped": dict(dropped or {}),
        **{k: v for k, v in profile.items() if k != "rows"},
        "notes": list(notes),
    }


def write_stage_audit(stage: str, records: Sequence[Mapping[str, Any]], path: str | Path) -> None:
    """Write the audit file of one stage (atomic, sorted keys: byte-identical on rerun)."""
    write_json({"stage": stage, "tables": sorted(records, key=lambda r: r["table"])}, path)


#: Stages in the order the pipeline runs them; audits of other stages follow, by name.
STAGE_ORDER = ("acquire", "ingest", "universe", "roles", "events", "build", "frame", "models",
               "multiverse", "database", "report")


def stage_rank(stage: str) -> tuple[int, str]:
    return (STAGE_ORDER.index(stage) if stage in STAGE_ORDER else len(STAGE_ORDER), stage)


def read_audits(directory: str | Path) -> list[dict[str, Any]]:
    """All stage audits under ``results/audit``, in pipeline order."""
    out = []
    for p in sorted(Path(directory).glob("*.json")):
        with open(p, encoding="utf-8") as handle:
            out.append(json.load(handle))
    return sorted(out, key=lambda a: stage_rank(str(a.get("stage", ""))))


STAGE_AUDIT_COLUMNS = ("stage_order", "stage", "table", "rows_in", "rows_out", "rows_dropped",
                       "key_unique", "year_min", "year_max", "null_cells", "notes")
DROP_COLUMNS = ("stage", "table", "reason", "rows")


def audit_frames(audits: Sequence[Mapping[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stage audits as two tables: one row per stage table, one row per drop reason.

    ``rows_dropped`` is the sum of the recorded reasons (NULL when none is recorded); counts
    are nullable integers, never floats.
    """
    import pandas as pd

    tables, drops = [], []
    for audit in audits:
        stage = str(audit.get("stage"))
        for rec in audit.get("tables", []):
            dropped = rec.get("dropped") or {}
            years = rec.get("years") or [None, None]
            tables.append({
                "stage_order": stage_rank(stage)[0], "stage": stage, "table": rec.get("table"),
                "rows_in": rec.get("rows_in"), "rows_out": rec.get("rows_out"),
                "rows_dropped": sum(dropped.values()) if dropped else None,
                "key_unique": rec.get("key_unique"), "year_min": years[0], "year_max": years[1],
                "null_cells": sum((rec.get("nulls") or {}).values()),
                "notes": "; ".join(rec.get("notes") or []),
            })
            drops += [{"stage": stage, "table": rec.get("table"), "reason": k, "rows": v}
                      for k, v in sorted(dropped.items())]
    stages = pd.DataFrame(tables, columns=list(STAGE_AUDIT_COLUMNS))
    for col in ("stage_order", "rows_in", "rows_out", "rows_dropped", "year_min", "year_max", "null_cells"):
        stages[col] = stages[col].astype("Int64")
    stages["key_unique"] = stages["key_unique"].astype("boolean")
    drop_frame = pd.DataFrame(drops, columns=list(DROP_COLUMNS))
    drop_frame["rows"] = drop_frame["rows"].astype("Int64")
    return stages, drop_frame


def write_audit_tables(audits: Sequence[Mapping[str, Any]], stages_path: str | Path, drops_path: str | Path) -> None:
    """Write :func:`audit_frames` as Parquet (the database registers them as views)."""
    stages, drops = audit_frames(audits)
    for frame, path in ((stages, stages_path), (drops, drops_path)):
        write_parquet(frame, path)


LINEAGE_COLUMNS = ("stage", "table", "rows_in", "rows_out", "dropped", "key_unique", "years", "null_cells")


def lineage_rows(audits: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Flatten stage audits into table rows for the terminal and the report."""
    rows = []
    for stage in audits:
        if not stage.get("tables"):
            # A stage that wrote an audit with no table still shows, so no stage goes missing.
            rows.append({"stage": stage.get("stage"), "table": "-", "rows_in": None, "rows_out": None,
                         "dropped": "-", "key_unique": None, "years": "-", "null_cells": None})
        for rec in stage.get("tables", []):
            dropped = rec.get("dropped") or {}
            rows.append(
                {
                    "stage": stage.get("stage"),
                    "table": rec.get("table"),
                    "rows_in": rec.get("rows_in"),
                    "rows_out": rec.get("rows_out"),
                    "dropped": "; ".join(f"{k}: {v:,}" for k, v in dropped.items()) or "-",
                    "key_unique": rec.get("key_unique"),
                    "years": "-" if not rec.get("years") else f"{rec['years'][0]}-{rec['years'][1]}",
                    "null_cells": sum((rec.get("nulls") or {}).values()),
                }
            )
    return rows
