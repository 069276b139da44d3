# Reviewer tables for the database (registered by dyadstats.plan.RunPlan.db_tables):
# - audit_stages: every stage audit (results/audit/<stage>.json) except the report's own (which
#   reads the database), one row per stage table (rows in/out, dropped, key, years, nulls);
#   audit_drops: one row per table and drop reason.
# (model_sample, each model's sample rows, in_sample and the missing columns that dropped the
# rest, is written by each model's job: rule model, dyadstats.models.sample_membership.)


rule audit_tables:
    """Stage audits (JSON) -> audit_stages and audit_drops (Parquet) for the database."""
    input:
        PLAN.audit_inputs(),
    output:
        stages=DB_TABLES["audit_stages"],
        drops=DB_TABLES["audit_drops"],
    log:
        "logs/audit_tables.log",
    run:
        with job_log(log[0]):
            stages.run_audit_tables(list(input), output.stages, output.drops)

