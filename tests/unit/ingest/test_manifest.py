"""The manifest itself: complete entries, published row counts, plain ids and file names."""

from __future__ import annotations

import pytest
import yaml

from dyadstats.ingest.manifest import load_manifest
from dyadstats.testing.repo import repo_root

REPO = repo_root()

MANIFEST = REPO / "data" / "sources.yaml"
REQUIRED_SOURCE_KEYS = {"provider", "dataset", "version", "citation", "bibtex_key", "landing_url",
                        "terms", "coverage", "files"}
REQUIRED_TABLES = {
    "cow_states", "cow_majors", "mid5_disputes", "mid5_participants", "mid5_incidents",
    "mid5_incident_participants", "dyadic_mid402", "polity5", "vdem", "bmr", "uds",
    "cow_contdird", "nmc", "ties", "icb_crises", "icb_actors", "ps_cow_alliance",
    "ps_atop_alliance", "ps_cow_mindist", "ps_ccode_democracy", "ps_cow_ddy", "ps_cow_mid_ddydisps",
}


def test_every_source_is_fully_described() -> None:
    doc = yaml.safe_load(MANIFEST.read_text())
    for sid, source in doc["sources"].items():
        missing = REQUIRED_SOURCE_KEYS - set(source)
        assert not missing, f"{sid} lacks {missing}"
        for f in source["files"]:
            assert {"file", "bytes", "sha256", "format", "rows", "table"} <= set(f), f
            assert len(f["sha256"]) == 64


def test_required_tables_declared() -> None:
    assert set(load_manifest(MANIFEST)) >= REQUIRED_TABLES


def test_published_row_counts() -> None:
    files = load_manifest(MANIFEST)
    assert files["mid5_participants"].rows == 5883
    assert files["cow_states"].rows == 243
    assert files["polity5"].rows == 17574
    assert files["dyadic_mid402"].rows == 10358


def _extra(source_id: str, file: str) -> dict:
    return {source_id: {"provider": "A", "dataset": "D", "version": "1", "citation": "C", "files": [
        {"file": file, "sha256": "0" * 64, "format": "csv", "table": {"name": "mine"}}]}}


@pytest.mark.parametrize(
    ("source_id", "file", "message"),
    [
        ("../cow_states_v2016", "x.csv", "extra_sources.../cow_states_v2016: source id '../cow_states_v2016' "
         "contains a path separator"),
        ("..", "x.csv", "source id '..' is '.' or '..'"),
        ("mine", "sub/x.csv", "source 'mine': file name 'sub/x.csv' contains a path separator"),
        ("mine", "..x.csv", "source 'mine': file name '..x.csv' contains '..'"),
        ("mine", "a\\b.csv", "file name 'a\\\\b.csv' contains a path separator"),
    ],
)
def test_ids_and_file_names_are_plain_names(source_id: str, file: str, message: str) -> None:
    from dyadstats.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        load_manifest(MANIFEST, _extra(source_id, file))
    assert message in str(err.value)
    assert "it must be a plain name (no '/', '\\' or '..')" in str(err.value)
