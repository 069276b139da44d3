localrules:
    acquire,


rule acquire:
    """Copy a manifest file from the first mirror that has it, or download it; verify sha256."""
    # The verified copy under data/raw is the data and a mirror only one place to get it from,
    # so a mirror file that changes or disappears never triggers a re-acquire (the only input
    # is a user's own declared `path`, whose edits must be re-checked). A new manifest sha256
    # (params) re-acquires too; update() keeps the old copy until the new one is verified and
    # restores it if acquire fails, so a verified copy is never lost. Ingest re-verifies the
    # sha256 of what it reads, so a hand-edited copy is refused there.
    input:
        user_file_input,
    output:
        update("data/raw/{source}/{file}"),
    params:
        sha256=lambda w: raw_item(w).sha256,
        failures=failures_of("acquire"),  # a failed job is retried by the next run (dyadstats.io.keep)
    log:
        "logs/acquire/{source}/{file}.log",
    run:
        with job_log(log[0]), keep_previous("acquire", wildcards):
            stages.run_acquire(raw_item(wildcards), output[0], PLAN.mirrors)
