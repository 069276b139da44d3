"""The column registry of the analysis frames and the generated codebook (reports/codebook.md).

The registry below declares, for every column of ``analysis_dyad_years`` and
``analysis_directed_dyad_years``: its name, definition, source table(s) and which coverage
applies. ``dyadstats.frame.write`` refuses to write a frame whose columns differ from the registry,
so the codebook cannot drift from the data; missing counts come from the written frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from dyadstats.frame.democracy import MEASURES
from dyadstats.roles.parse import Roles

if TYPE_CHECKING:
    from dyadstats.frame.options import FrameOptions


@dataclass(frozen=True)
class ColumnDoc:
    """One frame column: definition, source table(s), the coverage key it is coded within."""

    name: str
    definition: str
    source: str
    coverage: str  # key into the frame's coverage mapping ('universe', 'mid', 'nmc', ...)
    lagged: bool = False


MID_SOURCE = "mid_dyad_years (MID 5.0 via the events stage)"
TIES_SOURCE = "ties_directed_dyad_years (TIES 4.1 via the events stage)"
ICB_SOURCE = "icb_directed_dyad_years (ICB v14 actor level via the events stage)"

KEYS = [
    ColumnDoc("ccode1", "COW code of state 1 (the lower code in the non-directed frame)", "dyad_years", "universe"),
    ColumnDoc("ccode2", "COW code of state 2", "dyad_years", "universe"),
    ColumnDoc("stateabb1", "COW state abbreviation of state 1 in that year (e.g. UKG)", "dyad_years", "universe"),
    ColumnDoc("stateabb2", "COW state abbreviation of state 2 in that year (e.g. FRN)", "dyad_years", "universe"),
    ColumnDoc("year", "calendar year", "dyad_years", "universe"),
    ColumnDoc("dyad_id", "ccode1 * 1000 + ccode2 (cluster id)", "dyad_years", "universe"),
]
DIRECTED_KEYS = [
    ColumnDoc("ccode1", "COW code of state A (challenger / sender)", "directed_dyad_years", "universe"),
    ColumnDoc("ccode2", "COW code of state B (target)", "directed_dyad_years", "universe"),
    ColumnDoc("stateabb1", "COW state abbreviation of state A in that year", "directed_dyad_years", "universe"),
    ColumnDoc("stateabb2", "COW state abbreviation of state B in that year", "directed_dyad_years", "universe"),
    ColumnDoc("year", "calendar year", "directed_dyad_years", "universe"),
    ColumnDoc("dyad_id", "ccode1 * 1000 + ccode2 (directed pair id)", "directed_dyad_years", "universe"),
    ColumnDoc("pair_id", "min(ccode) * 1000 + max(ccode): the non-directed dyad, for clustering", "directed_dyad_years", "universe"),
]
ERA = ColumnDoc("era", "period: first year-1945, 1946-1989, 1990-last year", "dyad_years", "universe")

ND_OUTCOMES = [
    ColumnDoc("coercion_onset", "1 if any MID beginning in the dyad-year has a dyadic hostility (higher of the two states' hostlev) of threat (2) or display (3) of force (all disputes of the dyad-year, not only the whittled one)", MID_SOURCE, "mid"),
    ColumnDoc("coercion_onset_limited", "1 if any MID beginning in the dyad-year has dyadic hostility 2-4 (threat, display or use of force)", MID_SOURCE, "mid"),
    ColumnDoc("mid_onset", "1 if any MID (dyadic hostility 2-5) begins in the dyad-year", MID_SOURCE, "mid"),
    ColumnDoc("mid_onset_originators", "1 if any MID (hostility 2-5) beginning in the dyad-year has both states as originators (all disputes of the dyad-year, not only the whittled one)", MID_SOURCE, "mid"),
]
DIR_OUTCOMES = [
    ColumnDoc("coercion_initiated", "1 if A is a side-A originator of a MID beginning this year whose own hostility level is a threat (2) or display (3), with B on side B", MID_SOURCE, "mid"),
    ColumnDoc("mid_initiated", "1 if A is a side-A originator of a MID (dyadic hostility 2-5) beginning this year with B on side B", MID_SOURCE, "mid"),
    ColumnDoc("sanction_threat_initiated", "1 if A (sender) begins a TIES sanction threat against B (target) this year", TIES_SOURCE, "ties"),
    ColumnDoc("sanction_imposition_initiated", "1 if A (sender) begins imposing TIES sanctions on B (target) this year", TIES_SOURCE, "ties"),
]
ONGOING = [
    ColumnDoc("mid_ongoing", "1 if any MID (hostility 2-5) between the two states is active in the year, onset year included (peacesciencer cowmidongoing)", MID_SOURCE, "mid"),
    ColumnDoc("mid_continuing", "1 if a MID that began in an earlier year is active and no new MID begins (the rows build.ongoing: drop removes)", MID_SOURCE, "mid"),
]
ND_TIES = [
    ColumnDoc("sanction_threat_onset", "1 if a TIES sanction threat begins between the two states this year (either direction)", TIES_SOURCE, "ties"),
    ColumnDoc("sanction_imposition_onset", "1 if a TIES sanction imposition begins between the two states this year (either direction)", TIES_SOURCE, "ties"),
]
# ICB (only in builds given the ICB coverage): state triggers only (dyadstats.events.icb)
ND_ICB = [
    ColumnDoc("icb_crisis_onset", "1 if an ICB crisis is triggered this year by one state for the other (either direction; trigent -> cracid in the actor's trigger year); non-state and multi-state triggers give no dyad", ICB_SOURCE, "icb"),
]
DIR_ICB = [
    ColumnDoc("icb_crisis_trigger", "1 if A (ICB triggering entity, a state) triggers an ICB crisis for B (the crisis actor) this year", ICB_SOURCE, "icb"),
]
# COW inter-state wars (only in builds given the war coverage; dyadstats.events.war)
WAR_SOURCE = "war_directed_dyad_years (COW Inter-State War v4.0, peacesciencer cow_war_inter, via the events stage)"
ND_WAR = [
    ColumnDoc("war_onset", "1 if a COW inter-state war between the two states (on opposite sides) starts this year for the pair: its first year of the war, a late joiner's first year against each opponent, or the first year of a resumed participation spell (peacesciencer cowinteronset); the 'ongoing' peace-years rule counts every year of the war", WAR_SOURCE, "war"),
]
DIR_WAR = [
    ColumnDoc("war_initiated", "1 if a COW inter-state war between A and B starts this year for the pair and A is one of the war's initiators (COW's participant-level initiator flag)", WAR_SOURCE, "war"),
]

CONTROLS = [
    ColumnDoc("conttype", "COW direct contiguity type, lowest (closest) in the year: 0 none, 1 land/river, 2-5 water <= 12/24/150/400 miles", "cow_contdird", "contiguity"),
    ColumnDoc("contiguity_land", "1 if contiguous by land or river (conttype 1)", "cow_contdird", "contiguity"),
    ColumnDoc("contiguity_any", "1 if directly contiguous (conttype 1-5)", "cow_contdird", "contiguity"),
    ColumnDoc("contiguity_150", "1 if contiguous within 150 miles of water (conttype 1-4)", "cow_contdird", "contiguity"),
    ColumnDoc("cinc_1", "CINC composite capability score of state 1", "nmc", "nmc"),
    ColumnDoc("cinc_2", "CINC of state 2", "nmc", "nmc"),
    ColumnDoc("capability_ratio", "lower CINC / higher CINC (0-1]", "nmc", "nmc"),
    ColumnDoc("log_capability_ratio", "ln(higher CINC / lower CINC)", "nmc", "nmc"),
    ColumnDoc("major_power_1", "1 if state 1 is a COW major power in the year (any day)", "cow_majors", "majors"),
    ColumnDoc("major_power_2", "1 if state 2 is a COW major power in the year", "cow_majors", "majors"),
    ColumnDoc("major_power_dyad", "1 if either state is a major power", "cow_majors", "majors"),
    ColumnDoc("defense_pact", "1 if a COW (v4.1) defense pact links the two states in the year (either direction)", "ps_cow_alliance", "cow_alliance"),
    ColumnDoc("defense_pact_atop", "1 if an ATOP (v5.1) defense obligation links the two states (either direction)", "ps_atop_alliance", "atop_alliance"),
    ColumnDoc("mindist", "minimum distance in km on 1 January (CShapes 2.0); NULL if the pair is not in the table", "ps_cow_mindist", "mindist"),
    ColumnDoc("politically_relevant", "1 if directly contiguous (conttype 1..build.controls.politically_relevant_max_conttype, default 5 = within 400 miles) or either state a major power", "cow_contdird, cow_majors", "contiguity"),
    *(ColumnDoc(f"nmc_{part}_{i}", f"{label} of state {i} (NMC; NULL where NMC codes -9)", "nmc", "nmc_components")
      for part, label in (("milex", "military expenditure, thousands of current US dollars (pounds sterling before 1914)"),
                          ("milper", "military personnel, thousands"), ("tpop", "total population, thousands"),
                          ("upop", "urban population, thousands")) for i in (1, 2)),
    ColumnDoc("neutrality_pact", "1 if a COW (v4.1) neutrality pact links the two states in the year (either direction)", "ps_cow_alliance", "alliance_types"),
    ColumnDoc("nonaggression_pact", "1 if a COW (v4.1) non-aggression pact links the two states (either direction)", "ps_cow_alliance", "alliance_types"),
    ColumnDoc("entente_pact", "1 if a COW (v4.1) entente links the two states (either direction)", "ps_cow_alliance", "alliance_types"),
]

# -- peacesciencer's covariates built in (dyadstats.frame.covariates); sources cite the original
# data and peacesciencer (Miller 2022), which distributes them
_PS = "via peacesciencer (Miller 2022)"
_TD = f"ps_td_rivalries (Thompson & Dreyer 2012, Handbook of International Rivalries, 1494-2010; {_PS})"
_TSS = f"ps_tss_rivalries (Thompson, Sakuwa & Suhas 2022, Analyzing Strategic Rivalries in World Politics; {_PS})"
COVARIATES = [
    ColumnDoc("td_rivalry", "1 if a Thompson-Dreyer strategic rivalry of the pair is ongoing in the year (first to last year inclusive; Austria-Hungary 300 read as Austria 305 from 1919, as peacesciencer)", _TD, "td_rivalries"),
    ColumnDoc("tss_rivalry", "1 if a Thompson-Sakuwa-Suhas strategic rivalry of the pair is ongoing in the year (peacesciencer's ongoingrivalry; Austria-Hungary 300 read as Austria 305 from 1919)", _TSS, "tss_rivalries"),
    *(ColumnDoc(f"tss_rivalry_{t}", f"1 if an ongoing TSS rivalry of the pair is {t} (0 with no rivalry or another type)", _TSS, "tss_rivalries")
      for t in ("positional", "spatial", "ideological", "interventionary")),
    ColumnDoc("capdist", "great-circle distance in km between the two states' capitals of the year (the 1 January capital, else the year's first; sphere of radius 6378.137 km as geosphere's distVincentySphere); NULL if either capital is unknown", f"ps_cow_capitals (COW state capitals with coordinates, compiled by Miller; {_PS})", "capital_distance"),
    *(ColumnDoc(f"{v}_{i}", f"total {v} of state {i}, millions of current US dollars (NULL where COW Trade has none)", f"ps_cow_trade_sy (COW Trade 4.0, Barbieri, Keshk & Pollins 2009; {_PS})", "trade")
      for v in ("imports", "exports") for i in (1, 2)),
    *(ColumnDoc(f"lterrthreat_{i}", f"latent external territorial threat of state {i} (posterior mean, latent scale)", f"ps_terrthreat (Miller 2022, Journal of Global Security Studies 7(4); {_PS})", "territorial_threat")
      for i in (1, 2)),
    ColumnDoc("dyadigos", "number of IGOs both states are full members of (NULL for a pair the table does not list)", f"ps_cow_igo_ndy (COW IGO 3.0, Pevehouse et al. 2020; {_PS})", "igos"),
]
# -- end of peacesciencer's covariates


def democracy_docs(options: FrameOptions | None = None) -> list[ColumnDoc]:
    """The democracy columns per measure, in frame order."""
    docs: list[ColumnDoc] = []
    for name, m in MEASURES.items():
        if options and not options.keeps_measure(name):
            continue
        rule = options.democracy[name].describe() if options else f"{m.score} {m.default_rule} {m.default_threshold:g}"
        cov = f"democracy_{name}"
        docs += [
            ColumnDoc(f"{m.score}_1", f"{m.label} of state 1", m.table, cov),
            ColumnDoc(f"{m.score}_2", f"{m.label} of state 2", m.table, cov),
        ]
        if m.weak_link:
            docs += [
                ColumnDoc(f"min_{m.score}", f"weak link: the lower {m.score} of the two states", m.table, cov),
                ColumnDoc(f"max_{m.score}", f"the higher {m.score} of the two states", m.table, cov),
            ]
        docs += [
            ColumnDoc(f"dem_{name}_1", f"1 if state 1 is a democracy ({rule}), 0 if not", m.table, cov),
            ColumnDoc(f"dem_{name}_2", f"1 if state 2 is a democracy ({rule})", m.table, cov),
            ColumnDoc(f"joint_democracy_{name}", f"1 if both states are democracies ({rule})", m.table, cov),
            ColumnDoc(f"mixed_dyad_{name}", "1 if exactly one state is a democracy", m.table, cov),
            ColumnDoc(f"joint_autocracy_{name}", "1 if neither state is a democracy", m.table, cov),
            ColumnDoc(f"regime_pair_{name}", "'joint democracy', 'mixed' or 'joint autocracy'", m.table, cov),
        ]
    return docs


def role_docs(roles: Roles) -> list[ColumnDoc]:
    """The columns the config's roles add (``dyadstats.roles.attach.role_columns`` order), defined from
    the role config; coverage ``role_<name>`` is the span of non-missing values in the role table."""
    docs: list[ColumnDoc] = []
    for d in roles.democracy:
        m, cov = d.name, f"role_{d.name}"
        src = f"{d.table} (roles.democracy.{m})"
        rule = f"{d.score} {d.rule} {d.threshold:g}"
        docs += [
            ColumnDoc(f"dem_{m}_1", f"1 if state 1 is a democracy ({rule}), 0 if not", src, cov),
            ColumnDoc(f"dem_{m}_2", f"1 if state 2 is a democracy ({rule})", src, cov),
            ColumnDoc(f"joint_democracy_{m}", f"1 if both states are democracies ({rule})", src, cov),
            ColumnDoc(f"mixed_dyad_{m}", "1 if exactly one state is a democracy", src, cov),
            ColumnDoc(f"joint_autocracy_{m}", "1 if neither state is a democracy", src, cov),
            ColumnDoc(f"regime_pair_{m}", "'joint democracy', 'mixed' or 'joint autocracy'", src, cov),
            ColumnDoc(f"{m}_1", f"{d.score} of state 1", src, cov),
            ColumnDoc(f"{m}_2", f"{d.score} of state 2", src, cov),
            ColumnDoc(f"min_{m}", f"weak link: the lower {d.score} of the two states", src, cov),
            ColumnDoc(f"max_{m}", f"the higher {d.score} of the two states", src, cov),
        ]
    for c in roles.covariates:
        n, cov = c.name, f"role_{c.name}"
        src = f"{c.table} (roles.covariates.{n})"
        if c.absent is not None:
            src += f"; keys without a row inside the table's years: {c.absent:g}"
        if c.level == "state_year":
            docs += [
                ColumnDoc(f"{n}_1", f"{c.column} of state 1", src, cov),
                ColumnDoc(f"{n}_2", f"{c.column} of state 2", src, cov),
                ColumnDoc(f"min_{n}", f"the lower {c.column} of the two states (NULL if either is missing)", src, cov),
                ColumnDoc(f"max_{n}", f"the higher {c.column} of the two states (NULL if either is missing)", src, cov),
            ]
        else:
            how = "ccode1 -> ccode2 as listed" if c.directed else "either direction"
            docs.append(ColumnDoc(n, f"{c.column} of the dyad-year ({how})", src, cov))
    return docs


def peace_docs(outcomes: list[ColumnDoc], options: FrameOptions | None) -> list[ColumnDoc]:
    rule = options.peace_rule if options else "onset"
    docs = []
    for o in outcomes:
        base = f"peace_years_{o.name}"
        docs += [
            ColumnDoc(base, f"rows (years) since the dyad's last {o.name} {'onset' if rule == 'onset' else 'active'} year, 0 in its first observed year and the year after an event", o.source, o.coverage),
            ColumnDoc(f"{base}_2", f"{base} squared", o.source, o.coverage),
            ColumnDoc(f"{base}_3", f"{base} cubed", o.source, o.coverage),
        ]
    for o in outcomes:
        docs.append(ColumnDoc(
            f"ongoing_{o.name}",
            f"1 if an event of {o.name}'s kind is active in the year, its onset year included (the "
            "years that end a spell under the ongoing peace-years rule; a model may recount its "
            "peace years by either rule: peace_years_rule)", o.source, o.coverage))
    return docs


# build.controls.contiguity_slice: first -> the contiguity columns come from peacesciencer's spells
FIRST_MONTH_CONTTYPE = (
    "COW direct contiguity type of the year's first recorded month in peacesciencer's spell table "
    "(add_contiguity slice 'first', quirks included: a type-0 spell enclosing a contiguity spell "
    "gives 0): 0 none, 1 land/river, 2-5 water <= 12/24/150/400 miles"
)


def _sliced(doc: ColumnDoc, options: FrameOptions | None) -> ColumnDoc:
    """A contiguity column's entry under the build's contiguity slice."""
    if not options or options.contiguity_slice != "first" or "cow_contdird" not in doc.source:
        return doc
    definition = FIRST_MONTH_CONTTYPE if doc.name == "conttype" else doc.definition
    return replace(doc, definition=definition, source=doc.source.replace("cow_contdird", "ps_cow_contdir"))


def frame_registry(directed: bool, options: FrameOptions | None = None) -> list[ColumnDoc]:
    """Every column of one frame, in the frame's column order."""
    if directed:
        keys = [*DIRECTED_KEYS, ERA]
        mid_out = DIR_OUTCOMES[:2]
        outcomes = [*mid_out, *DIR_OUTCOMES[2:], *ONGOING]
        spells = DIR_OUTCOMES
    else:
        keys = [*KEYS, ERA]
        outcomes = [*ND_OUTCOMES, *ONGOING, *ND_TIES]
        spells = [*ND_OUTCOMES, *ND_TIES]
    if options and options.icb_coverage:
        icb = DIR_ICB if directed else ND_ICB
        outcomes, spells = [*outcomes, *icb], [*spells, *icb]
    if options and options.war_coverage:
        war = DIR_WAR if directed else ND_WAR
        outcomes, spells = [*outcomes, *war], [*spells, *war]
    if options:  # build.frame: the selected outcomes and controls only
        outcomes = [o for o in outcomes if o in ONGOING or options.keeps_outcome(o.name)]
        spells = [o for o in spells if options.keeps_outcome(o.name)]
    controls = [_sliced(c, options) for c in (*CONTROLS, *COVARIATES) if not options or options.keeps_control(c.name)]
    regressors = [*democracy_docs(options), *controls, *role_docs(options.roles if options else Roles())]
    lags = [
        ColumnDoc(f"{r.name}_lag1", f"{r.name} in the dyad's previous year (NULL in its first year or after a gap)", r.source, r.coverage, lagged=True)
        for r in regressors
    ] if not options or options.lags else []
    return [*keys, *outcomes, *regressors, *peace_docs(spells, options), *lags]


