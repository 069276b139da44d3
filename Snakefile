# dyadstats workflow entry point: real data -> dyad-years -> models -> report.
# Rule files live in workflow/rules/; each calls into the dyadstats package.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/acquire.smk"
include: "workflow/rules/ingest.smk"
# database.smk must stay last: it registers every table the stages above declared.
include: "workflow/rules/database.smk"


rule all:
    default_target: True
    input:
        "results/dyadstats.duckdb",
        "results/audit/ingest.json",
