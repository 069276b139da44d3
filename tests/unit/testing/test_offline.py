"""The offline guard: access under the guarded directory is refused and recorded, only while on."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
from pathlib import Path

import pytest

from dyadstats.testing.offline import OfflineViolation, PathGuard


def test_guard_refuses_and_records_access_under_the_directory_only(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    (shared / "data").mkdir(parents=True)
    secret = shared / "data" / "states.csv"
    secret.write_text("ccode\n2\n")
    elsewhere = tmp_path / "repo.csv"
    elsewhere.write_text("x\n")
    link = tmp_path / "link.csv"
    link.symlink_to(secret)  # a symlink into the directory is the directory
    guard = PathGuard(shared, "use tmp_path").install()
    guard.start()
    try:
        with pytest.raises(OfflineViolation, match="off limits here. use tmp_path"):
            secret.read_text()
        with pytest.raises(PermissionError):  # what a caller catching OS errors sees
            open(link)  # noqa: SIM115
        with pytest.raises(OfflineViolation):
            os.listdir(shared / "data")
        with pytest.raises(OfflineViolation):
            glob.glob(str(shared / "*"))
        with pytest.raises(OfflineViolation):
            shutil.copyfile(secret, tmp_path / "copy.csv")
        with contextlib.suppress(OSError):  # swallowed by the code under test: still recorded
            (shared / "data" / "absent.csv").read_text()
        assert elsewhere.read_text() == "x\n"  # outside: untouched
        (tmp_path / "sharedness").mkdir()  # a sibling sharing the name's prefix is outside too
        assert os.listdir(tmp_path / "sharedness") == []
    finally:
        violations = guard.stop()
    assert [v.split()[0] for v in violations] == ["open", "open", "os.listdir", "glob.glob", "shutil.copyfile", "open"]
    assert all(str(shared.resolve()) in v for v in violations)
    assert secret.read_text() == "ccode\n2\n"  # stopped: nothing is refused
    assert guard.stop() == []
