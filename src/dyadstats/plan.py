"""The run plan: a config -> what every stage reads, with which parameters, and what it writes.

This is where the DAG's wiring is written once. The workflow (``workflow/rules/common.smk``
builds one :class:`RunPlan` at parse time; the rule files only reference it), the benchmark's
stage runner (:mod:`dyadstats.bench_stages`) and the Python API (:mod:`dyadstats.api`) all
take their stage inputs, parameters and table lists from here, so a new input or parameter of
a stage is added in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dyadstats.errors import ConfigError
from dyadstats.paths import (
    EVENT_TABLES,
    FRAME_TABLES,
    UNIVERSE_TABLES,
    WHITTLE_LOG_TABLE,
    WORKFLOW,
    Layout,
    frame_name,
)

if TYPE_CHECKING:
    from dyadstats.frame.needs import FrameNeeds
    from dyadstats.frame.options import FrameOptions
    from dyadstats.ingest.manifest import SourceFile
    from dyadstats.models.spec import ModelSpec
    from dyadstats.roles.parse import EventRole, Roles

#: Every ingest input the events stage can read (the plan declares those its tables need,
#: :meth:`dyadstats.frame.needs.FrameNeeds.event_sources`).
EVENT_SOURCES = ("mid5_participants", "mid5_disputes", "dyadic_mid402", "ties", "icb_actors", "cow_states",
                 "ps_cow_war_inter")
#: Snakemake priority of a model job by estimator: the mixed fits (gpboost, seconds each) and the
#: Firth fits first, the quick logits last (they fill the cores while the long fits run).
MODEL_PRIORITY = {"mixed": 2, "firth": 1}


def rooted_sources(extra: Mapping[str, Any] | None, root: str | Path) -> dict[str, Any]:
    """``extra_sources`` with each file's local ``path`` resolved against the repository root."""
    return {
        sid: {**src, "files": [{**f, "path": from_root(f["path"], root)} if "path" in f else f
                               for f in src.get("files", [])]}
        for sid, src in (extra or {}).items()
    }


def from_root(path: str | Path, root: str | Path) -> str:
    """Config paths are relative to the repository root, whatever directory a run uses."""
    return str(path) if Path(path).is_absolute() else str(Path(root) / path)


def event_source_table(source: str, role: EventRole | None) -> str:
    """The table whose declared coverage bounds the MID outcomes (outside it they are NULL)."""
    if role is not None:
        return role.table
    return "dyadic_mid402" if source == "dyadic_mid402" else "mid5_participants"


def frame_sources(build: Mapping[str, Any]) -> tuple[str, ...]:
    """The ingest tables the frame stage reads under this resolved ``build`` section (the
    :func:`dyadstats.frame.needs.frame_needs` of its options; event coverages do not matter)."""
    from dyadstats.frame.needs import frame_needs
    from dyadstats.frame.options import frame_options

    span = (0, 0)  # every event source given a coverage: the ingest tables do not depend on it
    return frame_needs(frame_options(build, span, span, icb_coverage=span, war_coverage=span)).frame_sources()


