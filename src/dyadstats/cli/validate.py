"""``dyadstats validate``: check a run's inputs without running a job.

1. The config (config/config.yaml with any overlays, merged as Snakemake merges them) against
   workflow/schemas/config.schema.yaml.
2. The source manifest (data/sources.yaml plus ``extra_sources``) loads.
3. Every raw file is found: in the run directory's data/raw, in a mirror, or has a download URL;
   a file found with a size other than the manifest's is reported (checksums are the acquire
   stage's job: hashing every file would take longer than this check should).
4. The models the report names (``main_model``, ``regime_model``, ``main_table_models``,
   ``table_models``) are specs in ``models.specs``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dyadstats.ingest.acquire import mirror_candidates, mirror_dirs
from dyadstats.ingest.manifest import SourceFile, load_manifest
from dyadstats.io.yamlfile import load_yaml

SCHEMA = Path("workflow") / "schemas" / "config.schema.yaml"


@dataclass
class Check:
    """The outcome of one check: a one-line summary and any problems found."""

    name: str
    summary: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def merged_config(files: Sequence[Path]) -> dict[str, Any]:
    """Config files layered in order, mappings merged key by key (Snakemake's update_config)."""
    from snakemake.utils import update_config

    config: dict[str, Any] = {}
    for path in files:
        update_config(config, load_yaml(path.read_text(encoding="utf-8")) or {})
    return config


def check_config(config: dict[str, Any], root: Path) -> Check:
    from snakemake.utils import validate

    from dyadstats.config import check_renamed_keys, load_config

    check = Check("config")
    try:
        check_renamed_keys(config)
        validate(config, str(root / SCHEMA))  # also fills the schema's defaults into config
        load_config(config)  # the checks the schema cannot express (dyadstats.config)
    except Exception as exc:  # snakemake wraps jsonschema's ValidationError in WorkflowError
        check.problems.append(str(exc).strip().splitlines()[0])
        return check
    check.summary = f"valid against {SCHEMA} ({len((config.get('models') or {}).get('specs') or {})} model specs)"
    return check


def _from_root(root: Path, path: str) -> str:
    return path if Path(path).is_absolute() else str(root / path)


def check_manifest(config: Mapping[str, Any], root: Path) -> tuple[Check, dict[str, SourceFile]]:
    check = Check("manifest")
    extra = {
        sid: {**src, "files": [{**f, "path": _from_root(root, f["path"])} if "path" in f else f
                               for f in src.get("files", [])]}
        for sid, src in (config.get("extra_sources") or {}).items()
    }
    try:
        manifest = load_manifest(_from_root(root, str(config.get("manifest", "data/sources.yaml"))), extra)
    except Exception as exc:
        check.problems.append(str(exc))
        return check, {}
    sources = {item.source_id for item in manifest.values()}
    check.summary = f"{len(manifest)} files from {len(sources)} sources"
    return check, manifest


def locate(item: SourceFile, workdir: Path, mirrors: Sequence[Path]) -> tuple[str, Path | None]:
    """Where a raw file would come from: 'raw', 'mirror', 'download' or 'missing'."""
    local = workdir / item.raw_path
    if local.is_file():
        return "raw", local
    for candidate in mirror_candidates(item, mirrors):
        if candidate.is_file():
            return "mirror", candidate
    if item.urls or item.archive_url:
        return "download", None
    return "missing", None


def check_files(manifest: Mapping[str, SourceFile], config: Mapping[str, Any], root: Path, workdir: Path) -> Check:
    check = Check("raw files")
    mirrors = mirror_dirs(config.get("mirrors"), base=root)
    counts = {"raw": 0, "mirror": 0, "download": 0, "missing": 0}
    for item in sorted(manifest.values(), key=lambda i: i.raw_path):
        where, path = locate(item, workdir, mirrors)
        counts[where] += 1
        if where == "missing":
            check.problems.append(f"{item.raw_path}: not in data/raw, in no mirror ({', '.join(map(str, mirrors)) or 'none'}), no URL")
        elif path is not None and item.bytes is not None and path.stat().st_size != item.bytes:
            check.problems.append(f"{path}: {path.stat().st_size:,} bytes, the manifest says {item.bytes:,}")
    check.summary = (f"{counts['raw']} in data/raw, {counts['mirror']} in a mirror, "
                     f"{counts['download']} to download, {counts['missing']} missing")
    return check


def check_report_models(config: Mapping[str, Any]) -> Check:
    check = Check("report models")
    specs = set((config.get("models") or {}).get("specs") or {})
    report = config.get("report") or {}
    named = [("main_model", [report.get("main_model")]), ("regime_model", [report.get("regime_model")]),
             ("main_table_models", report.get("main_table_models") or []),
             ("table_models", report.get("table_models") or [])]
    for key, names in named:
        unknown = [n for n in names if n and n not in specs]
        if unknown:
            check.problems.append(f"report.{key}: {', '.join(unknown)} not in models.specs")
    check.summary = f"main table: {', '.join(report.get('main_table_models') or []) or 'the first models'}"
    return check


def validate_run(root: Path, overlays: Sequence[Path] = (), workdir: Path | None = None) -> list[Check]:
    """Every check, in order; later checks are skipped when the config itself is invalid."""
    config = merged_config([root / "config" / "config.yaml", *overlays])
    checks = [check_config(config, root)]
    if not checks[0].ok:
        return checks
    config = copy.deepcopy(config)
    manifest_check, manifest = check_manifest(config, root)
    checks.append(manifest_check)
    if manifest_check.ok:
        checks.append(check_files(manifest, config, root, workdir or root))
    checks.append(check_report_models(config))
    return checks
