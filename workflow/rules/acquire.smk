localrules:
    acquire,


rule acquire:
    """Copy a manifest file from the first mirror that has it, or download it; verify sha256."""
    # No input: the verified copy under data/raw is the data, the mirror only one place to get
    # it from, so a mirror file that changes or disappears never triggers a re-acquire (which
    # would delete the copy first). A new manifest sha256 (params) does; update() keeps the old
    # copy until the new one is verified and restores it if acquire fails. Ingest re-verifies
    # the sha256 of what it reads, so a hand-edited copy is refused there.
    output:
        update("data/raw/{source}/{file}"),
    params:
        sha256=lambda w: raw_item(w).sha256,
    log:
        "logs/acquire/{source}/{file}.log",
    run:
        from dyadstats.acquire import acquire
        from dyadstats.logs import job_log

        with job_log(log[0]), keep_previous(output):
            acquire(raw_item(wildcards), output[0], MIRRORS)
