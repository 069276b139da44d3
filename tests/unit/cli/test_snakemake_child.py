"""``dyadstats run``'s Snakemake child: Snakemake's exit status, a quick exit, found as a live run."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from dyadstats.cli.launch import live_snakemake
from dyadstats.cli.main import snakemake_argv
from dyadstats.cli.snakemake_child import MODULE, exit_status

SMALL = """
rule all:
    input: "out.txt"

rule make:
    output: "out.txt"
    run:
        open(output[0], "w").write("made\\n")
"""

BROKEN = """
rule all:
    input: "out.txt"

rule make:
    output: "out.txt"
    run:
        raise RuntimeError("this job fails")
"""


def run_child(tmp_path: Path, snakefile: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "Snakefile").write_text(snakefile)
    argv = [sys.executable, "-m", MODULE, "--snakefile", str(tmp_path / "Snakefile"),
            "--directory", str(tmp_path), "--cores", "1", "--force-use-threads"]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


def test_exit_status_maps_sys_exit_arguments() -> None:
    assert exit_status(None) == 0
    assert exit_status(0) == 0 and exit_status(3) == 3
    assert exit_status("a message") == 1


def test_child_runs_the_workflow_and_returns_snakemakes_status(tmp_path: Path) -> None:
    done = run_child(tmp_path, SMALL)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.txt").read_text() == "made\n"
    assert "steps (100%) done" in done.stderr  # Snakemake's log reached the stream before the exit
    (tmp_path / "broken").mkdir()
    failed = run_child(tmp_path / "broken", BROKEN)
    assert failed.returncode == 1
    assert "this job fails" in failed.stderr


def test_dyadstats_run_starts_the_child(tmp_path: Path) -> None:
    argv = snakemake_argv(tmp_path, 2, [])
    assert argv[1:3] == ["-m", MODULE]


def test_live_child_is_found(tmp_path: Path) -> None:
    busy = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", MODULE], cwd=tmp_path)
    try:
        time.sleep(0.3)
        assert live_snakemake(tmp_path) == [busy.pid]
    finally:
        busy.kill()
        busy.wait()
