"""peacesciencer's published whittling counts for MID 5.0, from the events stage's whittle log.

The vignette "How {peacesciencer} Coerces Dispute-Year Data into Dyad-Year Data"
(vignettes/coerce-dispute-year-dyad-year.Rmd) whittles cow_mid_dirdisps in this order: unique
onsets, dispute fatality (-9 read as 0.5), dispute hostility, minimum then maximum duration,
reciprocation, start month; ours (``build.events.whittle_order``) is the same sequence, with the
lowest dispute number as a last resort that never fires. Its figures:

* "there are 498 dyad-years that duplicate": non-directed dyad-years with more than one dispute;
* after the severity and duration rules "just 24 directed (12 non-directed) dyad-years": these
  are *rows* of its table of remaining duplicates (``filter(n() > 1)``, one row per dispute),
  i.e. 6 non-directed dyad-years of 2 disputes each, 12 non-directed dispute-dyad-years;
* after reciprocation "just three duplicate dyad-years", MID 4428/4430 (Kyrgyzstan-Uzbekistan
  2005) among them; after the start month none.

Every figure is reproduced; the 12 is checked as what it counts (rows in 6 dyad-years). A
second implementation, the vignette's steps in pandas over peacesciencer's own tables
(cow_mid_dirdisps and cow_mid_disps), gives the same counts after every rule.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dyadstats.events.whittle import DEFAULT_WHITTLE_ORDER
from dyadstats.ingest.rda import read_rda

DYAD_YEAR = ["ccode1", "ccode2", "year"]
# rule -> (duplicated non-directed dyad-years left after it, their dispute-dyad-year rows)
EXPECTED_LEFT = {"onset": (292, None), "fatality": (145, None), "hostility": (100, None),
                 "mindur": (7, None), "maxdur": (6, 12), "recip": (3, 6), "stmon": (0, 0), "dispnum": (0, 0)}
# the six dyad-years the severity and duration rules leave: (ccode1, ccode2, year) -> disputes
LEFT_AFTER_MAXDUR = {(2, 365, 1986): [2233, 3637], (352, 640, 1965): [2171, 2172],
                     (365, 372, 2003): [4416, 4420], (541, 560, 1987): [2800, 2801],
                     (703, 704, 2005): [4428, 4430], (731, 740, 1999): [4225, 4322]}


def _left(rows: pd.DataFrame) -> tuple[int, int, dict[tuple[int, ...], list[int]]]:
    """Duplicated dyad-years, their rows, and their disputes."""
    n = rows.groupby(DYAD_YEAR).dispnum.transform("size")
    dup = rows[n > 1]
    disputes = {tuple(int(v) for v in k): sorted(int(d) for d in g.dispnum)
                for k, g in dup.groupby(DYAD_YEAR)}
    return len(disputes), len(dup), disputes


def test_whittle_log_reproduces_the_vignette_counts(main_run: Path) -> None:
    log = pd.read_parquet(main_run / "results" / "frames" / "mid_whittle_log.parquet")
    assert tuple(DEFAULT_WHITTLE_ORDER) == tuple(EXPECTED_LEFT)
    assert len(log) == 5695
    assert _left(log)[0] == 498
    step = log.removed_at_step.fillna(len(EXPECTED_LEFT) + 1)
    for i, (rule, (dyad_years, rows)) in enumerate(EXPECTED_LEFT.items(), start=1):
        left, left_rows, disputes = _left(log[step > i])
        assert left == dyad_years, rule
        if rows is not None:
            assert left_rows == rows, rule
        if rule == "maxdur":
            assert disputes == LEFT_AFTER_MAXDUR
        if rule == "recip":
            assert (703, 704, 2005) in disputes
    removed = log.removed_by.value_counts().to_dict()
    assert removed == {"onset": 258, "fatality": 169, "mindur": 93, "hostility": 51, "recip": 3, "stmon": 3,
                       "maxdur": 1}


def test_the_vignette_steps_on_peacesciencer_tables_give_the_same_counts(shared_data: Path) -> None:
    rda = shared_data / "peacesciencer" / "rda"
    dirdisps = read_rda(rda / "cow_mid_dirdisps.rda")
    disps = read_rda(rda / "cow_mid_disps.rda")
    rows = dirdisps[dirdisps.ccode2 > dirdisps.ccode1].merge(
        disps[["dispnum", "fatality", "hostlev", "mindur", "maxdur", "recip", "stmon"]], on="dispnum",
        suffixes=("_side", ""))
    rows["fatality"] = rows.fatality.astype("float64").where(rows.fatality != -9, 0.5)
    assert _left(rows)[0] == 498
    steps = [("onset", "disponset", "max"), ("fatality", "fatality", "max"), ("hostility", "hostlev", "max"),
             ("mindur", "mindur", "max"), ("maxdur", "maxdur", "max"), ("recip", "recip", "max"),
             ("stmon", "stmon", "min")]
    for rule, column, best in steps:
        rows = rows[rows[column] == rows.groupby(DYAD_YEAR)[column].transform(best)]
        left, left_rows, disputes = _left(rows)
        assert left == EXPECTED_LEFT[rule][0], rule
        if rule == "maxdur":
            assert left_rows == 12 and disputes == LEFT_AFTER_MAXDUR
