"""Every term the models stage can write gets a readable label, generated from the codebook's
naming rules; the audit and methods helpers read the run's records as they are."""

from __future__ import annotations

import pandas as pd
import pytest

from dyadstats.audit import audit_frames
from dyadstats.frame.codebook import frame_registry
from dyadstats.report.labels import peace_kind, term_label
from dyadstats.report.methods import methods_paragraph


@pytest.mark.parametrize(("term", "label"), [
    ("joint_democracy_polity", "Joint democracy (Polity)"),
    ("joint_democracy_polity_ge7_lag1", "Joint democracy (Polity, both >= 7, t-1)"),
    ("joint_democracy_vdem_ge0p5", "Joint democracy (V-Dem, both >= 0.5)"),
    ("mixed_dyad_uds_gem0p5", "Mixed dyad (UDS, both >= -0.5)"),
    ("dem_polity_2", "Democracy of state 2 (Polity)"),
    ("contiguity_150_lag1", "Contiguity (land or water <= 150 mi, t-1)"),
    ("min_polity2", "Weak link (the lower polity2, per point)"),
    ("polyprod_polity2_lag1", "Democracy product (polity2, per point of the product, t-1)"),
    ("I(1 / capability_ratio_lag1)", "Capability ratio (higher / lower CINC, t-1)"),
    ("Intercept", "Constant"),
    ("my_role_covariate", "My role covariate"),
])
def test_generated_labels(term: str, label: str) -> None:
    assert term_label(term) == label


def test_config_labels_win_and_feed_lagged_twins() -> None:
    overrides = {"defense_pact": "Alliance"}
    assert term_label("defense_pact", overrides) == "Alliance"
    assert term_label("defense_pact_lag1", overrides) == "Alliance (t-1)"


def test_no_frame_column_is_shown_by_its_raw_name() -> None:
    for directed in (False, True):
        for doc in frame_registry(directed):
            if doc.name in ("ccode1", "ccode2", "year", "dyad_id", "pair_id", "era"):
                continue
            label = term_label(doc.name)
            assert "_" not in label.replace("t-1", ""), (doc.name, label)


def test_peace_year_terms_are_recognised() -> None:
    assert [peace_kind(t) for t in ("peace_years_mid_onset", "peace_years_mid_onset_2", "peace_years_mid_onset_3")] == ["cubic"] * 3
    assert peace_kind("cr(peace_years_mid_onset, df=3, constraints='center')[1]") == "splines"
    assert peace_kind("joint_democracy_polity") is None


def test_audit_frames_keep_integers_order_and_every_reason() -> None:
    audits = [
        {"stage": "ingest", "tables": [{"table": "cow_states", "rows_in": None, "rows_out": 10, "dropped": {},
                                        "key_unique": True, "years": [1816, 2016], "nulls": {"a": 2, "b": 1}}]},
        {"stage": "events", "tables": [{"table": "mid_dyad_years", "rows_in": 5695, "rows_out": 5117,
                                        "dropped": {"whittle_onset": 258, "whittle_fatality": 169, "whittle_recip": 151},
                                        "key_unique": True, "years": [1816, 2014], "nulls": {}}]},
    ]
    stages, drops = audit_frames(audits)
    assert stages["stage"].tolist() == ["ingest", "events"]
    assert str(stages["rows_in"].dtype) == "Int64" and pd.isna(stages.loc[0, "rows_in"])
    assert stages.loc[1, "rows_dropped"] == 258 + 169 + 151 == 5695 - 5117
    assert stages.loc[0, "null_cells"] == 3
    assert drops["reason"].tolist() == ["whittle_fatality", "whittle_onset", "whittle_recip"]
    assert drops["rows"].sum() == 578


def test_methods_paragraph_follows_the_config() -> None:
    config = {"build": {"first_year": 1816, "last_year": 2014,
                        "events": {"source": "mid5", "whittle_order": ["onset", "fatality"]},
                        "democracy": {"polity": {"threshold": 6, "rule": "ge"}, "uds": {"threshold": 0, "rule": "gt"}},
                        "controls": {"politically_relevant_max_conttype": 3}, "peace_years": {"rule": "onset"}}}
    fit = pd.DataFrame({"estimator": ["logit", "firth"], "cov_type": ["cluster (dyad)", "nonrobust"],
                        "year_min": [1820, 1949], "year_max": [2001, 2012]})
    text = " ".join(methods_paragraph(config, fit, "coercion_onset"))
    assert "1816-2014" in text and "the models use 1820-2012" in text
    assert "contiguity types 1-3" in text
    assert "polity2 >= 6; uds_mean > 0" in text
    assert "whittle order onset, fatality" in text
    assert "Firth" in text and "clustered by dyad" in text and "model-based" in text
    assert "threat (2) or display (3)" in text
    assert "lagged" not in text
