"""peacesciencer's covariates built into the frame: rivalries, capital distance, trade,
territorial threat and joint IGO memberships (``build.frame.controls`` groups).

Each group reads manifest tables of peacesciencer's ``.rda`` files; every column is NULL
outside its source's coverage (measured from the table) and never filled with 0 there.

* ``rivalries`` (``ps_td_rivalries``, Thompson & Dreyer 1494-2010; ``ps_tss_rivalries``,
  Thompson, Sakuwa & Suhas 1494-2020): ``td_rivalry`` / ``tss_rivalry`` 1 if a rivalry of the
  pair is ongoing in the year (first to last year inclusive), 0 inside the coverage otherwise;
  ``tss_rivalry_<type>`` 1 if an ongoing TSS rivalry has that type (positional, spatial,
  ideological, interventionary: the four peacesciencer's ``add_strategic_rivalries`` returns).
  As peacesciencer does, Austria-Hungary (300) becomes Austria (305) from 1919 (TSS's
  Austria-Yugoslavia rivalry runs to 1920, TD's Austria-Serbia too).
* ``capital_distance`` (``ps_cow_capitals``): ``capdist``, great-circle km between the two
  capitals of the year: the capital of 1 January, or the year's first capital for a state
  without one on 1 January (peacesciencer's "Jan. 1 capital"); a sphere of radius 6378.137 km
  (geosphere's ``distVincentySphere``, which peacesciencer calls). NULL where either state has
  no capital in the table that year.
* ``trade`` (``ps_cow_trade_sy``, COW Trade 4.0 national totals 1870-2014): ``imports_<i>``,
  ``exports_<i>`` of each state, millions of current US dollars, NULL where missing.
* ``territorial_threat`` (``ps_terrthreat``, 1816-2010): ``lterrthreat_<i>``, each state's
  latent external territorial threat (posterior mean).
* ``igos`` (``ps_cow_igo_ndy``, COW IGO 3.0 1816-2014): ``dyadigos``, IGOs both states are full
  members of; NULL for a pair the table does not list (it lists every pair it codes, zeros too).

Rows of a source that match no state-year (no dyad-year) of the universe never join; the facts
count them (COW Trade codes some states outside COW membership, e.g. 255 for West Germany).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import duckdb

from dyadstats.errors import SchemaError

# group -> coverage key -> (table, SQL of the first year, SQL of the last year)
COVARIATE_COVERAGE: dict[str, dict[str, tuple[str, str, str]]] = {
    "rivalries": {"td_rivalries": ("ps_td_rivalries", "min(styear)", "max(endyear)"),
                  "tss_rivalries": ("ps_tss_rivalries", "min(start)", 'max("end")')},
    "capital_distance": {"capital_distance": ("ps_cow_capitals", "min(year(CAST(stdate AS DATE)))",
                                              "max(year(CAST(enddate AS DATE)))")},
    "trade": {"trade": ("ps_cow_trade_sy", "min(year)", "max(year)")},
    "territorial_threat": {"territorial_threat": ("ps_terrthreat", "min(year)", "max(year)")},
    "igos": {"igos": ("ps_cow_igo_ndy", "min(year)", "max(year)")},
}
COVARIATE_GROUPS: tuple[str, ...] = tuple(COVARIATE_COVERAGE)
COVARIATE_KEYS: tuple[str, ...] = tuple(k for keys in COVARIATE_COVERAGE.values() for k in keys)
#: the ingest tables of each group (what the frame stage reads when the group is selected)
COVARIATE_TABLES: dict[str, tuple[str, ...]] = {
    g: tuple(t for t, _, _ in keys.values()) for g, keys in COVARIATE_COVERAGE.items()}
TSS_TYPES = ("positional", "spatial", "ideological", "interventionary")
#: geosphere's default radius (the WGS84 equatorial radius), in km
EARTH_RADIUS_KM = 6378.137
# COW code of Austria-Hungary, and of Austria from this year (peacesciencer's adjustment)
AUSTRIA_HUNGARY, AUSTRIA, AUSTRIA_FROM = 300, 305, 1919


def covariate_coverage(con: duckdb.DuckDBPyConnection, groups: Collection[str]) -> dict[str, tuple[int, int]]:
    """(first, last) year of each coverage key of the selected groups, from the source tables."""
    out = {}
    for group in (g for g in COVARIATE_GROUPS if g in groups):
        for key, (table, lo_sql, hi_sql) in COVARIATE_COVERAGE[group].items():
            lo, hi = con.execute(f"SELECT {lo_sql}, {hi_sql} FROM {table}").fetchone()
            if lo is None:
                raise SchemaError(f"table '{table}' has no rows: cannot measure its year coverage")
            out[key] = (int(lo), int(hi))
    return out


def _remap(col: str) -> str:
    return f"CASE WHEN {col} = {AUSTRIA_HUNGARY} AND y >= {AUSTRIA_FROM} THEN {AUSTRIA} ELSE {col} END"


def _rivalry_years(table: str, first: str, last: str, flags: Collection[str] = ()) -> str:
    """One row per (lower code, higher code, year) with a rivalry ongoing; each 1/NULL flag
    column as 1 if any of the pair's rivalries ongoing that year has it, else 0."""
    # quoted: POSITIONAL is a DuckDB keyword
    carried = "".join(f', "{f}"' for f in flags)
    cols = "".join(f', coalesce(max("{f}"), 0) AS "{f}"' for f in flags)
    return f"""
        WITH years AS (
            SELECT {_remap('ccode1')} AS a, {_remap('ccode2')} AS b, y AS year{carried}
            FROM {table}, range({first}, {last} + 1) t(y))
        SELECT least(a, b) AS ccode1, greatest(a, b) AS ccode2, year{cols}
        FROM years GROUP BY ALL"""


