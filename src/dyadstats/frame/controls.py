"""Controls: contiguity, capabilities, major powers, defense pacts and minimum distance.

Every control is NULL outside its source's coverage and never filled with 0 there. Coverage is
measured from the source table itself (first and last year present), so a newer release
widens it without a code change; the audit and the codebook report the years used.

* Contiguity, ``build.controls.contiguity_slice`` (1 land/river ... 5 water <= 400 miles;
  0 for a pair with no record in a covered year: not directly contiguous):

  - ``lowest`` (default; ``cow_contdird``, COW Direct Contiguity 3.2 directed dyad-years): the
    lowest (closest) type recorded for the pair in the year, COW's own ``contdird`` rule.
  - ``first`` (``ps_cow_contdir``, peacesciencer's spell table): the relationship of the first
    month of the year that the spell table records for the pair, as peacesciencer's
    ``add_contiguity()`` default (``slice = "first"``) reads it. See ``first_month_contiguity``
    for how that table differs from COW's and which peacesciencer quirks this reproduces.
* Capabilities (``nmc``): CINC of each state; ratio lower/higher and log(higher/lower).
* Major powers (``cow_majors`` spells): a state is a major power in every calendar year its
  spell touches (peacesciencer's ``add_cow_majors`` does the same).
* Defense pacts (``ps_cow_alliance`` COW 4.1; ``ps_atop_alliance`` ATOP 5.1, both directed):
  1 if either direction of the pair records a defense obligation in the year, so the
  directed and non-directed frames agree. ATOP's directed rows are not all symmetric (the
  audit counts the asymmetric ones); "either direction" is the usual dyadic reading.
* Minimum distance (``ps_cow_mindist``, CShapes 2.0, km on 1 January): NULL for a pair absent
  from the table, e.g. a state that entered after 1 January.
* NMC components (``nmc``, group ``nmc_components``): military expenditure (milex, thousands
  of current US dollars; pounds sterling before 1914), military personnel (milper,
  thousands), total and urban population (tpop, upop, thousands) of each state, NULL where
  NMC has -9. NMC 6.0 and peacesciencer's NMC 7.0 agree on every state-year 1816-2016.
* The other COW alliance types (``ps_cow_alliance``, group ``alliance_types``): neutrality,
  non-aggression and entente, 1 if either direction records the type in the year, as for
  defense pacts. COW's types nest (a defense pact usually also carries the weaker ones).
* peacesciencer's covariates (groups ``rivalries``, ``capital_distance``, ``trade``,
  ``territorial_threat``, ``igos``): see ``dyadstats.frame.covariates``; their tables and
  columns join these registries below.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import duckdb

from dyadstats.config import vocab
from dyadstats.config.build import ControlOptions
from dyadstats.errors import SchemaError
from dyadstats.frame.covariates import (
    COVARIATE_GROUPS,
    COVARIATE_KEYS,
    COVARIATE_RAW,
    covariate_columns,
    covariate_coverage,
    create_covariate_tables,
)


@dataclass(frozen=True)
class Coverage:
    """First and last year a source covers."""

    first: int
    last: int

    def sql(self, year: str = "year") -> str:
        return f"{year} BETWEEN {self.first} AND {self.last}"

    def as_list(self) -> list[int]:
        return [self.first, self.last]


CONTIGUITY_SLICES = vocab.CONTIGUITY_SLICES
DEFAULT_CONTIGUITY_SLICE = ControlOptions().contiguity_slice  # COW's contdird rule
# the spell table build.controls.contiguity_slice: first reads (peacesciencer's cow_contdir)
CONTIGUITY_SPELLS = "ps_cow_contdir"

CONTROL_SOURCES = {
    "contiguity": ("cow_contdird", "year"),
    "nmc": ("nmc", "year"),
    "majors": ("cow_majors", None),
    "cow_alliance": ("ps_cow_alliance", "year"),
    "atop_alliance": ("ps_atop_alliance", "year"),
    "mindist": ("ps_cow_mindist", "year"),
    "nmc_components": ("nmc", "year"),
    "alliance_types": ("ps_cow_alliance", "year"),
}
# the built-in covariate groups (dyadstats.frame.covariates) measure their own coverage
CONTROL_GROUPS: tuple[str, ...] = (*CONTROL_SOURCES, *COVARIATE_GROUPS)
NMC_COMPONENTS = ("milex", "milper", "tpop", "upop")
# COW alliance type -> (control table, CONTROL_JOINS alias, frame column)
ALLIANCE_TYPES = {
    "cow_neutral": ("ctl_neutral", "an", "neutrality_pact"),
    "cow_nonagg": ("ctl_nonagg", "ag", "nonaggression_pact"),
    "cow_entente": ("ctl_entente", "en", "entente_pact"),
}


def table_coverage(con: duckdb.DuckDBPyConnection, table: str, year: str = "year") -> Coverage:
    """Coverage of a source table measured from its year column."""
    lo, hi = con.execute(f"SELECT min({year}), max({year}) FROM {table}").fetchone()
    if lo is None:
        raise SchemaError(f"table '{table}' has no rows: cannot measure its year coverage")
    return Coverage(int(lo), int(hi))


def control_coverage(
    con: duckdb.DuckDBPyConnection, contiguity_slice: str = DEFAULT_CONTIGUITY_SLICE,
    groups: Collection[str] = CONTROL_GROUPS,
) -> dict[str, Coverage]:
    """Coverage of the control sources of ``groups``; major-power spells span styear..endyear,
    and with ``contiguity_slice = "first"`` contiguity spans the spell table's first..last
    spell year (peacesciencer hard-codes 1816-2016, the same years for v3.2). The covariate
    groups' keys are those of ``dyadstats.frame.covariates.COVARIATE_COVERAGE``. Only groups in
    ``groups``: a frame without them need not read their tables."""
    out = {k: Coverage(*span) for k, span in covariate_coverage(con, groups).items()}
    for name, (table, year) in CONTROL_SOURCES.items():
        if name not in groups:
            continue
        if name == "contiguity" and _check_slice(contiguity_slice) == "first":
            lo, hi = con.execute(
                f"SELECT min(year(CAST(stdate AS DATE))), max(year(CAST(enddate AS DATE))) FROM {CONTIGUITY_SPELLS}"
            ).fetchone()
            out[name] = Coverage(int(lo), int(hi))
        elif year is None:
            lo, hi = con.execute(f"SELECT min(styear), max(endyear) FROM {table}").fetchone()
            out[name] = Coverage(int(lo), int(hi))
        else:
            out[name] = table_coverage(con, table, year)
    return out


def create_control_tables(
    con: duckdb.DuckDBPyConnection, groups: Collection[str] = CONTROL_GROUPS,
    contiguity_slice: str = DEFAULT_CONTIGUITY_SLICE,
) -> dict[str, Any]:
    """Create the state-year and dyad-year control tables used by the frame.

    ``groups`` (keys of CONTROL_SOURCES): only these sources' tables and audit facts are made
    (a frame that selects fewer controls, ``build.frame.controls``, joins no others).
    ``contiguity_slice``: ``lowest`` (COW's contdird rule) or ``first`` (peacesciencer's).

    Tables (temporary): ``ctl_cinc`` (ccode, year, cinc), ``ctl_major`` (ccode, year),
    ``ctl_contiguity`` (ccode1, ccode2, year, conttype; both directions), ``ctl_defense`` and
    ``ctl_defense_atop`` (ccode1, ccode2, year; both directions, pairs with a defense pact),
    ``ctl_mindist`` (ccode1, ccode2, year, mindist; both directions), ``ctl_nmc_parts`` (ccode,
    year, milex, milper, tpop, upop), ``ctl_neutral``/``ctl_nonagg``/``ctl_entente`` (as the
    defense tables), and the covariate groups' (``create_covariate_tables``). Returns audit facts.
    """
    facts: dict[str, Any] = create_covariate_tables(con, groups)
    if "nmc" in groups or "nmc_components" in groups:
        dup = con.execute("SELECT count(*) FROM (SELECT ccode, year FROM nmc GROUP BY ALL HAVING count(*) > 1)").fetchone()[0]
        if dup:
            raise SchemaError(f"nmc: {dup} duplicated (ccode, year) keys; CINC must be one value per state-year")
    if "nmc" in groups:
        con.execute("CREATE OR REPLACE TEMP TABLE ctl_cinc AS SELECT ccode, year, cinc FROM nmc")
    if "majors" in groups:
        con.execute(
            """CREATE OR REPLACE TEMP TABLE ctl_major AS
               SELECT DISTINCT ccode, unnest(range(styear, endyear + 1)) AS year FROM cow_majors"""
        )
    if "contiguity" in groups and _check_slice(contiguity_slice) == "first":
        first_month_contiguity(con, facts)
    elif "contiguity" in groups:
        _create_contiguity(con, facts)
    if "nmc_components" in groups:
        parts = ", ".join(NMC_COMPONENTS)
        con.execute(f"CREATE OR REPLACE TEMP TABLE ctl_nmc_parts AS SELECT ccode, year, {parts} FROM nmc")
    for group, name, table, col in (
        ("cow_alliance", "ctl_defense", "ps_cow_alliance", "cow_defense"),
        ("atop_alliance", "ctl_defense_atop", "ps_atop_alliance", "atop_defense"),
        *(("alliance_types", t, "ps_cow_alliance", c) for c, (t, _, _) in ALLIANCE_TYPES.items()),
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


def _check_slice(contiguity_slice: str) -> str:
    if contiguity_slice not in CONTIGUITY_SLICES:
        raise SchemaError(f"contiguity slice '{contiguity_slice}' is not one of {list(CONTIGUITY_SLICES)}")
    return contiguity_slice


def first_month_contiguity(con: duckdb.DuckDBPyConnection, facts: dict[str, Any]) -> None:
    """``ctl_contiguity`` from peacesciencer's spell table, its ``slice = "first"`` reading.

    peacesciencer's ``add_contiguity()`` expands every spell of ``cow_contdir`` to its months
    (``seq(stdate, enddate, by = "1 month")``; all dates are day 1), orders them by state and
    month and keeps the first row per directed dyad-year. So the type is the one of the
    earliest month the table records for the pair in the year, and when two spells of the pair
    both hold that month the one listed first in the table wins (R's stable ordering). The
    table lists each pair's spells by start date, so "listed first" is "started first"; here
    the first month of spell s in year y is max(stdate, 1 January y), and ties go to the
    earlier stdate, without expanding months.

    How the table differs from COW's own files, all reproduced here on purpose:

    * Spells are COW's v3.2 master records (begin/end YYYYMM) plus 180 spells of conttype 0
      that peacesciencer added; COW's files have no type-0 rows.
    * A type-0 spell can enclose a real contiguity spell of the same pair (e.g. Germany-Italy
      0 over 1816-2016 and land contiguity 1938-1945). The type-0 spell then holds January and
      is listed first, so the year is coded 0 although COW records contiguity that year.
    * Adjacent spells share their boundary month, so a change in January keeps the old type.
    * A type recorded only after the year's first recorded month is never seen (a pair that
      becomes land-contiguous in June after water contiguity from January is coded water).

    Facts: dyad-years whose first-month type differs from the lowest type the spell table
    records in the year, and those coded 0 while a type 1-5 spell touches the year.
    """
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE ctl_contiguity AS
            WITH spells AS (
                SELECT ccode1, ccode2, conttype, CAST(stdate AS DATE) AS st, CAST(enddate AS DATE) AS en
                FROM {CONTIGUITY_SPELLS}),
            spell_years AS (
                SELECT ccode1, ccode2, conttype, st, y AS year, greatest(st, make_date(y, 1, 1)) AS first_month
                FROM spells, range(year(st), year(en) + 1) t(y))
            SELECT ccode1, ccode2, year, conttype,
                   min(CASE WHEN conttype > 0 THEN conttype END) OVER w AS lowest_recorded
            FROM spell_years
            WINDOW w AS (PARTITION BY ccode1, ccode2, year)
            QUALIFY row_number() OVER (w ORDER BY first_month, st) = 1"""
    )
    facts["contiguity_slice"] = "first"
    facts["contiguity_first_differs_from_lowest"], facts["contiguity_first_zero_despite_contiguity"] = con.execute(
        """SELECT count(*) FILTER (WHERE conttype IS DISTINCT FROM coalesce(lowest_recorded, 0)),
                  count(*) FILTER (WHERE conttype = 0 AND lowest_recorded IS NOT NULL)
           FROM ctl_contiguity"""
    ).fetchone()
    con.execute("ALTER TABLE ctl_contiguity DROP COLUMN lowest_recorded")


