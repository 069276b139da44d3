"""dyadstats.io.keep and dyadstats.cli.launch on hand-made directories and processes (no Snakemake)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dyadstats.cli.launch import SNAKEMAKE_LOCKS, clear_stale_lock, live_snakemake, run_lock
from dyadstats.io.keep import FAILED_DIR, failures_of, keep_previous, remove_orphan_parts


def test_failed_job_counts_a_failure_and_a_success_keeps_the_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from snakemake.iocontainers import Wildcards

    out = tmp_path / "results" / "t.parquet"
    out.parent.mkdir(parents=True)
    out.write_bytes(b"previous good")
    monkeypatch.chdir(tmp_path)  # params functions run in the working directory
    wildcards = Wildcards(fromdict={"table": "t"})
    failures = failures_of("ingest")
    assert failures(wildcards) == 0
    for expected in (1, 2):
        with pytest.raises(ValueError), keep_previous("ingest", wildcards, tmp_path):
            raise ValueError("bad input")
        assert out.read_bytes() == b"previous good"  # never deleted
        assert failures(wildcards) == expected  # a new params value: Snakemake reruns the job
    assert [p.name for p in (tmp_path / FAILED_DIR).iterdir()] == ["ingest%2Ctable%3Dt"]
    assert failures(Wildcards(fromdict={"table": "other"})) == 0
    with keep_previous("ingest", wildcards, tmp_path):
        out.write_bytes(b"new")
    assert failures(wildcards) == 2  # unchanged by success: the run after it has nothing to redo


def test_orphan_parts_removed_only_where_atomic_writers_put_them(tmp_path: Path) -> None:
    parts = [tmp_path / "results" / "frames" / ".a.parquet.x1.part", tmp_path / "data" / "raw" / "s" / ".f.csv.y.part"]
    keep = [tmp_path / "results" / "visible.part", tmp_path / "elsewhere" / ".b.z.part"]
    for p in [*parts, *keep]:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x")
    assert sorted(remove_orphan_parts(tmp_path)) == sorted(parts)
    assert all(p.exists() for p in keep) and not any(p.exists() for p in parts)


def test_run_lock_is_exclusive(tmp_path: Path) -> None:
    with run_lock(tmp_path) as first:
        assert first
        holder = subprocess.run(
            [sys.executable, "-c", "import sys; from pathlib import Path; from dyadstats.cli.launch import run_lock\n"
             "with run_lock(Path(sys.argv[1])) as held: print(held)", str(tmp_path)],
            capture_output=True, text=True, check=True)
        assert holder.stdout.strip() == "False"
    with run_lock(tmp_path) as again:
        assert again


UNLOCK = "import sys; open('unlocked', 'w').write(' '.join(sys.argv[1:]))"


def test_stale_lock_cleared_with_unlock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / SNAKEMAKE_LOCKS).mkdir(parents=True)
    (tmp_path / SNAKEMAKE_LOCKS / "0.input.lock").write_text("x")
    result = clear_stale_lock([sys.executable, "-c", f"import os; os.chdir({str(tmp_path)!r}); {UNLOCK}"], tmp_path)
    assert result is None
    assert (tmp_path / "unlocked").read_text() == "--unlock"
    err = capsys.readouterr().err
    assert "clearing a stale lock" in err and "--unlock" not in err


def test_live_snakemake_lock_is_reported_not_cleared(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / SNAKEMAKE_LOCKS).mkdir(parents=True)
    (tmp_path / SNAKEMAKE_LOCKS / "0.input.lock").write_text("x")
    # a process whose command line has a `snakemake` word, working in the directory
    busy = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "snakemake"], cwd=tmp_path)
    try:
        time.sleep(0.3)
        assert live_snakemake(tmp_path) == [busy.pid]
        assert clear_stale_lock([sys.executable, "-c", UNLOCK], tmp_path) == 1
    finally:
        busy.kill()
        busy.wait()
    err = capsys.readouterr().err
    assert f"in use by a running Snakemake process (pid {busy.pid})" in err and "--unlock" not in err
    assert not (tmp_path / "unlocked").exists()


CHILD = """
import signal, sys, time
from pathlib import Path
def stop(signum, frame):
    Path(sys.argv[1]).write_text(signal.Signals(signum).name)
    sys.exit(3)
signal.signal(signal.SIGINT, stop)
print("ready", flush=True)
time.sleep(30)
"""


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM])
def test_signals_are_forwarded_as_sigint_and_the_child_code_returned(tmp_path: Path, sent: signal.Signals) -> None:
    (tmp_path / "child.py").write_text(CHILD)
    wrapper = textwrap.dedent(f"""
        import sys
        from dyadstats.cli.launch import run_child
        sys.exit(run_child([sys.executable, {str(tmp_path / 'child.py')!r}, {str(tmp_path / 'got')!r}]))
    """)
    proc = subprocess.Popen([sys.executable, "-c", wrapper], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    os.kill(proc.pid, sent)
    assert proc.wait(20) == 3  # the child's own exit code, not a SIGKILL
    assert (tmp_path / "got").read_text() == "SIGINT"


def test_output_reading_a_missing_file_is_made_stale(tmp_path: Path) -> None:
    from dyadstats.io.keep import require_inputs_present

    db, present, gone = tmp_path / "db.duckdb", tmp_path / "a.parquet", tmp_path / "b.parquet"
    db.write_text("x")
    present.write_text("a")
    assert require_inputs_present(db, [present]) == [] and db.stat().st_mtime > 0
    assert require_inputs_present(db, [present, gone]) == [str(gone)]
    assert db.stat().st_mtime == 0


def test_snakemake_directory_option_wins_over_the_process_directory(tmp_path: Path) -> None:
    from dyadstats.cli.launch import _snakemake_directory

    other = tmp_path / "other"
    assert _snakemake_directory(["python", "-m", "snakemake", "--directory", str(other)], tmp_path) == other
    assert _snakemake_directory(["snakemake", "-d", "sub"], tmp_path) == tmp_path / "sub"
    assert _snakemake_directory(["snakemake", f"--directory={other}"], tmp_path) == other
    assert _snakemake_directory(["snakemake", "-n"], tmp_path) == tmp_path.resolve()
