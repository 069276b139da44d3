"""A multiverse chunk in a process of its own, forked from a server that has the stack imported.

The workflow runs its jobs as threads of one Snakemake process (``dyadstats run`` passes
``--force-use-threads``: one interpreter, the stack imported once). A chunk is Python-heavy
(thousands of small NumPy calls and pandas rows per chunk), so chunks side by side in one
process take turns at the GIL: two 96-specification chunks took 19.7 s as two threads of one
process and 12.5 s as two processes. So each chunk job runs its chunk in a child process, which
also keeps the chunk's malloc settings (:mod:`dyadstats.multiverse.memory`) and memory out of the
Snakemake process.

The children are forked from one server per Snakemake process (:mod:`multiprocessing`'s
forkserver, started by the first chunk) that has imported the estimation modules
(:data:`PRELOAD`) once: a fresh interpreter per chunk paid about a second of imports each time.
The server is a single-threaded process of its own, so forking it is safe where forking the
threaded Snakemake process would not be.

The child's log records come back over a pipe and are logged again in the calling thread (so
they reach the job's log file); a failure comes back as its traceback. A child dies with the
server that forked it (``PR_SET_PDEATHSIG``, set by the child itself), the server with the
Snakemake process (it exits when its last client is gone), and a job interrupted while waiting
kills its child, so no chunk outlives its run; its output is written atomically either way.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import threading
import traceback
from collections.abc import Mapping, Sequence
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from typing import Any

from dyadstats.errors import DyadstatsError

log = logging.getLogger("dyadstats.multiverse")

#: Linux's prctl option: a signal for this process when the thread that started it exits.
PR_SET_PDEATHSIG = 1
#: Lines of the child's traceback quoted in the error of a failed chunk.
ERROR_TAIL_LINES = 30
#: What the fork server imports once, before it forks any chunk.
PRELOAD = ("dyadstats.multiverse.estimate", "dyadstats.multiverse.memory", "threadpoolctl")

_context_lock = threading.Lock()
_context: BaseContext | None = None


def chunk_context() -> BaseContext:
    """The forkserver context chunks start in (its server started by the first chunk)."""
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(PRELOAD))
            _context = context
        return _context


def stop_chunk_server() -> None:
    """What the interpreter's exit would do, for a process that leaves by ``os._exit``
    (:mod:`dyadstats.cli.snakemake_child`): stop the fork server and wait for it (so its CPU
    time and its chunks' are accounted to this process), then run multiprocessing's exit
    handler (it removes the server's socket directory). Both are multiprocessing internals,
    stable since Python 3.4; if either is missing, the server still exits by itself and only
    the directory is left in the temp dir."""
    if _context is None:
        return
    from multiprocessing import forkserver, util

    with contextlib.suppress(Exception):
        forkserver._forkserver._stop()
    with contextlib.suppress(Exception):
        util._exit_function()


def die_with_parent(parent: int) -> None:
    """In the child: ask for SIGTERM when the process that forked it ends (Linux's prctl; off
    Linux nothing), and leave at once if that parent (``parent``) is gone already."""
    with contextlib.suppress(OSError, AttributeError):  # the process's own symbols: libc's prctl
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:
        raise SystemExit(f"multiverse chunk: its run (process {parent}) has ended")


def run_chunk_in_child(frame_path: str, spec_dicts: Sequence[Mapping[str, Any]], chunk: str,
                       out_path: str, threads: int = 1) -> None:
    """:func:`dyadstats.multiverse.run_chunk` with the same arguments, in a child process."""
    job = {"frame": frame_path, "specs": list(spec_dicts), "chunk": chunk, "out": out_path, "threads": threads}
    context = chunk_context()
    reader, writer = context.Pipe(duplex=False)
    proc = context.Process(target=_chunk_process, args=(job, writer), name=f"multiverse-chunk-{chunk}")
    failure = ""
    try:
        proc.start()
        writer.close()
        while True:
            try:
                message = reader.recv()
            except EOFError:
                break
            if "traceback" in message:
                failure = str(message["traceback"])
            else:
                logging.getLogger(str(message["name"])).log(int(message["level"]), "%s", message["message"])
        proc.join()
    except BaseException:
        if proc.pid is not None:
            proc.kill()
            proc.join()
        raise
    finally:
        writer.close()
        reader.close()
    if proc.exitcode != 0:
        tail = "\n".join(failure.rstrip("\n").splitlines()[-ERROR_TAIL_LINES:])
        raise DyadstatsError(f"multiverse chunk {chunk}: its process failed (exit status {proc.exitcode})"
                             + (f":\n{tail}" if tail else ""))


class _PipeRecords(logging.Handler):
    """The child's log records, sent to the calling thread over the job's pipe."""

    def __init__(self, conn: Connection) -> None:
        super().__init__()
        self.conn = conn

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.conn.send({"level": record.levelno, "name": record.name, "message": record.getMessage()})
        except (BrokenPipeError, EOFError, OSError):
            # the calling thread is gone (its run was killed): nobody waits for this chunk
            os._exit(1)
        except Exception:  # a log line must never fail the chunk
            self.handleError(record)


def _chunk_process(job: Mapping[str, Any], conn: Connection) -> None:
    """The child's body: the chunk, its records and any failure sent back over ``conn``."""
    die_with_parent(os.getppid())
    logger = logging.getLogger("dyadstats")
    logger.setLevel(logging.INFO)
    logger.handlers[:] = [_PipeRecords(conn)]
    logger.propagate = False
    try:
        from dyadstats.multiverse.estimate import run_chunk

        run_chunk(job["frame"], job["specs"], job["chunk"], job["out"], int(job["threads"]))
    except BaseException:
        with contextlib.suppress(OSError):
            conn.send({"traceback": traceback.format_exc()})
        raise SystemExit(1) from None
    finally:
        conn.close()
