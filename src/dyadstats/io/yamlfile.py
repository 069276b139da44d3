"""Reading YAML documents (config, overlays, the source manifest) with libyaml's C parser.

PyYAML's pure-Python parser takes about 0.2 s for ``data/sources.yaml``, a tenth of the whole
standard job's budget; the C parser reads the same documents into the same Python values
(same safe constructors and resolvers) about ten times faster. The pure-Python loader is the
fallback where PyYAML was built without libyaml.
"""

from __future__ import annotations

from typing import IO, Any

import yaml

_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(document: str | bytes | IO[str] | IO[bytes]) -> Any:
    """Parse one YAML document (text or an open file) with safe constructors only."""
    return yaml.load(document, Loader=_LOADER)  # noqa: S506 - a safe loader, C or Python
