"""Where the Python API keeps its data, and how it obtains the verified, ingested tables.

The *home* holds the workflow's layout (:mod:`dyadstats.paths`): ``data/raw`` (verified raw
copies), ``results/ingest`` (canonical tables) and ``results/api/<key>/`` (the frames the API
built, one directory per recipe). It is, in order:

1. ``$DYADSTATS_HOME`` if set;
2. the repository when the working directory is inside a clone (the API then shares
   ``data/raw`` and ``results/ingest`` with ``dyadstats run``: the same files, made by the same
   functions);
3. ``$XDG_CACHE_HOME/dyadstats`` (default ``~/.cache/dyadstats``).

The manifest and the mirrors come from the repository's ``config/config.yaml`` (or the config
a recipe names): raw files are copied from the first mirror that has them, or downloaded, and
checked against the manifest's sha256 (:func:`dyadstats.stages.run_acquire`), then ingested by
:func:`dyadstats.stages.run_ingest`. A cached table is reused only if its Parquet metadata
carries the manifest's current sha256 for its raw file.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dyadstats.errors import DyadstatsError
from dyadstats.paths import INGEST_DIR, Layout, find_repository

log = logging.getLogger("dyadstats.api")

HOME_ENV = "DYADSTATS_HOME"
API_DIR = "results/api"
PACKAGE_DIR = Path(__file__).resolve().parents[1]


class HomeError(DyadstatsError):
    """The API cannot find its repository, manifest or cache directory."""


def repository() -> Path:
    """The clone whose manifest and config the API uses: the working directory's, else the
    package's own (an editable install)."""
    root = find_repository() or find_repository(PACKAGE_DIR)
    if root is None:
        raise HomeError(
            "dyadstats.api needs the repository's data/sources.yaml and config/config.yaml: "
            f"run inside a clone of dyadstats (no Snakefile found above {Path.cwd()} or {PACKAGE_DIR})"
        )
    return root


def home_dir() -> Path:
    """The data home (see the module docstring)."""
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser().resolve()
    inside = find_repository()
    if inside is not None:
        return inside
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "dyadstats"


def load_config(path: str | Path | None, repo: Path) -> dict[str, Any]:
    """The workflow config the API reads its manifest, mirrors and roles from."""
    from dyadstats.io.yamlfile import load_yaml

    config_path = Path(path) if path else repo / "config" / "config.yaml"
    if not config_path.is_absolute():
        config_path = Path.cwd() / config_path
    try:
        return load_yaml(config_path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise HomeError(f"config {config_path}: {exc.strerror}") from None


@dataclass(frozen=True)
class Home:
    """The data home and the repository that supplies the manifest."""

    root: Path
    repo: Path

    @classmethod
    def locate(cls) -> Home:
        return cls(home_dir(), repository())

    @property
    def layout(self) -> Layout:
        """Raw and ingested tables: shared with the workflow when the home is the repository."""
        return Layout(root=self.root)

    def recipe_layout(self, key: str) -> Layout:
        """Where one recipe's universe, events and frame live; ingested tables from the home."""
        return Layout(root=self.root / API_DIR / key, ingest_dir=self.root / INGEST_DIR)


def parquet_sha256(path: Path) -> str | None:
    """The raw file's sha256 a canonical table records in its Parquet metadata."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, ValueError):
        return None
    value = meta.get(b"dyadstats.sha256")
    return value.decode() if value else None


def ensure_ingested(plan: Any, tables: Iterable[str], home: Home) -> dict[str, str]:
    """Acquire (verified) and ingest each table unless the home already holds it for the
    manifest's sha256; return table -> Parquet path."""
    from dyadstats import stages
    from dyadstats.ingest.acquire import verify

    out: dict[str, str] = {}
    layout = home.layout
    for table in dict.fromkeys(tables):
        if table not in plan.manifest:
            raise HomeError(f"table {table!r} is not declared in the manifest or extra_sources")
        item = plan.manifest[table]
        parquet = Path(layout.ingest(table))
        if parquet_sha256(parquet) != item.sha256:
            raw = Path(layout.raw(item.source_id, item.local_name))
            if not raw.is_file() or verify(raw, item) is not None:
                log.info("acquiring %s", item.raw_path)
                stages.run_acquire(item, raw, plan.mirrors)
            log.info("ingesting %s", table)
            stages.run_ingest(item, raw, parquet, layout.ingest_audit(table))
        out[table] = str(parquet)
    return out


@functools.cache
def code_fingerprint() -> str:
    """A hash of the package's code and SQL: a cached frame built by other code is not reused.
    Once per process: the modules it runs were loaded once too."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.suffix in (".py", ".sql") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