def create_covariate_tables(con: duckdb.DuckDBPyConnection, groups: Collection[str]) -> dict[str, Any]:
    """The selected groups' tables (temporary; dyad tables keyed lower code first):
    ``ctl_td_rivalry`` / ``ctl_tss_rivalry`` (ccode1, ccode2, year[, the four type flags]),
    ``ctl_capital`` (ccode, year, lat, lng), ``ctl_trade`` (ccode, year, imports, exports),
    ``ctl_terrthreat`` (ccode, year, lterrthreat), ``ctl_igo`` (ccode1, ccode2, year,
    dyadigos). Returns audit facts: source rows that match nothing in the universe."""
    facts: dict[str, Any] = {}
    if "rivalries" in groups:
        con.execute(f"CREATE OR REPLACE TEMP TABLE ctl_td_rivalry AS {_rivalry_years('ps_td_rivalries', 'styear', 'endyear')}")
        tss = _rivalry_years("ps_tss_rivalries", "start", '"end"', TSS_TYPES)
        con.execute(f"CREATE OR REPLACE TEMP TABLE ctl_tss_rivalry AS {tss}")
        for source, name in (("ps_td_rivalries", "ctl_td_rivalry"), ("ps_tss_rivalries", "ctl_tss_rivalry")):
            facts[f"{source}_years_outside_universe"] = _unmatched_dyads(con, name)
    if "capital_distance" in groups:
        con.execute(
            """CREATE OR REPLACE TEMP TABLE ctl_capital AS
               SELECT ccode, y AS year, lat, lng
               FROM (SELECT ccode, lat, lng, CAST(stdate AS DATE) AS st, CAST(enddate AS DATE) AS en
                     FROM ps_cow_capitals), range(year(st), year(en) + 1) t(y)
               -- two capitals in a year: the one that started first holds 1 January (or is the first)
               QUALIFY row_number() OVER (PARTITION BY ccode, y ORDER BY st) = 1"""
        )
        facts["capital_moves_within_a_year"] = con.execute(
            """SELECT count(*) FROM (SELECT ccode, y FROM ps_cow_capitals,
                   range(year(CAST(stdate AS DATE)), year(CAST(enddate AS DATE)) + 1) t(y)
               GROUP BY ALL HAVING count(*) > 1)"""
        ).fetchone()[0]
    if "trade" in groups:
        con.execute("CREATE OR REPLACE TEMP TABLE ctl_trade AS SELECT ccode, year, imports, exports FROM ps_cow_trade_sy")
        facts["ps_cow_trade_sy_rows_outside_universe"] = _unmatched_states(con, "ctl_trade")
    if "territorial_threat" in groups:
        con.execute("CREATE OR REPLACE TEMP TABLE ctl_terrthreat AS SELECT ccode, year, lterrthreat FROM ps_terrthreat")
        facts["ps_terrthreat_rows_outside_universe"] = _unmatched_states(con, "ctl_terrthreat")
    if "igos" in groups:
        con.execute(
            """CREATE OR REPLACE TEMP TABLE ctl_igo AS
               SELECT least(ccode1, ccode2) AS ccode1, greatest(ccode1, ccode2) AS ccode2, year, dyadigos
               FROM ps_cow_igo_ndy"""
        )
        # a pair listed in both orders would join twice: refuse rather than pick one
        dup = con.execute("SELECT count(*) FROM (SELECT ccode1, ccode2, year FROM ctl_igo GROUP BY ALL HAVING count(*) > 1)").fetchone()[0]
        if dup:
            raise SchemaError(f"ps_cow_igo_ndy: {dup} dyad-years listed in both orders (ccode1, ccode2 and ccode2, ccode1); "
                              "a non-directed table lists each pair once")
        facts["ps_cow_igo_ndy_rows_outside_universe"] = _unmatched_dyads(con, "ctl_igo")
    return facts


