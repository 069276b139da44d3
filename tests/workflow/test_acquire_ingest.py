"""Acquire + ingest through Snakemake on the real data: the session's main job's tables, and a
changed mirror byte in a run of its own."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from dyadstats.ingest.manifest import load_manifest
from dyadstats.testing.repo import base_config, repo_root, run_workflow

REPO = repo_root()



@pytest.fixture(scope="module")
def ingested(main_run: Path) -> Path:
    """The session's main job: it acquired and ingested every manifest table into the database
    (a run of just the database target builds the same tables, so it is not repeated here)."""
    return main_run


def test_every_table_at_manifest_row_count(ingested: Path) -> None:
    manifest = load_manifest(REPO / "data" / "sources.yaml")
    con = duckdb.connect(str(ingested / "results" / "dyadstats.duckdb"), read_only=True)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for name, item in manifest.items():
        assert name in tables, name
        (rows,) = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
        assert rows == item.rows, f"{name}: {rows} rows, manifest {item.rows}"


def test_codebook_missing_codes_are_null(ingested: Path) -> None:
    con = duckdb.connect(str(ingested / "results" / "dyadstats.duckdb"), read_only=True)
    # MID -9 and Polity -66/-77/-88 never survive ingest; polity2 keeps its values.
    assert con.execute("SELECT count(*) FROM mid5_participants WHERE fatality = -9 OR stday = -9").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM mid5_participants WHERE stday IS NULL").fetchone()[0] > 0
    assert con.execute("SELECT count(*) FROM polity5 WHERE polity IN (-66, -77, -88)").fetchone()[0] == 0
    assert con.execute("SELECT min(polity2), max(polity2) FROM polity5").fetchone() == (-10, 10)
    assert con.execute("SELECT count(*) FROM nmc WHERE milex = -9").fetchone()[0] == 0
    assert con.execute("SELECT typeof(ccode) FROM cow_states LIMIT 1").fetchone()[0] == "BIGINT"


def test_changed_mirror_byte_keeps_the_verified_copy_and_results(
    tmp_path: Path, shared_data: Path
) -> None:
    mirror = tmp_path / "mirror"
    shutil.copytree(shared_data / "raw" / "cow_state_system_v2016", mirror / "raw" / "cow_state_system_v2016")
    for sub in ("raw", "peacesciencer"):
        for p in (shared_data / sub).rglob("*"):
            target = mirror / sub / p.relative_to(shared_data / sub)
            if p.is_file() and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.symlink_to(p)
    workdir = tmp_path / "run"
    target = ["results/ingest/cow_states.parquet"]
    first = run_workflow(workdir, base_config(mirror), target)
    assert first.returncode == 0, first.stderr[-3000:]
    before = (workdir / target[0]).read_bytes()

    states = mirror / "raw" / "cow_state_system_v2016" / "states2016.csv"
    data = bytearray(states.read_bytes())
    data[200] = ord("9") if data[200] != ord("9") else ord("8")
    states.write_bytes(bytes(data))

    raw_path = load_manifest(REPO / "data" / "sources.yaml")["cow_states"].raw_path
    raw = workdir / raw_path
    verified = raw.read_bytes()
    # the verified copy is the data: a changed mirror file neither replaces nor deletes it
    second = run_workflow(workdir, base_config(mirror), target)
    assert second.returncode == 0, second.stderr[-3000:]
    assert raw.read_bytes() == verified
    # only with the copy gone (and asked for: Snakemake does not rebuild a missing
    # intermediate of an up-to-date table) does acquire read the changed mirror, and refuse it
    raw.unlink()
    third = run_workflow(workdir, base_config(mirror), [raw_path])
    assert third.returncode != 0
    assert "checksum mismatch" in third.stderr
    assert "3d78d333ea75a7791bf5772b203d2ab96b27e70ed52825f5293c474195f47888" in third.stderr
    assert str(states) in third.stderr
    assert not list((workdir / "data" / "raw").rglob("*.part"))
    # downstream results from the good run are untouched
    assert (workdir / target[0]).read_bytes() == before
