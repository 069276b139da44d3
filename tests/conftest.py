"""Session fixtures shared by every test directory, and the markers each directory carries.

tests/unit/ is offline (a tiny committed world, no ../shared), tests/parity/ reads the real
data in ../shared, tests/workflow/ runs Snakemake. Each test gets its directory's marker, so
``pytest -m "not parity and not workflow"`` (or ``pytest tests/unit``) runs the offline tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dyadstats.testing.browser import find_chromium
from dyadstats.testing.repo import (
    default_mirror,
    main_run_config,
    repo_root,
    run_workflow,
)

TESTS = Path(__file__).resolve().parent
#: directory under tests/ -> marker (registered in pyproject.toml)
DIRECTORY_MARKERS = {"unit": "unit", "parity": "parity", "workflow": "workflow"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(item.fspath).resolve().relative_to(TESTS).parts
        marker = DIRECTORY_MARKERS.get(parts[0]) if len(parts) > 1 else None
        if marker is None:
            raise pytest.UsageError(f"{item.nodeid}: every test lives in tests/unit, tests/parity or tests/workflow")
        item.add_marker(marker)


@pytest.fixture(scope="session")
def repo() -> Path:
    """The repository checkout (its Snakefile, config/ and data/sources.yaml)."""
    return repo_root()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    mirror = default_mirror()
    if not mirror.is_dir():
        pytest.fail(f"the real-data mirror {mirror} is missing (CI lays ../shared beside the repo)")
    return mirror


@pytest.fixture(scope="session")
def main_run(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """The README's main job (real data -> report), run once per test session.

    Integration tests read its outputs instead of each re-running the workflow.
    """
    workdir = tmp_path_factory.mktemp("main_run")
    result = run_workflow(workdir, main_run_config(shared_data))
    assert result.returncode == 0, result.stderr[-6000:]
    return workdir


@pytest.fixture(scope="session")
def chromium() -> str:
    """Headless Chromium for the report's rendering checks: skipped without one, except where
    DYADSTATS_REQUIRE_CHROMIUM=1 (CI) makes a missing browser a failure."""
    exe = find_chromium()
    if exe is None:
        reason = "chromium is not installed (apt-get install chromium; .ci/run installs it)"
        if os.environ.get("DYADSTATS_REQUIRE_CHROMIUM") == "1":
            pytest.fail(f"{reason}, and DYADSTATS_REQUIRE_CHROMIUM=1 requires it")
        pytest.skip(reason)
    return exe
