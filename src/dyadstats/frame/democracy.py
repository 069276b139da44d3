"""Democracy: harmonised state-year scores per measure and the dyadic regime-pair codings.

Four measures, each kept as its own column so that a reviewer can compare them:

========  ===================  ==========================  =========================
measure   source table         score column (frame name)   default democracy rule
========  ===================  ==========================  =========================
polity    ``polity5``          ``polity2`` (polity2)       polity2 >= 6
vdem      ``vdem``             ``v2x_polyarchy``           v2x_polyarchy >= 0.5
bmr       ``bmr``              ``democracy`` (bmr_dem...)  democracy >= 1
uds       ``uds``              ``mean`` (uds_mean)         mean > 0
========  ===================  ==========================  =========================

Country codes. Each provider uses (nearly) COW codes; the differences are fixed with an
explicit, year-scoped crosswalk (``CROSSWALKS``) so a reviewer can read every recode:

* Polity5 and BMR use the Polity scheme: Gran Colombia 99, Sardinia 324, Serbia 342,
  Yugoslavia (FRY / Serbia and Montenegro) 347, Montenegro 348, USSR 364, Ethiopia after
  Eritrea 529, Pakistan before 1972 769, unified Vietnam 818, South Sudan 525 and
  Sudan-North 626 (Polity) / 624 (BMR), Kosovo 341, and Austria (305) for Austria-Hungary
  up to 1918. Left alone, two of these would silently land on *other* COW states
  (Polity 347 = COW Kosovo, Polity 341 = COW Montenegro).
* V-Dem: the provider's own ``vdem_cowcode`` is used, falling back to democracyData's ``cown``.
  ``cown`` alone puts Austria-Hungary on 305 and Czechoslovakia on 316, and is NULL for
  Wurttemberg (COW 271), all of which ``vdem_cowcode`` gets right.
* UDS: democracyData's ``cown`` (the 2014 release's own ``cowcode`` puts unified Germany on 260,
  the Pacific microstates on non-COW codes and unified Yemen on 678).

Transition years. After recoding, two source units can claim the same COW state-year (Polity
and BMR list the predecessor's last year and the successor's first year separately, e.g.
Serbia and Montenegro and Serbia in 2006; V-Dem lists Piedmont-Sardinia and Italy in 1861).
One row is kept by a fixed order: a non-missing score first, then the unit whose current
spell started earlier (the predecessor, which held the code on 1 January), then the lower
source code. The number of such resolutions per measure is reported in the audit. Where a
measure is missing it stays NULL: a missing score never becomes "not a democracy".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from dyadstats.config import validated
from dyadstats.config.build import DemocracyCuts

#: threshold rule -> SQL operator (the rules themselves: dyadstats.config.vocab.ThresholdRule)
RULES = {">=": ">=", ">": ">", "<=": "<=", "<": "<", "==": "="}


@dataclass(frozen=True)
class Recode:
    """One year-scoped country-code recode: source ``code`` in [first, last] -> COW ``ccode``."""

    code: int
    ccode: int
    first: int = 1000
    last: int = 9999
    why: str = ""


@dataclass(frozen=True)
class Measure:
    """How one democracy measure is read from its ingested table."""

    name: str
    table: str
    code_expr: str  # SQL giving the provider's country code before the crosswalk
    unit_expr: str  # SQL identifying the provider's unit (for transition-year resolution)
    score_expr: str  # SQL of the score in the source table
    score: str  # the score's name in the frame (<score>_1, <score>_2)
    label: str
    weak_link: bool  # continuous score: frame carries min_<score>/max_<score>

    @property
    def default_threshold(self) -> float:
        return float(getattr(DemocracyCuts(), self.name).threshold)

    @property
    def default_rule(self) -> str:
        return str(getattr(DemocracyCuts(), self.name).rule)


_POLITY_STYLE: tuple[Recode, ...] = (
    Recode(99, 100, why="Gran Colombia -> COW Colombia"),
    Recode(305, 300, last=1918, why="Austria up to 1918 -> COW Austria-Hungary"),
    Recode(324, 325, why="Sardinia -> COW Italy (Sardinia/Piedmont carries 325)"),
    Recode(341, 347, why="Kosovo (Polity/BMR 341) -> COW Kosovo 347"),
    Recode(342, 345, why="Serbia -> COW Yugoslavia/Serbia 345"),
    Recode(347, 345, why="FR Yugoslavia / Serbia and Montenegro -> COW 345 (COW 347 is Kosovo)"),
    Recode(348, 341, why="Montenegro -> COW Montenegro 341"),
    Recode(364, 365, why="USSR -> COW Russia 365"),
    Recode(529, 530, why="Ethiopia after Eritrea -> COW Ethiopia 530"),
    Recode(769, 770, why="Pakistan before 1972 -> COW Pakistan 770"),
    Recode(818, 816, why="unified Vietnam -> COW Vietnam 816"),
)

CROSSWALKS: dict[str, tuple[Recode, ...]] = {
    "polity": _POLITY_STYLE
    + (
        Recode(525, 626, why="South Sudan (Polity 525) -> COW South Sudan 626"),
        Recode(626, 625, why="Sudan-North (Polity 626) -> COW Sudan 625"),
    ),
    "bmr": _POLITY_STYLE + (Recode(624, 625, why="Sudan, North (BMR 624) -> COW Sudan 625"),),
    "vdem": (),
    "uds": (),
}

MEASURES: dict[str, Measure] = {
    "polity": Measure(
        name="polity",
        table="polity5",
        code_expr="ccode",
        unit_expr="ccode",
        score_expr="polity2",
        score="polity2",
        label="Polity5 polity2 (-10..10)",
        weak_link=True,
    ),
    "vdem": Measure(
        name="vdem",
        table="vdem",
        code_expr="coalesce(vdem_cowcode, cown)",
        unit_expr="country_id",
        score_expr="v2x_polyarchy",
        score="v2x_polyarchy",
        label="V-Dem electoral democracy index v2x_polyarchy (0..1)",
        weak_link=True,
    ),
    "bmr": Measure(
        name="bmr",
        table="bmr",
        code_expr="ccode",
        unit_expr="ccode",
        score_expr="democracy",
        score="bmr_democracy",
        label="Boix-Miller-Rosato dichotomous democracy (0/1)",
        weak_link=False,
    ),
    "uds": Measure(
        name="uds",
        table="uds",
        code_expr="cown",
        unit_expr="uds_cowcode",
        score_expr="mean",
        score="uds_mean",
        label="Unified Democracy Scores posterior mean",
        weak_link=True,
    ),
}


@dataclass(frozen=True)
class DemocracyRule:
    """The democracy cut for one measure: ``score <rule> threshold``."""

    measure: str
    threshold: float
    rule: str

    @property
    def operator(self) -> str:
        return RULES[self.rule]

    def describe(self) -> str:
        return f"{MEASURES[self.measure].score} {self.operator} {self.threshold:g}"


def democracy_rules(config: Mapping[str, Any] | None) -> dict[str, DemocracyRule]:
    """The per-measure rules from ``build.democracy`` (defaults, ranges and rule spellings:
    ``dyadstats.config.build.DemocracyCuts``)."""
    cuts = validated(DemocracyCuts, config, "build.democracy")
    return {name: DemocracyRule(name, float(getattr(cuts, name).threshold), str(getattr(cuts, name).rule))
            for name in MEASURES}


def _crosswalk_sql(measure: Measure) -> str:
    """A CASE expression mapping the provider code (and year) to the COW code."""
    recodes = CROSSWALKS[measure.name]
    if not recodes:
        return "src_code"
    whens = " ".join(
        f"WHEN src_code = {r.code} AND year BETWEEN {r.first} AND {r.last} THEN {r.ccode}"
        for r in recodes
    )
    return f"CASE {whens} ELSE src_code END"


def measure_state_years_sql(measure: Measure) -> str:
    """SQL for one measure's COW state-years: (ccode, year, <score>, resolved_duplicates).

    ``resolved_duplicates`` counts the other source rows that claimed the same state-year.
    """
    return f"""
