"""Which models can be counted as agreeing with the main model, by a declared rule.

A tally such as "negative in 13 of 14 models" only means something when the models counted are
comparable with the main model and are not the same fit twice. The rule (also in the README):

1. **Same outcome** as the main model (a MID onset or a sanction threat is a different question).
2. **Same democracy coding**: the democracy term is a joint-democracy dummy against all other
   dyads, of any measure, threshold or lag. A weak-link score (per Polity point), a Polity
   product, one side's democracy in a directed model, or a joint-democracy dummy beside a
   mixed-dyad or joint-autocracy dummy (the three-category coding, whose coefficient is a
   contrast with one regime pair only) estimates a different quantity and is not counted.
3. **Independent fits**: models on the same frame, sample, democracy measure and formula that
   differ only in estimator (Firth, relogit, mixed effects) or covariance are one fit; only one
   of them counts: the logit, with the main model's covariance where there is a choice.

Every model with a democracy term gets a ``comparison`` label saying whether it counts and, if
not, why; the report lists the counted models by name.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

COUNTED = "counted"
#: A formula entering the three-category regime coding (a mixed or joint-autocracy dummy).
THREE_CATEGORY = re.compile(r"\b(mixed_dyad|joint_autocracy)_[a-z0-9_]+")
#: Columns of ``model_fit`` that identify one fit up to estimator and covariance.
FIT_IDENTITY = ("frame", "sample", "democracy", "formula")


def is_joint_democracy_dummy(term: str) -> bool:
    """True for the joint-democracy dummies the frame and threshold coding name."""
    return term.startswith("joint_democracy_")


def cov_family(cov_type: str) -> str:
    """'cluster (dyad)' -> 'cluster': the covariance kind without its options."""
    return str(cov_type).split(" ", 1)[0]


def comparison_labels(rows: pd.DataFrame, main: str) -> pd.Series:
    """Per model (index of ``rows``, which holds one row per model with a democracy term): 'counted'
    or the reason it is not comparable with ``main``.

    ``rows`` needs ``model``, ``outcome``, ``estimator``, ``cov_type``, ``focal_term`` and, when the
    models stage wrote them, the :data:`FIT_IDENTITY` columns (without them every model is its
    own fit).
    """
    rows = rows.set_index("model", drop=False)
    main_row = rows.loc[main]
    main_cov = cov_family(main_row["cov_type"])
    identity = [c for c in FIT_IDENTITY if c in rows.columns]
    labels = pd.Series("", index=rows.index, dtype=object)
    keys = rows[["outcome", *identity]].astype(str).agg("\x1f".join, axis=1) if identity else rows["model"]
    for key in dict.fromkeys(keys):
        group = rows[keys == key]
        chosen = _representative(group, main, main_cov)
        for name in group.index:
            if name != chosen:
                labels[name] = f"re-estimate of {chosen} (same data and formula)"
    for name, row in rows.iterrows():
        if labels[name]:
            continue
        if row["outcome"] != main_row["outcome"]:
            labels[name] = "different outcome"
        elif not is_joint_democracy_dummy(str(row["focal_term"])):
            labels[name] = "different democracy coding"
        elif THREE_CATEGORY.search(str(row.get("formula", ""))):
            labels[name] = "different democracy coding (three regime pairs)"
        else:
            labels[name] = COUNTED
    return labels


def _representative(group: pd.DataFrame, main: str, main_cov: str) -> str:
    """The one fit of a group of re-estimates that the tally counts."""
    if main in group.index:
        return main
    logit = group[group["estimator"] == "logit"]
    pool = logit if len(logit) else group
    same_cov = pool[[cov_family(c) == main_cov for c in pool["cov_type"]]]
    return str((same_cov if len(same_cov) else pool).index[0])


def tally(robust: pd.DataFrame) -> dict[str, object]:
    """Sign and 5%-significance counts over the counted models, with their names."""
    counted = robust[robust["comparison"] == COUNTED]
    neg = counted["sign"] == "negative"
    sig = counted["significant"].astype(bool)
    return {
        "models": int(len(counted)),
        "names": list(counted["model"]),
        "negative": int(neg.sum()),
        "negative_significant": int((neg & sig).sum()),
        "positive": int((counted["sign"] == "positive").sum()),
        "positive_significant": int(((counted["sign"] == "positive") & sig).sum()),
        "not_counted": int(len(robust) - len(counted)),
    }


def other_way(robust: pd.DataFrame) -> pd.DataFrame:
    """Models whose democracy term is positive (more coercion with more democracy), any outcome,
    re-estimates left out."""
    independent = ~robust["comparison"].str.startswith("re-estimate")
    return robust[(robust["sign"] == "positive") & independent].reset_index(drop=True)


def sign_of(estimates: pd.Series) -> np.ndarray:
    return np.where(estimates < 0, "negative", np.where(estimates > 0, "positive", "zero"))
