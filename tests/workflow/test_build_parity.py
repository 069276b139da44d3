"""Build stage on the real data, through Snakemake, checked against peacesciencer's tables.

One workflow run (ingest + universe + events) in a temporary directory, shared by the module.
The universe is built for 1816-2016 so that it can be compared with peacesciencer's ``cow_ddy``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import base_config, run_workflow

pytestmark = pytest.mark.integration

BUILD_TARGETS = [
    "results/audit/universe.json",
    "results/ingest/ps_cow_ddy.parquet",
]


@pytest.fixture(scope="module")
def build_parity_run(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    workdir = tmp_path_factory.mktemp("build_parity")
    config = base_config(shared_data)
    config.setdefault("build", {}).update({"first_year": 1816, "last_year": 2016})
    result = run_workflow(workdir, config, BUILD_TARGETS)
    assert result.returncode == 0, result.stderr[-4000:]
    return workdir


@pytest.fixture()
def con(build_parity_run: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for sub in ("ingest", "frames"):
        for path in sorted((build_parity_run / "results" / sub).glob("*.parquet")):
            con.execute(f"CREATE VIEW {path.stem} AS SELECT * FROM read_parquet('{path}')")
    return con


def test_universe_equals_peacesciencer_cow_ddy(con: duckdb.DuckDBPyConnection) -> None:
    """Non-directed 1816-2016 universe = cow_ddy restricted to ccode2 > ccode1, year <= 2016.

    No difference is expected: both apply the same-day rule to the same COW v2016 spells
    (peacesciencer's rows past 2016 extend surviving states and are outside our range).
    """
    reference = "SELECT ccode1, ccode2, year FROM ps_cow_ddy WHERE ccode2 > ccode1 AND year <= 2016"
    ours = "SELECT ccode1, ccode2, year FROM dyad_years"
    (only_ours,) = con.execute(f"SELECT count(*) FROM ({ours} EXCEPT ALL {reference})").fetchone()
    (only_ref,) = con.execute(f"SELECT count(*) FROM ({reference} EXCEPT ALL {ours})").fetchone()
    (n,) = con.execute(f"SELECT count(*) FROM ({ours})").fetchone()
    print(f"universe parity: {n} dyad-years 1816-2016; only ours {only_ours}, only cow_ddy {only_ref}")
    assert (only_ours, only_ref) == (0, 0), f"{only_ours} rows only ours, {only_ref} only in cow_ddy"
    (directed,) = con.execute("SELECT count(*) FROM directed_dyad_years").fetchone()
    assert directed == 2 * n
    # Suriname (115) entered 1975-11-25 after the Republic of Vietnam (817) ended 1975-04-30.
    assert con.execute(
        "SELECT count(*) FROM dyad_years WHERE ccode1 = 115 AND ccode2 = 817"
    ).fetchone()[0] == 0
    assert con.execute(
        "SELECT count(*) FROM state_years WHERE ccode IN (115, 817) AND year = 1975"
    ).fetchone()[0] == 2
