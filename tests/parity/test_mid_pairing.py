"""The events stage's MID 5.0 pairing equals peacesciencer's cow_mid_dirdisps row for row.

cow_mid_dirdisps (peacesciencer 1.2.9, data-raw/cow_mid_dirdisps.R) is MID 5.0 as directed
dispute-dyad-years before any whittling: each side-A participant day joined with each side-B
participant day of the same dispute, one row per year of the overlap, both directions. Ours is
``dispute_dyad_years`` (``dyadstats.events.pairing``, ``sql/events/mid5_dispute_dyad_years.sql``),
non-directed, whose rows the events stage writes to ``mid_whittle_log``.

One field differs, in one row, and the test names it: ``disponset`` of MID 4678 (Russia 365 -
Finland 375, 2014). Finland has two participant rows in MID 4678, 12 June 2013 and 20 May -
28 October 2014. We code a year in which a participant re-enters a dispute with a new
participant row as an onset; peacesciencer codes an onset in the pair's first year or after a gap
of more than one year, and hand-codes the re-entries of consecutive years it found (Estonia 366,
Norway 385 and the UK 200 in MID 4678 in 2014, among others), not Finland's.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from dyadstats.events.pairing import create_dispute_dyad_years
from dyadstats.ingest.rda import read_rda

KEY = ["dispnum", "ccode1", "ccode2", "year"]
# (ours, peacesciencer's): the side-level fields both tables carry, and the onset flag
SHARED = [(f"{c}{i}", f"{c}{i}") for c in ("sidea", "hiact", "hostlev", "orig", "fatality", "fatalpre")
          for i in (1, 2)] + [("mid_onset", "disponset")]
# the one row whose onset coding differs (module docstring): key -> (ours, peacesciencer's)
EXPECTED_DIFFERENCES = {("mid_onset", (4678, 365, 375, 2014)): (1, 0)}


def _ours(main_run: Path) -> pd.DataFrame:
    con = duckdb.connect()
    for table in ("mid5_participants", "mid5_disputes"):
        path = main_run / "results" / "ingest" / f"{table}.parquet"
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
    create_dispute_dyad_years(con, "mid5")
    return con.execute("SELECT * FROM dispute_dyad_years").df()


def test_peacesciencer_dirdisps_is_both_directions_of_one_table(shared_data: Path) -> None:
    ps = read_rda(shared_data / "peacesciencer" / "rda" / "cow_mid_dirdisps.rda")
    lower = ps[ps.ccode1 < ps.ccode2].set_index(KEY).sort_index()
    upper = ps[ps.ccode1 > ps.ccode2].copy()
    swap = {"ccode1": "ccode2", "ccode2": "ccode1"}
    for c, _ in SHARED[:-1]:
        swap[c] = c[:-1] + ("2" if c.endswith("1") else "1")
    upper = upper.rename(columns=swap).set_index(KEY).sort_index()[lower.columns]
    assert len(ps) == 2 * len(lower) == 11390
    pd.testing.assert_frame_equal(lower, upper)


def test_pairing_equals_cow_mid_dirdisps(main_run: Path, shared_data: Path) -> None:
    ours = _ours(main_run)
    ps = read_rda(shared_data / "peacesciencer" / "rda" / "cow_mid_dirdisps.rda")
    ps = ps[ps.ccode1 < ps.ccode2]
    merged = ours.merge(ps, on=KEY, how="outer", suffixes=("", "_ps"), indicator=True)
    # the same 5,695 non-directed dispute-dyad-years, no more and no fewer
    assert merged["_merge"].eq("both").all() and len(merged) == len(ours) == 5695
    found = {}
    for mine, theirs in SHARED:
        a = merged[mine].astype("Int64").fillna(-9)  # our NULL is MIDB's -9, which peacesciencer keeps
        b = merged[theirs if theirs != mine else f"{theirs}_ps"].astype("Int64")
        for row in merged.loc[a != b].itertuples():
            key = tuple(int(getattr(row, k)) for k in KEY)
            found[(mine, key)] = (int(a[row.Index]), int(b[row.Index]))
    assert found == EXPECTED_DIFFERENCES
    # the events stage wrote exactly these dispute-dyad-years to its whittle log
    log = pd.read_parquet(main_run / "results" / "frames" / "mid_whittle_log.parquet", columns=KEY)
    assert sorted(map(tuple, log[KEY].to_numpy().tolist())) == sorted(map(tuple, ours[KEY].to_numpy().tolist()))