WITH src AS (
    SELECT ({measure.code_expr})::BIGINT AS src_code, ({measure.unit_expr})::BIGINT AS unit,
           year::BIGINT AS year, ({measure.score_expr}) AS score
    FROM {measure.table}
    WHERE ({measure.code_expr}) IS NOT NULL AND year IS NOT NULL
),
spells AS (
    -- gaps and islands: a unit's current spell starts where its run of consecutive years starts
    SELECT *, year - row_number() OVER (PARTITION BY unit ORDER BY year) AS island
    FROM src
),
coded AS (
    SELECT {_crosswalk_sql(measure)} AS ccode, year, score, unit, src_code,
           min(year) OVER (PARTITION BY unit, island) AS spell_start
    FROM spells
),
ranked AS (
    SELECT *,
           row_number() OVER (PARTITION BY ccode, year
                              ORDER BY score IS NULL, spell_start, src_code, unit) AS pick,
           count(*) OVER (PARTITION BY ccode, year) - 1 AS resolved_duplicates
    FROM coded
)
SELECT ccode, year, score AS {measure.score}, resolved_duplicates
FROM ranked WHERE pick = 1
"""


def create_democracy_state_years(
    con: duckdb.DuckDBPyConnection, table: str = "democracy_state_years",
    measures: Sequence[str] = tuple(MEASURES),
) -> dict[str, Any]:
    """Create ``table`` (ccode, year, one score column per measure) from the sources of
    ``measures`` (default all four, in ``MEASURES`` order whatever the order given).

    The sources must be visible in ``con`` under their ingested names (polity5, vdem, bmr,
    uds; only those of ``measures``). A measure's scores do not depend on the others: the
    state-years no selected measure has are rows with every score missing. Returns
    per-measure facts for the audit: rows, non-missing scores, year coverage of non-missing
    scores and the number of transition-year duplicates resolved.
    """
    unknown = sorted(set(measures) - set(MEASURES))
    if unknown:
        raise ValueError(f"unknown democracy measure(s) {unknown}; known: {list(MEASURES)}")
    chosen = {name: m for name, m in MEASURES.items() if name in measures}
    facts: dict[str, Any] = {}
    for m in chosen.values():
        con.execute(f"CREATE OR REPLACE TEMP TABLE dem_{m.name} AS {measure_state_years_sql(m)}")
        rows, scored, lo, hi, dups = con.execute(
            f"SELECT count(*), count({m.score}), min(year) FILTER (WHERE {m.score} IS NOT NULL), "
            f"max(year) FILTER (WHERE {m.score} IS NOT NULL), sum(resolved_duplicates) "
            f"FROM dem_{m.name}"
        ).fetchone()
        facts[m.name] = {
            "source_table": m.table,
            "state_years": int(rows),
            "scored_state_years": int(scored),
            "score_years": [lo, hi],
            "transition_duplicates_resolved": int(dups or 0),
            "recodes": [
                {"code": r.code, "ccode": r.ccode, "years": [r.first, r.last], "why": r.why}
                for r in CROSSWALKS[m.name]
            ],
        }
    if not chosen:  # no measure: an empty table of the keys (the frame joins none)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} (ccode BIGINT, year BIGINT)")
        return facts
    keys = " UNION ".join(f"SELECT ccode, year FROM dem_{name}" for name in chosen)
    joins = " ".join(f"LEFT JOIN dem_{name} USING (ccode, year)" for name in chosen)
    scores = ", ".join(f"dem_{name}.{m.score}" for name, m in chosen.items())
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS "
        f"SELECT k.ccode, k.year, {scores} FROM ({keys}) k {joins}"
    )
    for name in chosen:
        con.execute(f"DROP TABLE dem_{name}")
    return facts


def indicator_sql(score: str, rule: DemocracyRule) -> str:
    """0/1 democracy indicator for one state's score; NULL where the score is missing."""
    return f"CASE WHEN {score} IS NULL THEN NULL WHEN {score} {rule.operator} {rule.threshold!r} THEN 1 ELSE 0 END"


