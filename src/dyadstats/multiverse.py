"""Multiverse: every defensible coding and modelling choice, estimated as a specification curve.

A *choice space* (config ``multiverse.choices``) lists the levels of each decision a reviewer
could reasonably make differently: the coercion coding, the democracy measure, its threshold,
joint democracy vs the weakest link or the three-category regime contrast, the sample, the era, the time-dependence control, the
estimator and the lag. :func:`expand` takes their Cartesian product in a fixed order and drops
the combinations that make no sense, each with its reason (:class:`Skipped`), e.g. a threshold
for BMR (a published dichotomy) or an era outside a measure's coverage. What remains are
:class:`Specification` objects, each carrying a :class:`~dyadstats.models.ModelSpec`.

Specifications are estimated with the models stage (:func:`dyadstats.models.prepare` and
:func:`dyadstats.models.fit_design`; no second estimator here), in chunks that Snakemake runs
as separate jobs (:func:`chunk_specifications`, :func:`run_chunk`). A chunk reads the analysis
frame once, projected to the columns its specifications need, and builds each design matrix
once: specifications that differ only in the estimator share it. :func:`gather` concatenates
the chunks into ``model_multiverse`` (one row per specification: choices, joint-democracy
estimate, SE, CI, p, N, events) and writes the summary counts and which choices move the
estimate most (:func:`summary_counts`, :func:`choice_effects`).

Reference: Simonsohn, Simmons & Nelson (2020), "Specification curve analysis", Nature Human
Behaviour 4.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dyadstats.config import validated, vocab
from dyadstats.config.build import BuildConfig
from dyadstats.config.multiverse import DEFAULT_THRESHOLD, MeasureYears, MultiverseConfig
from dyadstats.errors import ConfigError, DyadstatsError
from dyadstats.models import (
    COVARIANCES as MV_COVARIANCES,
)
from dyadstats.models import (
    MEASURE_SCORE,
    MEASURES,
    ModelSpec,
    SampleSpec,
    fit_design,
    frame_columns,
    prepare,
    resolve,
    spec_from_dict,
)

log = logging.getLogger("dyadstats.multiverse")

#: Choice dimensions in expansion order (outermost first). The estimator and the covariance are
#: innermost so that specifications sharing one design matrix are adjacent and land in the same
#: chunk.
DIMENSIONS = ("outcome", "democracy", "threshold", "link", "lag", "sample", "era", "time", "estimator",
              "covariance")
#: joint: the joint-democracy dummy against all other dyads; weak_link: the lower score (per SD);
#: regime_vs_*: the three-category regime pair, focal = joint democracy against that reference.
LINKS = vocab.LINKS
REGIME_LINK_REFERENCE = {"regime_vs_autocracy": "joint_autocracy", "regime_vs_mixed": "mixed"}
SAMPLES = vocab.SAMPLE_CHOICES
TIME_CONTROLS = vocab.TIME_CONTROLS
ESTIMATORS = vocab.MULTIVERSE_ESTIMATORS

#: Years each democracy measure has scores for (the releases in data/sources.yaml). An era that
#: misses a measure's coverage has no sample; two eras that coincide within it are duplicates.
MEASURE_YEARS: dict[str, tuple[int, int]] = {
    m: (span[0], span[1]) for m, span in MeasureYears().plain().items()  # dyadstats.config.multiverse
}

#: Columns of the spec-level table, in order.
TABLE_COLUMNS = [
    "spec_id", "model", "slug", "chunk", *DIMENSIONS, "focal_term", "focal_scale", "estimate",
    "std_error", "conf_low", "conf_high", "p_value", "odds_ratio", "n_obs", "n_events",
    "n_clusters", "year_min", "year_max", "converged", "separation", "status", "notes", "formula",
]


class MultiverseConfigError(ConfigError):
    """The ``multiverse:`` config section is inconsistent."""


# --------------------------------------------------------------------------------------------
# Choice space
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Era:
    """A named year window (``years=None``: the whole build range)."""

    label: str
    years: tuple[int, int] | None = None


@dataclass(frozen=True)
class Threshold:
    """A named democracy coding: ``default`` is the frame's own; others cut each measure's score."""

    label: str
    cuts: Mapping[str, float] = field(default_factory=dict)


_MV, _BUILD = MultiverseConfig(), BuildConfig()  # the defaults (dyadstats.config)


@dataclass(frozen=True)
class ChoiceSpace:
    """The declared levels of every dimension and the fixed parts of each model."""

    outcomes: tuple[str, ...]
    democracy: tuple[str, ...]
    thresholds: tuple[Threshold, ...]
    links: tuple[str, ...]
    lags: tuple[int, ...]
    samples: tuple[str, ...]
    eras: tuple[Era, ...]
    time: tuple[str, ...]
    estimators: tuple[str, ...]
    controls: str
    covariances: tuple[str, ...] = (_MV.covariance,)
    spline_df: int = _MV.spline_df
    firth_samples: tuple[str, ...] = tuple(_MV.firth_samples)
    build_years: tuple[int, int] = (_BUILD.first_year, _BUILD.last_year)
    measure_years: Mapping[str, tuple[int, int]] = field(default_factory=lambda: dict(MEASURE_YEARS))

    def levels(self) -> dict[str, list[str]]:
        """Every dimension's level labels, in declared order (the figure's indicator rows)."""
        return {
            "outcome": list(self.outcomes),
            "democracy": list(self.democracy),
            "threshold": [t.label for t in self.thresholds],
            "link": list(self.links),
            "lag": [str(x) for x in self.lags],
            "sample": list(self.samples),
            "era": [e.label for e in self.eras],
            "time": list(self.time),
            "estimator": list(self.estimators),
            "covariance": list(self.covariances),
        }


def _unique(name: str, values: Sequence[Any], allowed: Iterable[Any] | None = None) -> tuple[Any, ...]:
    values = list(values)
    if not values:
        raise MultiverseConfigError(f"multiverse.choices.{name}: at least one level is required")
    if len(set(map(str, values))) != len(values):
        raise MultiverseConfigError(f"multiverse.choices.{name}: levels repeat: {values}")
    if allowed is not None:
        allowed = list(allowed)
        bad = [v for v in values if v not in allowed]
        if bad:
            raise MultiverseConfigError(f"multiverse.choices.{name}: unknown level(s) {bad}; known: {allowed}")
    return tuple(values)


def choice_space(section: Mapping[str, Any], build: Mapping[str, Any] | None = None) -> ChoiceSpace:
    """Parse the ``multiverse:`` config section into a choice space (defaults and allowed levels:
    ``dyadstats.config.multiverse.MultiverseConfig``)."""
    mv = validated(MultiverseConfig, section, "multiverse", MultiverseConfigError)
    b = validated(BuildConfig, build, "build", MultiverseConfigError)
    choices = mv.choices
    thresholds = []
    for t in choices.threshold:
        cuts = {m: float(v) for m, v in sorted(t.plain().items()) if m != "label"}
        if t.label == DEFAULT_THRESHOLD and cuts:
            raise MultiverseConfigError("multiverse.choices.threshold: 'default' is the frame's coding; give it no cuts")
        thresholds.append(Threshold(t.label, cuts))
    _unique("threshold", [t.label for t in thresholds])
    eras = [Era(e.label, None if e.years is None else (e.years[0], e.years[1])) for e in choices.era]
    _unique("era", [e.label for e in eras])
    space = ChoiceSpace(
        outcomes=_unique("outcome", choices.outcome),
        democracy=_unique("democracy", choices.democracy, MEASURES),
        thresholds=tuple(thresholds),
        links=_unique("link", choices.link, LINKS),
        lags=_unique("lag", choices.lag, vocab.LAG_CHOICES),
        samples=_unique("sample", choices.sample, SAMPLES),
        eras=tuple(eras),
        time=_unique("time", choices.time, TIME_CONTROLS),
        estimators=_unique("estimator", choices.estimator, ESTIMATORS),
        controls=mv.controls.strip(),
        covariances=_unique("covariance", choices.covariance or [mv.covariance], MV_COVARIANCES),
        spline_df=mv.spline_df,
        firth_samples=tuple(mv.firth_samples),
        build_years=(b.first_year, b.last_year),
        measure_years={m: (span[0], span[1]) for m, span in mv.measure_years.plain().items()},
    )
    if "{" in space.controls:
        raise MultiverseConfigError(
            "multiverse.controls: name frame columns only; the democracy term is added per specification"
        )
    return space


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

    def skipped_frame(self) -> pd.DataFrame:
        rows = [{**{d: str(s.choices[d]) for d in DIMENSIONS}, "rule": s.rule, "reason": s.reason}
                for s in self.skipped]
        return pd.DataFrame(rows, columns=[*DIMENSIONS, "rule", "reason"])


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


# --------------------------------------------------------------------------------------------
# Estimation of one chunk
# --------------------------------------------------------------------------------------------

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ALWAYS = ("ccode1", "ccode2", "year", "dyad_id", "era", "politically_relevant")


def needed_columns(specs: Sequence[ModelSpec], available: Sequence[str]) -> list[str]:
    """Frame columns a set of specs reads (model columns, derived-coding inputs, keys)."""
    have = set(available)
    cols: set[str] = {c for c in _ALWAYS if c in have}
    for spec in specs:
        res = resolve(spec, available)
        cols.update(c for c in res.columns if c in have)
        for sql in (*res.derived.values(), res.where, res.cluster_expr):
            cols.update(t for t in _IDENT.findall(sql) if t in have)
    return sorted(cols)


def column_sd(frame: Any, column: str) -> float:
    """Sample standard deviation of a frame column over its non-missing values."""
    if isinstance(frame, pd.DataFrame):
        values = frame[column].to_numpy(dtype=float, na_value=np.nan)
    else:
        table = frame if isinstance(frame, pa.Table) else pq.read_table(frame, columns=[column])
        values = table.column(column).to_numpy(zero_copy_only=False).astype(float)
    values = values[np.isfinite(values)]
    if len(values) < 2:
        return math.nan
    return float(np.std(values, ddof=1))


def rescale_weak_link(focal: Mapping[str, float], sd: float) -> dict[str, float]:
    """The weak-link coefficient per SD of the lower score: beta * sd (SE and CI alike).

    Fitting on x / sd gives exactly these numbers (a linear reparametrisation); the z statistic
    and p value do not change.
    """
    out = dict(focal)
    for key in ("estimate", "std_error", "conf_low", "conf_high"):
        out[key] = focal[key] * sd
    out["odds_ratio"] = math.exp(out["estimate"]) if np.isfinite(out["estimate"]) else math.nan
    return out


def _focal_row(result: Any, focal: str | None) -> dict[str, Any]:
    est = result.estimates
    row = est[est["term"] == (focal or "")]
    if row.empty:
        return {k: math.nan for k in ("estimate", "std_error", "conf_low", "conf_high", "p_value", "odds_ratio")}
    r = row.iloc[0]
    return {k: float(r[k]) for k in ("estimate", "std_error", "conf_low", "conf_high", "p_value", "odds_ratio")}


def _status(fit: Mapping[str, Any], focal: Mapping[str, float]) -> str:
    if not fit["converged"]:
        return "not converged"
    if not np.isfinite(focal["estimate"]) or not np.isfinite(focal["std_error"]):
        return "no estimate"
    return "ok"


def _failed_row(spec: Specification, chunk: str, exc: Exception) -> dict[str, Any]:
    return {
        "spec_id": spec.spec_id, "model": spec.model.name, "slug": spec.slug, "chunk": chunk,
        **spec.choices, "status": "failed", "notes": f"{type(exc).__name__}: {exc}",
        "converged": False, "separation": "", "focal_term": None, "formula": None,
    }


def estimate_specifications(frame: Any, specs: Sequence[Specification], chunk: str = "") -> pd.DataFrame:
    """Fit each specification on ``frame`` (path, Arrow table or pandas); one row per spec.

    A design is prepared once per group of specifications that differ only in the estimator.
    Weak-link estimates are reported per SD of the lower score over all dyad-years of the frame
    (:func:`rescale_weak_link`), so they sit on a comparable scale across measures.
    A specification that cannot be estimated (no complete rows, singular design) becomes a row
    with ``status = 'failed'`` and the error in ``notes``, so one bad cell never stops the grid.
    """
    rows: list[dict[str, Any]] = []
    sds: dict[str, float] = {}
    for key, group in itertools.groupby(specs, key=lambda s: s.design_key):
        group_list = list(group)
        try:
            design = prepare(frame, group_list[0].model)
        except (DyadstatsError, ValueError, np.linalg.LinAlgError) as exc:
            log.warning("multiverse %s: design failed: %s", key, exc)
            rows.extend(_failed_row(s, chunk, exc) for s in group_list)
            continue
        for spec in group_list:
            try:
                result = fit_design(design, spec.model)
            except (DyadstatsError, ValueError, np.linalg.LinAlgError) as exc:
                log.warning("multiverse %s: fit failed: %s", spec.slug, exc)
                rows.append(_failed_row(spec, chunk, exc))
                continue
            fit = result.fit
            focal = _focal_row(result, fit["focal_term"])
            scale = {
                "regime_vs_autocracy": "joint democracy vs joint autocracy (0/1; mixed dyads entered)",
                "regime_vs_mixed": "joint democracy vs mixed dyads (0/1; joint autocracies entered)",
            }.get(spec.choices["link"], "joint democracy (0/1)")
            if spec.choices["link"] == "weak_link":
                column = fit["focal_term"]
                if column not in sds:
                    sds[column] = column_sd(frame, column)
                focal = rescale_weak_link(focal, sds[column])
                scale = f"weak link: per SD ({sds[column]:.4g}) of {column} over all dyad-years"
            rows.append({
                "spec_id": spec.spec_id, "model": spec.model.name, "slug": spec.slug, "chunk": chunk,
                **spec.choices,
                "focal_term": fit["focal_term"],
                "focal_scale": scale,
                **focal,
                "n_obs": fit["n_obs"], "n_events": fit["n_events"], "n_clusters": fit["n_clusters"],
                "year_min": fit["year_min"], "year_max": fit["year_max"],
                "converged": fit["converged"], "separation": fit["separation"],
                "status": _status(fit, focal), "notes": fit["notes"], "formula": fit["formula"],
            })
    return spec_table(rows)


_INT_COLUMNS = ("spec_id", "n_obs", "n_events", "n_clusters", "year_min", "year_max")
_FLOAT_COLUMNS = ("estimate", "std_error", "conf_low", "conf_high", "p_value", "odds_ratio")


def spec_table(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows as a typed frame in :data:`TABLE_COLUMNS` order, sorted by ``spec_id``."""
    df = pd.DataFrame(list(rows), columns=TABLE_COLUMNS)
    for c in _INT_COLUMNS:
        df[c] = df[c].astype("Int64")
    for c in _FLOAT_COLUMNS:
        df[c] = df[c].astype("float64")
    df["converged"] = df["converged"].astype("bool")
    for c in (c for c in TABLE_COLUMNS if c not in _INT_COLUMNS + _FLOAT_COLUMNS + ("converged",)):
        df[c] = df[c].astype("string")
    return df.sort_values("spec_id", kind="stable").reset_index(drop=True)