class RunPlan:
    """One config's stages: inputs, parameters and outputs under a :class:`Layout`."""

    def __init__(self, config: Mapping[str, Any], manifest: Mapping[str, SourceFile],
                 mirrors: list[Path], layout: Layout = WORKFLOW) -> None:
        from dyadstats.config import resolved_config

        # every default from the typed config (resolving a resolved config changes nothing)
        self.config = resolved_config(config)
        self.manifest = dict(manifest)
        self.mirrors = mirrors
        self.layout = layout

    @classmethod
    def from_config(cls, config: Mapping[str, Any], root: str | Path, layout: Layout = WORKFLOW) -> RunPlan:
        """Load the manifest (plus ``extra_sources``) and the mirrors named by ``config``.

        ``config`` is resolved first (:func:`dyadstats.config.resolved_config`): every default
        comes from the typed config, none is written here.
        """
        from dyadstats.config import resolved_config
        from dyadstats.ingest.acquire import mirror_dirs
        from dyadstats.ingest.manifest import load_manifest

        config = resolved_config(config)  # for the manifest and mirror keys' defaults
        manifest = load_manifest(from_root(config["manifest"], root),
                                 rooted_sources(config["extra_sources"], root))
        return cls(config, manifest, mirror_dirs(config["mirrors"], base=root), layout)

    # -- sections ------------------------------------------------------------------------------
    @property
    def build(self) -> dict[str, Any]:
        return dict(self.config["build"])

    @property
    def events_section(self) -> dict[str, Any]:
        return dict(self.build["events"])

    @cached_property
    def roles(self) -> Roles:
        from dyadstats.roles.parse import parse_roles

        return parse_roles(self.config["roles"], self.manifest)

    # -- acquire / ingest ----------------------------------------------------------------------
    @cached_property
    def raw_files(self) -> dict[str, SourceFile]:
        """Raw path (``data/raw/<source>/<file>``) -> its manifest entry."""
        return {item.raw_path: item for item in self.manifest.values()}

    def raw_path(self, table: str) -> str:
        item = self.manifest[table]
        return self.layout.raw(item.source_id, item.local_name)

    # -- universe ------------------------------------------------------------------------------
    @property
    def years(self) -> tuple[int, int]:
        return int(self.build["first_year"]), int(self.build["last_year"])

    @property
    def universe_tables(self) -> tuple[str, ...]:
        """The universe tables the run needs: the directed dyad-years only for a directed frame."""
        return tuple(t for t in UNIVERSE_TABLES if t != "directed_dyad_years" or self.frame_directed)

    def universe_outputs(self) -> dict[str, str]:
        return {t: self.layout.frame(t) for t in self.universe_tables}

    # -- events --------------------------------------------------------------------------------
    @cached_property
    def event_source(self) -> str:
        """``build.events.source``: a MID source or a ``roles.events`` name (checked)."""
        from dyadstats.events.pairing import MID_SOURCES

        source = str(self.events_section["source"])
        if self.event_role is None and source not in MID_SOURCES:
            declared = ", ".join(r.name for r in self.roles.events) or "none"
            raise ConfigError(
                f"build.events.source: '{source}' is neither one of {', '.join(MID_SOURCES)} nor a "
                f"roles.events name (declared: {declared})"
            )
        return source

    @cached_property
    def event_role(self) -> EventRole | None:
        """The ``roles.events`` source ``build.events.source`` names, if it names one."""
        source = self.events_section["source"]
        return {r.name: r for r in self.roles.events}.get(source)

    @property
    def whittle_order(self) -> list[str] | None:
        return self.events_section["whittle_order"]

    def events_inputs(self) -> dict[str, str]:
        from dyadstats.roles.parse import role_output

        inputs = {t: self.layout.ingest(t) for t in self.frame_needs.event_sources()}
        if self.event_role is not None:
            inputs["role_events"] = self._rooted(role_output(self.event_role))
        return inputs

    def events_outputs(self) -> dict[str, str]:
        """The event tables the frames read (:attr:`frame_needs`) and the whittle log."""
        # the whittle log no frame reads (every dispute-dyad-year with the rule that removed it, a
        # reviewer's table) is always built
        tables = (*self.frame_needs.event_tables, WHITTLE_LOG_TABLE)
        return {t: self.layout.frame(t) for t in EVENT_TABLES if t in tables}

    # -- frame ---------------------------------------------------------------------------------
    @property
    def frame_directed(self) -> bool:
        return bool(self.build["frame"]["directed"])

    @property
    def frame_tables(self) -> tuple[str, ...]:
        """The analysis frames ``rule all`` builds (the directed one unless build.frame says no)."""
        return tuple(t for t, directed in FRAME_TABLES.items() if self.frame_directed or not directed)

    def frame_roles(self) -> dict[str, str]:
        """``role_<kind>_<name>`` -> role table of the roles that join the frames."""
        from dyadstats.roles.parse import role_kind, role_output

        return {f"role_{role_kind(r)}_{r.name}": self._rooted(role_output(r))
                for r in (*self.roles.democracy, *self.roles.covariates)}

    def frame_inputs(self) -> dict[str, str]:
        """Every input of one frame job, keyed by its view name."""
        needs = self.frame_needs
        upstream = (*(t for t in self.universe_tables if t != "state_years"), *needs.event_tables)
        return {
            **{t: self.layout.frame(t) for t in upstream},
            **{t: self.layout.ingest(t) for t in needs.frame_sources()},
            **self.frame_roles(),
        }

    def coverage(self, table: str) -> list[int]:
        return list(self.manifest[table].source["coverage"])

    def frame_coverages(self) -> dict[str, list[int]]:
        """The declared event coverages the frames code outcomes within (NULL outside)."""
        return {"mid": self.coverage(event_source_table(self.event_source, self.event_role)),
                "ties": self.coverage("ties"), "icb": self.coverage("icb_actors"),
                "war": self.coverage("ps_cow_war_inter")}

    def frame_options(self) -> FrameOptions:
        from dyadstats.frame.options import frame_options

        cov = self.frame_coverages()
        return frame_options(self.build, cov["mid"], cov["ties"], self.roles, cov["icb"], war_coverage=cov["war"])

    @cached_property
    def frame_needs(self) -> FrameNeeds:
        """The event tables, democracy measures and control tables the frames read."""
        from dyadstats.frame.needs import frame_needs

        return frame_needs(self.frame_options())

    # -- models --------------------------------------------------------------------------------
    @cached_property
    def model_specs(self) -> dict[str, ModelSpec]:
        from dyadstats.models import parse_specs

        # roles.democracy names are measures too (their columns are in the frames)
        return parse_specs(self.config["models"], [r.name for r in self.roles.democracy])

    def model_frames(self) -> dict[str, str]:
        """A spec's ``frame`` (dyad | directed) -> its analysis frame."""
        return {"dyad": self.layout.frame(frame_name(False)), "directed": self.layout.frame(frame_name(True))}

    def model_frame(self, model: str) -> str:
        return self.model_frames()[self.model_specs[model].frame]

    def model_priority(self, model: str) -> int:
        """Scheduling priority of a model's job (:data:`MODEL_PRIORITY`): the slowest fits start
        first, so the stage does not end with one core waiting on one long fit."""
        return MODEL_PRIORITY.get(self.model_specs[model].estimator, 0)

    # -- multiverse ----------------------------------------------------------------------------
    @property
    def multiverse_section(self) -> dict[str, Any]:
        return dict(self.config["multiverse"])

    @property
    def multiverse_dir(self) -> str:
        return str(self.config["report"]["multiverse_dir"])

    # -- what the run registers and builds -----------------------------------------------------
    def db_tables(self) -> dict[str, str | list[str]]:
        """Every Parquet table registered in the database: name -> path (stage order), or the
        list of files one view reads (``model_sample``: one file per model)."""
        from dyadstats.roles.parse import role_kind, role_output

        tables = {name: self.layout.ingest(name) for name in self.manifest}
        tables |= {t: self.layout.frame(t) for t in self.universe_tables}
        tables |= {f"role_{role_kind(r)}_{r.name}": self._rooted(role_output(r)) for r in self.roles.all()}
        tables |= self.events_outputs()
        tables |= {t: self.layout.frame(t) for t in self.frame_tables}
        tables |= {f"model_{p}": self.layout.models(p) for p in ("estimates", "fit", "predictions")}
        if self.multiverse_section["enabled"]:
            tables["model_multiverse"] = f"{self.multiverse_dir}/model_multiverse.parquet"
            tables["multiverse_skipped"] = f"{self.multiverse_dir}/skipped.parquet"
        tables["audit_stages"] = self.layout.audit_table("audit_stages")
        tables["audit_drops"] = self.layout.audit_table("audit_drops")
        tables["model_sample"] = [self.layout.model_part(m, "sample") for m in self.model_specs]
        return tables

    def db_files(self) -> list[str]:
        """Every file :meth:`db_tables` registers, once each, sorted."""
        return sorted({f for v in self.db_tables().values() for f in ([v] if isinstance(v, str) else v)})

    def stage_targets(self) -> list[str]:
        """The final outputs of every stage before the report (the report's upstream)."""
        mv = self.multiverse_dir
        targets = [self.layout.database(), self.layout.audit("ingest"), self.layout.audit("universe")]
        if self.roles.all():
            targets.append(self.layout.audit("roles"))
        targets += [self.layout.audit("events"), self.layout.audit("frame"), self.layout.codebook()]
        targets += [*(self.layout.models(p) for p in ("estimates", "fit", "predictions")),
                    self.layout.audit("models")]
        if self.multiverse_section["enabled"]:
            targets += [f"{mv}/model_multiverse.parquet", f"{mv}/specification_curve.png",
                        f"{mv}/summary.json", self.layout.audit("multiverse")]
        return targets

    def audit_inputs(self) -> list[str]:
        """The stage audits the audit tables gather (every stage's but the report's)."""
        audits = self.layout.audit_dir() + "/"
        return sorted(t for t in dict.fromkeys(self.stage_targets())
                      if t.startswith(audits) and t.endswith(".json"))

    def final_targets(self) -> list[str]:
        """What ``rule all`` builds."""
        reports = self.layout.reports()
        return [*self.stage_targets(), f"{reports}/report.html", f"{reports}/report.md",
                *self.report_curve_files(), self.layout.audit("report")]

    def report_curve_files(self) -> list[str]:
        """The specification curve's PNG and SVG as the report copies them into its figures
        (:func:`dyadstats.report.render.curve_outputs`), when the run makes the curve."""
        if not self.multiverse_section["enabled"]:
            return []
        return [f"{self.layout.reports()}/figures/specification_curve.{ext}" for ext in ("png", "svg")]

    def _rooted(self, rel: str) -> str:
        """A path the package writes relative to the run directory, under this layout's root."""
        return rel if self.layout.root is None else str(Path(self.layout.root) / rel)
