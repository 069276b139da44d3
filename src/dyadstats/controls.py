"""Controls: contiguity, capabilities, major powers, defense pacts and minimum distance.

Every control is NULL outside its source's coverage and never filled with 0 there. Coverage is
measured from the source table itself (first and last year present), so a newer release
widens it without a code change; the audit and the codebook report the years used.

* Contiguity (``cow_contdird``, COW Direct Contiguity 3.2, directed dyad-years): the lowest
  (closest) type recorded for the pair in the year, 1 land/river ... 5 water <= 400 miles;
  0 for a pair absent from the table in a covered year (not directly contiguous).
* Capabilities (``nmc``): CINC of each state; ratio lower/higher and log(higher/lower).
* Major powers (``cow_majors`` spells): a state is a major power in every calendar year its
  spell touches (peacesciencer's ``add_cow_majors`` does the same).
* Defense pacts (``ps_cow_alliance`` COW 4.1; ``ps_atop_alliance`` ATOP 5.1, both directed):
  1 if either direction of the pair records a defense obligation in the year, so the
  directed and non-directed frames agree. ATOP's directed rows are not all symmetric (the
  audit counts the asymmetric ones); "either direction" is the usual dyadic reading.
* Minimum distance (``ps_cow_mindist``, CShapes 2.0, km on 1 January): NULL for a pair absent
  from the table, e.g. a state that entered after 1 January.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import duckdb

from dyadstats.errors import SchemaError


@dataclass(frozen=True)
class Coverage:
    """First and last year a source covers."""

    first: int
    last: int

    def sql(self, year: str = "year") -> str:
        return f"{year} BETWEEN {self.first} AND {self.last}"

    def as_list(self) -> list[int]:
        return [self.first, self.last]


CONTROL_SOURCES = {
    "contiguity": ("cow_contdird", "year"),
    "nmc": ("nmc", "year"),
    "majors": ("cow_majors", None),
    "cow_alliance": ("ps_cow_alliance", "year"),
    "atop_alliance": ("ps_atop_alliance", "year"),
    "mindist": ("ps_cow_mindist", "year"),
}


def table_coverage(con: duckdb.DuckDBPyConnection, table: str, year: str = "year") -> Coverage:
    """Coverage of a source table measured from its year column."""
    lo, hi = con.execute(f"SELECT min({year}), max({year}) FROM {table}").fetchone()
    if lo is None:
        raise SchemaError(f"table '{table}' has no rows: cannot measure its year coverage")
    return Coverage(int(lo), int(hi))


def control_coverage(con: duckdb.DuckDBPyConnection) -> dict[str, Coverage]:
    """Coverage of every control source; major-power spells span styear..endyear."""
    out = {}
    for name, (table, year) in CONTROL_SOURCES.items():
        if year is None:
            lo, hi = con.execute(f"SELECT min(styear), max(endyear) FROM {table}").fetchone()
            out[name] = Coverage(int(lo), int(hi))
        else:
            out[name] = table_coverage(con, table, year)
    return out


def create_control_tables(
    con: duckdb.DuckDBPyConnection, groups: Collection[str] = tuple(CONTROL_SOURCES)
) -> dict[str, Any]:
    """Create the state-year and dyad-year control tables used by the frame.

    ``groups`` (keys of CONTROL_SOURCES): only these sources' tables and audit facts are made
    (a frame that selects fewer controls, ``build.frame.controls``, joins no others).

    Tables (temporary): ``ctl_cinc`` (ccode, year, cinc), ``ctl_major`` (ccode, year),
    ``ctl_contiguity`` (ccode1, ccode2, year, conttype; both directions), ``ctl_defense`` and
    ``ctl_defense_atop`` (ccode1, ccode2, year; both directions, pairs with a defense pact),
    ``ctl_mindist`` (ccode1, ccode2, year, mindist; both directions). Returns audit facts.
    """
    facts: dict[str, Any] = {}
    if "nmc" in groups:
        dup = con.execute("SELECT count(*) FROM (SELECT ccode, year FROM nmc GROUP BY ALL HAVING count(*) > 1)").fetchone()[0]
        if dup:
            raise SchemaError(f"nmc: {dup} duplicated (ccode, year) keys; CINC must be one value per state-year")
        con.execute("CREATE OR REPLACE TEMP TABLE ctl_cinc AS SELECT ccode, year, cinc FROM nmc")
    if "majors" in groups:
        con.execute(
            """CREATE OR REPLACE TEMP TABLE ctl_major AS
               SELECT DISTINCT ccode, unnest(range(styear, endyear + 1)) AS year FROM cow_majors"""
        )
    if "contiguity" in groups:
        _create_contiguity(con, facts)
    for group, name, table, col in (
        ("cow_alliance", "ctl_defense", "ps_cow_alliance", "cow_defense"),
        ("atop_alliance", "ctl_defense_atop", "ps_atop_alliance", "atop_defense"),
    ):
        if group in groups:
            _create_defense(con, facts, name, table, col)
    if "mindist" in groups:
        con.execute(
            """CREATE OR REPLACE TEMP TABLE ctl_mindist AS
               SELECT ccode1, ccode2, year, min(mindist) AS mindist FROM (
                   SELECT ccode1, ccode2, year, mindist FROM ps_cow_mindist
                   UNION ALL
                   SELECT ccode2, ccode1, year, mindist FROM ps_cow_mindist) GROUP BY ALL"""
        )
    return facts


def _create_contiguity(con: duckdb.DuckDBPyConnection, facts: dict[str, Any]) -> None:
    con.execute(
        """CREATE OR REPLACE TEMP TABLE ctl_contiguity AS
           SELECT state1no AS ccode1, state2no AS ccode2, year, min(conttype) AS conttype
           FROM cow_contdird GROUP BY ALL"""
    )
    facts["contiguity_multi_type_dyad_years"] = con.execute(
        "SELECT count(*) FROM (SELECT state1no, state2no, year FROM cow_contdird GROUP BY ALL HAVING count(*) > 1)"
    ).fetchone()[0]
    facts["contiguity_asymmetric_rows"] = con.execute(
        """SELECT count(*) FROM ctl_contiguity a ANTI JOIN ctl_contiguity b
           ON a.ccode1 = b.ccode2 AND a.ccode2 = b.ccode1 AND a.year = b.year AND a.conttype = b.conttype"""
    ).fetchone()[0]


def _create_defense(con: duckdb.DuckDBPyConnection, facts: dict[str, Any], name: str, table: str, col: str) -> None:
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {name} AS
            SELECT ccode1, ccode2, year FROM {table} WHERE {col} = 1
            UNION
            SELECT ccode2, ccode1, year FROM {table} WHERE {col} = 1"""
    )
    facts[f"{table}_asymmetric_defense_rows"] = con.execute(
        f"""SELECT count(*) FROM (SELECT ccode1, ccode2, year FROM {table} WHERE {col} = 1) a
            ANTI JOIN (SELECT ccode1, ccode2, year FROM {table} WHERE {col} = 1) b
            ON a.ccode1 = b.ccode2 AND a.ccode2 = b.ccode1 AND a.year = b.year"""
    ).fetchone()[0]


