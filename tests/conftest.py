"""Shared test helpers: where the real data mirror is, and how to run the workflow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO.parent / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"the real-data mirror {SHARED_DATA} is missing (CI lays ../shared beside the repo)")
    return SHARED_DATA


def run_workflow(
    workdir: Path, config: dict, targets: list[str] | None = None, cores: int = 2
) -> subprocess.CompletedProcess[str]:
    """Run the repository's Snakefile in ``workdir`` with a config written there."""
    workdir.mkdir(parents=True, exist_ok=True)
    cfg_path = workdir / "config.yaml"
    cfg_path.write_text(yaml.safe_dump(config, sort_keys=False))
    argv = [
        sys.executable, "-m", "snakemake",
        "--snakefile", str(REPO / "Snakefile"),
        "--directory", str(workdir),
        "--configfile", str(cfg_path),
        "--cores", str(cores),
        "--force-use-threads",
        *(targets or []),
    ]
    return subprocess.run(argv, capture_output=True, text=True, cwd=workdir)


def base_config(mirror: Path) -> dict:
    """The repository config with absolute paths, so it runs from any working directory."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config["manifest"] = str(REPO / "data" / "sources.yaml")
    config["mirrors"] = [str(mirror)]
    return config


@pytest.fixture(scope="session")
def main_run(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """The README's main job (real data -> report), run once per test session.

    Integration tests read its outputs instead of each re-running the workflow.
    """
    workdir = tmp_path_factory.mktemp("main_run")
    result = run_workflow(workdir, base_config(shared_data))
    assert result.returncode == 0, result.stderr[-6000:]
    return workdir
