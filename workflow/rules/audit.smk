# Reviewer tables for the database, registered in DB_TABLES (included just before database.smk):
# - audit_stages: every stage audit so far (results/audit/<stage>.json), one row per stage table
#   (rows in/out, dropped, key, years, nulls); audit_drops: one row per table and drop reason.
#   FINAL_TARGETS lists every stage audit except the report's own (which reads the database).
# - model_sample: each model's sample rows, in_sample, and the missing columns that dropped the
#   rest (checked against model_fit's n_sample and n_obs).
AUDIT_JSON = sorted(t for t in dict.fromkeys(FINAL_TARGETS) if t.startswith("results/audit/") and t.endswith(".json"))
DB_TABLES["audit_stages"] = "results/audit/tables/audit_stages.parquet"
DB_TABLES["audit_drops"] = "results/audit/tables/audit_drops.parquet"


rule audit_tables:
    """Stage audits (JSON) -> audit_stages and audit_drops (Parquet) for the database."""
    input:
        AUDIT_JSON,
    output:
        stages=DB_TABLES["audit_stages"],
        drops=DB_TABLES["audit_drops"],
    log:
        "logs/audit_tables.log",
    run:
        import json

        from dyadstats.audit import stage_rank, write_audit_tables
        from dyadstats.io.logs import job_log

        with job_log(log[0]):
            audits = [json.loads(Path(p).read_text(encoding="utf-8")) for p in input]
            audits.sort(key=lambda a: stage_rank(str(a.get("stage", ""))))
            write_audit_tables(audits, output.stages, output.drops)


DB_TABLES["model_sample"] = "results/models/sample_membership.parquet"


rule sample_membership:
    """Each model's sample rows: used or dropped, and which missing columns dropped them."""
    input:
        frames=sorted({FRAMES[spec.frame] for spec in MODEL_SPECS.values()}),
        fit="results/models/fit.parquet",
    output:
        DB_TABLES["model_sample"],
    params:
        specs={name: spec.to_dict() for name, spec in MODEL_SPECS.items()},
    log:
        "logs/sample_membership.log",
    run:
        from dyadstats.io.logs import job_log
        from dyadstats.models import spec_from_dict
        from dyadstats.models.sample_membership import write_sample_membership

        with job_log(log[0]):
            specs = {name: spec_from_dict(raw) for name, raw in params.specs.items()}
            write_sample_membership(specs, FRAMES, input.fit, output[0])