# The raw value each control is computed from, as SQL over the control-table aliases of
# CONTROL_JOINS. A presence value (major, pact) is NULL when the state or pair has none.
CONTROL_RAW: dict[str, str] = {
    "conttype": "c.conttype",
    "cinc1": "n1.cinc",
    "cinc2": "n2.cinc",
    "major1": "m1.ccode",
    "major2": "m2.ccode",
    "defense": "dp.year",
    "defense_atop": "da.year",
    "mindist": "md.mindist",
}


def control_columns(
    coverage: Mapping[str, Coverage],
    prd_max_conttype: int = 5,
    year: str = "u.year",
    raw: Mapping[str, str] | None = None,
) -> list[tuple[str, str]]:
    """(name, SQL) of every control column of a dyad-year from the raw values in ``raw``.

    Defaults to ``CONTROL_RAW`` (a row ``u`` joined to the control tables by CONTROL_JOINS);
    the frame passes last year's raw values and ``year - 1`` to build the ``_lag1`` twins.
    """
    r = dict(raw or CONTROL_RAW)
    cov = {k: v.sql(year) for k, v in coverage.items()}
    ct = f"coalesce({r['conttype']}, 0)"
    c1, c2 = r["cinc1"], r["cinc2"]
    conttype = f"CASE WHEN {cov['contiguity']} THEN {ct} END"
    lo, hi = f"least({c1}, {c2})", f"greatest({c1}, {c2})"
    both_cinc = f"{c1} IS NOT NULL AND {c2} IS NOT NULL"
    major1 = f"CASE WHEN {cov['majors']} THEN ({r['major1']} IS NOT NULL)::INTEGER END"
    major2 = f"CASE WHEN {cov['majors']} THEN ({r['major2']} IS NOT NULL)::INTEGER END"
    contiguity_any = f"CASE WHEN {cov['contiguity']} THEN ({ct} BETWEEN 1 AND 5)::INTEGER END"
    prd_contig = f"CASE WHEN {cov['contiguity']} THEN ({ct} BETWEEN 1 AND {int(prd_max_conttype)})::INTEGER END"
    major_dyad = f"CASE WHEN {cov['majors']} THEN ({r['major1']} IS NOT NULL OR {r['major2']} IS NOT NULL)::INTEGER END"
    return [
        ("conttype", conttype),
        ("contiguity_land", f"CASE WHEN {cov['contiguity']} THEN ({ct} = 1)::INTEGER END"),
        ("contiguity_any", contiguity_any),
        ("contiguity_150", f"CASE WHEN {cov['contiguity']} THEN ({ct} BETWEEN 1 AND 4)::INTEGER END"),
        ("cinc_1", f"CASE WHEN {cov['nmc']} THEN {c1} END"),
        ("cinc_2", f"CASE WHEN {cov['nmc']} THEN {c2} END"),
        ("capability_ratio", f"CASE WHEN {cov['nmc']} AND {both_cinc} AND {hi} > 0 THEN {lo} / {hi} END"),
        ("log_capability_ratio", f"CASE WHEN {cov['nmc']} AND {both_cinc} AND {lo} > 0 THEN ln({hi} / {lo}) END"),
        ("major_power_1", major1),
        ("major_power_2", major2),
        ("major_power_dyad", major_dyad),
        ("defense_pact", f"CASE WHEN {cov['cow_alliance']} THEN ({r['defense']} IS NOT NULL)::INTEGER END"),
        ("defense_pact_atop", f"CASE WHEN {cov['atop_alliance']} THEN ({r['defense_atop']} IS NOT NULL)::INTEGER END"),
        ("mindist", f"CASE WHEN {cov['mindist']} THEN {r['mindist']} END"),
        (
            "politically_relevant",
            f"CASE WHEN ({prd_contig}) = 1 OR ({major_dyad}) = 1 THEN 1 "
            f"WHEN ({prd_contig}) = 0 AND ({major_dyad}) = 0 THEN 0 END",
        ),
    ]


CONTROL_JOINS = """
LEFT JOIN ctl_contiguity c ON c.ccode1 = u.ccode1 AND c.ccode2 = u.ccode2 AND c.year = u.year
LEFT JOIN ctl_cinc n1 ON n1.ccode = u.ccode1 AND n1.year = u.year
LEFT JOIN ctl_cinc n2 ON n2.ccode = u.ccode2 AND n2.year = u.year
LEFT JOIN ctl_major m1 ON m1.ccode = u.ccode1 AND m1.year = u.year
LEFT JOIN ctl_major m2 ON m2.ccode = u.ccode2 AND m2.year = u.year
LEFT JOIN ctl_defense dp ON dp.ccode1 = u.ccode1 AND dp.ccode2 = u.ccode2 AND dp.year = u.year
LEFT JOIN ctl_defense_atop da ON da.ccode1 = u.ccode1 AND da.ccode2 = u.ccode2 AND da.year = u.year
LEFT JOIN ctl_mindist md ON md.ccode1 = u.ccode1 AND md.ccode2 = u.ccode2 AND md.year = u.year
"""


def control_column_names() -> list[str]:
    dummy = {k: Coverage(0, 0) for k in CONTROL_SOURCES}
    return [name for name, _ in control_columns(dummy)]