def run_chunk(
    frame_path: str, spec_dicts: Sequence[Mapping[str, Any]], chunk: str, out_path: str, threads: int = 1
) -> pd.DataFrame:
    """Snakemake entry point: read the frame once (needed columns only), fit, write Parquet.

    BLAS is held to the job's declared ``threads``: two chunk jobs on two cores must not each
    start a thread per core (oversubscription makes the grid slower, not faster).
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=max(1, int(threads))):
        return _run_chunk(frame_path, spec_dicts, chunk, out_path)


def _run_chunk(frame_path: str, spec_dicts: Sequence[Mapping[str, Any]], chunk: str, out_path: str) -> pd.DataFrame:
    from dyadstats.io.files import write_parquet

    specs = [
        Specification(int(d["spec_id"]), dict(d["choices"]), spec_from_dict(d["model"])) for d in spec_dicts
    ]
    available = frame_columns(frame_path)
    columns = needed_columns([s.model for s in specs], available)
    table = pq.read_table(frame_path, columns=columns)
    log.info("multiverse chunk %s: %d specifications, %d rows x %d columns read once",
             chunk, len(specs), table.num_rows, len(columns))
    df = estimate_specifications(table, specs, chunk)
    write_parquet(pa.Table.from_pandas(df, preserve_index=False), out_path)
    bad = df[df["status"] != "ok"]
    log.info("multiverse chunk %s: %d ok, %d not ok", chunk, len(df) - len(bad), len(bad))
    return df


# --------------------------------------------------------------------------------------------
# Gather and summarise
# --------------------------------------------------------------------------------------------


def summary_counts(df: pd.DataFrame, alpha: float = 0.05) -> dict[str, Any]:
    """Counts over the specifications that were estimated (``status == 'ok'``)."""
    ok = df[df["status"] == "ok"]
    est, p = ok["estimate"].to_numpy(float), ok["p_value"].to_numpy(float)
    n = len(ok)

    def share(mask: np.ndarray) -> float | None:
        return round(float(mask.mean()), 4) if n else None

    return {
        "specifications": int(len(df)),
        "estimated": int(n),
        "not estimated": int(len(df) - n),
        "share negative": share(est < 0),
        "share significant": share(p < alpha),
        "share negative and significant": share((est < 0) & (p < alpha)),
        "share positive and significant": share((est > 0) & (p < alpha)),
        "median estimate": round(float(np.median(est)), 4) if n else None,
        # Firth fits carry model-based SEs only (firthmodels), which ignore the dependence of a
        # dyad's years: their p values are smaller than clustered ones. Report logit alone too.
        "share significant, logit only": (
            round(float((ok.loc[ok["estimator"] == "logit", "p_value"].to_numpy(float) < alpha).mean()), 4)
            if (ok["estimator"] == "logit").any() else None
        ),
        "alpha": alpha,
    }


def choice_effects(df: pd.DataFrame, alpha: float = 0.05) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Which choices move the estimate: per level and per dimension.

    ``levels``: for each dimension and level, the number of specifications, the median estimate,
    share negative and share significant. ``dimensions``: the range of the level medians (how
    far the median moves when only this choice changes its level, over all other choices) and
    eta squared, the share of the estimates' variance between the dimension's levels (one-way
    ANOVA decomposition). Dimensions with one level are left out.
    """
    ok = df[df["status"] == "ok"]
    level_rows, dim_rows = [], []
    total_ss = float(((ok["estimate"] - ok["estimate"].mean()) ** 2).sum())
    for dim in DIMENSIONS:
        groups = ok.groupby(dim, sort=False, observed=True)["estimate"]
        if groups.ngroups < 2:
            continue
        medians = []
        between = 0.0
        for level, est in groups:
            e = est.to_numpy(float)
            p = ok.loc[est.index, "p_value"].to_numpy(float)
            medians.append(float(np.median(e)))
            between += len(e) * (float(e.mean()) - float(ok["estimate"].mean())) ** 2
            level_rows.append({
                "dimension": dim, "level": str(level), "n": len(e), "median_estimate": float(np.median(e)),
                "share_negative": float((e < 0).mean()), "share_significant": float((p < alpha).mean()),
            })
        dim_rows.append({
            "dimension": dim, "levels": int(groups.ngroups),
            "median_range": max(medians) - min(medians),
            "eta_squared": between / total_ss if total_ss > 0 else math.nan,
        })
    levels = pd.DataFrame(level_rows, columns=["dimension", "level", "n", "median_estimate",
                                               "share_negative", "share_significant"])
    dims = pd.DataFrame(dim_rows, columns=["dimension", "levels", "median_range", "eta_squared"])
    dims = dims.sort_values(["eta_squared", "dimension"], ascending=[False, True], kind="stable")
    return levels, dims.reset_index(drop=True)


