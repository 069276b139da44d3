"""Fault injection through ``dyadstats run`` and Snakemake (issue 12): runs survive kill -9 and
Ctrl-C, failed jobs keep the previous good outputs, verified raw copies are never lost.

One clean run builds a narrow job (every ingested table, the universe and events, a narrow
non-directed frame and one model, M1_prd); it reuses the session's main job for what the two
share (raw copies, ingested tables, universe, events), so it builds only the frame and model. Each fault case starts from a copy of that run (or
from nothing), injects its fault and checks the outcome; every rerun that must heal is compared
byte for byte with the clean run's deterministic files (Parquet is written without
timestamps). The database case drives :func:`dyadstats.io.db.build_database` from separate
processes, as a reviewer's DuckDB session and a rebuild would be.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from dyadstats.ingest.manifest import load_manifest
from dyadstats.testing.repo import main_run_config, repo_root

REPO = repo_root()


FRAME = {"directed": False, "democracy": ["polity"], "controls": ["contiguity", "nmc", "majors", "cow_alliance"],
         "outcomes": ["coercion_onset"], "lags": False}
MODEL = "results/models/fits/M1_prd/estimates.parquet"
FRAME_FILE = "results/frames/analysis_dyad_years.parquet"
UNIVERSE = "results/frames/dyad_years.parquet"
EVENTS = "results/frames/mid_dyad_years.parquet"
TARGETS = ["results/audit/ingest.json", FRAME_FILE, MODEL]
STATES = load_manifest(REPO / "data" / "sources.yaml")["cow_states"]
STATES_PARQUET = "results/ingest/cow_states.parquet"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def deterministic(workdir: Path) -> dict[str, str]:
    """sha256 of every result that must be byte-identical between runs."""
    files = [*sorted((workdir / "results" / "ingest").glob("*.parquet")),
             *[workdir / "results" / "frames" / f"{t}.parquet" for t in ("dyad_years", "mid_dyad_years")],
             workdir / FRAME_FILE, workdir / MODEL, workdir / MODEL.replace("estimates", "predictions")]
    return {str(p.relative_to(workdir)): sha(p) for p in files if p.is_file()}


def write_config(workdir: Path, mirror: Path) -> Path:
    """An overlay (layered over config/config.yaml by the CLI): absolute paths, the narrow frame."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "overlay.yaml"
    overlay = {"manifest": str(REPO / "data" / "sources.yaml"), "mirrors": [str(mirror)], "build": {"frame": FRAME}}
    path.write_text(yaml.safe_dump(overlay, sort_keys=False))
    return path


def cli_argv(workdir: Path, targets: list[str]) -> list[str]:
    # --verbose: Snakemake's own job lines ("rule ingest:") tell the test when to interrupt; the
    # quiet console forwards signals through the same dyadstats.cli.launch.forwarding_signals.
    return [sys.executable, "-m", "dyadstats.cli.main", "run", "--verbose", "--directory", str(workdir),
            "--configfile", str(workdir / "overlay.yaml"), "--cores", "2", *targets]


def run_cli(workdir: Path, targets: list[str] = TARGETS) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli_argv(workdir, targets), capture_output=True, text=True, cwd=REPO)


def children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


@dataclass
class Interrupted:
    returncode: int
    output: str


def interrupt(workdir: Path, targets: list[str], pattern: str, how: str, delay: float = 0.2) -> Interrupted:
    """Start ``dyadstats run``; when ``pattern`` is printed wait ``delay`` s, then kill -9 the
    whole run (the CLI and Snakemake, as a crash would) or press Ctrl-C (SIGINT to the CLI)."""
    proc = subprocess.Popen(cli_argv(workdir, targets), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, cwd=REPO)
    lines: list[str] = []
    seen = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if re.search(pattern, line):
                seen.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert seen.wait(240), f"{pattern!r} never printed:\n{''.join(lines)[-3000:]}"
    time.sleep(delay)
    if how == "kill":
        for child in children(proc.pid):
            os.killpg(child, signal.SIGKILL)  # Snakemake runs in its own process group
        proc.kill()
    else:
        proc.send_signal(signal.SIGINT)
    returncode = proc.wait(240)
    reader.join(10)
    return Interrupted(returncode, "".join(lines))


