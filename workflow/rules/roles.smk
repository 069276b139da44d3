# roles stage: user-declared datasets (config `roles`) -> canonical role tables under
# results/roles/<kind>/<name>.parquet, each checked against the state system (state_years).
from dyadstats.roles.parse import parse_roles, role_kind, role_output

ROLES = parse_roles(config["roles"], MANIFEST)
ROLE_BY_OUTPUT = {role_output(r): r for r in ROLES.all()}

for _role in ROLES.all():
    DB_TABLES[f"role_{role_kind(_role)}_{_role.name}"] = role_output(_role)
if ROLE_BY_OUTPUT:
    FINAL_TARGETS.append("results/audit/roles.json")


def role_of(wildcards):
    return ROLE_BY_OUTPUT[f"results/roles/{wildcards.kind}/{wildcards.name}.parquet"]


rule role_table:
    """One declared role -> one canonical table (mapped columns, keys and state codes checked)."""
    input:
        table=lambda w: f"results/ingest/{role_of(w).table}.parquet",
        state_years="results/frames/state_years.parquet",
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
        from dyadstats.io.files import write_json
        from dyadstats.io.logs import job_log
        from dyadstats.roles.tables import build_role_table

        with job_log(log[0]), keep_previous("role_table", wildcards):
            record = build_role_table(role_of(wildcards), input.table, input.state_years, output.table)
            write_json(record, output.audit)


rule audit_roles:
    """Gather the per-role audits into results/audit/roles.json."""
    input:
        [p.replace("results/roles/", "results/audit/roles/").replace(".parquet", ".json") for p in sorted(ROLE_BY_OUTPUT)],
    output:
        "results/audit/roles.json",
    run:
        import json

        from dyadstats.audit import write_stage_audit

        write_stage_audit("roles", [json.loads(Path(p).read_text()) for p in input], output[0])
