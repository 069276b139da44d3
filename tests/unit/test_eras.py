"""Era labels follow the run's years: the frame's ``era`` column and the report's rate table."""

from __future__ import annotations

import duckdb
import pytest

from dyadstats.eras import era_labels, era_periods
from dyadstats.frame.sql import era_sql
from dyadstats.report.options import report_options


@pytest.mark.parametrize(("years", "periods"), [
    ((1816, 2014), [("1816-1945", 1816, 1945), ("1946-1989", 1946, 1989), ("1990-2014", 1990, 2014)]),
    ((1816, 2010), [("1816-1945", 1816, 1945), ("1946-1989", 1946, 1989), ("1990-2010", 1990, 2010)]),
    ((1950, 2000), [("1950-1989", 1950, 1989), ("1990-2000", 1990, 2000)]),
    ((1900, 1930), [("1900-1930", 1900, 1930)]),
    ((1989, 1990), [("1989-1989", 1989, 1989), ("1990-1990", 1990, 1990)]),
])
def test_era_periods_clip_the_outer_eras_to_the_years(years, periods):
    assert era_periods(*years) == periods


@pytest.mark.parametrize("years", [(1816, 2010), (1950, 2000), (1900, 1930)])
def test_the_frame_codes_every_year_with_its_era_label(years):
    first, last = years
    con = duckdb.connect()
    rows = con.execute(f"SELECT y, {era_sql(first, last, 'y')} FROM range({first}, {last + 1}) t(y)").fetchall()
    # each year's label is the period that holds it, worked out from the fixed breaks
    for year, label in rows:
        expected = [lab for lab, lo, hi in era_periods(first, last) if lo <= year <= hi]
        assert [label] == expected
    assert sorted({label for _, label in rows}) == sorted(era_labels(first, last))


def test_the_frame_labels_at_the_breaks_for_a_run_ending_in_2010():
    con = duckdb.connect()
    rows = dict(con.execute(f"SELECT y, {era_sql(1816, 2010, 'y')} FROM (VALUES (1816), (1945), (1946), "
                            "(1989), (1990), (2010)) t(y)").fetchall())
    assert rows == {1816: "1816-1945", 1945: "1816-1945", 1946: "1946-1989", 1989: "1946-1989",
                    1990: "1990-2010", 2010: "1990-2010"}


def test_report_eras_default_to_the_build_years_unless_set():
    assert [e.label for e in report_options({}, (1816, 2010)).eras] == ["1816-1945", "1946-1989", "1990-2010"]
    assert report_options({}, (1816, 2010)).eras[-1].end == 2010
    own = report_options({"eras": [{"label": "interwar", "start": 1919, "end": 1938}]}, (1816, 2010))
    assert [(e.label, e.start, e.end) for e in own.eras] == [("interwar", 1919, 1938)]