def _coverage_text(key: str, coverage: Mapping[str, Any]) -> str:
    span = coverage.get(key)
    if not span or span[0] is None:
        return "-"
    return f"{span[0]}-{span[1]}"


def render_codebook(
    options: FrameOptions, coverage: Mapping[str, Any], records: Mapping[str, Mapping[str, Any]]
) -> str:
    """Markdown codebook of both frames: definition, source, coverage, missing count per column."""
    lines = [
        "# Codebook: analysis frames",
        "",
        "Generated by `dyadstats.frame.codebook` from the column registry and the written frames "
        "(do not edit by hand).",
        "",
        "## Coding options of this build",
        "",
    ]
    for key, value in options.record().items():
        lines.append(f"- `{key}`: {value}")
    lines += [
        "",
        "Coverage is the span the column is coded within: outside it the column is NULL (never 0). "
        "Event coverage is the source's declared span; control coverage is measured from the source "
        "table; democracy coverage is the span of non-missing scores (inside it a state-year may still "
        "lack a score: missing stays missing). `_lag1` columns are NULL in a dyad's first year.",
        "",
        "| source coverage | years |",
        "|---|---|",
    ]
    for key in sorted(coverage):
        lines.append(f"| {key} | {_coverage_text(key, coverage)} |")
    for table, directed in (("analysis_dyad_years", False), ("analysis_directed_dyad_years", True)):
        if directed and not options.directed:
            continue
        rec = records.get(table, {})
        nulls = rec.get("nulls", {})
        lines += [
            "",
            f"## `{table}`",
            "",
            f"{rec.get('rows_out', 0):,} rows, {len(nulls)} columns; key (ccode1, ccode2, year) "
            f"unique: {rec.get('key_unique')}.",
            "",
            "| column | definition | source | coverage | missing |",
            "|---|---|---|---|---:|",
        ]
        for doc in frame_registry(directed, options):
            missing = nulls.get(doc.name)
            lines.append(
                f"| `{doc.name}` | {doc.definition} | {doc.source} | {_coverage_text(doc.coverage, coverage)} | "
                f"{'-' if missing is None else f'{missing:,}'} |"
            )
    return "\n".join(lines) + "\n"
