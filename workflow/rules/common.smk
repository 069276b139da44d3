# Config validation and the run plan shared by all rule files.
# The DAG's wiring (every stage's inputs, parameters, the database tables and the final targets)
# is written once, in dyadstats.plan; rule files reference PLAN and the input functions below,
# and each rule body is one call into dyadstats.stages.
from pathlib import Path

from snakemake.utils import validate

from dyadstats import stages
from dyadstats.config import check_renamed_keys, resolved_config
from dyadstats.io.keep import failures_of, keep_previous, require_inputs_present
from dyadstats.io.logs import job_log
from dyadstats.paths import MODEL_PARTS, UNIVERSE_TABLES
from dyadstats.plan import RunPlan
from dyadstats.roles.parse import role_output

# Renamed or removed keys first (their message says what to write), then the JSON schema generated
# from the typed config (dyadstats.config); then every rule reads the typed config's plain dicts,
# every default filled in from the one place defaults are written.
check_renamed_keys(config)
validate(config, "../schemas/config.schema.yaml")
_resolved = resolved_config(config)
config.clear()
config.update(_resolved)

PLAN = RunPlan.from_config(config, root=workflow.basedir)
LAYOUT = PLAN.layout
MANIFEST = PLAN.manifest
ROLES = PLAN.roles
MODEL_SPECS = PLAN.model_specs
MODEL_NAMES = list(MODEL_SPECS)
if not MODEL_NAMES:
    from dyadstats.errors import ConfigError

    # the gather, the database's model tables and the report all need at least one fit
    raise ConfigError("models.specs is empty: declare at least one model (docs/models.md)")
# Every Parquet table registered in results/dyadstats.duckdb (name -> path), and `rule all`.
DB_TABLES = PLAN.db_tables()
FINAL_TARGETS = PLAN.final_targets()


wildcard_constraints:
    source="[^/]+",
    file="[^/]+",
    table="[a-z][a-z0-9_]*",


def raw_item(wildcards):
    return PLAN.raw_files[f"data/raw/{wildcards.source}/{wildcards.file}"]


def user_file_input(wildcards):
    """A config-declared file's own `path`, if it exists: editing it re-acquires (and re-checks)
    the copy. Mirror files are not inputs: a mirror is only a place to fetch a verified file."""
    item = raw_item(wildcards)
    return [item.path] if item.path and Path(item.path).is_file() else []


def ingest_raw(wildcards):
    return PLAN.raw_path(wildcards.table)


ROLE_BY_OUTPUT = {role_output(r): r for r in ROLES.all()}


def role_of(wildcards):
    return ROLE_BY_OUTPUT[LAYOUT.role(wildcards.kind, wildcards.name)]


def role_table_input(wildcards):
    return LAYOUT.ingest(role_of(wildcards).table)


def model_frame(wildcards):
    return PLAN.model_frame(wildcards.model)
