"""Acquire: mirror copy, checksum refusal, missing files, atomic writes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from dyadstats.errors import ChecksumError, SourceNotFoundError
from dyadstats.ingest.acquire import acquire, mirror_dirs
from dyadstats.ingest.manifest import SourceFile

CONTENT = b"ccode,year\n2,1816\n"


def make_item(content: bytes = CONTENT) -> SourceFile:
    return SourceFile(
        source_id="toy", file="toy file.csv", sha256=hashlib.sha256(content).hexdigest(),
        format="csv", table={"name": "toy"}, bytes=len(content), mirror_path="raw/toy/toy file.csv",
    )


def test_copies_from_first_mirror_that_has_it(tmp_path: Path) -> None:
    empty, full = tmp_path / "m1", tmp_path / "m2"
    (full / "raw" / "toy").mkdir(parents=True)
    (full / "raw" / "toy" / "toy file.csv").write_bytes(CONTENT)
    dest = tmp_path / "data" / "raw" / "toy" / "toy_file.csv"
    where = acquire(make_item(), dest, [empty, full])
    assert dest.read_bytes() == CONTENT
    assert str(full) in where


def test_checksum_mismatch_refuses_and_keeps_previous_file(tmp_path: Path) -> None:
    mirror = tmp_path / "m"
    (mirror / "raw" / "toy").mkdir(parents=True)
    changed = b"ccode,year\n2,1817\n"
    (mirror / "raw" / "toy" / "toy file.csv").write_bytes(changed)
    dest = tmp_path / "out.csv"
    dest.write_bytes(b"previous good copy")
    item = make_item()
    with pytest.raises(ChecksumError) as err:
        acquire(item, dest, [mirror])
    msg = str(err.value)
    assert "source 'toy' file 'toy file.csv': checksum mismatch" in msg
    assert f"expected sha256 {item.sha256}" in msg
    assert hashlib.sha256(changed).hexdigest() in msg
    assert str(mirror / "raw" / "toy" / "toy file.csv") in msg
    assert dest.read_bytes() == b"previous good copy"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_missing_everywhere_lists_every_place(tmp_path: Path) -> None:
    m1, m2 = tmp_path / "a", tmp_path / "b"
    dest = tmp_path / "out.csv"
    with pytest.raises(SourceNotFoundError) as err:
        acquire(make_item(), dest, [m1, m2])
    msg = str(err.value)
    assert "source 'toy' file 'toy file.csv'" in msg and "was not found" in msg
    assert str(m1 / "raw" / "toy" / "toy file.csv") in msg
    assert str(m2 / "toy" / "toy file.csv") in msg
    assert not dest.exists()


def test_environment_mirror_searched_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYADSTATS_MIRROR", str(tmp_path / "env"))
    dirs = mirror_dirs(["cfg"], base=tmp_path)
    assert dirs == [tmp_path / "env", tmp_path / "cfg"]
