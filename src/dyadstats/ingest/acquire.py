"""Acquire stage: put each manifest file at ``data/raw/<source>/<file>``, verified.

A file is copied from the first mirror directory that has it, or else downloaded from its
URLs in order. Size and sha256 are checked before the file is renamed into place, so a
mismatching or half-copied file never appears at the final path.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import urllib.request
import zipfile
from collections.abc import Sequence
from pathlib import Path

from dyadstats.errors import ChecksumError, SourceNotFoundError
from dyadstats.ingest.manifest import SourceFile
from dyadstats.io.files import atomic_path, sha256_file

log = logging.getLogger(__name__)

MIRROR_ENV = "DYADSTATS_MIRROR"


def mirror_dirs(configured: Sequence[str] | None, base: str | Path = ".") -> list[Path]:
    """Mirror directories in search order: the environment variable first, then config."""
    dirs: list[str] = []
    env = os.environ.get(MIRROR_ENV, "")
    dirs.extend(d for d in env.split(os.pathsep) if d)
    dirs.extend(configured or [])
    out: list[Path] = []
    for d in dirs:
        p = Path(d)
        out.append(p if p.is_absolute() else Path(base) / p)
    return out


def mirror_candidates(item: SourceFile, mirrors: Sequence[Path]) -> list[Path]:
    """Every place a mirror may hold the file: its manifest mirror_path or a data/raw layout."""
    candidates: list[Path] = []
    if item.path:
        candidates.append(Path(item.path))
    for m in mirrors:
        if item.mirror_path:
            candidates.append(m / item.mirror_path)
        candidates.append(m / item.source_id / item.file)
        candidates.append(m / item.source_id / item.local_name)
    return candidates


def verify(path: Path, item: SourceFile) -> str | None:
    """Return None if ``path`` matches the manifest, else a sentence saying how it differs."""
    size = path.stat().st_size
    if item.bytes is not None and size != item.bytes:
        actual = sha256_file(path)
        return (
            f"size {size:,} bytes, expected {item.bytes:,}; "
            f"sha256 {actual}, expected {item.sha256}"
        )
    actual = sha256_file(path)
    if actual != item.sha256:
        return f"sha256 {actual}, expected {item.sha256}"
    return None


def _download(url: str, dest: Path, member: str | None, timeout: float = 60.0) -> None:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - manifest URLs
        payload = response.read()
    if member:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            names = [n for n in archive.namelist() if n.endswith(member)]
            if not names:
                raise FileNotFoundError(f"{member} not in archive {url}")
            payload = archive.read(names[0])
    dest.write_bytes(payload)


def acquire(item: SourceFile, dest: str | Path, mirrors: Sequence[Path]) -> str:
    """Place ``item`` at ``dest`` verified; return a sentence saying where it came from.

    Raises ``ChecksumError`` when every copy found mismatches, ``SourceNotFoundError`` when
    none was found; both name the source, the expected hash and every place looked.
    """
    dest = Path(dest)
    looked: list[str] = []
    mismatches: list[str] = []
    for candidate in mirror_candidates(item, mirrors):
        if not candidate.is_file():
            looked.append(f"{candidate} (absent)")
            continue
        try:
            with atomic_path(dest) as tmp:
                shutil.copyfile(candidate, tmp)
                problem = verify(tmp, item)
                if problem is not None:
                    mismatches.append(f"{candidate}: {problem}")
                    looked.append(f"{candidate} (checksum mismatch)")
                    raise _Mismatch  # leaves the final path untouched
                log.info("%s: copied from mirror %s", item.raw_path, candidate)
                return f"mirror {candidate}"
        except _Mismatch:
            continue

    urls = list(item.urls)
    if item.archive_url and item.archive_member:
        urls.append(item.archive_url)
    for url in urls:
        member = item.archive_member if url == item.archive_url else None
        try:
            with atomic_path(dest) as tmp:
                _download(url, tmp, member)
                problem = verify(tmp, item)
                if problem is not None:
                    mismatches.append(f"{url}: {problem}")
                    looked.append(f"{url} (checksum mismatch)")
                    raise _Mismatch
                log.info("%s: downloaded from %s", item.raw_path, url)
                return f"download {url}"
        except _Mismatch:
            continue
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            looked.append(f"{url} (download failed: {exc})")

    places = "\n  ".join(looked) or "(no mirror configured and no URL in the manifest)"
    if mismatches:
        detail = "\n  ".join(mismatches)
        raise ChecksumError(
            f"source '{item.source_id}' file '{item.file}': checksum mismatch, refusing to use it.\n"
            f"  expected sha256 {item.sha256}"
            + (f" ({item.bytes:,} bytes)" if item.bytes else "")
            + f"\n  {detail}\nplaces looked:\n  {places}"
        )
    raise SourceNotFoundError(
        f"source '{item.source_id}' file '{item.file}' (sha256 {item.sha256}) was not found.\n"
        f"places looked:\n  {places}\n"
        f"Set the config key 'mirrors' or the environment variable {MIRROR_ENV} to a directory "
        "holding the file, or allow network access to the URLs in data/sources.yaml."
    )


class _Mismatch(Exception):
    pass
