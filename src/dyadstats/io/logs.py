"""Per-job logging for Snakemake ``run:`` blocks, which share one process and many threads."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _ThisThread(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.ident = threading.get_ident()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread == self.ident


@contextlib.contextmanager
def job_log(path: str | Path | None) -> Iterator[logging.Logger]:
    """Send this thread's ``dyadstats`` log records to ``path`` (and INFO to stderr).

    The job's first and last lines record when it started and how long it took: wall seconds
    and this thread's CPU seconds (DuckDB's and BLAS's own worker threads are not counted),
    so a run's per-job costs can be read from ``logs/`` (docs/performance.md).
    """
    logger = logging.getLogger("dyadstats")
    logger.setLevel(logging.INFO)
    handlers: list[logging.Handler] = []
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(path, mode="w", encoding="utf-8"))
    stream = logging.StreamHandler()
    handlers.append(stream)
    only_here = _ThisThread()
    for h in handlers:
        h.setFormatter(logging.Formatter(FORMAT))
        h.addFilter(only_here)
        logger.addHandler(h)
    logger.propagate = False
    wall, cpu = time.perf_counter(), time.thread_time()
    logger.info("job started")
    try:
        yield logger
    except Exception as exc:
        logger.error("%s", exc)
        raise
    finally:
        logger.info("job finished: %.3f s wall, %.3f s CPU in its thread",
                    time.perf_counter() - wall, time.thread_time() - cpu)
        for h in handlers:
            logger.removeHandler(h)
            h.close()
