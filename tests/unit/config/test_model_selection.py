"""``models.only`` / ``models.disable`` from an overlay layered over the repository config."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dyadstats.cli.validate import merged_config
from dyadstats.config import load_config, resolved_config
from dyadstats.errors import ConfigError
from dyadstats.models import ModelSpecError, parse_specs
from dyadstats.testing.repo import repo_root

CONFIG = repo_root() / "config" / "config.yaml"


def _layered(tmp_path: Path, overlay: dict) -> dict:
    path = tmp_path / "overlay.yaml"
    path.write_text(yaml.safe_dump(overlay))
    return resolved_config(merged_config([CONFIG, path]))


def test_an_overlay_disables_default_specs_and_adds_its_own(tmp_path: Path) -> None:
    declared = list(yaml.safe_load(CONFIG.read_text())["models"]["specs"])
    config = _layered(tmp_path, {"models": {
        "disable": ["M1_prd", "M1_all"],
        "specs": {"mine": {"base": "M1_prd", "description": "my model"}}}})
    specs = parse_specs(config["models"])
    # the overlay's spec merged into the default ones; the two disabled ones are gone, and
    # M1_prd still serves as the base of the specs built on it
    assert list(specs) == [n for n in declared if n not in ("M1_prd", "M1_all")] + ["mine"]
    assert specs["mine"].regressors == specs["M4_vdem"].regressors
    assert config["models"]["only"] is None


def test_an_overlay_names_the_only_models(tmp_path: Path) -> None:
    config = _layered(tmp_path, {"models": {"only": ["M8_from_1990", "M9_ps"]}})
    assert list(parse_specs(config["models"])) == ["M8_from_1990", "M9_ps"]
    with pytest.raises(ModelSpecError, match=r"models\.only: unknown model\(s\) \['M8_1990_2014'\]; the declared models are \['M1_prd'"):
        parse_specs(_layered(tmp_path, {"models": {"only": ["M8_1990_2014"]}})["models"])


def test_selection_keys_are_typed() -> None:
    with pytest.raises(ConfigError, match="models.disable"):
        load_config({**yaml.safe_load(CONFIG.read_text()), "models": {"disable": "M1_prd"}})
    with pytest.raises(ConfigError, match="models.only"):
        load_config({**yaml.safe_load(CONFIG.read_text()), "models": {"only": []}})
