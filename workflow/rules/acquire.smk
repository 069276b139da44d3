localrules:
    acquire,


rule acquire:
    """Copy a manifest file from the first mirror that has it, or download it; verify sha256."""
    input:
        mirror_input,
    output:
        "data/raw/{source}/{file}",
    params:
        sha256=lambda w: raw_item(w).sha256,
    log:
        "logs/acquire/{source}/{file}.log",
    run:
        from dyadstats.acquire import acquire
        from dyadstats.logs import job_log

        with job_log(log[0]):
            acquire(raw_item(wildcards), output[0], MIRRORS)