def _unmatched_states(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, int]:
    """Rows whose year is outside the universe's years, and rows of a state-year it lacks."""
    return _unmatched(con, table, "ccode, year",
                      "SELECT ccode1 AS ccode, year FROM dyad_years UNION SELECT ccode2, year FROM dyad_years")


def _unmatched_dyads(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, int]:
    return _unmatched(con, table, "ccode1, ccode2, year", "SELECT ccode1, ccode2, year FROM dyad_years")


def _unmatched(con: duckdb.DuckDBPyConnection, table: str, key: str, universe: str) -> dict[str, int]:
    outside, absent = con.execute(
        f"""WITH span AS (SELECT min(year) AS lo, max(year) AS hi FROM dyad_years),
                 missing AS (SELECT year FROM (SELECT {key} FROM {table} EXCEPT ALL SELECT {key} FROM ({universe})))
            SELECT count(*) FILTER (WHERE year NOT BETWEEN lo AND hi),
                   count(*) FILTER (WHERE year BETWEEN lo AND hi)
            FROM missing, span"""
    ).fetchone()
    return {"year_outside_universe": int(outside), "not_in_universe_that_year": int(absent)}


def capital_distance_sql(lat1: str, lng1: str, lat2: str, lng2: str, radius_km: float = EARTH_RADIUS_KM) -> str:
    """Great-circle km between two points in degrees: the Vincenty formula on a sphere
    (``atan2`` form, accurate at every distance, antipodes included); NULL if any is NULL."""
    p1, p2, dl = f"radians({lat1})", f"radians({lat2})", f"radians({lng2} - {lng1})"
    y = (f"sqrt(pow(cos({p2}) * sin({dl}), 2) + "
         f"pow(cos({p1}) * sin({p2}) - sin({p1}) * cos({p2}) * cos({dl}), 2))")
    x = f"sin({p1}) * sin({p2}) + cos({p1}) * cos({p2}) * cos({dl})"
    return f"({float(radius_km)!r} * atan2({y}, {x}))"


