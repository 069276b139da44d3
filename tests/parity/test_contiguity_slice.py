"""build.controls.contiguity_slice first on the real data equals peacesciencer's own reading of
cow_contdir.rda (dyadstats.testing.peacesciencer.reference_first_month)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from dyadstats.ingest.rda import read_rda
from dyadstats.testing.peacesciencer import reference_first_month
from dyadstats.testing.repo import base_config, run_workflow


def test_real_first_month_contiguity_equals_peacesciencer_spells(
    main_run: Path, tmp_path: Path, shared_data: Path
) -> None:
    """Every directed dyad-year of a frame built with slice first: its conttype equals the
    direct pandas reading of peacesciencer's cow_contdir.rda, 0 for a dyad-year the table does
    not record (add_contiguity's rule inside 1816-2016). The main run's raw files, ingested
    tables and universe are reused: only the directed frame is rebuilt."""
    for sub in ("data/raw", "results/ingest", "results/frames"):
        shutil.copytree(main_run / sub, tmp_path / sub, ignore=shutil.ignore_patterns("analysis_*"))
    config = base_config(shared_data)
    config["build"]["controls"]["contiguity_slice"] = "first"
    target = "results/frames/analysis_directed_dyad_years.parquet"
    result = run_workflow(tmp_path, config, [target])
    assert result.returncode == 0, result.stderr[-5000:]
    assert "rule universe" not in result.stdout + result.stderr  # only the frame was rebuilt
    frame = pd.read_parquet(tmp_path / target, columns=["ccode1", "ccode2", "year", "conttype"])
    default = pd.read_parquet(main_run / target, columns=["ccode1", "ccode2", "year", "conttype"])
    ref = reference_first_month(read_rda(shared_data / "peacesciencer" / "rda" / "cow_contdir.rda"))
    merged = frame.merge(ref, on=["ccode1", "ccode2", "year"], how="left", suffixes=("", "_ps"))
    expected = merged["conttype_ps"].fillna(0).astype("int64")
    assert merged["conttype"].notna().all()  # the frame's years (to 2014) are all covered
    mismatches = int((merged["conttype"].astype("int64") != expected).sum())
    changed = int((frame["conttype"].to_numpy() != default["conttype"].to_numpy()).sum())
    print(f"first-month contiguity: {len(merged):,} directed dyad-years, {mismatches} mismatches; "
          f"{int((expected > 0).sum()):,} contiguous; {changed:,} differ from the default lowest slice")
    assert len(frame) == len(default) and (frame[["ccode1", "ccode2", "year"]] == default[["ccode1", "ccode2", "year"]]).all().all()
    assert mismatches == 0 and changed > 0
