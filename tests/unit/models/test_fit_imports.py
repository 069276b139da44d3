"""The standard logit with dyad-clustered errors is fitted and written without pandas, patsy,
statsmodels or scipy (importing pandas and patsy alone costs ~0.5 s a process), with the
estimates statsmodels gives and the bytes the pandas writer gives."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import statsmodels.api as sm

from dyadstats.bench_stages import STANDARD_MODEL
from dyadstats.io.files import write_parquet
from dyadstats.models import fit_frame, fit_or_fail, parse_specs, prepare
from dyadstats.testing.simulate import SimulationSpec, simulate_analysis_frame

CODE = """
import json, sys
from dyadstats import stages
frame, spec, out = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
stages.run_model(frame, spec, f"{out}/estimates.parquet", f"{out}/fit.parquet", f"{out}/predictions.parquet")
print("LOADED:" + ",".join(sorted(m for m in ("pandas", "patsy", "statsmodels", "scipy") if m in sys.modules)))
"""


def _standard_spec():
    name = STANDARD_MODEL["name"]
    raw = {k: v for k, v in STANDARD_MODEL.items() if k != "name"}
    return parse_specs({"specs": {name: raw}})[name]


def test_the_standard_logit_imports_no_pandas_patsy_or_statsmodels(tmp_path: Path) -> None:
    frame = tmp_path / "frame.parquet"
    pq.write_table(simulate_analysis_frame(SimulationSpec(n_states=30, n_years=40, event_rate=0.03,
                                                          dyad_correlation=0.3, seed=11)), frame)
    spec = _standard_spec()
    assert spec.covariance == "cluster" and spec.estimator == "logit"
    out = tmp_path / "out"
    out.mkdir()
    run = subprocess.run([sys.executable, "-c", CODE, str(frame), json.dumps(spec.to_dict()), str(out)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "LOADED:\n" in run.stdout, run.stdout

    # the estimates: statsmodels' Logit with its cluster covariance on the same design
    design = prepare(str(frame), spec)
    sm_fit = sm.Logit(design.y, design.X).fit(method="newton", disp=0, cov_type="cluster",
                                              cov_kwds={"groups": design.groups})
    est = pd.read_parquet(out / "estimates.parquet")
    assert list(est["term"]) == list(design.X.columns)
    np.testing.assert_allclose(est["estimate"], sm_fit.params, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(est["std_error"], sm_fit.bse, rtol=1e-8)

    # the bytes: the same result written through pandas, as the stage wrote it before
    result = fit_or_fail(str(frame), spec)
    expected = {
        "estimates": pa.Table.from_pandas(result.estimates, preserve_index=False),
        "fit": pa.Table.from_pandas(fit_frame([result.fit]), preserve_index=False),
        "predictions": pa.Table.from_pandas(result.predictions.astype({"n_obs": "int64"}),
                                            preserve_index=False),
    }
    for part, table in expected.items():
        write_parquet(table, str(tmp_path / f"{part}.parquet"))
        assert (tmp_path / f"{part}.parquet").read_bytes() == (out / f"{part}.parquet").read_bytes(), part