def report_summary(counts: Mapping[str, Any], dims: pd.DataFrame, skipped: int) -> dict[str, Any]:
    """The flat label -> value mapping the report shows beside the figure."""
    out: dict[str, Any] = {
        "specifications estimated": f"{counts['estimated']} of {counts['specifications']}",
        "combinations skipped (reasons in results/audit/multiverse.json)": skipped,
        "share with a negative joint-democracy estimate": counts["share negative"],
        f"share significant at {counts['alpha']:g}": counts["share significant"],
        f"share negative and significant at {counts['alpha']:g}": counts["share negative and significant"],
        f"share significant at {counts['alpha']:g}, logit (dyad-clustered SEs) only":
            counts["share significant, logit only"],
        "median estimate (log odds)": counts["median estimate"],
    }
    if not dims.empty:
        top = dims.head(3)
        out["choices that move the estimate most (eta squared; range of level medians)"] = "; ".join(
            f"{r.dimension} ({r.eta_squared:.2f}; {r.median_range:.2f})" for r in top.itertuples()
        )
    return out


def gather(
    chunk_paths: Sequence[str],
    skipped: pd.DataFrame,
    *,
    table_path: str,
    skipped_path: str,
    levels_path: str,
    dimensions_path: str,
    summary_path: str,
    audit_path: str,
    alpha: float = 0.05,
    skip_log: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Concatenate chunk tables into ``model_multiverse`` and write summaries and the audit."""
    from dyadstats.audit import profile_frame, table_record, write_stage_audit
    from dyadstats.io.files import write_json, write_parquet

    df = spec_table(pd.concat([pd.read_parquet(p) for p in chunk_paths], ignore_index=True).to_dict("records"))
    if df["spec_id"].duplicated().any():
        raise DyadstatsError("multiverse gather: a specification appears in two chunks")
    counts = summary_counts(df, alpha)
    levels, dims = choice_effects(df, alpha)
    write_parquet(pa.Table.from_pandas(df, preserve_index=False), table_path)
    write_parquet(pa.Table.from_pandas(skipped.reset_index(drop=True), preserve_index=False), skipped_path)
    write_parquet(pa.Table.from_pandas(levels, preserve_index=False), levels_path)
    write_parquet(pa.Table.from_pandas(dims, preserve_index=False), dimensions_path)
    write_json(report_summary(counts, dims, len(skipped)), summary_path)
    not_ok = df[df["status"] != "ok"]
    notes = [f"{k}: {v}" for k, v in counts.items()]
    notes += [f"skipped by rule {rule}: {v['count']} ({'; '.join(v['reasons'])})"
              for rule, v in (skip_log or {}).items()]
    notes += [f"{r.slug}: {r.status} ({r.notes})" for r in not_ok.itertuples()]
    notes += [f"moves the estimate: {r.dimension} eta^2={r.eta_squared:.3f}, range of level medians "
              f"{r.median_range:.3f}" for r in dims.itertuples()]
    records = [
        table_record("model_multiverse", profile_frame(df, ["spec_id"]), rows_in=len(df) + len(skipped),
                     dropped={"skipped combinations": len(skipped)}, inputs=list(chunk_paths), notes=notes),
        table_record("multiverse_skipped", profile_frame(skipped), notes=[]),
    ]
    write_stage_audit("multiverse", records, audit_path)
    log.info("multiverse: %s", json.dumps(counts, sort_keys=True))
    return df
