"""``dyadstats run``: config overlays layered over config/config.yaml, and a run directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from dyadstats.cli.main import build_parser, run_argv
from dyadstats.cli.snakemake_child import MODULE
from dyadstats.testing.repo import repo_root

REPO = repo_root()


def _after(argv: list[str], flag: str) -> list[str]:
    """The values following ``flag`` up to the next option."""
    i = argv.index(flag) + 1
    out = []
    while i < len(argv) and not argv[i].startswith("--"):
        out.append(argv[i])
        i += 1
    return out


def test_run_layers_overlays_and_takes_a_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    args = build_parser().parse_args(
        ["run", "--cores", "2", "--configfile", "config/examples/bmr_democracy.yaml", "--directory", "runs/x"]
    )
    argv = run_argv(REPO, args)
    assert _after(argv, "--configfile") == [
        str(REPO / "config" / "config.yaml"), str(REPO / "config" / "examples" / "bmr_democracy.yaml")
    ]
    assert _after(argv, "--directory") == [str(REPO / "runs" / "x")]
    assert _after(argv, "--snakefile") == [str(REPO / "Snakefile")]


def test_run_defaults_to_the_repository(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    argv = run_argv(REPO, build_parser().parse_args(["run", "results/models/fit.parquet"]))
    # the repository's config is always named, so --directory DIR alone finds it too
    assert _after(argv, "--configfile") == [str(REPO / "config" / "config.yaml")]
    assert _after(argv, "--directory") == [str(REPO)]
    assert argv[argv.index("--snakefile") - 1] == MODULE and "results/models/fit.parquet" in argv


def test_directory_without_configfile_uses_the_repository_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    argv = run_argv(REPO, build_parser().parse_args(["run", "--directory", "elsewhere"]))
    assert _after(argv, "--configfile") == [str(REPO / "config" / "config.yaml")]
    assert _after(argv, "--directory") == [str(tmp_path / "elsewhere")]
    assert not (tmp_path / "elsewhere" / "config").exists()


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"dyadstats {version('dyadstats')}"