def _both(a: str, b: str, expr: str) -> str:
    """``expr`` when both operands are present, else NULL (DuckDB's least/greatest skip NULLs)."""
    return f"CASE WHEN {a} IS NULL OR {b} IS NULL THEN NULL ELSE {expr} END"


def democracy_score_refs(s1: str = "s1", s2: str = "s2") -> dict[str, str]:
    """SQL of each state's score keyed '<score>_1' / '<score>_2' (aliases of the state-year table)."""
    return {f"{m.score}_{i}": f"{alias}.{m.score}" for m in MEASURES.values() for i, alias in ((1, s1), (2, s2))}


def dyad_democracy_columns(
    rules: Mapping[str, DemocracyRule], refs: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    """(name, SQL) of every democracy column of a dyad from the scores in ``refs``.

    ``refs`` maps '<score>_1' / '<score>_2' to SQL (default: aliases s1, s2 of
    ``democracy_state_years``; the frame passes lagged scores to build the ``_lag1`` twins).
    Order per measure: scores, weak-link min/max (continuous measures), dem_<m>_1/_2, then
    joint democracy / mixed / joint autocracy and the regime-pair label.
    """
    refs = refs or democracy_score_refs()
    cols: list[tuple[str, str]] = []
    for name, m in MEASURES.items():
        a, b = refs[f"{m.score}_1"], refs[f"{m.score}_2"]
        cols += [(f"{m.score}_1", a), (f"{m.score}_2", b)]
        if m.weak_link:
            cols += [
                (f"min_{m.score}", _both(a, b, f"least({a}, {b})")),
                (f"max_{m.score}", _both(a, b, f"greatest({a}, {b})")),
            ]
        d1, d2 = indicator_sql(a, rules[name]), indicator_sql(b, rules[name])
        cols += [(f"dem_{name}_1", d1), (f"dem_{name}_2", d2)]
        total = f"(({d1}) + ({d2}))"  # NULL if either is NULL
        cols += [
            (f"joint_democracy_{name}", f"CASE WHEN {total} IS NULL THEN NULL WHEN {total} = 2 THEN 1 ELSE 0 END"),
            (f"mixed_dyad_{name}", f"CASE WHEN {total} IS NULL THEN NULL WHEN {total} = 1 THEN 1 ELSE 0 END"),
            (f"joint_autocracy_{name}", f"CASE WHEN {total} IS NULL THEN NULL WHEN {total} = 0 THEN 1 ELSE 0 END"),
            (
                f"regime_pair_{name}",
                f"CASE {total} WHEN 2 THEN 'joint democracy' WHEN 1 THEN 'mixed' "
                f"WHEN 0 THEN 'joint autocracy' END",
            ),
        ]
    return cols


def democracy_column_names() -> list[str]:
    """Names of the democracy columns in frame order (independent of the thresholds)."""
    return [name for name, _ in dyad_democracy_columns(democracy_rules(None))]


def rules_summary(rules: Mapping[str, DemocracyRule]) -> dict[str, str]:
    return {name: r.describe() for name, r in rules.items()}


def measure_names() -> Sequence[str]:
    return tuple(MEASURES)
