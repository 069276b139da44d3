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
        from dyadstats.ingest.canonical import ingest_file
        from dyadstats.io.files import write_json
        from dyadstats.io.logs import job_log

        with job_log(log[0]), keep_previous("ingest", wildcards):
            record = ingest_file(MANIFEST[wildcards.table], input.raw, output.parquet)
            write_json(record, output.audit)


rule audit_ingest:
    """Gather the per-table ingest audits into results/audit/ingest.json."""
    input:
        expand("results/audit/ingest/{table}.json", table=sorted(MANIFEST)),
    output:
        "results/audit/ingest.json",
    run:
        import json

        from dyadstats.audit import write_stage_audit

        records = [json.loads(Path(p).read_text()) for p in input]
        write_stage_audit("ingest", records, output[0])
