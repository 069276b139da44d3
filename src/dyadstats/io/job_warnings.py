"""Warnings of one model fit, captured per thread.

Snakemake runs model jobs as threads of one process (``--force-use-threads``), and
``warnings.catch_warnings`` swaps process-global state: one job's warnings would land in another
job's notes, and which job saw a warning first would decide whether it was shown at all. Here a
single hook, installed once, routes each warning to the buffer of the thread that raised it
(:func:`captured_warnings`), or to Python's default display when that thread captures nothing.
The estimation libraries' warnings are always shown (never deduplicated per location), so a
fit's notes do not depend on which fits ran before it in the same process.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: Modules whose warnings a fit records (filter ``always``: each fit sees its own).
CAPTURED_MODULES = r"(statsmodels|firthmodels|gpboost|scipy|numpy|dyadstats)(\..*)?$"

_local = threading.local()
_install_lock = threading.Lock()
_default_show = warnings.showwarning


def _route(message: Warning | str, category: type[Warning], filename: str, lineno: int,
           file: Any = None, line: str | None = None) -> None:
    buffer = getattr(_local, "buffer", None)
    if buffer is None:
        _default_show(message, category, filename, lineno, file, line)
    else:
        buffer.append(f"{category.__name__}: {message}")


def install() -> None:
    """Install the routing hook and the ``always`` filter (again, if something such as a test
    runner's own ``catch_warnings`` restored Python's defaults)."""
    with _install_lock:
        if warnings.showwarning is not _route:
            warnings.showwarning = _route
        if not any(f[0] == "always" and f[3] is not None and f[3].pattern == CAPTURED_MODULES
                   for f in warnings.filters):
            warnings.filterwarnings("always", module=CAPTURED_MODULES)


@contextmanager
def captured_warnings() -> Iterator[list[str]]:
    """Collect the warnings this thread raises inside the block (other threads are unaffected)."""
    install()
    previous = getattr(_local, "buffer", None)
    buffer: list[str] = []
    _local.buffer = buffer
    try:
        yield buffer
    finally:
        _local.buffer = previous


def warning_texts(buffer: list[str]) -> list[str]:
    """Distinct warning texts in a stable order (fit-row notes are byte-identical across runs)."""
    return sorted(set(buffer))
