rule ingest:
    """One raw file -> one canonical Parquet table, validated against its declaration."""
    input:
        raw=ingest_raw,
    # update(): a failed ingest keeps the table's previous Parquet and audit (dyadstats.io.keep)
    output:
        parquet=update("results/ingest/{table}.parquet"),
        audit=update("results/audit/ingest/{table}.json"),
    params:
        declaration=lambda w: MANIFEST[w.table].table,
        sha256=lambda w: MANIFEST[w.table].sha256,
        failures=failures_of("ingest"),  # a failed job is retried by the next run (dyadstats.io.keep)
    log:
        "logs/ingest/{table}.log",
    run:
        with job_log(log[0]), keep_previous("ingest", wildcards):
            stages.run_ingest(MANIFEST[wildcards.table], input.raw, output.parquet, output.audit)


rule audit_ingest:
    """Gather the per-table ingest audits into results/audit/ingest.json."""
    input:
        [LAYOUT.ingest_audit(t) for t in sorted(MANIFEST)],
    output:
        LAYOUT.audit("ingest"),
    run:
        stages.run_stage_audit("ingest", input, output[0])
