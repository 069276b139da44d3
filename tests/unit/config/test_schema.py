"""The JSON schema Snakemake validates is generated from the typed config, and both agree."""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

import pytest
import yaml
from snakemake.utils import update_config, validate

from dyadstats.config import RENAMED_KEYS, check_renamed_keys, load_config, resolved_config
from dyadstats.config.schema import CONFIG_SCHEMA, config_schema, render
from dyadstats.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]
BASE = REPO / "config" / "config.yaml"
OVERLAYS = sorted([REPO / "config" / "multiverse.yaml", *(REPO / "config" / "examples").glob("*.yaml")])


def _yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _layered(*paths: Path) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for path in paths:
        update_config(config, _yaml(path))
    return config


def _snakemake_filled(config: dict[str, Any]) -> dict[str, Any]:
    filled = copy.deepcopy(config)
    validate(filled, str(CONFIG_SCHEMA))
    return filled


def _assert_kept(given: Any, resolved: Any, path: str = "config") -> None:
    """Every value written in ``given`` is in ``resolved`` exactly as written (type included)."""
    if isinstance(given, dict):
        assert isinstance(resolved, dict), path
        for key, value in given.items():
            assert key in resolved, f"{path}.{key}"
            _assert_kept(value, resolved[key], f"{path}.{key}")
    else:
        assert resolved == given and type(resolved) is type(given), f"{path}: {given!r} -> {resolved!r}"


def test_committed_schema_is_the_generated_one() -> None:
    committed = CONFIG_SCHEMA.read_text(encoding="utf-8")
    assert committed == render(config_schema()), (
        "workflow/schemas/config.schema.yaml is stale: run python -m dyadstats.config.schema --write")
    assert render(config_schema()) == render(config_schema())  # deterministic


@pytest.mark.parametrize("overlay", [None, *OVERLAYS], ids=lambda p: "config.yaml" if p is None else p.name)
def test_every_repository_config_validates(overlay: Path | None) -> None:
    config = _layered(BASE, *([overlay] if overlay else []))
    filled = _snakemake_filled(config)
    resolved = resolved_config(config)
    # Snakemake's defaults and the models' agree, and the resolved dicts are valid themselves
    assert resolved_config(filled) == resolved
    assert _snakemake_filled(resolved) == resolved
    # defaults are added, nothing written is changed (6 stays 6: a table's `max: 10` reaches
    # pandera as 10, a spec's `democracy_threshold: 7` reaches its params as 7)
    _assert_kept(config, resolved)


def test_snakemake_fills_the_same_defaults_as_the_models() -> None:
    """A minimal config: every default the rules read comes out the same both ways."""
    minimal = {"manifest": "data/sources.yaml", "mirrors": []}
    filled, resolved = _snakemake_filled(minimal), resolved_config(minimal)
    for section in ("build", "report", "multiverse", "bench", "roles", "extra_sources"):
        assert filled[section] == resolved[section], section
    assert filled["models"]["defaults"] == resolved["models"]["defaults"]
    # nested defaults the rules rely on, by hand
    assert filled["build"]["democracy"]["uds"] == {"threshold": 0, "rule": ">"}
    assert filled["build"]["democracy"]["polity"] == {"threshold": 6, "rule": ">="}
    assert filled["build"]["frame"]["directed"] is True and len(filled["build"]["frame"]["outcomes"]) == 14
    assert filled["multiverse"]["resources"] == {"mem_mb": 3000, "runtime": 60}
    assert filled["multiverse"]["measure_years"]["uds"] == [1946, 2012]
    assert filled["bench"]["scale"]["frame"] is None and filled["bench"]["standard_frame"]["lags"] is False


def test_model_specs_get_no_defaults_so_bases_are_inherited() -> None:
    """A default filled into a spec would override its base: the schema gives specs none."""
    entry = config_schema()["$defs"]["ModelSpecEntry"]["properties"]
    assert [k for k, v in entry.items() if "default" in v] == []
    config = {"manifest": "m", "mirrors": [], "models": {"specs": {
        "A": {"outcome": "y", "regressors": "x", "estimator": "firth", "covariance": "nonrobust"},
        "B": {"base": "A", "sample": {"years": [1950, 1960]}}}}}
    from dyadstats.models import parse_specs

    specs = parse_specs(resolved_config(_snakemake_filled(config))["models"])
    assert specs["B"].estimator == "firth" and specs["B"].covariance == "nonrobust"
    assert specs["B"].sample.years == (1950, 1960) and specs["B"].outcome == "y"


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda c: c["build"].update(frist_year=1990), "build: unknown key 'frist_year'"),
        (lambda c: c["build"]["frame"].update(columns=[]), "build.frame: unknown key 'columns'"),
        (lambda c: c["report"].update(titel="x"), "report: unknown key 'titel'"),
        (lambda c: c["multiverse"]["choices"].update(estimators=["logit"]),
         "multiverse.choices: unknown key 'estimators'"),
        (lambda c: c["models"]["specs"]["M1_prd"].update(colour=1), "models.specs.M1_prd: unknown key 'colour'"),
    ],
)
def test_unknown_key_is_refused_with_its_path(change: Any, path: str) -> None:
    config = _yaml(BASE)
    config["build"].setdefault("frame", {})
    change(config)
    with pytest.raises(ConfigError) as err:
        load_config(config)
    assert path in str(err.value)
    with pytest.raises(Exception, match="Additional properties are not allowed"):
        _snakemake_filled(config)


def test_bad_values_name_the_key_and_the_allowed_values() -> None:
    config = _yaml(BASE)
    config["build"]["democracy"]["polity"]["threshold"] = 11
    config["multiverse"]["choices"]["link"] = ["joint", "strongest"]
    with pytest.raises(ConfigError) as err:
        load_config(config)
    msg = str(err.value)
    assert "build.democracy.polity.threshold: Input should be less than or equal to 10 (got 11)" in msg
    assert ("multiverse.choices.link.1: 'strongest' is not one of "
            "['joint', 'weak_link', 'regime_vs_autocracy', 'regime_vs_mixed']") in msg


def test_old_rule_spelling_is_read_with_a_rename_message(caplog: pytest.LogCaptureFixture) -> None:
    config = _yaml(BASE)
    config["build"]["democracy"]["polity"]["rule"] = "ge"
    config["build"]["democracy"]["uds"]["rule"] = "gt"
    with caplog.at_level(logging.WARNING, logger="dyadstats.config"):
        resolved = resolved_config(config)
    assert resolved["build"]["democracy"]["polity"]["rule"] == ">="
    assert resolved["build"]["democracy"]["uds"]["rule"] == ">"
    assert "build.democracy.polity: rule 'ge' is the old spelling; write rule: \">=\"" in caplog.text
    assert "build.democracy.uds: rule 'gt' is the old spelling; write rule: \">\"" in caplog.text
    # the two sections now share one vocabulary: roles accept the operator spelling (and the old one)
    role = {"table": "t", "score": "s", "threshold": 1, "rule": "ge"}
    assert load_config({"manifest": "m", "mirrors": [], "roles": {"democracy": {"d": role}}}).roles.democracy["d"].rule == ">="


def test_removed_key_fails_naming_its_path_and_what_to_write() -> None:
    assert "models.defaults.base" in RENAMED_KEYS
    config = _yaml(BASE)
    config["models"]["defaults"]["base"] = "M1_prd"
    for check in (check_renamed_keys, load_config):
        with pytest.raises(ConfigError) as err:
            check(config)
        assert "models.defaults.base was removed" in str(err.value)
        assert "set `base:` on each spec" in str(err.value)
