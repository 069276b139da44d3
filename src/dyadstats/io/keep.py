"""Runs that lose nothing: failed jobs keep earlier outputs, dead runs leave no debris.

**Failed jobs.** The rules whose outputs a reader looks at (raw copies, ingested and role
tables, the per-model files, the database, the report) flag them ``update()``: Snakemake then
neither deletes them before the job runs nor after it fails, and restores its own backup copy
if the job touched them. Every writer in this package is atomic
(:func:`dyadstats.io.files.atomic_path`), so the file is always the previous good version or the
new one.

Snakemake records the failed job as finished (the restored copy gets a new mtime and the
failed run's input checksums), so the next run would take the kept output for an up-to-date
one and skip the job. The job body runs inside :func:`keep_previous`, which on failure counts
one more failure of that job under ``.snakemake/dyadstats/failed/``; each such rule has the
param ``failures=failures_of("<rule>")``. A failure changes the count, so the next run's params differ
from the failed run's and Snakemake reruns the job; a success leaves the count alone, so the
run after it has nothing to redo. Nothing is deleted on the way.

**Missing inputs.** :func:`require_inputs_present` makes an output stale when a file it reads
at query time is gone, so Snakemake rebuilds both.

**Dead runs.** A killed run leaves ``.part`` files (atomic writes that never completed):
:func:`remove_orphan_parts` deletes them at the start of the next run, when no run is alive.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

log = logging.getLogger(__name__)

#: Failure counts of jobs, relative to the Snakemake working directory.
FAILED_DIR = Path(".snakemake") / "dyadstats" / "failed"
#: Directories where this package's atomic writers put ``.<name>.<random>.part`` files.
PART_DIRS = ("data/raw", "results", "reports")


def job_key(rule: str, wildcards: Iterable[tuple[str, Any]] = ()) -> str:
    """One job's name: its rule and wildcard values (``ingest,table=polity5``)."""
    return rule + "".join(f",{k}={v}" for k, v in sorted(wildcards))


def _marker(key: str, workdir: Path) -> Path:
    return workdir / FAILED_DIR / quote(key, safe="")


def _count(marker: Path) -> int:
    try:
        return int(marker.read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


def failures_of(rule: str) -> Callable[[Any], int]:
    """A Snakemake params function: how many times a job of ``rule`` with these wildcards failed.

    It takes only ``wildcards``: Snakemake leaves params derived from input or output out of
    its params rerun trigger.
    """

    def failures(wildcards: Any) -> int:
        return _count(_marker(job_key(rule, wildcards.items()), Path(".")))

    return failures


@contextlib.contextmanager
def keep_previous(rule: str, wildcards: Any = None, workdir: str | Path = ".") -> Iterator[None]:
    """Run a job body whose ``update()`` outputs stay at their last good version on failure;
    a failure is counted for :func:`failures_of`."""
    marker = _marker(job_key(rule, wildcards.items() if wildcards is not None else ()), Path(workdir))
    try:
        yield
    except BaseException:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(f"{_count(marker) + 1}\n")
        log.warning("%s failed: its previous outputs are kept and the next run retries it", marker.name)
        raise


def require_inputs_present(output: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]]) -> list[str]:
    """Make ``output`` stale if any input it reads at query time is missing; return those.

    Snakemake 9 does not rebuild a missing intermediate file while the files made from it
    are present and newer. The database's views read their Parquet files whenever it is
    queried, so a missing one (a run killed after Snakemake removed it) must rebuild it: the
    database, older than everything, reruns, and Snakemake first rebuilds its missing inputs.
    """
    target = Path(output)
    missing = [str(p) for p in inputs if not Path(p).exists()]
    if missing and target.exists():
        os.utime(target, (0, 0), follow_symlinks=False)
        log.info("%s reads missing file(s) %s: rebuilding them and it", target, ", ".join(missing))
    return missing


def remove_orphan_parts(workdir: str | Path = ".") -> list[Path]:
    """Delete the ``.part`` files of atomic writes that never completed (a killed run).

    Only safe when no run is alive in ``workdir``: the caller holds the run lock.
    """
    root = Path(workdir)
    removed: list[Path] = []
    for sub in PART_DIRS:
        base = root / sub
        if base.is_dir():
            for part in sorted(base.rglob(".*.part")):
                if part.is_file() or part.is_symlink():
                    part.unlink()
                    removed.append(part)
    return removed
