# a view over a missing Parquet file would fail at query time: rebuild it and the database
require_inputs_present(LAYOUT.database(), PLAN.db_files())


rule database:
    """Register every stage's Parquet tables in one DuckDB file for reviewers."""
    input:
        PLAN.db_files(),
    # update(): the previous database stays in place (and readable) until the new file is
    # renamed over it, and stays if the rebuild fails (dyadstats.io.keep, dyadstats.io.db)
    output:
        update(LAYOUT.database()),
    params:
        tables=DB_TABLES,
        failures=failures_of("database"),  # a failed job is retried by the next run (dyadstats.io.keep)
    log:
        "logs/database.log",
    run:
        with job_log(log[0]), keep_previous("database"):
            stages.run_database(params.tables, output[0])
