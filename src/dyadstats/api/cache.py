"""The API's frame cache (``results/api/<key>/``, one directory per recipe): a record of what
each directory was built from, and pruning of the directories no call is likely to reuse.

A recipe's key hashes its build config, the manifest checksums of the tables it reads and the
package's code (:func:`dyadstats.api.build.recipe_plan`), so every change to the code leaves the
old directories behind for good: each holds a universe, event tables and a frame (tens to
hundreds of MB). After a new frame is built, :func:`prune` removes

- directories built by other code, once unused for :data:`OTHER_CODE_IDLE_DAYS` (not at once:
  another install sharing the home, or a second checkout, may be reading one right now);
- any directory unused for :data:`IDLE_DAYS` (a recipe asked for again is rebuilt in seconds).

"Used" is the record's modification time: written when the frame is built, touched on reuse.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dyadstats.io.files import write_json

log = logging.getLogger("dyadstats.api")

#: What a recipe directory was built from (the key's document), beside its results/.
RECORD = "recipe.json"
#: Days a directory built by other code is kept after its last use.
OTHER_CODE_IDLE_DAYS = 1.0
#: Days any directory is kept after its last use.
IDLE_DAYS = 30.0
DAY_SECONDS = 86_400.0


def record_use(directory: str | Path, key_doc: Mapping[str, Any]) -> None:
    """Write the directory's record (first build) or mark it used now (reuse)."""
    path = Path(directory) / RECORD
    if path.is_file():
        os.utime(path)
    else:
        write_json(dict(key_doc), path)


def _last_use_and_code(directory: Path) -> tuple[float, str | None]:
    """When the directory was last used and the code fingerprint it was built by (None: a
    directory without a readable record, built before records existed or interrupted)."""
    record = directory / RECORD
    try:
        doc = json.loads(record.read_text(encoding="utf-8"))
        return record.stat().st_mtime, str(doc.get("code")) if isinstance(doc, dict) else None
    except (OSError, ValueError):
        return directory.stat().st_mtime, None


def stale_directories(api_root: str | Path, code: str, now: float | None = None,
                      other_code_idle_days: float = OTHER_CODE_IDLE_DAYS,
                      idle_days: float = IDLE_DAYS) -> list[Path]:
    """The recipe directories under ``api_root`` that :func:`prune` removes (sorted)."""
    root = Path(api_root)
    if not root.is_dir():
        return []
    now = time.time() if now is None else now
    stale = []
    for directory in sorted(p for p in root.iterdir() if p.is_dir()):
        last_use, built_by = _last_use_and_code(directory)
        idle = (now - last_use) / DAY_SECONDS
        if idle > idle_days or (built_by != code and idle > other_code_idle_days):
            stale.append(directory)
    return stale


def prune(api_root: str | Path, code: str, now: float | None = None) -> list[Path]:
    """Remove the :func:`stale_directories`; return them. A directory that cannot be removed
    (permissions, a file in use elsewhere) is left and logged, never an error of the call."""
    removed = []
    for directory in stale_directories(api_root, code, now):
        try:
            shutil.rmtree(directory)
        except OSError as exc:
            log.warning("API cache: could not remove %s: %s", directory, exc)
            continue
        removed.append(directory)
    if removed:
        log.info("API cache: removed %d unused recipe director%s under %s", len(removed),
                 "y" if len(removed) == 1 else "ies", api_root)
    return removed