def copy_run(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """A mirror of symlinks into ../shared/data, with the COW states file a real copy to break."""
    root = tmp_path_factory.mktemp("mirror")
    for p in shared_data.rglob("*"):
        if p.is_file():
            target = root / p.relative_to(shared_data)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(p)
    states = root / STATES.mirror_path if STATES.mirror_path else None
    assert states is not None and states.is_symlink(), STATES
    real = states.resolve().read_bytes()
    states.unlink()
    states.write_bytes(real)
    return root


# What the narrow job shares with the session's main job (same config but build.frame): raw
# copies, ingested tables, universe and events (which the narrow run rebuilds for MID alone),
# with their audits, and Snakemake's records of
# them (so that a changed manifest sha256, a params change, still re-acquires).
SEED = [".snakemake/metadata", "data/raw", "results/ingest", "results/audit/ingest", "results/audit/ingest.json",
        "results/audit/universe.json", "results/audit/events.json",
        *[f"results/frames/{t}.parquet" for t in ("state_years", "dyad_years", "directed_dyad_years",
                                                   "mid_dyad_years", "mid_directed_dyad_years",
                                                   "ties_directed_dyad_years", "icb_directed_dyad_years",
                                                   "war_directed_dyad_years")]]


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory, mirror: Path, main_run: Path) -> tuple[Path, dict[str, str]]:
    """The clean narrow run. It starts from the main job's shared outputs (deterministic, so the
    bytes a from-scratch narrow run would write; mtimes and Snakemake's metadata kept, so they
    are up to date and a params change still reruns them) and builds the narrow frame and
    M1_prd: every fault case still reruns and heals its own stage, and is compared with these
    files."""
    workdir = tmp_path_factory.mktemp("faults") / "clean"
    write_config(workdir, mirror)
    for rel in SEED:
        src, dst = main_run / rel, workdir / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, symlinks=True)
        else:
            shutil.copy2(src, dst)
    result = run_cli(workdir)
    assert result.returncode == 0, result.stderr[-4000:]
    jobs = result.stdout + result.stderr
    # the ingest is shared; the events stage reruns, because the narrow frame reads MID alone
    # and the stage builds only what the frames read (dyadstats.frame.needs)
    assert "rule ingest:" not in jobs and "localrule ingest:" not in jobs, jobs[-3000:]
    files = deterministic(workdir)
    assert MODEL in files and FRAME_FILE in files and STATES_PARQUET in files
    return workdir, files


def assert_no_debris(workdir: Path) -> None:
    assert not list(workdir.rglob(".*.part")), "a .part file was left behind"
    locks = workdir / ".snakemake" / "locks"
    assert not locks.is_dir() or not any(locks.iterdir()), "a Snakemake lock was left behind"


# the largest tables, so that the interruption lands while their ingest jobs run
INGESTED = [f"results/ingest/{t}.parquet" for t in ("ps_cow_mindist", "vdem", "uds", "nmc", "cow_contdird")]
# stage -> (what to delete from the clean run so that the stage reruns, targets, line printed mid-stage)
STAGES = {
    "ingest": (INGESTED, INGESTED, r"rule ingest:"),
    # a missing universe or event table, asked for (Snakemake does not rebuild a missing
    # intermediate of an up-to-date target), then the frame that reads it
    "universe": ([UNIVERSE], [UNIVERSE, FRAME_FILE], r"rule universe:"),
    "events": ([EVENTS], [EVENTS, FRAME_FILE], r"rule events:"),
    # the frame stage logs from its modules (dyadstats.frame.prepare, ...): any of them will do
    "frame": ([FRAME_FILE], [FRAME_FILE], r"dyadstats\.frame(\.\w+)*: frame: "),
    "model": ([MODEL], [MODEL], r"rule model:"),  # the fit's first lines come too late to hit
}


@pytest.mark.parametrize(("stage", "how"), [("ingest", "kill"), ("universe", "kill"), ("events", "kill"),
                                            ("frame", "kill"), ("model", "kill"),
                                            ("ingest", "sigint"), ("events", "sigint"), ("model", "sigint")])
