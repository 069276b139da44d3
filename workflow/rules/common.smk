# Config validation, the manifest, and the table registry shared by all rule files.
from pathlib import Path

from snakemake.utils import validate

from dyadstats.config import check_renamed_keys, resolved_config
from dyadstats.ingest.acquire import mirror_dirs
from dyadstats.io.keep import failures_of, keep_previous, require_inputs_present
from dyadstats.ingest.manifest import load_manifest

# Renamed or removed keys first (their message says what to write), then the JSON schema generated
# from the typed config (dyadstats.config); then every rule reads the typed config's plain dicts,
# every default filled in from the one place defaults are written.
check_renamed_keys(config)
validate(config, "../schemas/config.schema.yaml")
_resolved = resolved_config(config)
config.clear()
config.update(_resolved)


def from_root(path):
    """Config paths are relative to the repository root, whatever --directory the run uses."""
    return str(Path(workflow.basedir) / path) if not Path(path).is_absolute() else str(path)


def rooted_sources(extra):
    """extra_sources with each file's local `path` resolved against the repository root."""
    return {
        sid: {**src, "files": [{**f, "path": from_root(f["path"])} if "path" in f else f for f in src.get("files", [])]}
        for sid, src in (extra or {}).items()
    }


MANIFEST = load_manifest(from_root(config["manifest"]), rooted_sources(config["extra_sources"]))
MIRRORS = mirror_dirs(config["mirrors"], base=workflow.basedir)
RAW_FILES = {item.raw_path: item for item in MANIFEST.values()}

# Every Parquet table registered in results/dyadstats.duckdb: name -> path. Rule files add theirs.
DB_TABLES = {name: f"results/ingest/{name}.parquet" for name in MANIFEST}

# What `rule all` builds. Rule files append their final outputs.
FINAL_TARGETS = ["results/dyadstats.duckdb", "results/audit/ingest.json"]


wildcard_constraints:
    source="[^/]+",
    file="[^/]+",
    table="[a-z][a-z0-9_]*",


def raw_item(wildcards):
    return RAW_FILES[f"data/raw/{wildcards.source}/{wildcards.file}"]


def user_file_input(wildcards):
    """A config-declared file's own `path`, if it exists: editing it re-acquires (and re-checks)
    the copy. Mirror files are not inputs: a mirror is only a place to fetch a verified file."""
    item = raw_item(wildcards)
    return [item.path] if item.path and Path(item.path).is_file() else []


def ingest_raw(wildcards):
    return MANIFEST[wildcards.table].raw_path
