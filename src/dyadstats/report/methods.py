"""The report's methods paragraph, written from the run's config and ``model_fit``.

Each sentence states one design choice as the run made it: the universe and its years, the
politically relevant dyads, the outcome and democracy codings, how several disputes in one
dyad-year are whittled to one, the peace-year control, the estimators and the standard errors.
Nothing is typed in by hand: change the config and the paragraph changes with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from dyadstats.config import validated
from dyadstats.config.build import BuildConfig
from dyadstats.frame.codebook import CONTROLS, ND_OUTCOMES
from dyadstats.frame.democracy import democracy_rules
from dyadstats.report.labels import term_label


def mid_sentence(label: str) -> str:
    """A label as it reads inside a sentence: lower-case first letter unless an acronym."""
    return label if label[:2].isupper() or not label else label[0].lower() + label[1:]

COV_WORDS = {
    "cluster": "clustered by dyad",
    "robust": "heteroskedasticity-robust (HC)",
    "nonrobust": "model-based (inverse information)",
    "dyadic": "dyadic-robust (Aronow, Samii and Assenova 2015)",
}
ESTIMATOR_WORDS = {
    "logit": "logit by maximum likelihood",
    "firth": "Firth's penalized-likelihood logit (small-sample bias reduction for rare events)",
}
EVENT_SOURCES = {"mid5": "the Correlates of War MID 5.0 participant and incident files",
                 "dyadic_mid402": "the dyadic MID 4.02 file"}


def _definition(name: str) -> str:
    """The codebook's definition of an outcome ('1 if ...'), else its label."""
    doc = next((d for d in ND_OUTCOMES if d.name == name), None)
    return f"{doc.definition}, else 0" if doc else term_label(name)


def _democracy_rules(build: Mapping[str, Any]) -> str:
    given = build.get("democracy") or {}
    return "; ".join(r.describe() for name, r in democracy_rules(given).items() if name in given)


def _cov(cov_type: str) -> str:
    family = cov_type.split(" ")[0]
    return COV_WORDS.get(family, cov_type)


def methods_paragraph(config: Mapping[str, Any], fit: pd.DataFrame, main_outcome: str) -> list[str]:
    """The methods paragraph as a list of sentences (the template joins them)."""
    build = config.get("build") or {}
    typed = validated(BuildConfig, build, "build")  # the defaults of keys left out
    events = typed.events
    peace = typed.peace_years.rule
    prd_max = typed.controls.politically_relevant_max_conttype
    prd_doc = next(d for d in CONTROLS if d.name == "politically_relevant")
    order = ", ".join(events.whittle_order)
    estimators = sorted(set(fit["estimator"].astype(str)))
    covs = sorted({_cov(str(c)) for c in fit["cov_type"]})
    years = (f"{int(fit['year_min'].min())}-{int(fit['year_max'].max())}"
             if {"year_min", "year_max"} <= set(fit.columns) else "the years with data")
    sentences = [
        f"Universe: every pair of states in the Correlates of War state system, "
        f"{typed.first_year}-{typed.last_year}, one row per non-directed dyad-year "
        f"(directed dyad-years for directed models); the models use {years}.",
        f"Politically relevant dyads are directly contiguous (COW contiguity types 1-{prd_max}) "
        f"or include a major power ({prd_doc.source}).",
        f"Outcome of the main model, {mid_sentence(term_label(main_outcome))}: {_definition(main_outcome)}; coded from "
        f"{EVENT_SOURCES.get(events.source, events.source)}, "
        "missing outside the source's coverage.",
        f"Democracy codings (a state is a democracy if): {_democracy_rules(build)}; a missing score "
        "leaves the dyad-year's coding missing.",
        f"When a dyad-year holds more than one dispute, one is kept by the whittle order "
        f"{order} (each rule breaks the previous one's ties).",
        f"Time dependence: a cubic in peace years, the years since the dyad's last "
        f"{'onset' if peace == 'onset' else 'active dispute year'} (Carter and Signorino 2010); "
        f"dyad-years with only a continuing MID are {'kept' if typed.ongoing == 'keep' else 'dropped'}.",
        "Estimators: " + "; ".join(ESTIMATOR_WORDS.get(e, e) for e in estimators) + ".",
        "Standard errors: " + "; ".join(covs) + ".",
    ]
    if typed.lag.regressors:
        sentences.append("Regressors enter lagged one year.")
    return sentences