def test_interrupted_run_heals_to_the_clean_run(
    stage: str, how: str, clean: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    src, expected = clean
    remove, targets, pattern = STAGES[stage]
    workdir = copy_run(src, tmp_path / "run")
    for path in remove:
        (workdir / path).unlink()
    hit = interrupt(workdir, targets, pattern, how)
    assert "(100%) done" not in hit.output, "the interruption came after the run had finished"
    assert hit.returncode != 0, hit.output[-3000:]
    if how == "sigint":
        # Snakemake stopped cleanly: no lock, no .part file, nothing half-written left
        assert "letting Snakemake stop its jobs cleanly" in hit.output
        assert_no_debris(workdir)

    rerun = run_cli(workdir, targets)
    assert rerun.returncode == 0, rerun.stderr[-4000:]
    if how == "kill":
        assert "clearing a stale lock" in rerun.stderr
    assert "--unlock" not in rerun.stderr  # no advice naming a flag the CLI does not take
    assert_no_debris(workdir)
    healed = deterministic(workdir)
    for path in (p for p in healed if p in expected):
        assert healed[path] == expected[path], f"{path} differs from the clean run"
    assert set(healed) == set(expected)


def test_changed_and_deleted_mirror_file_keep_the_verified_copy(
    clean: tuple[Path, dict[str, str]], mirror: Path, tmp_path: Path
) -> None:
    workdir = copy_run(clean[0], tmp_path / "run")
    raw = workdir / STATES.raw_path
    before = raw.read_bytes()
    states = mirror / STATES.mirror_path
    original = states.read_bytes()
    try:
        states.write_bytes(original.replace(b"United States", b"United Stetes", 1))
        changed = run_cli(workdir, [STATES_PARQUET])
        assert changed.returncode == 0, changed.stderr[-3000:]
        states.unlink()
        gone = run_cli(workdir, [STATES_PARQUET])
        assert gone.returncode == 0, gone.stderr[-3000:]
        assert raw.read_bytes() == before and sha(raw) == STATES.sha256
        assert sha(workdir / STATES_PARQUET) == clean[1][STATES_PARQUET]
        # with the copy gone too, acquire (of the copy) fails and says where it looked; the
        # table stays (Snakemake does not rebuild a missing intermediate of an up-to-date table)
        raw.unlink()
        lost = run_cli(workdir, [STATES.raw_path])
        assert lost.returncode != 0
        assert f"source '{STATES.source_id}' file '{STATES.file}'" in lost.stderr
        assert "was not found" in lost.stderr and f"{states} (absent)" in lost.stderr
        assert sha(workdir / STATES_PARQUET) == clean[1][STATES_PARQUET]
    finally:
        if states.exists():
            states.unlink()
        states.write_bytes(original)
    healed = run_cli(workdir, [STATES.raw_path])
    assert healed.returncode == 0, healed.stderr[-3000:]
    assert raw.read_bytes() == before


def test_failed_reacquire_keeps_the_verified_copy(clean: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    # a manifest hash change re-acquires; the mirror has no such file, so acquire fails
    workdir = copy_run(clean[0], tmp_path / "run")
    raw = workdir / STATES.raw_path
    before = raw.read_bytes()
    manifest = yaml.safe_load((REPO / "data" / "sources.yaml").read_text())
    entry = next(f for f in manifest["sources"][STATES.source_id]["files"] if f["file"] == STATES.file)
    entry["sha256"] = "0" * 64
    (workdir / "sources.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    overlay = yaml.safe_load((workdir / "overlay.yaml").read_text())
    overlay["manifest"] = str(workdir / "sources.yaml")
    (workdir / "overlay.yaml").write_text(yaml.safe_dump(overlay))
    failed = run_cli(workdir, [STATES.raw_path])
    assert failed.returncode != 0
    assert "checksum mismatch, refusing to use it" in failed.stderr, failed.stderr[-3000:]
    assert raw.read_bytes() == before, "the verified copy was deleted by a failed re-acquire"
    # the next run retries the failed acquire (not "nothing to be done"), and keeps the copy
    again = run_cli(workdir, [STATES_PARQUET])
    assert again.returncode != 0
    assert "checksum mismatch, refusing to use it" in again.stderr, again.stderr[-3000:]
    assert raw.read_bytes() == before


def test_hand_edited_raw_file_is_refused_and_the_table_kept(
    clean: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    workdir = copy_run(clean[0], tmp_path / "run")
    raw = workdir / STATES.raw_path
    edited = raw.read_bytes().replace(b"United States", b"United Stetes", 1)
    raw.write_bytes(edited)
    for _ in range(2):  # the second run retries the failed job instead of skipping it
        result = run_cli(workdir, [STATES_PARQUET])
        assert result.returncode != 0, result.stderr[-2000:]
        assert f"sha256 {hashlib.sha256(edited).hexdigest()}, but the manifest declares {STATES.sha256}" in result.stderr
        assert sha(workdir / STATES_PARQUET) == clean[1][STATES_PARQUET], "the previous table was lost"
    raw.unlink()  # the fix the message suggests: re-acquire the verified file
    healed = run_cli(workdir, [STATES_PARQUET])
    assert healed.returncode == 0, healed.stderr[-3000:]
    assert sha(raw) == STATES.sha256
    assert sha(workdir / STATES_PARQUET) == clean[1][STATES_PARQUET]


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): sha(p) for p in sorted(root.rglob("*")) if p.is_file()}


def test_killed_report_leaves_the_previous_reports_whole(
    main_run: Path, shared_data: Path, tmp_path: Path
) -> None:
    """kill -9 while the report stage writes: reports/ is the previous run's, byte for byte
    (the new tree was being written aside, dyadstats.io.swap); the next run swaps in a whole one."""
    workdir = copy_run(main_run, tmp_path / "run")
    (workdir / "overlay.yaml").write_text(yaml.safe_dump(main_run_config(shared_data), sort_keys=False))
    before = _tree(workdir / "reports")
    codebook = workdir / "results" / "frames" / "codebook.md"
    codebook.write_text(codebook.read_text() + "\n")  # a changed input: the report reruns
    hit = interrupt(workdir, ["reports/report.html"], r"rule write_report:", "kill", delay=1.5)
    assert "(100%) done" not in hit.output, "the report finished before the kill"
    assert _tree(workdir / "reports") == before
    rerun = run_cli(workdir, ["reports/report.html"])
    assert rerun.returncode == 0, rerun.stderr[-4000:]
    after = _tree(workdir / "reports")
    assert set(after) == set(before)
    assert (workdir / "reports" / "codebook.md").read_text() == codebook.read_text()
    assert not [p.name for p in workdir.iterdir() if p.name.startswith(".reports.")]


def test_failed_model_keeps_its_previous_files(clean: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    workdir = copy_run(clean[0], tmp_path / "run")
    fits = workdir / "results" / "models" / "fits" / "M1_prd"
    before = {p.name: sha(p) for p in sorted(fits.iterdir())}
    overlay = yaml.safe_load((workdir / "overlay.yaml").read_text())
    overlay["models"] = {"specs": {"M1_prd": {"regressors": "{joint_democracy} + no_such_column"}}}
    (workdir / "overlay.yaml").write_text(yaml.safe_dump(overlay))
    failed = run_cli(workdir, [MODEL])
    assert failed.returncode != 0
    assert "no_such_column" in failed.stderr
    assert {p.name: sha(p) for p in sorted(fits.iterdir())} == before


DB_SESSION = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])  # read-write, as `duckdb results/dyadstats.duckdb` opens it
con.execute("CREATE TABLE my_notes AS SELECT 42 AS answer")
print("open", flush=True)
time.sleep(float(sys.argv[2]))
"""
DB_BUILD = """
import sys
from dyadstats.io.db import build_database
build_database({name: sys.argv[2] for name in sys.argv[3:]}, sys.argv[1])
"""
DB_READ = """
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=True)
print(sorted(r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()))
"""


def test_open_read_write_session_never_wedges_the_database(
    clean: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    db = tmp_path / "dyadstats.duckdb"
    parquet = str(clean[0] / STATES_PARQUET)
    py = [sys.executable, "-c"]
    subprocess.run([*py, DB_BUILD, str(db), parquet, "cow_states"], check=True)
    session = subprocess.Popen([*py, DB_SESSION, str(db), "5"], stdout=subprocess.PIPE, text=True)
    try:
        assert session.stdout is not None and session.stdout.readline().strip() == "open"
        assert Path(f"{db}.wal").exists()  # the session's uncheckpointed write
        build = subprocess.run([*py, DB_BUILD, str(db), parquet, "cow_states", "states_again"],
                               capture_output=True, text=True, timeout=60)
        assert build.returncode == 0, build.stderr
        read = subprocess.run([*py, DB_READ, str(db)], capture_output=True, text=True, timeout=60)
        assert read.returncode == 0, read.stderr
        assert read.stdout.strip() == "['cow_states', 'states_again']"
    finally:
        session.kill()  # the session dies without closing (the worst case)
        session.wait()
    read = subprocess.run([*py, DB_READ, str(db)], capture_output=True, text=True, timeout=60)
    assert read.returncode == 0, read.stderr
    rebuilt = subprocess.run([*py, DB_BUILD, str(db), parquet, "cow_states"], capture_output=True, text=True)
    assert rebuilt.returncode == 0, rebuilt.stderr
