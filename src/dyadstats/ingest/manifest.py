"""The source manifest: which raw files exist, where they come from and what they must hash to.

The manifest (``data/sources.yaml``) lists sources; each source is one dataset release with
one or more files, and each file becomes one canonical table at ingest. Users may declare
additional sources in the run config under ``extra_sources`` with exactly the same shape: one
model checks both (``dyadstats.config.sources.SourceDeclaration``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dyadstats.config import validated, vocab
from dyadstats.config.sources import Manifest, SourceDeclaration
from dyadstats.errors import ConfigError
from dyadstats.io.yamlfile import load_yaml

FORMATS = vocab.FILE_FORMATS


@dataclass(frozen=True)
class SourceFile:
    """One raw file of a source, with its integrity contract and table declaration."""

    source_id: str
    file: str
    sha256: str
    format: str
    table: dict[str, Any]
    bytes: int | None = None
    rows: int | None = None
    mirror_path: str | None = None
    urls: tuple[str, ...] = ()
    archive_url: str | None = None
    archive_member: str | None = None
    path: str | None = None
    role: str = "input"
    source: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def table_name(self) -> str:
        return str(self.table["name"])

    @property
    def local_name(self) -> str:
        """File name under ``data/raw/<source>/``: the official name with spaces made safe."""
        return self.file.replace(" ", "_")

    @property
    def raw_path(self) -> str:
        return f"data/raw/{self.source_id}/{self.local_name}"


def check_name(kind: str, name: str, where: str) -> None:
    """A source id or file name becomes one component of ``data/raw/<source>/<file>``.

    A separator or ``..`` would place (or look for) the file elsewhere, e.g. skip acquire by
    pointing into an existing directory, so such names are refused rather than normalised.
    """
    bad = (
        "is empty" if not name.strip()
        else "is '.' or '..'" if name in (".", "..")
        else "contains a path separator" if "/" in name or "\\" in name
        else "contains '..'" if ".." in name
        else "contains a control character" if any(ord(c) < 32 for c in name)
        else None
    )
    if bad:
        raise ConfigError(
            f"{where}: {kind} {name!r} {bad}; it must be a plain name (no '/', '\\' or '..'), "
            f"because it names a directory or file under data/raw/"
        )


def _as_file(source_id: str, source: dict[str, Any], entry: dict[str, Any]) -> SourceFile:
    check_name("file name", str(entry["file"]), f"source '{source_id}'")
    return SourceFile(
        source_id=source_id,
        file=str(entry["file"]),
        sha256=str(entry["sha256"]).lower(),
        format=str(entry["format"]),
        table=dict(entry["table"]),
        bytes=entry.get("bytes"),
        rows=entry.get("rows"),
        mirror_path=entry.get("mirror_path"),
        urls=tuple(entry.get("urls") or ()),
        archive_url=entry.get("archive_url"),
        archive_member=entry.get("archive_member"),
        path=entry.get("path"),
        role=str(entry.get("role", "input")),
        source={k: v for k, v in source.items() if k != "files"},
    )


def load_manifest(
    path: str | Path, extra_sources: dict[str, Any] | None = None
) -> dict[str, SourceFile]:
    """Load the manifest and any config-declared sources, keyed by canonical table name."""
    with open(path, encoding="utf-8") as handle:
        doc = load_yaml(handle) or {}
    validated(Manifest, {**doc, "sources": {}}, str(path))
    sources: dict[str, Any] = dict(doc.get("sources") or {})
    where = {source_id: f"{path}: sources.{source_id}" for source_id in sources}
    for source_id, source in (extra_sources or {}).items():
        check_name("source id", str(source_id), f"extra_sources.{source_id}")
        if source_id in sources:
            raise ConfigError(
                f"extra_sources.{source_id}: a source with this id is already in the manifest {path}"
            )
        sources[source_id] = source
        where[source_id] = f"extra_sources.{source_id}"
    files: dict[str, SourceFile] = {}
    for source_id, source in sources.items():
        check_name("source id", str(source_id), f"source '{source_id}'")
        validated(SourceDeclaration, source, where[source_id])
        for entry in source.get("files") or []:
            item = _as_file(source_id, source, entry)
            if item.table_name in files:
                raise ConfigError(
                    f"table '{item.table_name}' is declared twice "
                    f"(sources '{files[item.table_name].source_id}' and '{source_id}')"
                )
            files[item.table_name] = item
    return files
