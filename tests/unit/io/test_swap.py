"""reports/ is replaced as a whole: success swaps in the new tree, failure leaves the old one."""

from __future__ import annotations

from pathlib import Path

import pytest

from dyadstats.io import swap


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _old_report(tmp_path: Path) -> Path:
    final = tmp_path / "reports"
    (final / "tables").mkdir(parents=True)
    (final / "report.html").write_text("old run")
    (final / "tables" / "main.csv").write_text("a,b\n1,2\n")
    (final / "stale.txt").write_text("only in the old run")
    return final


def test_success_replaces_the_whole_tree(tmp_path: Path) -> None:
    final = _old_report(tmp_path)
    with swap.staged_directory(final) as staged:
        assert staged != final and not (staged / "report.html").exists()
        (staged / "report.html").write_text("new run")
        assert (final / "report.html").read_text() == "old run"  # nothing visible until the end
    assert _tree(final) == {"report.html": b"new run"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_failure_leaves_the_previous_tree_byte_identical(tmp_path: Path) -> None:
    final = _old_report(tmp_path)
    before = _tree(final)
    with pytest.raises(RuntimeError, match="figure failed"), swap.staged_directory(final) as staged:
        (staged / "report.html").write_text("half")
        raise RuntimeError("figure failed")
    assert _tree(final) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_first_run_creates_the_directory(tmp_path: Path) -> None:
    with swap.staged_directory(tmp_path / "out" / "reports") as staged:
        (staged / "x").write_text("1")
    assert _tree(tmp_path / "out" / "reports") == {"x": b"1"}


def test_linux_uses_one_atomic_exchange(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "f").write_text("from a")
    assert swap._exchange(a, b) is True
    assert (b / "f").read_text() == "from a" and not (a / "f").exists()


def test_two_rename_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(swap, "_exchange", lambda first, second: False)
    final = _old_report(tmp_path)
    with swap.staged_directory(final) as staged:
        (staged / "report.html").write_text("new run")
    assert _tree(final) == {"report.html": b"new run"}
    assert not swap.previous_path(final).exists()


def test_recover_after_a_crash_between_the_renames(tmp_path: Path) -> None:
    final = _old_report(tmp_path)
    before = _tree(final)
    final.rename(swap.previous_path(final))  # the crash: old tree moved aside, new one not yet in
    swap.staging_path(final).mkdir()
    (swap.staging_path(final) / "report.html").write_text("unfinished")
    swap.recover(final)
    assert _tree(final) == before
    assert not swap.staging_path(final).exists() and not swap.previous_path(final).exists()
