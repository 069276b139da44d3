"""The stage parsers take their defaults from the typed config: spot checks against the code."""

from __future__ import annotations

import dataclasses

from dyadstats.config.build import BuildConfig
from dyadstats.config.models import MODEL_DEFAULTS
from dyadstats.config.multiverse import MultiverseConfig
from dyadstats.config.report import ReportConfig


def test_frame_options_defaults() -> None:
    from dyadstats.events.war import WAR_OUTCOME_NAMES
    from dyadstats.frame.options import frame_options
    from dyadstats.frame.outcomes import ALL_OUTCOMES, ICB_OUTCOME_NAMES

    opts = frame_options(None, (1816, 2014), (1945, 2005))
    assert (opts.peace_rule, opts.ongoing, opts.use_lagged) == ("onset", "keep", False)
    assert (opts.prd_max_conttype, opts.contiguity_slice) == (5, "lowest")
    assert {k: r.describe() for k, r in opts.democracy.items()} == {
        "polity": "polity2 >= 6", "vdem": "v2x_polyarchy >= 0.5", "bmr": "bmr_democracy >= 1",
        "uds": "uds_mean > 0"}
    # the full default frame.outcomes without an ICB or war coverage means "every outcome there is"
    assert opts.outcomes == tuple(o for o in ALL_OUTCOMES if o not in (*ICB_OUTCOME_NAMES, *WAR_OUTCOME_NAMES))
    with_icb = frame_options(BuildConfig().plain(), (1816, 2014), (1945, 2005), icb_coverage=(1918, 2017))
    assert with_icb.outcomes == tuple(o for o in ALL_OUTCOMES if o not in WAR_OUTCOME_NAMES)
    assert with_icb.selection() == {}
    both = frame_options(BuildConfig().plain(), (1816, 2014), (1945, 2005), icb_coverage=(1918, 2017),
                         war_coverage=(1816, 2007))
    assert both.outcomes == ALL_OUTCOMES and both.selection() == {}


def test_measure_defaults_come_from_the_config() -> None:
    from dyadstats.frame.democracy import MEASURES, democracy_rules

    assert {m: (x.default_rule, x.default_threshold) for m, x in MEASURES.items()} == {
        "polity": (">=", 6.0), "vdem": (">=", 0.5), "bmr": (">=", 1.0), "uds": (">", 0.0)}
    # a threshold given without its rule keeps the measure's own default rule (UDS: above)
    assert democracy_rules({"uds": {"threshold": 0.5}})["uds"].describe() == "uds_mean > 0.5"


def test_model_spec_defaults_are_the_config_defaults() -> None:
    from dyadstats.models import ModelSpec

    spec = ModelSpec(name="m", outcome="y", regressors="x")
    as_dict = spec.to_dict()
    for key, value in MODEL_DEFAULTS.items():
        if key == "sample":
            assert as_dict["sample"] == {**value, "politically_relevant": False}
        elif key in ("random_effects", "population_event_rate", "peace_years_rule"):
            assert value is None and key not in as_dict  # written only when set
        elif key == "peace_years_over":
            assert value == "universe" and key not in as_dict  # written only when not the default
        else:
            assert as_dict[key] == value, key
    spec_keys = {f.name for f in dataclasses.fields(ModelSpec)} - {"name"}
    assert spec_keys == set(MODEL_DEFAULTS) | {"outcome", "regressors"}


def test_report_and_bench_defaults() -> None:
    from benchmarks.harness import STANDARD_FRAME, BenchOptions
    from dyadstats.report.options import ReportOptions, report_options

    assert report_options(None) == ReportOptions()
    assert ReportOptions().title == ReportConfig().title and ReportOptions().alpha == 0.05
    assert [e.label for e in ReportOptions().eras] == ["1816-1945", "1946-1989", "1990-2014"]
    assert BenchOptions.from_config(None) == BenchOptions()
    assert BenchOptions().runs == 3 and BenchOptions().scale_memory_limit == "4GB"
    assert STANDARD_FRAME["outcomes"] == ["mid_onset"] and STANDARD_FRAME["directed"] is False


def test_multiverse_defaults_name_frame_columns() -> None:
    """The drift issue 13 found: the schema's default controls named a column the frame lacks."""
    from dyadstats.frame.codebook import frame_registry
    from dyadstats.frame.options import frame_options
    from dyadstats.multiverse import MEASURE_YEARS, choice_space

    space = choice_space({})
    assert space.controls == MultiverseConfig().controls
    assert space.covariances == ("cluster",) and space.spline_df == 3 and space.build_years == (1816, 2014)
    assert MEASURE_YEARS["uds"] == (1946, 2012) and dict(space.measure_years) == MEASURE_YEARS
    columns = {c.name for c in frame_registry(False, frame_options(None, (1816, 2014), (1945, 2005)))}
    terms = [t.strip() for t in space.controls.split("+")]
    assert terms and set(terms) <= columns, set(terms) - columns
