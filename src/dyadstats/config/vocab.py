"""Every closed vocabulary of the config, written once as a ``Literal`` (and its tuple of values).

The config models use the ``Literal`` types (the generated JSON schema lists them as ``enum``); the
stage modules import the tuples instead of spelling the values again. Where a stage keeps an
implementation table keyed by these names (SQL per outcome, per control source, per whittle
rule), ``tests/unit/config/test_vocab.py`` checks the keys equal the vocabulary.
"""

from __future__ import annotations

from typing import Literal, get_args

#: lower snake_case names: tables, columns, measures, roles, outcomes
SNAKE_NAME = r"^[a-z][a-z0-9_]*$"
#: model names: letters, digits and underscores, starting with a letter
MODEL_NAME = r"^[A-Za-z][A-Za-z0-9_]*$"

# --- sources (data/sources.yaml and extra_sources) -------------------------------------------
FileFormat = Literal["csv", "tsv", "dta", "xls", "xlsx", "rda", "rds", "parquet"]
ColumnType = Literal["int", "float", "str"]

# --- build -----------------------------------------------------------------------------------
#: Built-in democracy measures (``dyadstats.frame.democracy.MEASURES`` holds how each is read).
Measure = Literal["polity", "vdem", "bmr", "uds"]
#: ``score <rule> threshold`` makes a state a democracy (build.democracy and roles.democracy).
ThresholdRule = Literal[">=", ">", "<=", "<", "=="]
#: Old spellings of ``build.democracy.<m>.rule``, still read, with a warning saying what to write.
LEGACY_THRESHOLD_RULES: dict[str, str] = {"ge": ">=", "gt": ">"}
ThresholdRuleInput = Literal[">=", ">", "<=", "<", "==", "ge", "gt"]
#: Built-in MID sources of ``build.events.source`` (or a roles.events name).
MidSource = Literal["mid5", "dyadic_mid402"]
WhittleRule = Literal["onset", "fatality", "hostility", "mindur", "maxdur", "recip", "stmon", "dispnum"]
PeaceRule = Literal["onset", "ongoing"]
Ongoing = Literal["keep", "drop"]
ContiguitySlice = Literal["lowest", "first"]
ControlGroup = Literal[
    "contiguity", "nmc", "majors", "cow_alliance", "atop_alliance", "mindist", "nmc_components",
    "alliance_types", "rivalries", "capital_distance", "trade", "territorial_threat", "igos",
]
Outcome = Literal[
    "coercion_onset", "coercion_onset_limited", "mid_onset", "mid_onset_originators",
    "sanction_threat_onset", "sanction_imposition_onset", "coercion_initiated", "mid_initiated",
    "sanction_threat_initiated", "sanction_imposition_initiated", "icb_crisis_onset",
    "icb_crisis_trigger", "war_onset", "war_initiated",
]

# --- roles -----------------------------------------------------------------------------------
UnknownStates = Literal["error", "drop"]
EventLevel = Literal["participant", "dyadic"]
CovariateLevel = Literal["state_year", "dyad_year"]

# --- models ----------------------------------------------------------------------------------
FrameKind = Literal["dyad", "directed"]
Estimator = Literal["logit", "firth", "mixed", "relogit"]
Covariance = Literal["cluster", "dyadic", "twoway", "robust", "nonrobust"]
ClusterDimension = Literal["dyad", "year"]
TimeDependence = Literal["cubic", "splines", "none"]
PeaceYearsScope = Literal["universe", "sample"]
RegimeReference = Literal["joint_autocracy", "mixed", "joint_democracy"]
RandomEffect = Literal["state_1", "state_2", "dyad", "year"]

# --- multiverse ------------------------------------------------------------------------------
Link = Literal["joint", "weak_link", "regime_vs_autocracy", "regime_vs_mixed"]
SampleChoice = Literal["all", "politically_relevant"]
TimeControl = Literal["cubic", "splines"]
MultiverseEstimator = Literal["logit", "firth"]
LagChoice = Literal[0, 1]

FILE_FORMATS: tuple[str, ...] = get_args(FileFormat)
COLUMN_TYPES: tuple[str, ...] = get_args(ColumnType)
MEASURES: tuple[str, ...] = get_args(Measure)
THRESHOLD_RULES: tuple[str, ...] = get_args(ThresholdRule)
MID_SOURCES: tuple[str, ...] = get_args(MidSource)
WHITTLE_RULES: tuple[str, ...] = get_args(WhittleRule)
PEACE_RULES: tuple[str, ...] = get_args(PeaceRule)
ONGOING_CHOICES: tuple[str, ...] = get_args(Ongoing)
CONTIGUITY_SLICES: tuple[str, ...] = get_args(ContiguitySlice)
CONTROL_GROUPS: tuple[str, ...] = get_args(ControlGroup)
OUTCOMES: tuple[str, ...] = get_args(Outcome)
UNKNOWN_STATES: tuple[str, ...] = get_args(UnknownStates)
EVENT_LEVELS: tuple[str, ...] = get_args(EventLevel)
COVARIATE_LEVELS: tuple[str, ...] = get_args(CovariateLevel)
FRAME_KINDS: tuple[str, ...] = get_args(FrameKind)
ESTIMATORS: tuple[str, ...] = get_args(Estimator)
COVARIANCES: tuple[str, ...] = get_args(Covariance)
CLUSTER_DIMENSIONS: tuple[str, ...] = get_args(ClusterDimension)
TIME_DEPENDENCE: tuple[str, ...] = get_args(TimeDependence)
PEACE_YEARS_SCOPES: tuple[str, ...] = get_args(PeaceYearsScope)
REGIME_REFERENCES: tuple[str, ...] = get_args(RegimeReference)
RANDOM_EFFECTS: tuple[str, ...] = get_args(RandomEffect)
LINKS: tuple[str, ...] = get_args(Link)
SAMPLE_CHOICES: tuple[str, ...] = get_args(SampleChoice)
TIME_CONTROLS: tuple[str, ...] = get_args(TimeControl)
MULTIVERSE_ESTIMATORS: tuple[str, ...] = get_args(MultiverseEstimator)
LAG_CHOICES: tuple[int, ...] = get_args(LagChoice)
