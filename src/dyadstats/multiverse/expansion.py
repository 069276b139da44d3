"""Expansion of the choice space into specifications (with skip rules) and chunks."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dyadstats.models import (
    MEASURE_SCORE,
    ModelSpec,
    SampleSpec,
)
from dyadstats.multiverse.space import (
    DEFAULT_THRESHOLD,
    DIMENSIONS,
    REGIME_LINK_REFERENCE,
    ChoiceSpace,
    Era,
    MultiverseConfigError,
    Threshold,
)

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("dyadstats.multiverse")


# --------------------------------------------------------------------------------------------
# Expansion with skip rules
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Specification:
    """One estimated specification: its choices and the model it runs."""

    spec_id: int
    choices: Mapping[str, str]
    model: ModelSpec

    @property
    def slug(self) -> str:
        return "/".join(str(self.choices[d]) for d in DIMENSIONS)

    @property
    def design_key(self) -> str:
        """Specifications with equal keys share one sample and design matrix."""
        return "/".join(str(self.choices[d]) for d in DIMENSIONS if d not in ("estimator", "covariance"))

    def to_dict(self) -> dict[str, Any]:
        return {"spec_id": self.spec_id, "choices": dict(self.choices), "model": self.model.to_dict()}


@dataclass(frozen=True)
class Skipped:
    """A combination left out, and why."""

    choices: Mapping[str, str]
    rule: str
    reason: str


@dataclass
class Expansion:
    specifications: list[Specification]
    skipped: list[Skipped]

    def skipped_records(self) -> list[dict[str, str]]:
        """One dict per skipped combination: each dimension's level, the rule, the reason."""
        return [{**{d: str(s.choices[d]) for d in DIMENSIONS}, "rule": s.rule, "reason": s.reason}
                for s in self.skipped]

    def skipped_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.skipped_records(), columns=[*DIMENSIONS, "rule", "reason"])


def _effective_years(space: ChoiceSpace, era: Era, measure: str) -> tuple[int, int] | None:
    """The years a (measure, era) sample can hold: build range ∩ era ∩ measure coverage."""
    lo, hi = space.build_years
    if era.years:
        lo, hi = max(lo, era.years[0]), min(hi, era.years[1])
    m_lo, m_hi = space.measure_years.get(measure, (lo, hi))
    lo, hi = max(lo, m_lo), min(hi, m_hi)
    return (lo, hi) if lo <= hi else None


