"""Atomic file output: a file appears whole at its final path or not at all; the one Parquet
writer (:func:`write_parquet`) every stage writes its tables with."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    import duckdb
    import pandas as pd
    import pyarrow as pa


@contextlib.contextmanager
def atomic_path(final: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; rename it into place only on success."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if tmp_path.exists():
            os.chmod(tmp_path, 0o644)  # mkstemp creates 0600; outputs are meant to be shared
        os.replace(tmp_path, final)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


#: Every Parquet file the package writes: zstd-compressed; DuckDB's row groups at its default
#: size, said once so that a DuckDB upgrade changing the default cannot change the files.
PARQUET_COMPRESSION = "zstd"
DUCKDB_ROW_GROUP_SIZE = 122880

#: What :func:`write_parquet` writes: an Arrow table, a pandas DataFrame, a DuckDB query (run
#: on ``con``), or Arrow tables of one schema streamed one after another.
ParquetSource = Union["pa.Table", "pd.DataFrame", str, Iterable["pa.Table"]]


def write_parquet(
    source: ParquetSource,
    path: str | os.PathLike[str],
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    params: Mapping[str, Any] | None = None,
    metadata: Mapping[str, str] | None = None,
    schema: pa.Schema | None = None,
    check: Callable[[Path], Any] | None = None,
) -> Any:
    """The one Parquet writer: atomic (the file appears whole or not at all), deterministic
    (no timestamps; the same rows give the same bytes), zstd-compressed.

    * an Arrow table or a pandas DataFrame (no index) is written by pyarrow;
    * a ``str`` is a DuckDB query run on ``con`` with ``params`` bound, streamed to the file by
      ``COPY`` (the rows never pass through Python);
    * any other iterable yields Arrow tables of ``schema``, written one after another (a table
      too large to hold at once).

    ``metadata`` is stored as the file's key-value metadata (sorted by key). ``check``, if
    given, is called with the finished temporary file before it is moved into place: raising
    refuses the file (nothing is left behind); its return value is returned.
    """
    meta = dict(sorted((metadata or {}).items()))
    with atomic_path(path) as tmp:
        if isinstance(source, str):
            _copy_query(source, tmp, con, params, meta)
        elif is_arrow_table(source) or is_dataframe(source):
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = source if isinstance(source, pa.Table) else pa.Table.from_pandas(source, preserve_index=False)
            pq.write_table(_with_metadata(table, meta), tmp, compression=PARQUET_COMPRESSION,
                           write_statistics=True)
        else:
            if schema is None:
                raise TypeError("write_parquet: streaming Arrow tables needs their schema")
            import pyarrow.parquet as pq

            with pq.ParquetWriter(tmp, _with_metadata(schema, meta), compression=PARQUET_COMPRESSION,
                                  write_statistics=True) as writer:
                for part in source:
                    writer.write_table(part)
        return check(tmp) if check is not None else None


def _copy_query(
    sql: str, tmp: Path, con: duckdb.DuckDBPyConnection | None, params: Mapping[str, Any] | None,
    metadata: Mapping[str, str],
) -> None:
    """``COPY (sql) TO tmp``; the path and the metadata are bound parameters too."""
    if con is None:
        raise TypeError("write_parquet: a query needs the DuckDB connection it runs on")
    bound = dict(params or {})
    clash = sorted({"_parquet_path", "_parquet_metadata"} & set(bound))
    if clash:
        raise ValueError(f"write_parquet: parameter name(s) {clash} are reserved")
    bound["_parquet_path"] = str(tmp)
    kv = ""
    if metadata:
        bound["_parquet_metadata"] = dict(metadata)
        kv = ", KV_METADATA $_parquet_metadata"
    con.execute(
        f"COPY ({sql}) TO $_parquet_path (FORMAT parquet, COMPRESSION {PARQUET_COMPRESSION}, "
        f"ROW_GROUP_SIZE {DUCKDB_ROW_GROUP_SIZE}{kv})",
        bound,
    )


def _with_metadata(target: Any, metadata: Mapping[str, str]) -> Any:
    """An Arrow table or schema with ``metadata`` added to its own (pandas') metadata."""
    if not metadata:
        return target
    import pyarrow as pa

    schema = target if isinstance(target, pa.Schema) else target.schema
    merged = {**(schema.metadata or {}), **{k.encode(): v.encode() for k, v in metadata.items()}}
    return target.with_metadata(merged) if isinstance(target, pa.Schema) else target.replace_schema_metadata(merged)


def is_arrow_table(obj: Any) -> bool:
    """An Arrow table, without importing pyarrow (the build stages write through DuckDB only)."""
    pyarrow = sys.modules.get("pyarrow")
    return pyarrow is not None and isinstance(obj, pyarrow.Table)


def is_dataframe(obj: Any) -> bool:
    """A pandas DataFrame, without importing pandas for callers that never pass one."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(obj, pandas.DataFrame)


def write_json(obj: Any, path: str | os.PathLike[str]) -> None:
    """Write JSON atomically with sorted keys so reruns are byte-identical."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def write_text(text: str, path: str | os.PathLike[str]) -> None:
    """Write text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()
