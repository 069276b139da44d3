"""The multiverse grid through Snakemake's cluster-generic executor (the distributed path).

A small choice space on a synthetic analysis frame is run with ``--executor cluster-generic``
whose submit command is ``tests/fixtures/multiverse_submit.sh``: a stand-in scheduler that logs
every submission's declared resources and runs the job script in the background. The test
checks the job split (one submission per chunk plus gather and figure), the resources the
scheduler was asked for, and that the gathered table equals a direct in-process estimation.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from dyadstats import multiverse as mv
from dyadstats.testing.repo import base_config, repo_root
from dyadstats.testing.simulate import simulate_analysis_frame

REPO = repo_root()


SUBMIT = REPO / "tests" / "fixtures" / "multiverse_submit.sh"
SECTION = {
    "enabled": False,
    "chunk_size": 4,
    "controls": "contiguity_land + capability_ratio + major_power_dyad + defense_pact",
    "firth_samples": ["politically_relevant"],
    "resources": {"mem_mb": 1234, "runtime": 7},
    "choices": {
        "outcome": ["coercion_onset", "mid_onset"],
        "democracy": ["polity", "bmr"],
        "link": ["joint", "weak_link"],
        "sample": ["all", "politically_relevant"],
        "estimator": ["logit", "firth"],
    },
}


@pytest.fixture(scope="module")
def cluster_run(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> dict:
    workdir = tmp_path_factory.mktemp("multiverse_cluster")
    frame = simulate_analysis_frame(n_states=30, n_years=80, start_year=1935, event_rate=0.01, seed=11)
    frame_path = workdir / "results" / "frames" / "analysis_dyad_years.parquet"
    frame_path.parent.mkdir(parents=True)
    pq.write_table(frame, frame_path)
    config = base_config(shared_data)
    config["multiverse"] = SECTION
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    ledger = workdir / "submissions.txt"
    submit = f"{SUBMIT} --rule={{rule}} --threads={{threads}} --mem-mb={{resources.mem_mb}} --runtime={{resources.runtime}}"
    argv = [
        sys.executable, "-m", "snakemake",
        "--snakefile", str(REPO / "Snakefile"),
        "--directory", str(workdir),
        "--configfile", str(workdir / "config.yaml"),
        "--executor", "cluster-generic",
        "--cluster-generic-submit-cmd", submit,
        "--jobs", "4",
        "--latency-wait", "10",
        # The synthetic frame stands in for the frame stage's output: build nothing upstream.
        "--allowed-rules", "multiverse_chunk", "multiverse_gather", "multiverse_figure",
        "--", "results/multiverse/model_multiverse.parquet", "results/multiverse/specification_curve.png",
    ]
    env = {**os.environ, "MULTIVERSE_SUBMIT_LEDGER": str(ledger)}
    result = subprocess.run(argv, capture_output=True, text=True, cwd=workdir, env=env, timeout=900)
    assert result.returncode == 0, result.stderr[-6000:]
    return {"workdir": workdir, "frame": frame, "ledger": ledger, "log": result.stderr}


def _expansion() -> mv.Expansion:
    return mv.expand(mv.choice_space(SECTION, {"first_year": 1816, "last_year": 2014}))


def test_one_submission_per_chunk_with_declared_resources(cluster_run: dict) -> None:
    lines = cluster_run["ledger"].read_text().splitlines()
    by_rule: dict[str, list[dict[str, str]]] = {}
    for line in lines:
        fields = dict(part.lstrip("-").split("=", 1) for part in line.split()[1:])
        by_rule.setdefault(fields["rule"], []).append(fields)
    n_chunks = len(mv.chunk_specifications(_expansion().specifications, SECTION["chunk_size"]))
    assert n_chunks > 1
    assert len(by_rule["multiverse_chunk"]) == n_chunks
    assert len(by_rule["multiverse_gather"]) == 1 and len(by_rule["multiverse_figure"]) == 1
    for sub in by_rule["multiverse_chunk"]:
        assert sub == {"rule": "multiverse_chunk", "threads": "1", "mem-mb": "1234", "runtime": "7"}
    assert "Submitted" in cluster_run["log"]


def test_gathered_table_equals_direct_estimation(cluster_run: dict) -> None:
    workdir = cluster_run["workdir"]
    table = pd.read_parquet(workdir / "results" / "multiverse" / "model_multiverse.parquet")
    ex = _expansion()
    # 2 outcomes x (polity joint, polity weak link, bmr joint) x (all: logit; relevant: logit, firth)
    assert len(ex.specifications) == 18 and len(table) == 18
    assert table["spec_id"].tolist() == list(range(1, 19))
    assert table["chunk"].nunique() == len(list((workdir / "results" / "multiverse" / "chunks").glob("*.parquet")))
    direct = mv.estimate_specifications(cluster_run["frame"], ex.specifications)
    pd.testing.assert_series_equal(table["estimate"], direct["estimate"], check_exact=False, rtol=1e-9)
    pd.testing.assert_series_equal(table["n_obs"], direct["n_obs"])
    skipped = pd.read_parquet(workdir / "results" / "multiverse" / "skipped.parquet")
    assert set(skipped["rule"]) == {"weak_link_dichotomy", "firth_sample"}
    assert (workdir / "results" / "audit" / "multiverse.json").is_file()
    assert (workdir / "results" / "multiverse" / "specification_curve.svg").is_file()
    assert (workdir / "results" / "multiverse" / "summary.json").is_file()
