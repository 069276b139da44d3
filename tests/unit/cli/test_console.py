"""The quiet console: Snakemake's output reduced to one line per finished rule, the whole of it
kept in the log; ``dyadstats validate`` finds what a run needs without running it."""

from __future__ import annotations

import io
from pathlib import Path

import yaml

from dyadstats.cli.console import filter_stream
from dyadstats.cli.validate import validate_run
from dyadstats.testing.repo import repo_root

REPO = repo_root()

SNAKEMAKE_OUTPUT = """\
Building DAG of jobs...
Job stats:
job          count
---------  -------
acquire          2
model            2
all              1
total            5

Select jobs to execute...
[Tue Dec  1 15:32:02 2026]
localrule acquire:
    input: a
    output: data/raw/x
    jobid: 1
Shell command: None
[Tue Dec  1 15:32:02 2026]
localrule acquire:
    jobid: 2
Finished jobid: 1 (Rule: acquire)
1 of 5 steps (20%) done
Finished jobid: 2 (Rule: acquire)
2 of 5 steps (40%) done
localrule model:
    jobid: 3
localrule model:
    jobid: 4
Finished jobid: 3 (Rule: model)
3 of 5 steps (60%) done
Finished jobid: 4 (Rule: model)
4 of 5 steps (80%) done
localrule all:
Finished jobid: 0 (Rule: all)
5 of 5 steps (100%) done
"""


def _clock():
    ticks = iter(range(10_000))
    return lambda: float(next(ticks))


def test_one_line_per_finished_rule_and_everything_in_the_log() -> None:
    out, log = io.StringIO(), io.StringIO()
    progress = filter_stream(io.StringIO(SNAKEMAKE_OUTPUT), out, log, clock=_clock())
    lines = out.getvalue().splitlines()
    assert lines[0] == "dyadstats: 5 jobs to run (acquire 2, model 2)"
    assert [line.split()[:3] for line in lines[1:]] == [["done", "acquire", "2"], ["done", "model", "2"]]
    assert lines[1].endswith("[2/5]") and lines[2].endswith("[4/5]")
    # the clock ticks once per line: acquire starts on line 11 (from 0), its last job ends on 21
    assert " 10s " in lines[1]
    assert log.getvalue() == SNAKEMAKE_OUTPUT
    assert progress.done == 5 and not progress.errors


def test_errors_are_kept_for_the_failure_message() -> None:
    text = SNAKEMAKE_OUTPUT.replace("Finished jobid: 4 (Rule: model)\n4 of 5 steps (80%) done\n", (
        "Error in rule model:\n    jobid: 4\n    log: logs/models/m.log (check log file(s) for error details)\n"
        "ValueError: the design matrix is singular\n"))
    out = io.StringIO()
    progress = filter_stream(io.StringIO(text), out, io.StringIO(), clock=_clock())
    assert progress.errors[:2] == ["Error in rule model:", "    jobid: 4"]
    assert "ValueError: the design matrix is singular" in progress.errors
    assert "done  model" not in out.getvalue()


def test_nothing_to_do_is_one_line() -> None:
    out = io.StringIO()
    filter_stream(io.StringIO("Building DAG of jobs...\nNothing to be done (all requested files are present and up to date).\n"),
                  out, io.StringIO())
    assert out.getvalue() == "dyadstats: nothing to do (every output is up to date)\n"


def test_validate_passes_on_the_repository_and_names_what_is_wrong(tmp_path: Path) -> None:
    # offline: the mirror is an empty directory, never the default ../shared/data
    mirrorless = tmp_path / "nomirror.yaml"
    mirrorless.write_text(yaml.safe_dump({"mirrors": [str(tmp_path / "empty")]}))
    checks = validate_run(REPO, [mirrorless], workdir=tmp_path)
    names = [c.name for c in checks]
    assert names == ["config", "manifest", "raw files", "report models"]
    assert checks[0].ok and checks[1].ok and checks[3].ok
    overlay = tmp_path / "bad.yaml"
    overlay.write_text(yaml.safe_dump({"report": {"main_table_models": ["M1_prd", "nosuch"]}}))
    bad = validate_run(REPO, [mirrorless, overlay], workdir=tmp_path)
    assert bad[-1].problems == ["report.main_table_models: nosuch not in models.specs"]
    invalid = tmp_path / "invalid.yaml"
    invalid.write_text(yaml.safe_dump({"build": {"first_year": "soon"}}))
    assert [c.name for c in validate_run(REPO, [mirrorless, invalid])] == ["config"]
    assert not validate_run(REPO, [mirrorless, invalid])[0].ok
    files = checks[2]
    # with no mirror and an empty data/raw every file must come by URL or is missing
    assert "0 in data/raw, 0 in a mirror" in files.summary


def _fit_table(workdir: Path, rows: list[dict]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = workdir / "results" / "models" / "fit.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path)


def test_failed_models_come_last_and_set_exit_status_3(tmp_path: Path, capsys) -> None:
    from dyadstats.cli.console import EXIT_MODELS_FAILED, _final_line

    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "report.html").write_text("<html></html>")
    _fit_table(tmp_path, [{"model": "A", "status": "ok", "failure_reason": None},
                          {"model": "B", "status": "failed", "failure_reason": "model 'B': no rows"},
                          {"model": "C", "status": "failed", "failure_reason": "model 'C': singular"}])
    assert EXIT_MODELS_FAILED == 3 and _final_line(0, tmp_path) == 3
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    assert lines[-2] == str((tmp_path / "reports" / "report.html").resolve())
    assert lines[-1].startswith("dyadstats: 2 model(s) failed: B, C (")
    assert "model B was not estimated: model 'B': no rows" in err
    # every model fitted: the report's path last, exit 0; a failed run keeps its own code
    _fit_table(tmp_path, [{"model": "A", "status": "ok", "failure_reason": None}])
    assert _final_line(0, tmp_path) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].endswith("report.html")
    assert _final_line(1, tmp_path) == 1 and capsys.readouterr().out == ""
