"""Controls on the real data: contiguity and major powers equal peacesciencer's; coverages."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dyadstats.frame.controls import (
    control_coverage,
    create_control_tables,
)
from dyadstats.ingest.rda import read_rda

REAL = ["cow_contdird", "nmc", "cow_majors", "ps_cow_alliance", "ps_atop_alliance", "ps_cow_mindist", "ps_cow_contdir",
        "ps_td_rivalries", "ps_tss_rivalries", "ps_cow_capitals", "ps_cow_trade_sy", "ps_terrthreat", "ps_cow_igo_ndy"]


@pytest.fixture(scope="module")
def real(main_run: Path, shared_data: Path) -> duckdb.DuckDBPyConnection:
    workdir = main_run  # the session's main job has ingested every table
    con = duckdb.connect()
    for t in REAL:
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{workdir}/results/ingest/{t}.parquet')")
    # the universe: the covariate tables count the source rows that match none of its dyad-years
    con.execute(f"CREATE VIEW dyad_years AS SELECT * FROM read_parquet('{workdir}/results/frames/dyad_years.parquet')")
    # peacesciencer's major-power spells, read from its original .rda (not in the manifest)
    con.register("ps_cow_majors", read_rda(shared_data / "peacesciencer" / "rda" / "cow_majors.rda"))
    create_control_tables(con)
    return con


def test_real_contiguity_equals_peacesciencer(real: duckdb.DuckDBPyConnection) -> None:
    """peacesciencer's add_contiguity expands the COW master spells to years and keeps the
    lowest type; our yearly cow_contdird minimum must give the same directed dyad-years."""
    real.execute(
        """CREATE TEMP TABLE ps_ct AS
           SELECT ccode1, ccode2, y AS year, min(conttype) AS conttype
           FROM ps_cow_contdir, range(year(stdate::DATE), year(enddate::DATE) + 1) t(y)
           WHERE conttype BETWEEN 1 AND 5 GROUP BY ALL"""
    )
    (only_ps,) = real.execute("SELECT count(*) FROM (SELECT * FROM ps_ct EXCEPT SELECT * FROM ctl_contiguity)").fetchone()
    (only_ours,) = real.execute("SELECT count(*) FROM (SELECT * FROM ctl_contiguity EXCEPT SELECT * FROM ps_ct)").fetchone()
    (n,) = real.execute("SELECT count(*) FROM ctl_contiguity").fetchone()
    print(f"contiguity parity: {n} directed dyad-years; only ps {only_ps}, only ours {only_ours}")
    assert n > 80_000 and (only_ps, only_ours) == (0, 0)


def test_real_majors_equal_peacesciencer_and_coverages(real: duckdb.DuckDBPyConnection) -> None:
    (diff,) = real.execute(
        """SELECT count(*) FROM (SELECT DISTINCT ccode, unnest(range(styear, endyear + 1)) AS year FROM ps_cow_majors) a
           FULL JOIN ctl_major b USING (ccode, year) WHERE a.ccode IS NULL OR b.ccode IS NULL"""
    ).fetchone()
    assert diff == 0
    cov = {k: v.as_list() for k, v in control_coverage(real).items()}
    assert cov == {
        "contiguity": [1816, 2016], "nmc": [1816, 2016], "majors": [1816, 2016],
        "cow_alliance": [1816, 2012], "atop_alliance": [1815, 2018], "mindist": [1886, 2019],
        "nmc_components": [1816, 2016], "alliance_types": [1816, 2012],
        "td_rivalries": [1494, 2010], "tss_rivalries": [1494, 2020], "capital_distance": [1816, 2024],
        "trade": [1870, 2014], "territorial_threat": [1816, 2010], "igos": [1816, 2014],
    }
