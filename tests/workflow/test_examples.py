"""The docs/own-data.md examples: each config is valid and plans its role tables;
end to end (slow), each writes its own report whose provenance names the declared file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dyadstats.testing.repo import repo_root

REPO = repo_root()


EXAMPLES = {
    "bmr_democracy": ("my_bmr", "results/roles/democracy/bmr_user.parquet"),
    "dyadic_mid402_events": ("my_dydmid", "results/roles/events/dydmid_user.parquet"),
    "covariate_example": ("my_nmc7", "results/roles/covariates/tpop.parquet"),
    "peacesciencer_dangerous_dyads": ("my_ccode_democracy", "results/roles/democracy/quds.parquet"),
}


def snakemake(workdir: Path, example: str, *extra: str) -> subprocess.CompletedProcess[str]:
    # exactly the README command, with the repository as the current directory
    argv = [sys.executable, "-m", "snakemake", "--cores", "2", "--force-use-threads",
            "--configfile", "config/config.yaml", f"config/examples/{example}.yaml",
            "--directory", str(workdir), *extra]
    return subprocess.run(argv, capture_output=True, text=True, cwd=REPO)


PLANNED = sorted(EXAMPLES)


@pytest.mark.parametrize("example", PLANNED)
def test_example_plans_its_role_table(example: str, tmp_path: Path, shared_data: Path) -> None:
    table, role_table = EXAMPLES[example]
    result = snakemake(tmp_path, example, "-n", "--quiet", "rules", "all")
    assert result.returncode == 0, result.stderr[-3000:]
    result = snakemake(tmp_path, example, "-n", role_table)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"results/ingest/{table}.parquet" in result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("DYADSTATS_EXAMPLES"), reason="three full runs: set DYADSTATS_EXAMPLES=1")
@pytest.mark.parametrize("example", PLANNED)
def test_example_report_names_the_new_source(example: str, tmp_path: Path, shared_data: Path) -> None:
    table, role_table = EXAMPLES[example]
    result = snakemake(tmp_path, example)
    assert result.returncode == 0, result.stderr[-4000:]
    assert (tmp_path / role_table).is_file()
    provenance = json.loads((tmp_path / "reports" / "provenance.json").read_text())
    config = yaml.safe_load((REPO / "config" / "examples" / f"{example}.yaml").read_text())
    (source_id,) = config["extra_sources"]
    (entry,) = config["extra_sources"][source_id]["files"]
    hashes = {i["path"]: i["sha256"] for i in provenance["inputs"]}
    assert hashes[f"data/raw/{source_id}/{entry['file']}"] == entry["sha256"]
    assert source_id in provenance["config"]["extra_sources"]
