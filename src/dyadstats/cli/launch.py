"""Launch Snakemake as a child of ``dyadstats run`` so that interruptions stay clean.

* **Signals.** ``subprocess.call`` SIGKILLs its child on ``KeyboardInterrupt``, which leaves a
  stale lock, half-written outputs and ``.part`` files. Here the child runs in its own process
  group (a terminal's Ctrl-C reaches only this process) and every SIGINT or SIGTERM is passed
  on as SIGINT, Snakemake's clean stop: it lets running jobs end, removes their incomplete
  outputs and releases its lock; this process waits and returns its exit code.
* **Stale locks.** A run killed outright (kill -9, a lost machine) leaves
  ``.snakemake/locks``. This process holds an exclusive ``flock`` for as long as it runs; if
  it gets the flock, no other ``dyadstats run`` is alive in the directory, and if no Snakemake
  process has the directory as its working directory either, the lock is stale: it is cleared
  with ``snakemake --unlock`` and a message. A live run is reported without any flag advice.
* **Debris.** The ``.part`` files of a dead run are removed before the new run starts.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType

from dyadstats.cli.snakemake_child import MODULE
from dyadstats.io.keep import remove_orphan_parts

RUN_LOCK = Path(".snakemake") / "dyadstats-run.lock"
SNAKEMAKE_LOCKS = Path(".snakemake") / "locks"
#: ``dyadstats run``'s Snakemake child (``python -m dyadstats.cli.snakemake_child``) on a command line.
CHILD = MODULE.encode()


def say(message: str) -> None:
    print(f"dyadstats: {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def run_lock(workdir: Path) -> Iterator[bool]:
    """Hold an exclusive lock on ``workdir`` for one ``dyadstats run``; yield False if taken."""
    path = workdir / RUN_LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def live_snakemake(workdir: Path) -> list[int]:
    """Process ids of Snakemake processes (other than this one) working in ``workdir``.

    Linux only (``/proc``); elsewhere no process is found.
    """
    found: list[int] = []
    target = workdir.resolve()
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            cwd = Path(os.readlink(entry / "cwd"))
        except OSError:
            continue
        if not any(part in (b"snakemake", CHILD) or part.endswith(b"/snakemake") for part in cmdline):
            continue
        if _snakemake_directory([p.decode(errors="replace") for p in cmdline], cwd) == target:
            found.append(int(entry.name))
    return sorted(found)


def _snakemake_directory(cmdline: Sequence[str], cwd: Path) -> Path:
    """The working directory a Snakemake command line runs in: its ``--directory``/``-d``
    (relative to the process's own directory), else that directory. The option matters while
    Snakemake starts, before it has changed into the directory."""
    for i, part in enumerate(cmdline):
        if part in ("--directory", "-d") and i + 1 < len(cmdline):
            return (cwd / cmdline[i + 1]).resolve()
        if part.startswith("--directory="):
            return (cwd / part.split("=", 1)[1]).resolve()
    return cwd.resolve()


def clear_stale_lock(argv: Sequence[str], workdir: Path) -> int | None:
    """Clear a lock left by a dead run; return an exit code if the run must not start."""
    locks = workdir / SNAKEMAKE_LOCKS
    if not locks.is_dir() or not any(locks.iterdir()):
        return None
    alive = live_snakemake(workdir)
    if alive:
        say(
            f"{workdir} is in use by a running Snakemake process (pid {', '.join(map(str, alive))}); "
            "wait for it to finish, or stop it (Ctrl-C, or kill <pid>), then run again"
        )
        return 1
    say(f"clearing a stale lock in {workdir / SNAKEMAKE_LOCKS} left by an interrupted run")
    result = subprocess.run([*argv, "--unlock"], capture_output=True, text=True)
    if result.returncode != 0:
        say(f"could not clear the lock:\n{result.stderr[-2000:]}")
        return result.returncode
    return None


@contextlib.contextmanager
def forwarding_signals(child: subprocess.Popen) -> Iterator[None]:
    """While the block runs, pass every SIGINT/SIGTERM this process gets to ``child`` as SIGINT."""
    def forward(signum: int, _frame: FrameType | None) -> None:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signal.SIGINT)
        if signum == signal.SIGINT:
            say("interrupted: letting Snakemake stop its jobs cleanly (this can take a few seconds)")

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def wait_for(child: subprocess.Popen) -> int:
    while True:
        try:
            return child.wait()
        except InterruptedError:  # pragma: no cover - PEP 475 retries wait() itself
            continue


def run_child(argv: Sequence[str]) -> int:
    """Run ``argv`` in its own process group, forwarding SIGINT/SIGTERM to it as SIGINT."""
    child = subprocess.Popen(argv, process_group=0)
    with forwarding_signals(child):
        return wait_for(child)


def launch(argv: Sequence[str], workdir: Path,
           runner: Callable[[Sequence[str]], int] = run_child) -> int:
    """``dyadstats run``: lock the directory, clear what a dead run left, run Snakemake
    (``runner``: how the child's output is shown; it must start the child with
    :func:`forwarding_signals`, as :func:`run_child` and ``console.run_quiet`` do)."""
    workdir.mkdir(parents=True, exist_ok=True)
    with run_lock(workdir) as held:
        if not held:
            holder = (workdir / RUN_LOCK).read_text().strip() or "?"
            say(f"another `dyadstats run` (pid {holder}) is running in {workdir}; wait for it to finish")
            return 1
        refused = clear_stale_lock(argv, workdir)
        if refused is not None:
            return refused
        for part in remove_orphan_parts(workdir):
            say(f"removed {part.relative_to(workdir)}, left by an interrupted run")
        return runner(argv)
