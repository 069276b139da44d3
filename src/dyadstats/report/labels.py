"""Readable labels for model terms and outcomes, generated from the codebook's column names.

The frame's columns are named by rule (``dyadstats.frame.codebook``): a democracy coding carries its
measure (``joint_democracy_polity``), a threshold variant the models stage derives carries its
threshold (``joint_democracy_polity_ge7``), a lagged regressor ends in ``_lag1``. The labeller
reads those rules back, so every term the models stage can write gets a label without listing
each variant; ``report.term_labels`` overrides any of them.

Peace-year terms (``peace_years_<outcome>`` and its square and cube, or a ``cr(...)`` spline
basis) are not labelled one by one: the regression table shows them as one row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: Short names of the democracy measures (the codebook's ``dyadstats.frame.democracy.MEASURES`` keys).
MEASURE_NAMES = {"polity": "Polity", "vdem": "V-Dem", "bmr": "BMR", "uds": "UDS"}
#: Short names of the scores behind each measure (``Measure.score``).
SCORE_NAMES = {
    "polity2": "polity2",
    "v2x_polyarchy": "V-Dem polyarchy",
    "bmr_democracy": "BMR",
    "uds_mean": "UDS",
}
#: Short labels of the control columns in ``dyadstats.frame.codebook.CONTROLS``.
CONTROL_LABELS = {
    "conttype": "Contiguity type (COW)",
    "contiguity_land": "Land contiguity",
    "contiguity_any": "Contiguity (land or water <= 400 mi)",
    "contiguity_150": "Contiguity (land or water <= 150 mi)",
    "cinc_1": "CINC, state 1",
    "cinc_2": "CINC, state 2",
    "capability_ratio": "Capability ratio (lower / higher CINC)",
    "log_capability_ratio": "Log capability ratio (higher / lower CINC)",
    "major_power_1": "Major power, state 1",
    "major_power_2": "Major power, state 2",
    "major_power_dyad": "Major power in dyad",
    "defense_pact": "Defense pact (COW)",
    "defense_pact_atop": "Defense pact (ATOP)",
    "mindist": "Minimum distance (km)",
    "politically_relevant": "Politically relevant dyad",
}
#: Short labels of the outcome columns (definitions in the codebook).
OUTCOME_LABELS = {
    "coercion_onset": "Coercion onset (threat or display)",
    "coercion_onset_limited": "Coercion onset (threat, display or use)",
    "mid_onset": "MID onset (hostility 2-5)",
    "mid_onset_originators": "MID onset (both originators)",
    "coercion_initiated": "Coercion initiated (directed)",
    "mid_initiated": "MID initiated (directed)",
    "sanction_threat_initiated": "Sanction threat initiated (TIES, directed)",
    "sanction_imposition_initiated": "Sanction imposition initiated (TIES, directed)",
    "sanction_threat_onset": "Sanction threat onset (TIES)",
    "sanction_imposition_onset": "Sanction imposition onset (TIES)",
}

INTERCEPTS = ("intercept", "const", "(intercept)")
LAG = "_lag1"
_MEASURE = "|".join(MEASURE_NAMES)
# A measure tag as the codebook and the models stage write it: ``polity``, ``polity_ge7``,
# ``vdem_ge0p5`` (``p`` for the decimal point, ``m`` for a minus sign).
_TAG = rf"(?P<measure>{_MEASURE})(?:_ge(?P<threshold>m?[0-9]+(?:p[0-9]+)?))?"
_CODING = {
    "joint_democracy": "Joint democracy",
    "mixed_dyad": "Mixed dyad",
    "joint_autocracy": "Joint autocracy",
    "regime_pair": "Regime pair",
}
CODING_RE = re.compile(rf"^(?P<coding>{'|'.join(_CODING)})_{_TAG}$")
SIDE_RE = re.compile(rf"^dem_{_TAG}_(?P<side>[12])$")
_SCORE = "|".join(map(re.escape, SCORE_NAMES))
SCORE_RE = re.compile(rf"^(?P<kind>min|max|polyprod)_(?P<score>{_SCORE})$")
SCORE_SIDE_RE = re.compile(rf"^(?P<score>{_SCORE})_(?P<side>[12])$")
INVERSE_RE = re.compile(r"^I\(1\s*/\s*(?P<inner>[A-Za-z_][A-Za-z0-9_]*)\)$")
PEACE_RE = re.compile(r"^peace_years_[a-z0-9_]+?(?:_2|_3)?$")
SPLINE_RE = re.compile(r"^cr\(peace_years_[a-z0-9_]+,.*\)(?:\[[^\]]*\])?$")


def peace_kind(term: str) -> str | None:
    """``'cubic'`` for a peace-year polynomial term, ``'splines'`` for a spline basis term."""
    if SPLINE_RE.match(term):
        return "splines"
    if PEACE_RE.match(term):
        return "cubic"
    return None


def _threshold(text: str | None) -> str | None:
    return None if text is None else text.replace("m", "-").replace("p", ".")


def _with_detail(label: str, detail: str) -> str:
    """Add ``detail`` inside a label's closing parenthesis, or as a new one."""
    if label.endswith(")"):
        return f"{label[:-1]}, {detail})"
    return f"{label} ({detail})"


def _measure_detail(measure: str, threshold: str | None) -> str:
    name = MEASURE_NAMES[measure]
    return name if threshold is None else f"{name}, both >= {_threshold(threshold)}"


def _generated(term: str, overrides: Mapping[str, str]) -> str:
    if term.lower() in INTERCEPTS:
        return "Constant"
    if term.endswith(LAG):
        return _with_detail(term_label(term[: -len(LAG)], overrides), "t-1")
    if term in CONTROL_LABELS:
        return CONTROL_LABELS[term]
    if term in OUTCOME_LABELS:
        return OUTCOME_LABELS[term]
    if m := CODING_RE.match(term):
        return f"{_CODING[m['coding']]} ({_measure_detail(m['measure'], m['threshold'])})"
    if m := SIDE_RE.match(term):
        threshold = _threshold(m["threshold"])
        rule = "" if threshold is None else f", >= {threshold}"
        return f"Democracy of state {m['side']} ({MEASURE_NAMES[m['measure']]}{rule})"
    if m := SCORE_RE.match(term):
        score = SCORE_NAMES[m["score"]]
        if m["kind"] == "polyprod":
            return f"Democracy product ({score}, per point of the product)"
        link = "Weak link" if m["kind"] == "min" else "Strong link"
        return f"{link} (the {'lower' if m['kind'] == 'min' else 'higher'} {score}, per point)"
    if m := SCORE_SIDE_RE.match(term):
        return f"{SCORE_NAMES[m['score']]} of state {m['side']}"
    if m := INVERSE_RE.match(term):
        if m["inner"].removesuffix(LAG) == "capability_ratio":
            base = "Capability ratio (higher / lower CINC)"
            return _with_detail(base, "t-1") if m["inner"].endswith(LAG) else base
        return f"1 / {term_label(m['inner'], overrides)}"
    kind = peace_kind(term)
    if kind:
        return f"Peace years ({kind})"
    # A column the config's roles added, or anything new: readable words, never the raw name.
    words = term.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def term_label(term: str, overrides: Mapping[str, str] | None = None) -> str:
    """The label of a model term or outcome: ``report.term_labels`` first, else generated."""
    overrides = overrides or {}
    if term in overrides:
        return overrides[term]
    return _generated(term, overrides)
