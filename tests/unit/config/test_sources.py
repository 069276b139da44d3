"""The manifest and extra_sources are one shape, checked by one model."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dyadstats.config.schema import config_schema
from dyadstats.config.sources import Manifest, SourceDeclaration
from dyadstats.errors import ConfigError
from dyadstats.ingest.manifest import load_manifest

REPO = Path(__file__).resolve().parents[3]
MANIFEST = REPO / "data" / "sources.yaml"


def _source(**file_keys: object) -> dict:
    entry = {"file": "x.csv", "sha256": "a" * 64, "format": "csv", "table": {"name": "mine"}, **file_keys}
    return {"provider": "P", "dataset": "D", "version": "1", "citation": "C", "files": [entry]}


def test_repository_manifest_validates() -> None:
    doc = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    manifest = Manifest.model_validate(doc)
    assert len(manifest.sources) == len(doc["sources"]) >= 10
    assert len(load_manifest(MANIFEST)) == sum(len(s["files"]) for s in doc["sources"].values())


def test_extra_sources_schema_is_the_manifest_source_model() -> None:
    schema = config_schema()
    assert schema["properties"]["extra_sources"]["additionalProperties"] == {"$ref": "#/$defs/SourceDeclaration"}
    assert set(schema["$defs"]["SourceDeclaration"]["properties"]) == set(SourceDeclaration.model_fields)


def test_same_error_from_the_manifest_and_from_extra_sources(tmp_path: Path) -> None:
    bad = _source(sha256="abc")
    with pytest.raises(ConfigError) as extra:
        load_manifest(MANIFEST, {"mine": bad})
    assert "extra_sources.mine.files.0.sha256: String should match pattern" in str(extra.value)
    own = tmp_path / "sources.yaml"
    own.write_text(yaml.safe_dump({"manifest_version": 1, "sources": {"mine": bad}}))
    with pytest.raises(ConfigError) as manifest:
        load_manifest(own)
    assert f"{own}: sources.mine.files.0.sha256: String should match pattern" in str(manifest.value)


def test_unknown_and_missing_keys_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"extra_sources\.mine\.files\.0: unknown key 'shasum'"):
        load_manifest(MANIFEST, {"mine": _source(shasum="x")})
    missing = _source()
    del missing["citation"]
    with pytest.raises(ConfigError, match=r"extra_sources\.mine\.citation: required key missing"):
        load_manifest(MANIFEST, {"mine": missing})
    with pytest.raises(ConfigError, match=r"format: 'xlsb' is not one of \['csv', 'tsv'"):
        load_manifest(MANIFEST, {"mine": _source(format="xlsb")})
    # an optional key is absent, not null, in what the workflow reads
    assert "path" not in SourceDeclaration.model_validate(_source()).plain()["files"][0]
