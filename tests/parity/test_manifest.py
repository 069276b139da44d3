"""The mirror in ../shared matches the manifest: every declared file, byte count and sha256."""

from __future__ import annotations

from pathlib import Path

import pytest

from dyadstats.ingest.manifest import load_manifest
from dyadstats.io.files import sha256_file
from dyadstats.testing.repo import repo_root

MANIFEST = load_manifest(repo_root() / "data" / "sources.yaml")


@pytest.mark.parametrize("table", sorted(MANIFEST))
def test_mirror_matches_manifest(shared_data: Path, table: str) -> None:
    item = MANIFEST[table]
    path = shared_data / item.mirror_path
    assert path.stat().st_size == item.bytes
    assert sha256_file(path) == item.sha256
