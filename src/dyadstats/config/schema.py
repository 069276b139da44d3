"""Generate the JSON schema Snakemake validates the config against, from the typed models.

``python -m dyadstats.config.schema --write`` rewrites workflow/schemas/config.schema.yaml;
``--check`` exits 1 when the committed file differs from what the models generate. The output is
deterministic (fields in declaration order, definitions sorted by name, fixed YAML layout).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema

from dyadstats.config.base import OPTIONAL_KEY
from dyadstats.config.root import RunConfig
from dyadstats.config.sources import Manifest

REPO = Path(__file__).resolve().parents[3]
CONFIG_SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
HEADER = (
    "# GENERATED from the typed config (src/dyadstats/config/) by\n"
    "#   python -m dyadstats.config.schema --write\n"
    "# Do not edit: change the models and regenerate (tests/unit/config/test_schema.py checks this file).\n"
)


class _Generator(GenerateJsonSchema):
    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def encode_default(self, dft: Any) -> Any:
        # A section whose default is "all its own defaults" shows {}: Snakemake fills the rest
        # from the section's own properties, and each default is then written once here too.
        if isinstance(dft, BaseModel) and dft == type(dft)():
            return {}
        return super().encode_default(dft)


def _clean(node: Any, in_mapping_of_schemas: bool = False) -> Any:
    """Drop pydantic's titles and the optional-key marker (keywords, never property names)."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if not in_mapping_of_schemas and key in ("title", OPTIONAL_KEY):
                continue
            if key == "description" and isinstance(value, str) and not in_mapping_of_schemas:
                out[key] = " ".join(value.split())
                continue
            out[key] = _clean(value, key in ("properties", "$defs", "patternProperties"))
        if isinstance(out.get("anyOf"), list) and {"type": "null"} in out["anyOf"]:
            # null first: Snakemake's validate() fills defaults while jsonschema tries the anyOf
            # branches in order, and would try to fill an object's defaults into a null
            out["anyOf"] = [{"type": "null"}, *(b for b in out["anyOf"] if b != {"type": "null"})]
        return out
    if isinstance(node, list):
        return [_clean(v) for v in node]
    return node


def config_schema() -> dict[str, Any]:
    """The run config's JSON schema (draft 2020-12) as a dict."""
    raw = RunConfig.model_json_schema(schema_generator=_Generator, mode="validation")
    body = _clean(raw)
    defs = body.pop("$defs", {})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **body,
        "$defs": dict(sorted(defs.items())),
    }


def manifest_schema() -> dict[str, Any]:
    """The source manifest's JSON schema (same source model as extra_sources)."""
    raw = Manifest.model_json_schema(schema_generator=_Generator, mode="validation")
    body = _clean(raw)
    defs = body.pop("$defs", {})
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **body, "$defs": dict(sorted(defs.items()))}


def render(schema: dict[str, Any]) -> str:
    return HEADER + yaml.safe_dump(schema, sort_keys=False, width=100, allow_unicode=True, default_flow_style=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dyadstats.config.schema", description=__doc__)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help=f"rewrite {CONFIG_SCHEMA.relative_to(REPO)}")
    group.add_argument("--check", action="store_true", help="exit 1 if the committed schema is stale")
    args = parser.parse_args(argv)
    text = render(config_schema())
    if args.write:
        CONFIG_SCHEMA.write_text(text, encoding="utf-8")
        print(f"written {CONFIG_SCHEMA}")
        return 0
    if args.check:
        if CONFIG_SCHEMA.read_text(encoding="utf-8") != text:
            print(f"{CONFIG_SCHEMA} is stale: run python -m dyadstats.config.schema --write", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
