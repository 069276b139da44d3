"""The one DuckDB file where stages meet: every canonical table registered for reviewers."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import duckdb

from dyadstats.io import atomic_path

log = logging.getLogger(__name__)


def connect(threads: int | None = None, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with optional resource limits."""
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET preserve_insertion_order = true")
    return con


def quote_path(path: str | Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def build_database(tables: Mapping[str, str | Path], out_path: str | Path) -> None:
    """Write ``out_path`` holding one DuckDB table per Parquet file, atomically.

    Tables are copied, not views, so the file stays valid when moved or opened from another
    directory. The whole file is rebuilt each time: it is a read-only view of the stages.
    """
    out_path = Path(out_path)
    with atomic_path(out_path) as tmp:
        tmp.unlink()  # DuckDB refuses to open an empty non-database file
        con = duckdb.connect(str(tmp))
        try:
            for name, parquet in sorted(tables.items()):
                con.execute(
                    f'CREATE TABLE "{name}" AS SELECT * FROM read_parquet({quote_path(parquet)})'
                )
            con.execute("CHECKPOINT")
        finally:
            con.close()
        wal = Path(str(tmp) + ".wal")
        if wal.exists():
            wal.unlink()
    log.info("wrote %s with %d tables", out_path, len(tables))
