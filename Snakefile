# dyadstats workflow entry point: real data -> dyad-years -> models -> report.
# Rule files live in workflow/rules/; each calls into the dyadstats package and appends its
# final outputs to FINAL_TARGETS and its Parquet tables to DB_TABLES (see common.smk).
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/acquire.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/universe.smk"
# roles before events and frame: a roles.events source can feed the events stage.
include: "workflow/rules/roles.smk"
include: "workflow/rules/events.smk"
include: "workflow/rules/frame.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/multiverse.smk"
# audit.smk turns the stage audits declared so far into database tables.
include: "workflow/rules/audit.smk"
# database.smk registers every table the rule files above declared in DB_TABLES.
include: "workflow/rules/database.smk"
# report.smk comes last: it reads the database and every stage's audit.
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        FINAL_TARGETS,
