"""The build stages run without pandas or pyarrow: importing them costs ~0.4 s a process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CODE = """
import sys
import duckdb
from dyadstats import stages, plan
import dyadstats.events.build, dyadstats.frame.build, dyadstats.universe, dyadstats.audit
from dyadstats.io.yamlfile import load_yaml
from dyadstats.universe import build_universe
out = sys.argv[1]
con = duckdb.connect()
con.execute(f\"\"\"COPY (SELECT * FROM (VALUES
    (2, 'USA', 1816, 1, 1, 2016, 12, 31), (200, 'UKG', 1816, 1, 1, 2016, 12, 31),
    (220, 'FRN', 1816, 1, 1, 1942, 11, 11), (220, 'FRN', 1944, 10, 23, 2016, 12, 31))
    AS t(ccode, stateabb, styear, stmonth, stday, endyear, endmonth, endday))
    TO '{out}/states.parquet' (FORMAT parquet)\"\"\")
con.close()
records = build_universe(f"{out}/states.parquet", f"{out}/sy.parquet", f"{out}/dy.parquet", None,
                         f"{out}/universe.json", 1940, 1945)
assert records["dyad_years"]["rows_out"] == 3 * 6 - 2 * 1, records["dyad_years"]
load_yaml("a: 1")
print("LOADED:" + ",".join(sorted(m for m in ("pandas", "pyarrow", "patsy", "statsmodels") if m in sys.modules)))
"""


def test_building_the_universe_imports_no_pandas_or_pyarrow(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-c", CODE, str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "LOADED:\n" in out.stdout, out.stdout
