"""Each stage's implementation tables are keyed by exactly the config's vocabulary."""

from __future__ import annotations

from dyadstats.config import vocab


def test_frame_tables_match_the_vocabulary() -> None:
    from dyadstats.frame.controls import CONTIGUITY_SLICES, CONTROL_SOURCES
    from dyadstats.frame.covariates import COVARIATE_GROUPS
    from dyadstats.frame.democracy import MEASURES
    from dyadstats.frame.democracy import RULES as BUILD_RULES
    from dyadstats.frame.options import CONTROL_GROUPS
    from dyadstats.frame.outcomes import ALL_OUTCOMES

    assert tuple(MEASURES) == vocab.MEASURES
    assert (*CONTROL_SOURCES, *COVARIATE_GROUPS) == CONTROL_GROUPS == vocab.CONTROL_GROUPS
    assert ALL_OUTCOMES == vocab.OUTCOMES
    assert CONTIGUITY_SLICES == vocab.CONTIGUITY_SLICES
    assert tuple(BUILD_RULES) == vocab.THRESHOLD_RULES


def test_event_and_role_tables_match_the_vocabulary() -> None:
    from dyadstats.events.pairing import MID_SOURCES
    from dyadstats.events.whittle import WHITTLE_RULES
    from dyadstats.roles.parse import RULES as ROLE_RULES

    assert tuple(WHITTLE_RULES) == vocab.WHITTLE_RULES
    assert MID_SOURCES == vocab.MID_SOURCES
    assert tuple(ROLE_RULES) == vocab.THRESHOLD_RULES
    assert set(vocab.LEGACY_THRESHOLD_RULES.values()) <= set(vocab.THRESHOLD_RULES)


def test_model_and_multiverse_tables_match_the_vocabulary() -> None:
    from dyadstats.models import COVARIANCES, ESTIMATORS, FRAMES, MEASURE_SCORE
    from dyadstats.models.mixed import DEFAULT_RANDOM_EFFECTS, RANDOM_EFFECTS
    from dyadstats.multiverse import LINKS, REGIME_LINK_REFERENCE

    assert tuple(FRAMES) == vocab.FRAME_KINDS
    assert set(MEASURE_SCORE) == set(vocab.MEASURES)
    assert ESTIMATORS == vocab.ESTIMATORS and COVARIANCES == vocab.COVARIANCES
    assert RANDOM_EFFECTS == vocab.RANDOM_EFFECTS and set(DEFAULT_RANDOM_EFFECTS) <= set(RANDOM_EFFECTS)
    assert set(REGIME_LINK_REFERENCE) <= set(LINKS) and set(REGIME_LINK_REFERENCE.values()) <= set(vocab.REGIME_REFERENCES)
    assert set(vocab.MULTIVERSE_ESTIMATORS) <= set(vocab.ESTIMATORS)