def skip_reason(space: ChoiceSpace, c: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(rule, reason)`` if a combination makes no sense, else ``None``. Rules in priority order."""
    m, thr, link = c["democracy"], c["threshold"], c["link"]
    score = MEASURE_SCORE[m]
    if link == "weak_link" and score is None:
        return ("weak_link_dichotomy",
                f"{m} is published as a dichotomy: its weakest link is joint democracy itself, "
                "so the specification duplicates the joint one")
    if thr.label != DEFAULT_THRESHOLD:
        if link == "weak_link":
            return ("threshold_weak_link",
                    "the weak link is the lower continuous score; a democracy threshold does not apply")
        if score is None:
            return ("threshold_dichotomy", f"{m} is published as a dichotomy; a threshold does not apply")
        if m not in thr.cuts:
            return ("threshold_undeclared", f"threshold {thr.label!r} declares no cut for {m}")
    era: Era = c["era"]
    years = _effective_years(space, era, m)
    if years is None:
        lo, hi = space.measure_years[m]
        return ("era_coverage", f"{m} has no scores in era {era.label!r} (coverage {lo}-{hi})")
    for earlier in space.eras:
        if earlier.label == era.label:
            break
        if _effective_years(space, earlier, m) == years:
            return ("era_duplicate",
                    f"{m} covers {years[0]}-{years[1]} within era {era.label!r}, the same sample as the "
                    f"earlier era {earlier.label!r}")
    if c["estimator"] == "firth" and c["sample"] not in space.firth_samples:
        return ("firth_sample",
                f"Firth is run on the {', '.join(space.firth_samples) or 'no'} sample(s) only "
                "(multiverse.firth_samples): its penalty is a small-sample bias correction of order "
                f"1/n, negligible on the {c['sample']} sample's hundreds of thousands of dyad-years, "
                "where it would only add the grid's slowest fits")
    return None


def model_spec(space: ChoiceSpace, spec_id: int, c: Mapping[str, Any]) -> ModelSpec:
    """The models-stage spec of one combination of choices."""
    # The weak link is the raw lower score; its coefficient is put per SD after the fit
    # (rescale_weak_link), which is exact and avoids a slow stateful patsy transform.
    link = c["link"]
    focal = "{weak_link}" if link == "weak_link" else "{joint_democracy}"
    term = "{regime_contrasts}" if link in REGIME_LINK_REFERENCE else focal
    regressors = " + ".join(p for p in (term, space.controls) if p)
    thr: Threshold = c["threshold"]
    era: Era = c["era"]
    return ModelSpec(
        name=f"mv_{spec_id:04d}",
        description="multiverse: " + "/".join(str(_label(c[d])) for d in DIMENSIONS),
        outcome=c["outcome"],
        regressors=regressors,
        sample=SampleSpec(politically_relevant=c["sample"] == "politically_relevant", years=era.years),
        democracy=c["democracy"],
        democracy_threshold=thr.cuts.get(c["democracy"]) if thr.label != DEFAULT_THRESHOLD else None,
        time_dependence=c["time"],
        spline_df=space.spline_df,
        estimator=c["estimator"],
        # Firth gets the same sandwich at the penalized estimate (dyadstats.models.covariance).
        covariance=c["covariance"],
        cluster_by=("dyad", "year") if c["covariance"] == "twoway" else "dyad",
        lag=bool(c["lag"]),
        focal=focal,
        regime_reference=REGIME_LINK_REFERENCE.get(link, "joint_autocracy"),
        predictions=False,
    )


def _label(value: Any) -> str:
    return value.label if isinstance(value, Era | Threshold) else str(value)


def expand(space: ChoiceSpace) -> Expansion:
    """All combinations in dimension order; the senseless ones are skipped with their reason."""
    specs: list[Specification] = []
    skipped: list[Skipped] = []
    axes = (space.outcomes, space.democracy, space.thresholds, space.links, space.lags,
            space.samples, space.eras, space.time, space.estimators, space.covariances)
    for combo in itertools.product(*axes):
        c = dict(zip(DIMENSIONS, combo, strict=True))
        labels = {d: _label(v) for d, v in c.items()}
        why = skip_reason(space, c)
        if why:
            skipped.append(Skipped(labels, *why))
            continue
        spec_id = len(specs) + 1
        specs.append(Specification(spec_id, labels, model_spec(space, spec_id, c)))
    log.info("multiverse: %d combinations, %d specifications, %d skipped",
             len(specs) + len(skipped), len(specs), len(skipped))
    return Expansion(specs, skipped)


def skip_summary(skipped: Sequence[Skipped]) -> dict[str, dict[str, Any]]:
    """Skip rule -> count and the distinct reasons (for the log and the audit)."""
    out: dict[str, dict[str, Any]] = {}
    for s in skipped:
        entry = out.setdefault(s.rule, {"count": 0, "reasons": []})
        entry["count"] += 1
        if s.reason not in entry["reasons"]:
            entry["reasons"].append(s.reason)
    return dict(sorted(out.items()))


# --------------------------------------------------------------------------------------------
# Chunks
# --------------------------------------------------------------------------------------------


def chunk_specifications(specs: Sequence[Specification], size: int) -> list[list[Specification]]:
    """Consecutive chunks of about ``size`` specifications; a shared design is never split.

    Specifications are in expansion order, where the estimator varies fastest, so each design
    group is a consecutive run; a chunk closes at the first group boundary at or after ``size``.
    """
    if size < 1:
        raise MultiverseConfigError(f"multiverse.chunk_size must be >= 1, got {size}")
    chunks: list[list[Specification]] = []
    current: list[Specification] = []
    for key, group in itertools.groupby(specs, key=lambda s: s.design_key):
        del key
        group_list = list(group)
        if current and len(current) + len(group_list) > size:
            chunks.append(current)
            current = []
        current.extend(group_list)
    if current:
        chunks.append(current)
    return chunks


def chunk_ids(n_chunks: int) -> list[str]:
    """Zero-padded chunk labels (``"000"``, ``"001"``, ...): file names sort in chunk order."""
    width = max(3, len(str(max(n_chunks - 1, 0))))
    return [f"{i:0{width}d}" for i in range(n_chunks)]