def _create_defense(con: duckdb.DuckDBPyConnection, facts: dict[str, Any], name: str, table: str, col: str) -> None:
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {name} AS
            SELECT ccode1, ccode2, year FROM {table} WHERE {col} = 1
            UNION
            SELECT ccode2, ccode1, year FROM {table} WHERE {col} = 1"""
    )
    kind = "defense" if col.endswith("_defense") else col.split("_", 1)[1]
    facts[f"{table}_asymmetric_{kind}_rows"] = con.execute(
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
    **{f"{part}{i}": f"p{i}.{part}" for part in NMC_COMPONENTS for i in (1, 2)},
    **{col: f"{alias}.year" for col, (_, alias, _) in ALLIANCE_TYPES.items()},
    **COVARIATE_RAW,
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
    # a source without a coverage was not read (a group build.frame.controls leaves out): its
    # columns are NULL here, and the frame drops them (FrameOptions.keeps_control)
    cov = {k: "NULL" for k in CONTROL_SOURCES} | {k: v.sql(year) for k, v in coverage.items()}
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
        *((f"nmc_{part}_{i}", f"CASE WHEN {cov['nmc_components']} THEN {r[f'{part}{i}']} END")
          for part in NMC_COMPONENTS for i in (1, 2)),
        *((name, f"CASE WHEN {cov['alliance_types']} THEN ({r[col]} IS NOT NULL)::INTEGER END")
          for col, (_, _, name) in ALLIANCE_TYPES.items()),
        *covariate_columns(coverage, r, year),
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
LEFT JOIN ctl_nmc_parts p1 ON p1.ccode = u.ccode1 AND p1.year = u.year
LEFT JOIN ctl_nmc_parts p2 ON p2.ccode = u.ccode2 AND p2.year = u.year
LEFT JOIN ctl_neutral an ON an.ccode1 = u.ccode1 AND an.ccode2 = u.ccode2 AND an.year = u.year
LEFT JOIN ctl_nonagg ag ON ag.ccode1 = u.ccode1 AND ag.ccode2 = u.ccode2 AND ag.year = u.year
LEFT JOIN ctl_entente en ON en.ccode1 = u.ccode1 AND en.ccode2 = u.ccode2 AND en.year = u.year
"""


def control_column_names() -> list[str]:
    dummy = {k: Coverage(0, 0) for k in (*CONTROL_SOURCES, *COVARIATE_KEYS)}
    return [name for name, _ in control_columns(dummy)]
