"""A multiverse chunk in a process of its own: ``python -m dyadstats.multiverse.child``.

The workflow runs its jobs as threads of one Snakemake process (``dyadstats run`` passes
``--force-use-threads``: one interpreter, the stack imported once). A chunk is Python-heavy
(thousands of small NumPy calls and pandas rows per chunk), so chunks side by side in one
process take turns at the GIL: two 96-specification chunks took 19.7 s as two threads of one
process and 12.5 s as two processes. So each chunk job runs its chunk in one child interpreter
(about 1 s of imports, paid on the chunk's own core), which also keeps the chunk's malloc
settings (:mod:`dyadstats.multiverse.memory`) and memory out of the Snakemake process.

The job goes to the child as JSON on stdin; the child's log records come back as JSON lines on
stderr and are logged again in the calling thread (so they reach the job's log file), anything
else it prints (a traceback) as warnings. The child dies with the calling thread
(``PR_SET_PDEATHSIG``, set by the child itself), and a job interrupted while waiting kills it,
so no chunk outlives its run; its output is written atomically either way.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from dyadstats.errors import DyadstatsError

log = logging.getLogger("dyadstats.multiverse")

#: Linux's prctl option: a signal for this process when the thread that started it exits.
PR_SET_PDEATHSIG = 1
#: Lines of the child's other output quoted in the error of a failed chunk.
ERROR_TAIL_LINES = 30


def die_with_parent(parent: int) -> None:
    """In the child: ask for SIGTERM when the thread that started it ends (Linux's prctl; off
    Linux nothing), and leave at once if that parent is gone already. Set by the child itself:
    a ``preexec_fn`` would run Python between fork and exec in a process full of threads."""
    with contextlib.suppress(OSError, AttributeError):  # the process's own symbols: libc's prctl
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:
        raise SystemExit(f"multiverse chunk: its run (process {parent}) has ended")


def run_chunk_in_child(frame_path: str, spec_dicts: Sequence[Mapping[str, Any]], chunk: str,
                       out_path: str, threads: int = 1) -> None:
    """:func:`dyadstats.multiverse.run_chunk` with the same arguments, in a child process."""
    job = {"frame": frame_path, "specs": list(spec_dicts), "chunk": chunk, "out": out_path, "threads": threads,
           "parent": os.getpid()}
    proc = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8")
    other: list[str] = []
    try:
        assert proc.stdin is not None and proc.stderr is not None
        proc.stdin.write(json.dumps(job))
        proc.stdin.close()
        for line in proc.stderr:
            if not _relay(line):
                other.append(line.rstrip("\n"))
        code = proc.wait()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    for line in other:
        log.warning("multiverse chunk %s (child): %s", chunk, line)
    if code != 0:
        tail = "\n".join(other[-ERROR_TAIL_LINES:])
        raise DyadstatsError(f"multiverse chunk {chunk}: its process failed (exit status {code})"
                             + (f":\n{tail}" if tail else ""))


def _relay(line: str) -> bool:
    """Log one of the child's JSON log records here; False for any other line."""
    try:
        record = json.loads(line)
        level, name, message = int(record["level"]), str(record["name"]), str(record["message"])
    except (ValueError, KeyError, TypeError):
        return False
    logging.getLogger(name).log(level, "%s", message)
    return True


class _JsonLines(logging.Handler):
    """The child's log records as JSON lines on stderr (for :func:`_relay`)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = json.dumps({"level": record.levelno, "name": record.name, "message": record.getMessage()})
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
        except Exception:  # a log line must never fail the chunk
            self.handleError(record)


def main() -> int:
    job = json.loads(sys.stdin.read())
    die_with_parent(int(job["parent"]))
    logger = logging.getLogger("dyadstats")
    logger.setLevel(logging.INFO)
    logger.addHandler(_JsonLines())
    logger.propagate = False
    from dyadstats.multiverse.estimate import run_chunk

    run_chunk(job["frame"], job["specs"], job["chunk"], job["out"], int(job["threads"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
