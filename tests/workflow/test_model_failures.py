"""An overlay that narrows the years, selects and disables models, and has one model that cannot
be estimated: that model is recorded as failed, everything else completes, and ``dyadstats run``
says so on its last line with exit status 3.

The overlay is layered with ``--configfile`` over config/config.yaml, as a user would: the
years end in 2010, so the frame's last era is "1990-2010" and a spec asking for era
"1990-2014" has no rows; ``models.only`` keeps three models and ``models.disable`` removes one
of them; the report's main table names all three.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from dyadstats.testing.repo import repo_root

REPO = repo_root()

pytestmark = pytest.mark.slow

OVERLAY = {
    "build": {"first_year": 1990, "last_year": 2010},
    "models": {
        "only": ["M1_prd", "M8_from_1990", "M5_bmr", "M_old_era"],
        "disable": ["M5_bmr"],
        "specs": {"M_old_era": {"base": "M1_prd", "description": "M1 in an era the frame does not have",
                                "sample": {"era": "1990-2014"}}},
    },
    "report": {"main_table_models": ["M1_prd", "M_old_era", "M5_bmr", "M8_from_1990"]},
    # the models stage's failures are the point here, not the specification curve
    "multiverse": {"enabled": False},
}


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
    workdir = tmp_path_factory.mktemp("model_failures")
    overlay = workdir / "overlay.yaml"
    overlay.write_text(yaml.safe_dump({**OVERLAY, "manifest": str(REPO / "data" / "sources.yaml"),
                                       "mirrors": [str(shared_data)]}, sort_keys=False))
    argv = [sys.executable, "-m", "dyadstats.cli.main", "run", "--cores", "2",
            "--configfile", str(overlay), "--directory", str(workdir)]
    result = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, timeout=3000)
    return workdir, result


def test_the_failed_model_is_recorded_and_the_others_are_fitted(failed_run) -> None:
    workdir, result = failed_run
    assert result.returncode == 3, result.stdout[-3000:] + result.stderr[-3000:]
    con = duckdb.connect(str(workdir / "results" / "dyadstats.duckdb"), read_only=True)
    fit = con.execute("SELECT model, status, failure_reason, n_obs, year_min, year_max FROM model_fit").fetchall()
    estimated = {r[0] for r in con.execute("SELECT DISTINCT model FROM model_estimates").fetchall()}
    eras = [r[0] for r in con.execute("SELECT DISTINCT era FROM analysis_dyad_years ORDER BY era").fetchall()]
    con.close()
    rows = {r[0]: r for r in fit}
    assert list(rows) == ["M1_prd", "M8_from_1990", "M_old_era"]  # config order; M5_bmr not run
    assert eras == ["1990-2010"]  # the era label follows build.last_year
    assert [rows[m][1] for m in rows] == ["ok", "ok", "failed"]
    assert "no complete rows in the sample" in rows["M_old_era"][2] and "era 1990-2014" in rows["M_old_era"][2]
    assert rows["M_old_era"][3] is None and estimated == {"M1_prd", "M8_from_1990"}
    # the complete-case years (the alliance data reach 2012, so here the whole 1990-2010)
    assert (rows["M1_prd"][4], rows["M1_prd"][5]) == (1990, 2010)
    assert rows["M8_from_1990"][3] == rows["M1_prd"][3]  # year >= 1990 is every row of this frame


def test_the_report_lists_the_failure_first_and_the_last_line_names_it(failed_run) -> None:
    workdir, result = failed_run
    md = (workdir / "reports" / "report.md").read_text()
    top = md.split("**Question.**")[0]
    assert "**1 model(s) could not be estimated**" in top
    assert "- `M_old_era` (M1 in an era the frame does not have): no complete rows in the sample" in top
    assert "report.main_table_models names M5_bmr, which is not run (models.only / models.disable): left out" in top
    assert "report.main_table_models names M_old_era, which is failed" in top
    main = (workdir / "reports" / "tables" / "main.csv").read_text().splitlines()[0]
    assert "M1_prd" in main and "M8_from_1990" in main and "M_old_era" not in main and "M5_bmr" not in main
    lines = result.stdout.strip().splitlines()
    assert lines[-1].startswith("dyadstats: 1 model(s) failed: M_old_era (")
    assert lines[-2] == str((workdir / "reports" / "report.html").resolve())
    assert "dyadstats: model M_old_era was not estimated: model 'M_old_era': no complete rows" in result.stderr
