"""The model-level peace-years counter on the real frame equals a plain reference loop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dyadstats.frame.spells import peace_years_reference
from dyadstats.models import ModelSpec, SampleSpec, prepare

KEYS = ["ccode1", "ccode2", "year"]


@pytest.mark.parametrize("rule", ["onset", "ongoing"])
def test_prd_restricted_peace_years_equal_a_loop_over_the_prd_rows(main_run: Path, rule: str) -> None:
    """Every politically relevant dyad-year 1946-2014: peace years recounted over the PRD rows
    only (calendar gaps where a dyad is not PRD are skipped) equal peace_years_reference run
    dyad by dyad over those rows; with the onset rule they differ from the universe count."""
    path = main_run / "results" / "frames" / "analysis_dyad_years.parquet"
    sample = SampleSpec(politically_relevant=True, years=(1946, 2014))
    spec = ModelSpec(name="prd_spells", outcome="coercion_onset", regressors="contiguity_land",
                     focal="contiguity_land", sample=sample, peace_years_over="sample", peace_years_rule=rule)
    got = prepare(str(path), spec).data.set_index(KEYS)["peace_years_coercion_onset"].astype("int64").sort_index()
    frame = pd.read_parquet(path, columns=[*KEYS, "politically_relevant", "coercion_onset",
                                           "ongoing_coercion_onset", "peace_years_coercion_onset"])
    rows = frame[(frame.politically_relevant == 1) & frame.year.between(1946, 2014)
                 & frame.coercion_onset.notna()].sort_values(KEYS)
    event = rows.coercion_onset if rule == "onset" else np.maximum(rows.coercion_onset, rows.ongoing_coercion_onset)
    loop = np.concatenate([peace_years_reference(g.astype(int).tolist())
                           for _, g in event.groupby([rows.ccode1, rows.ccode2], sort=True)])
    expected = pd.Series(loop, index=rows.set_index(KEYS).index, name=got.name).loc[got.index]
    universe = rows.set_index(KEYS).loc[got.index, "peace_years_coercion_onset"]
    print(f"{rule}: {len(got):,} PRD dyad-years 1946-2014; {int((got != universe).sum()):,} differ from the universe count")
    assert len(got) > 50_000
    pd.testing.assert_series_equal(got, expected.astype("int64"))
    assert (got != universe).sum() > 1000
