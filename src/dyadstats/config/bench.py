"""The ``bench`` section: options of ``dyadstats bench`` (docs/performance.md); never read by
the workflow's rules."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from dyadstats.config.base import ConfigModel, Number
from dyadstats.config.build import FrameSelection

PositiveFactor = Annotated[Number, Field(gt=0)]


def _standard_frame() -> FrameSelection:
    # the columns the standard case's one model reads: no lags, no directed frame
    return FrameSelection(directed=False, democracy=["polity"], controls=["contiguity", "nmc", "majors"],
                          outcomes=["mid_onset"], lags=False)


class ScaleOptions(ConfigModel):
    """The scale case: synthetic worlds at multiples of the real dyad-years."""

    fit_factors: list[PositiveFactor] = Field(
        [1.0, 10.0],
        description="multiples of the real dyad-years built and fitted (1 gives the growth baseline)")
    build_factors: list[PositiveFactor] = Field(
        [50.0], description="multiples of the real dyad-years built only (no model)")
    memory_limit: Annotated[str, StringConstraints(pattern=r"^[0-9.]+ ?[KMGT]i?B$")] = Field(
        "4GB", description=(
            "DuckDB memory_limit for the scale builds (DYADSTATS_DUCKDB_MEMORY_LIMIT); beyond it DuckDB spills to disk"))
    frame: FrameSelection | None = Field(None, description=(
        "build.frame of the scale builds (null = the standard case's; {} = the full frames)"))


class BenchConfig(ConfigModel):
    """Options of `dyadstats bench` (docs/performance.md); never read by the workflow's rules."""

    runs: int = Field(3, ge=1, le=50, description="times each step is measured (min / median / max are reported)")
    workdir: str = Field("results/bench", description=(
        "scratch directory for the ingested copy, synthetic worlds and outputs (relative to the repository root)"))
    cores: int = Field(2, ge=1, description="Snakemake --cores for the full, rerun and multiverse cases")
    seed: int = Field(20250101, description="seed of the synthetic worlds of the scale case")
    rerun_model: str | None = Field(None, description=(
        "model whose spec the rerun case changes (null = the first in models.specs)"))
    standard_frame: FrameSelection = Field(_standard_frame(), description=(
        "build.frame of the standard case (default: Polity, contiguity, NMC, majors, mid_onset, no "
        "lags, no directed frame: the columns its one model reads)"))
    scale: ScaleOptions = Field(ScaleOptions(), description=ScaleOptions.__doc__)
    multiverse_choices: dict[str, list[Any] | None] = Field(
        {"link": ["joint", "weak_link"], "covariance": None}, description=(
            "changes to multiverse.choices for the multiverse case's timed grid (a dimension set to "
            "null is dropped; {} times the config's own grid). Default: the 672-specification grid "
            "issue 15 set its target on, before issue 16 added the regime_vs_autocracy link and the "
            "covariance dimension; the config's own grid is timed once beside it"))
