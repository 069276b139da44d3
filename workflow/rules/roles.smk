# roles stage: user-declared datasets (config `roles`) -> canonical role tables under
# results/roles/<kind>/<name>.parquet, each checked against the state system (state_years).


rule role_table:
    """One declared role -> one canonical table (mapped columns, keys and state codes checked)."""
    input:
        table=role_table_input,
        state_years=LAYOUT.frame("state_years"),
    # update(): a failed role check keeps the previous table (dyadstats.io.keep)
    output:
        table=update("results/roles/{kind}/{name}.parquet"),
        audit=update("results/audit/roles/{kind}/{name}.json"),
    params:
        role=lambda w: repr(role_of(w)),
        failures=failures_of("role_table"),  # a failed job is retried by the next run (dyadstats.io.keep)
    wildcard_constraints:
        kind="democracy|events|covariates",
        name="[a-z][a-z0-9_]*",
    log:
        "logs/roles/{kind}/{name}.log",
    run:
        with job_log(log[0]), keep_previous("role_table", wildcards):
            stages.run_role(role_of(wildcards), input.table, input.state_years, output.table, output.audit)


rule audit_roles:
    """Gather the per-role audits into results/audit/roles.json."""
    input:
        [p.replace("results/roles/", "results/audit/roles/").replace(".parquet", ".json") for p in sorted(ROLE_BY_OUTPUT)],
    output:
        LAYOUT.audit("roles"),
    run:
        stages.run_stage_audit("roles", input, output[0])
