"""The one DuckDB file where stages meet: every canonical table registered for reviewers."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb

from dyadstats.io.files import atomic_path

log = logging.getLogger(__name__)

#: Environment overrides of every stage connection's resources (e.g. a 50x world on a small
#: machine: ``DYADSTATS_DUCKDB_MEMORY_LIMIT=4GB`` makes DuckDB spill to the temp directory).
MEMORY_LIMIT_ENV = "DYADSTATS_DUCKDB_MEMORY_LIMIT"
THREADS_ENV = "DYADSTATS_DUCKDB_THREADS"
TEMP_DIRECTORY_ENV = "DYADSTATS_DUCKDB_TEMP_DIRECTORY"


def connect(threads: int | None = None, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with optional resource limits.

    Unset arguments fall back to the ``DYADSTATS_DUCKDB_*`` environment variables, then to
    DuckDB's defaults (all cores, 80% of RAM, spilling to ``.tmp`` under the working directory).
    """
    con = duckdb.connect()
    threads = threads or (int(os.environ[THREADS_ENV]) if os.environ.get(THREADS_ENV) else None)
    memory_limit = memory_limit or os.environ.get(MEMORY_LIMIT_ENV) or None
    temp_directory = os.environ.get(TEMP_DIRECTORY_ENV)
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    if temp_directory:
        con.execute(f"SET temp_directory = {quote_path(temp_directory)}")
    con.execute("SET preserve_insertion_order = true")
    return con


def quote_path(path: str | Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def build_database(tables: Mapping[str, str | Path | Sequence[str | Path]], out_path: str | Path) -> None:
    """Write ``out_path`` registering one DuckDB view per table, atomically: a Parquet file,
    or a list of files read as one table (in list order; an empty list registers nothing).

    The database is built in a new file beside ``out_path`` and renamed over it: a reader
    with the old file open keeps reading the old views and never blocks the rebuild.

    Views over the Parquet files (by absolute path) rather than copies: the database is
    rebuilt in well under a second whenever any stage changes, and holds no second copy of
    the wide analysis frames. The Parquet files stay the single source; after moving a
    checkout, ``dyadstats run --snakemake-args -R database`` re-points the views.
    """
    out_path = Path(out_path)
    with atomic_path(out_path) as tmp:
        tmp.unlink()  # DuckDB refuses to open an empty non-database file
        con = duckdb.connect(str(tmp))
        try:
            for name, parquet in sorted(tables.items()):
                files = [parquet] if isinstance(parquet, str | Path) else list(parquet)
                if not files:  # e.g. model_sample of a config without models: no view
                    continue
                source = ", ".join(quote_path(Path(f).resolve()) for f in files)
                con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet([{source}])')
            con.execute("CHECKPOINT")
        finally:
            con.close()
        wal = Path(str(tmp) + ".wal")
        if wal.exists():
            wal.unlink()
        drop_stale_wal(out_path)
    # again after the rename: a session still open on the old file may have written meanwhile
    drop_stale_wal(out_path)
    log.info("wrote %s with %d views", out_path, len(tables))


def drop_stale_wal(database: str | Path) -> None:
    """Remove the write-ahead log a reader's read-write session left beside ``database``.

    The rebuilt file is new, so that WAL belongs to the file it replaced: DuckDB would try to
    replay it ("WAL does not match database file") and every later open would fail. The
    session itself keeps its handles and is unaffected; what it wrote is lost with the old
    file (the README says to open the database read-only).
    """
    wal = Path(str(database) + ".wal")
    if wal.exists():
        log.warning("removed %s, a read-write session's log of the replaced database", wal)
        wal.unlink()
