"""The repository checkout around the package: where it is, and how to run its workflow.

Tests and users' own checks run the repository's Snakefile on a config of their own; these
helpers do it the same way everywhere (absolute paths, so any working directory works).
"""

from __future__ import annotations

import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import yaml


@cache
def repo_root() -> Path:
    """The checkout that holds this package's sources (the directory with the Snakefile)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "Snakefile").is_file() and (parent / "workflow").is_dir():
            return parent
    raise FileNotFoundError(
        f"{here} is not inside a dyadstats checkout (no Snakefile above it): the workflow helpers "
        "need the repository; install it editable from a clone (pip install -e .)"
    )


def default_mirror() -> Path:
    """The real-data mirror the default config names (``../shared/data`` beside the checkout)."""
    return (repo_root().parent / "shared" / "data").resolve()


def base_config(mirror: str | Path) -> dict[str, Any]:
    """The repository config with absolute paths and ``mirror`` as the only mirror."""
    root = repo_root()
    config = yaml.safe_load((root / "config" / "config.yaml").read_text())
    config["manifest"] = str(root / "data" / "sources.yaml")
    config["mirrors"] = [str(mirror)]
    return config


#: The specification curve of the tests' main job: every dimension of the default grid but with
#: fewer values (both estimators and covariances, two links, outcomes and measures, one of them
#: a dichotomy so a skip rule applies): 2^6 = 64 combinations less 16 Firth fits on all dyads
#: (firth_samples) and 12 BMR weak links (a dichotomy's weak link is joint democracy itself) =
#: 36 specifications, in two chunks. The full grid is
#: ``make run``'s and the bench's; its estimation is checked on simulated frames in
#: tests/unit/multiverse, so the tests' main job need not fit all of it.
MAIN_RUN_CURVE = {
    "chunk_size": 18,
    "choices": {
        "outcome": ["coercion_onset", "mid_onset"],
        "democracy": ["polity", "bmr"],
        "threshold": [{"label": "default"}],
        "link": ["joint", "weak_link"],
        "lag": [0],
        "sample": ["all", "politically_relevant"],
        "era": [{"label": "all years", "years": None}],
        "time": ["cubic"],
        "estimator": ["logit", "firth"],
        "covariance": ["cluster", "dyadic"],
    },
}


def main_run_config(mirror: str | Path) -> dict[str, Any]:
    """The tests' main job: :func:`base_config` with the small curve :data:`MAIN_RUN_CURVE`.

    Tests that rerun a copy of the main job use this config too, so the curve's jobs stay done.
    """
    config = base_config(mirror)
    config["multiverse"] = {**config["multiverse"], **MAIN_RUN_CURVE}
    return config


def snakemake_argv(workdir: Path, configfile: Path, targets: list[str] | None = None,
                   cores: int = 2, *extra: str) -> list[str]:
    """Snakemake on the repository's Snakefile in ``workdir``; jobs in threads (faster start).

    Started as ``dyadstats run`` starts it (:mod:`dyadstats.cli.snakemake_child`: Snakemake's
    command line, then an exit without tearing down the heap, which took seconds per run).
    """
    from dyadstats.cli.snakemake_child import MODULE

    return [
        sys.executable, "-m", MODULE,
        "--snakefile", str(repo_root() / "Snakefile"),
        "--directory", str(workdir),
        "--configfile", str(configfile),
        "--cores", str(cores),
        "--force-use-threads",
        *extra,
        *(targets or []),
    ]


def run_workflow(workdir: Path, config: dict[str, Any], targets: list[str] | None = None, cores: int = 2,
                 extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """Run the repository's Snakefile in ``workdir`` with ``config`` written there."""
    workdir.mkdir(parents=True, exist_ok=True)
    cfg_path = workdir / "config.yaml"
    cfg_path.write_text(yaml.safe_dump(config, sort_keys=False))
    argv = snakemake_argv(workdir, cfg_path, targets, cores, *extra)
    return subprocess.run(argv, capture_output=True, text=True, cwd=workdir)