# raw values (lagged for the _lag1 twins) over the COVARIATE_JOINS aliases; presence values are
# the joined row's year (NULL: no rivalry). Capitals join lower code first (k1), so a directed
# pair and its reverse get the same floating-point distance.
COVARIATE_RAW: dict[str, str] = {
    "td_rivalry": "rt.year",
    "tss_rivalry": "rs.year",
    **{f"tss_{t}": f'rs."{t}"' for t in TSS_TYPES},
    "capdist": capital_distance_sql("k1.lat", "k1.lng", "k2.lat", "k2.lng"),
    **{f"{v}{i}": f"t{i}.{v}" for v in ("imports", "exports") for i in (1, 2)},
    **{f"lterrthreat{i}": f"h{i}.lterrthreat" for i in (1, 2)},
    "dyadigos": "ig.dyadigos",
}
COVARIATE_RAW_GROUP: dict[str, str] = {
    "td_rivalry": "rivalries", "tss_rivalry": "rivalries", **{f"tss_{t}": "rivalries" for t in TSS_TYPES},
    "capdist": "capital_distance", **{f"{v}{i}": "trade" for v in ("imports", "exports") for i in (1, 2)},
    "lterrthreat1": "territorial_threat", "lterrthreat2": "territorial_threat", "dyadigos": "igos",
}
_PAIR = "{a}.ccode1 = least(u.ccode1, u.ccode2) AND {a}.ccode2 = greatest(u.ccode1, u.ccode2) AND {a}.year = u.year"
COVARIATE_JOINS = f"""
LEFT JOIN ctl_td_rivalry rt ON {_PAIR.format(a='rt')}
LEFT JOIN ctl_tss_rivalry rs ON {_PAIR.format(a='rs')}
LEFT JOIN ctl_capital k1 ON k1.ccode = least(u.ccode1, u.ccode2) AND k1.year = u.year
LEFT JOIN ctl_capital k2 ON k2.ccode = greatest(u.ccode1, u.ccode2) AND k2.year = u.year
LEFT JOIN ctl_trade t1 ON t1.ccode = u.ccode1 AND t1.year = u.year
LEFT JOIN ctl_trade t2 ON t2.ccode = u.ccode2 AND t2.year = u.year
LEFT JOIN ctl_terrthreat h1 ON h1.ccode = u.ccode1 AND h1.year = u.year
LEFT JOIN ctl_terrthreat h2 ON h2.ccode = u.ccode2 AND h2.year = u.year
LEFT JOIN ctl_igo ig ON {_PAIR.format(a='ig')}
"""
COVARIATE_ALIAS_GROUP: dict[str, str] = {
    "rt": "rivalries", "rs": "rivalries", "k1": "capital_distance", "k2": "capital_distance",
    "t1": "trade", "t2": "trade", "h1": "territorial_threat", "h2": "territorial_threat", "ig": "igos",
}
#: frame column -> its group, in frame order
COVARIATE_COLUMN_GROUPS: dict[str, str] = {
    "td_rivalry": "rivalries", "tss_rivalry": "rivalries",
    **{f"tss_rivalry_{t}": "rivalries" for t in TSS_TYPES},
    "capdist": "capital_distance",
    **{f"{v}_{i}": "trade" for v in ("imports", "exports") for i in (1, 2)},
    "lterrthreat_1": "territorial_threat", "lterrthreat_2": "territorial_threat",
    "dyadigos": "igos",
}


def covariate_columns(cov: Mapping[str, Any], raw: Mapping[str, str], year: str = "u.year") -> list[tuple[str, str]]:
    """(name, SQL) of the covariate columns whose coverage is in ``cov`` (``Coverage`` values:
    ``.sql(year)``); ``raw`` maps COVARIATE_RAW keys to this row's (or last year's) values."""
    def within(key: str, expr: str) -> str:
        return f"CASE WHEN {cov[key].sql(year)} THEN {expr} END"

    cols: list[tuple[str, str]] = []
    if "td_rivalries" in cov:
        cols.append(("td_rivalry", within("td_rivalries", f"({raw['td_rivalry']} IS NOT NULL)::INTEGER")))
    if "tss_rivalries" in cov:
        cols.append(("tss_rivalry", within("tss_rivalries", f"({raw['tss_rivalry']} IS NOT NULL)::INTEGER")))
        cols += [(f"tss_rivalry_{t}", within("tss_rivalries", f"coalesce({raw[f'tss_{t}']}, 0)")) for t in TSS_TYPES]
    if "capital_distance" in cov:
        cols.append(("capdist", within("capital_distance", raw["capdist"])))
    if "trade" in cov:
        cols += [(f"{v}_{i}", within("trade", raw[f"{v}{i}"])) for v in ("imports", "exports") for i in (1, 2)]
    if "territorial_threat" in cov:
        cols += [(f"lterrthreat_{i}", within("territorial_threat", raw[f"lterrthreat{i}"])) for i in (1, 2)]
    if "igos" in cov:
        cols.append(("dyadigos", within("igos", raw["dyadigos"])))
    return cols
