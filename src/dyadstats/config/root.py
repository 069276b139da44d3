"""The whole run configuration (``config/config.yaml`` plus overlays) as one typed model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from dyadstats.config.base import ConfigModel
from dyadstats.config.bench import BenchConfig
from dyadstats.config.build import BuildConfig
from dyadstats.config.errors import validated
from dyadstats.config.models import ModelsConfig
from dyadstats.config.multiverse import MultiverseConfig
from dyadstats.config.report import ReportConfig
from dyadstats.config.roles import RolesConfig
from dyadstats.config.sources import SourceDeclaration


class RunConfig(ConfigModel):
    """dyadstats run configuration."""

    manifest: str = Field(description="path of the source manifest (YAML)")
    mirrors: list[str] = Field(description="directories searched for raw files before downloading")
    extra_sources: dict[str, SourceDeclaration] = Field(
        {}, description="user-declared sources, same shape as a manifest source")
    roles: RolesConfig = Field(RolesConfig(), description=RolesConfig.__doc__)
    build: BuildConfig = Field(BuildConfig(), description=BuildConfig.__doc__)
    models: ModelsConfig = Field(ModelsConfig(), description=ModelsConfig.__doc__)
    report: ReportConfig = Field(ReportConfig(), description=ReportConfig.__doc__)
    multiverse: MultiverseConfig = Field(MultiverseConfig(), description=MultiverseConfig.__doc__)
    bench: BenchConfig = Field(BenchConfig(), description=BenchConfig.__doc__)

    def plain(self) -> dict[str, Any]:
        """Every section as plain dicts with all defaults filled in. Model specs keep only the
        keys written (a filled-in default would override what the spec's base says)."""
        out = super().plain()
        out["models"]["specs"] = self.models.entries()
        return out


def load_config(config: Mapping[str, Any]) -> RunConfig:
    """The typed run config; renamed keys and invalid values raise ConfigError naming the key."""
    return validated(RunConfig, dict(config))


def resolved_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """What the workflow's rules read: the config with every default filled in."""
    return load_config(config).plain()
