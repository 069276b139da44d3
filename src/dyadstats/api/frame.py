"""The fluent verbs: a lazy dyad-year frame in peacesciencer's vocabulary.

Each verb returns a new :class:`Frame` with one more step in its recipe; nothing is read or
built until :meth:`Frame.to_duckdb`, :meth:`Frame.to_arrow`, :meth:`Frame.to_pandas`,
:meth:`Frame.sql` or :func:`dyadstats.logit` asks for the data. Then the workflow's own stage
functions build the frame once into the API's cache (:mod:`dyadstats.api.build`) and the
result is a DuckDB relation over that Parquet file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dyadstats.api.recipe import (
    ALLIANCE_SOURCES,
    MID_EVENT_SOURCES,
    OTHER_EVENT_SOURCES,
    Recipe,
    RecipeError,
    check_whittle_order,
    choice,
    pick_outcomes,
)

if TYPE_CHECKING:
    import duckdb
    import pandas as pd
    import pyarrow as pa

    from dyadstats.api.build import Built


def dyad_years(first_year: int = 1816, last_year: int = 2014, *, directed: bool = False,
               config: str | None = None) -> Frame:
    """COW state-system dyad-years (same-day rule), non-directed (ccode1 < ccode2) or directed.

    ``config``: a workflow config file whose manifest, mirrors, ``extra_sources`` and ``roles``
    apply (default: the repository's ``config/config.yaml``).

    >>> import dyadstats as ds
    >>> frame = ds.dyad_years(1946, 2014).add_democracy("polity")   # nothing is built yet
    >>> frame.recipe.measures
    ('polity',)
    """
    for arg, value in (("first_year", first_year), ("last_year", last_year)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise RecipeError(f"dyad_years({arg}={value!r}): expected a year (int)")
    if first_year > last_year:
        raise RecipeError(f"dyad_years({first_year}, {last_year}): first_year is after last_year")
    return Frame(Recipe(first_year=first_year, last_year=last_year, directed=bool(directed),
                        config=None if config is None else str(config)))


class Frame:
    """A recipe of dyad-years plus the data the verbs add (lazy: see the module docstring)."""

    def __init__(self, recipe: Recipe) -> None:
        self._recipe = recipe
        self._built: Built | None = None
        self._con: duckdb.DuckDBPyConnection | None = None

    @property
    def recipe(self) -> Recipe:
        """What the verbs recorded (plain data; nothing built)."""
        return self._recipe

    def _then(self, **changes: Any) -> Frame:
        return Frame(self._recipe.with_(**changes))

    def __repr__(self) -> str:
        state = "built" if self._built else "not built yet"
        return f"<dyadstats.Frame: {self.describe()} ({state})>"

    def describe(self) -> str:
        """One line saying what the recipe holds."""
        r = self._recipe
        kind = "directed" if r.directed else "non-directed"
        parts = [f"{kind} dyad-years {r.first_year}-{r.last_year}"]
        if r.prd:
            parts.append("politically relevant")
        if r.outcomes:
            parts.append(f"outcomes {list(r.outcomes)}")
        if r.measures:
            parts.append(f"democracy {list(r.measures)}")
        if r.controls:
            parts.append(f"controls {list(r.controls)}")
        if r.peace_years:
            parts.append(f"peace years ({r.peace_rule})")
        return "; ".join(parts)

    # -- filters ---------------------------------------------------------------------------
    def filter_prd(self, max_conttype: int = 5) -> Frame:
        """Keep politically relevant dyad-years: directly contiguous (COW conttype
        1..``max_conttype``, default 5 = within 400 miles of water) or with a major power.
        Peace years and lags are still counted over all dyad-years (as the workflow's models do).

        >>> ds.dyad_years().filter_prd().recipe.prd
        True
        """
        choice("filter_prd", "max_conttype", max_conttype, (1, 2, 3, 4, 5))
        return self._then(prd=True, prd_max_conttype=max_conttype)

    # -- events ------------------------------------------------------------------------------
    def add_mids(self, source: str = "mid5", *, outcomes: Any = None, whittle_order: Any = None,
                 ongoing: str = "keep") -> Frame:
        """MID outcomes: ``coercion_onset`` (threat or display of force), ``coercion_onset_limited``,
        ``mid_onset``, ``mid_onset_originators`` (directed: ``coercion_initiated``,
        ``mid_initiated``) plus ``mid_ongoing`` / ``mid_continuing``.

        ``source``: ``mid5`` (MID 5.0 participants paired by day) or ``dyadic_mid402``;
        ``whittle_order``: the rules that pick one dispute per dyad-year (default
        ``onset, fatality, hostility, mindur, maxdur, recip, stmon, dispnum``);
        ``ongoing='drop'`` removes dyad-years with only a continuing MID.

        >>> ds.dyad_years().add_mids(outcomes=["coercion_onset"]).recipe.outcomes
        ('coercion_onset',)
        """
        choice("add_mids", "source", source, MID_EVENT_SOURCES)
        choice("add_mids", "ongoing", ongoing, ("keep", "drop"))
        r = self._recipe
        if r.mid_source not in (None, source):
            raise RecipeError(f"add_mids(source={source!r}): the frame already has MIDs from "
                              f"{r.mid_source!r}; one MID source per frame")
        picked = pick_outcomes("add_mids", source, r.directed, outcomes)
        order = check_whittle_order(whittle_order)
        return Frame(r.add_outcomes(picked).with_(mid_source=source, ongoing=ongoing,
                                                  whittle_order=order or r.whittle_order))

    def add_events(self, source: str, *, outcomes: Any = None, **options: Any) -> Frame:
        """Outcomes of any event source: ``mid5`` / ``dyadic_mid402`` (as :meth:`add_mids`),
        ``ties`` (TIES sanction threat / imposition onsets, 1945-2005), ``icb`` (ICB crisis
        triggers, 1918-2017) or ``war`` (COW inter-state war onsets / initiations, 1816-2007). Outside a source's coverage its outcomes are missing, not 0.

        >>> ds.dyad_years().add_events("ties").recipe.outcomes
        ('sanction_threat_onset', 'sanction_imposition_onset')
        """
        choice("add_events", "source", source, (*MID_EVENT_SOURCES, *OTHER_EVENT_SOURCES))
        if source in MID_EVENT_SOURCES:
            return self.add_mids(source, outcomes=outcomes, **options)
        if options:
            raise RecipeError(f"add_events({source!r}): unknown option(s) {sorted(options)}")
        picked = pick_outcomes("add_events", source, self._recipe.directed, outcomes)
        return Frame(self._recipe.add_outcomes(picked))

    def add_peace_years(self, rule: str = "onset") -> Frame:
        """Peace years of each outcome (``peace_years_<outcome>`` and its square and cube):
        years since the dyad's last onset (``rule='ongoing'``: since the last year an event was
        active).

        >>> ds.dyad_years().add_mids().add_peace_years().recipe.peace_years
        True
        """
        choice("add_peace_years", "rule", rule, ("onset", "ongoing"))
        return self._then(peace_years=True, peace_rule=rule)

    # -- regressors ------------------------------------------------------------------------
    def add_democracy(self, measure: str = "polity", *, threshold: float | None = None,
                      rule: str | None = None) -> Frame:
        """Democracy of both states and the pair: scores, ``dem_<m>_1/_2``,
        ``joint_democracy_<m>``, ``mixed_dyad_<m>``, ``joint_autocracy_<m>``, ``regime_pair_<m>``
        (and the weak/strong link ``min_``/``max_`` of continuous scores).

        ``measure``: ``polity`` (polity2 >= 6), ``vdem`` (polyarchy >= 0.5), ``bmr`` (0/1),
        ``uds`` (posterior mean > 0); ``threshold`` and ``rule`` (``>=``, ``>``, ...) change the cut.

        >>> ds.dyad_years().add_democracy("vdem", threshold=0.6).recipe.democracy_rules
        (('vdem', 0.6, '>='),)
        """
        from dyadstats.frame.democracy import MEASURES, RULES

        choice("add_democracy", "measure", measure, tuple(MEASURES))
        r = self._recipe
        rules = r.democracy_rules
        if threshold is not None or rule is not None:
            if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, int | float)):
                raise RecipeError(f"add_democracy(threshold={threshold!r}): expected a number")
            m = MEASURES[measure]
            cut = (measure, float(m.default_threshold if threshold is None else threshold),
                   choice("add_democracy", "rule", rule or m.default_rule, tuple(RULES)))
            rules = (*(x for x in rules if x[0] != measure), cut)
        return self._then(measures=tuple(dict.fromkeys((*r.measures, measure))), democracy_rules=rules)

    def add_contiguity(self, slice: str = "lowest") -> Frame:  # noqa: A002 (peacesciencer's name)
        """COW direct contiguity: ``conttype``, ``contiguity_land``, ``contiguity_any``,
        ``contiguity_150``. ``slice='lowest'`` takes the closest type in the year (COW contdird);
        ``'first'`` the year's first recorded month (peacesciencer's ``add_contiguity``).

        >>> ds.dyad_years().add_contiguity().recipe.controls
        ('contiguity',)
        """
        choice("add_contiguity", "slice", slice, ("lowest", "first"))
        return Frame(self._recipe.add_controls("contiguity").with_(contiguity_slice=slice))

    def add_capabilities(self, components: bool = False) -> Frame:
        """NMC capabilities: ``cinc_1``, ``cinc_2``, ``capability_ratio``, ``log_capability_ratio``;
        ``components=True`` adds military expenditure, personnel, total and urban population.

        >>> ds.dyad_years().add_capabilities().recipe.controls
        ('nmc',)
        """
        groups = ("nmc", "nmc_components") if components else ("nmc",)
        return Frame(self._recipe.add_controls(*groups))

    def add_major_powers(self) -> Frame:
        """COW major powers: ``major_power_1``, ``major_power_2``, ``major_power_dyad``.

        >>> ds.dyad_years().add_major_powers().recipe.controls
        ('majors',)
        """
        return Frame(self._recipe.add_controls("majors"))

    def add_alliances(self, source: str = "cow", *, types: bool = False) -> Frame:
        """Defense pacts: ``defense_pact`` (COW v4.1) or ``defense_pact_atop`` (ATOP v5.1);
        ``types=True`` (COW) adds neutrality, non-aggression and entente pacts.

        >>> ds.dyad_years().add_alliances("atop").recipe.controls
        ('atop_alliance',)
        """
        choice("add_alliances", "source", source, tuple(ALLIANCE_SOURCES))
        if types and source != "cow":
            raise RecipeError("add_alliances(types=True): alliance types are COW's; use source='cow'")
        groups = (ALLIANCE_SOURCES[source], "alliance_types") if types else (ALLIANCE_SOURCES[source],)
        return Frame(self._recipe.add_controls(*groups))

    def add_mindist(self) -> Frame:
        """Minimum distance (km, CShapes 2.0, 1 January): ``mindist``.

        >>> ds.dyad_years().add_mindist().recipe.controls
        ('mindist',)
        """
        return Frame(self._recipe.add_controls("mindist"))

    def add_lags(self) -> Frame:
        """The one-year lags ``<column>_lag1`` of every democracy and control column (NULL in a
        dyad's first year or after a gap).

        >>> ds.dyad_years().add_democracy().add_lags().recipe.lags
        True
        """
        return self._then(lags=True)

    # -- materialisation ---------------------------------------------------------------------
    def build(self) -> Built:
        """Build the frame now (once; later calls reuse it) with the workflow's stage functions."""
        if self._built is None:
            from dyadstats.api.build import materialise

            self._built = materialise(self._recipe)
        return self._built

    @property
    def columns(self) -> list[str]:
        """The frame's columns (builds the frame)."""
        return list(self.build().columns)

    def to_duckdb(self, con: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyRelation:
        """The frame as a DuckDB relation (lazy: DuckDB reads the Parquet file when asked)."""
        import duckdb

        built = self.build()
        if con is None:
            if self._con is None:
                self._con = duckdb.connect()
            con = self._con
        rel = con.read_parquet(str(built.path))
        if self._recipe.prd:
            rel = rel.filter('"politically_relevant" = 1')
        return rel.project(", ".join(f'"{c}"' for c in built.columns))

    def to_arrow(self) -> pa.Table:
        """The frame as an Arrow table (key order: ccode1, ccode2, year)."""
        return self.to_duckdb().to_arrow_table()

    def to_pandas(self) -> pd.DataFrame:
        """The frame as a pandas DataFrame (key order: ccode1, ccode2, year)."""
        return self.to_duckdb().df()

    def sql(self, query: str, con: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyRelation:
        """Run a DuckDB query in which the frame is the view ``frame``.

        >>> ds.dyad_years().add_mids().sql("SELECT year, sum(mid_onset) FROM frame GROUP BY year")  # doctest: +SKIP
        """
        return self.to_duckdb(con).query("frame", query)
