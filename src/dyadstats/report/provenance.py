"""Provenance of a report run: input hashes, resolved config, software versions, git state, times.

Times and git state legitimately differ between runs; they live only in ``provenance.json`` and
the report's provenance section, never in the tables, figures or estimates.
"""

from __future__ import annotations

import importlib.metadata as md
import platform
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dyadstats.io.files import sha256_file

REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def utc_now() -> str:
    """The current time, UTC, ISO 8601 to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def file_hashes(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    """sha256 and size of each file, sorted by path; a missing file is listed as missing."""
    out = []
    for p in sorted({str(p) for p in paths}):
        path = Path(p)
        if path.is_file():
            out.append({"path": p, "bytes": path.stat().st_size, "sha256": sha256_file(path)})
        else:
            out.append({"path": p, "bytes": None, "sha256": None, "missing": True})
    return out


def package_versions(distribution: str = "dyadstats") -> dict[str, str]:
    """Installed versions of ``distribution`` and everything it declares as a dependency."""
    names = [distribution]
    for req in md.requires(distribution) or []:
        if "extra ==" in req:
            continue
        match = REQUIREMENT_NAME.match(req)
        if match:
            names.append(match.group(1))
    versions = {}
    for name in names:
        try:
            versions[name] = md.version(name)
        except md.PackageNotFoundError:
            versions[name] = "not installed"
    return dict(sorted(versions.items(), key=lambda kv: kv[0].lower()))


def git_state(directory: str | Path) -> dict[str, Any]:
    """Commit of the repository holding ``directory`` and whether tracked files differ from it."""
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(directory), *args], check=True, capture_output=True, text=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError) as exc:
        return {"commit": None, "dirty": None, "error": f"not a git checkout: {exc}"}
    return {
        "commit": commit,
        "dirty": bool(changed),
        "changed_files": sorted(line[3:] for line in changed.splitlines()),
    }


def software() -> dict[str, Any]:
    import snakemake

    return {
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "snakemake": snakemake.__version__,
        "packages": package_versions(),
    }


def build_provenance(
    *,
    config: Mapping[str, Any],
    inputs: Iterable[str | Path],
    stage_outputs: Iterable[str | Path],
    repo: str | Path,
    started_at: str,
    finished_at: str,
) -> dict[str, Any]:
    """Everything a reviewer needs to tell whether two runs used the same inputs and code."""
    return {
        "started_at": started_at,
        "finished_at": finished_at,
        "config": dict(config),
        "inputs": file_hashes(inputs),
        "stage_outputs": file_hashes(stage_outputs),
        "git": git_state(repo),
        "software": software(),
    }
