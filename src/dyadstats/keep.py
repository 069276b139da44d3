"""Runs that lose nothing: failed jobs keep earlier outputs, dead runs leave no debris.

**Failed jobs.** The rules whose outputs a reader looks at (raw copies, ingested tables, the
per-model files, the database, the report) flag them ``update()``: Snakemake then neither
deletes them before the job runs nor after it fails, and restores its own backup copy if the
job touched them. Every writer in this package is atomic (:func:`dyadstats.io.atomic_path`),
so the file is always either the previous good version or the new one.

Snakemake restores by *copying* (the restored file gets a new mtime) and records the failed
job as finished, so the next run would take the previous output for an up-to-date one and
skip the job. :func:`keep_previous` closes that gap: on failure it leaves a marker per output
under ``.snakemake/dyadstats/failed/``, and at the next parse :func:`age_failed_outputs` sets
each marked output's mtime to the epoch, older than any input, so Snakemake reruns the job
(until it succeeds, which removes the markers). Nothing is deleted on the way.

**Dead runs.** A killed run leaves ``.part`` files (atomic writes that never completed):
:func:`remove_orphan_parts` deletes them at the start of the next run, when no run is alive.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import quote, unquote

log = logging.getLogger(__name__)

#: Markers of outputs whose last job failed, relative to the Snakemake working directory.
FAILED_DIR = Path(".snakemake") / "dyadstats" / "failed"
#: Directories where this package's atomic writers put ``.<name>.<random>.part`` files.
PART_DIRS = ("data/raw", "results", "reports")


def _marker(output: str | os.PathLike[str], workdir: Path) -> Path:
    return workdir / FAILED_DIR / quote(str(output), safe="")


@contextlib.contextmanager
def keep_previous(outputs: Iterable[str | os.PathLike[str]], workdir: str | Path = ".") -> Iterator[None]:
    """Run a job body whose ``update()`` outputs must stay at their last good version on failure."""
    paths = [str(p) for p in outputs]
    root = Path(workdir)
    try:
        yield
    except BaseException:
        for path in paths:
            marker = _marker(path, root)
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        raise
    for path in paths:
        _marker(path, root).unlink(missing_ok=True)


def age_failed_outputs(workdir: str | Path = ".") -> list[str]:
    """Make each output whose last job failed older than its inputs; return their paths.

    Called when the workflow is parsed, before Snakemake compares mtimes. A marker whose
    output no longer exists has done its job (Snakemake will rebuild the file) and is removed.
    """
    root = Path(workdir)
    aged: list[str] = []
    directory = root / FAILED_DIR
    if not directory.is_dir():
        return aged
    for marker in sorted(directory.iterdir()):
        output = root / unquote(marker.name)
        if output.exists():
            os.utime(output, (0, 0), follow_symlinks=False)
            aged.append(unquote(marker.name))
        else:
            marker.unlink()
    if aged:
        log.info("rerunning the failed job(s) of %d kept output(s): %s", len(aged), ", ".join(aged))
    return aged


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
