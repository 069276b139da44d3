# dyadstats workflow entry point: real data -> dyad-years -> models -> report.
# Rule files live in workflow/rules/ and hold rules only: each rule body is one call into
# dyadstats.stages; inputs, parameters, DB_TABLES and FINAL_TARGETS come from the run plan
# (dyadstats.plan, built once in common.smk), so the files below may be included in any order.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/acquire.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/universe.smk"
include: "workflow/rules/roles.smk"
include: "workflow/rules/events.smk"
include: "workflow/rules/frame.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/multiverse.smk"
include: "workflow/rules/audit.smk"
include: "workflow/rules/database.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        FINAL_TARGETS,
