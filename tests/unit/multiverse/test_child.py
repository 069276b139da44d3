"""A multiverse chunk in its own process: the same table as in this process, its log records
relayed to the calling thread's logger, a failure raised with what the child printed."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from dyadstats import multiverse as mv
from dyadstats.errors import DyadstatsError
from dyadstats.multiverse.child import run_chunk_in_child
from dyadstats.testing.simulate import simulate_analysis_frame

CONTROLS = "contiguity_land + log_capability_ratio + major_power_dyad + defense_pact"


def _specs() -> list[dict]:
    section = {"controls": CONTROLS, "choices": {"democracy": ["polity", "vdem"], "estimator": ["logit", "firth"]}}
    space = mv.choice_space(section, {"first_year": 1816, "last_year": 2014})
    return [s.to_dict() for s in mv.expand(space).specifications]


def test_the_child_writes_the_chunk_this_process_writes(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    frame = tmp_path / "frame.parquet"
    pq.write_table(simulate_analysis_frame(n_states=30, n_years=60, start_year=1900, event_rate=0.02, seed=3), frame)
    specs = _specs()
    here = mv.run_chunk(str(frame), specs, "003", str(tmp_path / "here.parquet"))
    with caplog.at_level(logging.INFO, logger="dyadstats"):
        run_chunk_in_child(str(frame), specs, "003", str(tmp_path / "child.parquet"))
    child = pd.read_parquet(tmp_path / "child.parquet")
    assert len(child) == len(specs) == len(here) and (child["status"] == "ok").all()
    pd.testing.assert_frame_equal(child, pd.read_parquet(tmp_path / "here.parquet"))
    relayed = [r for r in caplog.records if r.name == "dyadstats.multiverse"]
    assert any(f"multiverse chunk 003: {len(specs)} ok, 0 not ok" in r.getMessage() for r in relayed)


def test_a_failed_child_raises_with_its_traceback(tmp_path: Path) -> None:
    with pytest.raises(DyadstatsError, match=r"multiverse chunk 009: its process failed \(exit status 1\)") as err:
        run_chunk_in_child(str(tmp_path / "missing.parquet"), _specs(), "009", str(tmp_path / "out.parquet"))
    assert "Traceback" in str(err.value) and "missing.parquet" in str(err.value)
    assert not (tmp_path / "out.parquet").exists()


def test_a_child_whose_run_has_ended_leaves_at_once() -> None:
    """In a child process (the parent-death signal is set on the calling process): with its
    parent's pid it carries on; with any other it leaves, saying why."""
    import os
    import subprocess
    import sys

    code = "import sys; from dyadstats.multiverse.child import die_with_parent; die_with_parent(int(sys.argv[1]))"
    alive = subprocess.run([sys.executable, "-c", code, str(os.getpid())], capture_output=True, text=True)
    assert alive.returncode == 0, alive.stderr
    gone = subprocess.run([sys.executable, "-c", code, str(os.getpid() + 1_000_000)], capture_output=True, text=True)
    assert gone.returncode == 1 and "has ended" in gone.stderr


def test_a_run_that_leaves_by_os_exit_stops_the_server_and_leaves_no_debris(tmp_path: Path) -> None:
    """dyadstats.cli.snakemake_child leaves by os._exit, past multiprocessing's exit handler:
    stop_chunk_server does its work (the server's socket directory removed, the server and
    its chunk reaped, so their CPU time is the run's)."""
    import json
    import os
    import subprocess
    import sys

    frame = tmp_path / "frame.parquet"
    pq.write_table(simulate_analysis_frame(n_states=12, n_years=40, start_year=1950, event_rate=0.05, seed=5), frame)
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"frame": str(frame), "specs": _specs()[:2], "out": str(tmp_path / "out.parquet")}))
    code = ("import json, os, resource, sys\n"
            "from dyadstats.multiverse.child import run_chunk_in_child, stop_chunk_server\n"
            "job = json.load(open(sys.argv[1]))\n"
            "run_chunk_in_child(job['frame'], job['specs'], '000', job['out'])\n"
            "stop_chunk_server()\n"
            "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
            "print(usage.ru_utime + usage.ru_stime, flush=True)\n"
            "os._exit(0)\n")
    temp = tmp_path / "tmp"
    temp.mkdir()
    done = subprocess.run([sys.executable, "-c", code, str(job)], capture_output=True, text=True,
                          env={**os.environ, "TMPDIR": str(temp)}, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.parquet").is_file()
    assert list(temp.iterdir()) == []  # multiprocessing's pymp-* socket directory is gone
    assert float(done.stdout.strip()) > 0.5  # the server's imports and the chunk, reaped here
