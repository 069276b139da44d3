rule database:
    """Register every stage's Parquet tables in one DuckDB file for reviewers."""
    input:
        list(DB_TABLES.values()),
    output:
        "results/dyadstats.duckdb",
    params:
        tables=DB_TABLES,
    log:
        "logs/database.log",
    run:
        from dyadstats.db import build_database
        from dyadstats.logs import job_log

        with job_log(log[0]):
            build_database(params.tables, output[0])
