"""Files and databases: atomic writes, the one Parquet writer, DuckDB connections, job logs,
per-thread warnings and the keep-previous-output guard the workflow rules use."""
