"""``dyadstats bench`` finds the repository's benchmarks/ and refuses clearly without one."""

from __future__ import annotations

from pathlib import Path

import pytest

from dyadstats.cli.bench import load_bench
from dyadstats.cli.main import main

REPO = Path(__file__).resolve().parents[3]


def test_loads_the_repository_benchmarks():
    module = load_bench(REPO)
    assert Path(module.__file__).resolve() == (REPO / "benchmarks" / "bench.py").resolve()
    assert callable(module.main) and "standard" in module.CASES


def test_a_checkout_without_benchmarks_is_refused(tmp_path: Path):
    (tmp_path / "Snakefile").write_text("")
    (tmp_path / "workflow").mkdir()
    with pytest.raises(SystemExit, match=r"benchmarks/bench.py not found.*clone of the dyadstats"):
        load_bench(tmp_path)


def test_outside_a_repository_the_command_says_so(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match="no Snakefile found"):
        main(["bench", "standard"])
