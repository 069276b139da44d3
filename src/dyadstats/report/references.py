"""``references.bib``: one entry per dataset (from the manifest) plus the methods cited.

Dataset entries are generated from each source's provider, dataset, version, landing page and
full citation; the methods' entries are typed once in ``templates/methods.bib``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib import resources
from typing import Any

from dyadstats.ingest.manifest import SourceFile

YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def _bib_value(text: str) -> str:
    """Brace-protect a value; escape the characters BibTeX treats specially."""
    text = text.replace("\\", "/").replace("{", "(").replace("}", ")")
    return "{" + text.replace("&", r"\&").replace("%", r"\%").replace("_", r"\_") + "}"


def dataset_sources(manifest: Mapping[str, SourceFile]) -> dict[str, dict[str, Any]]:
    """Source-level metadata keyed by source id (several files share one source)."""
    out: dict[str, dict[str, Any]] = {}
    for item in manifest.values():
        # a user's extra_sources entry need not name a BibTeX key: the source id is the key
        out.setdefault(item.source_id, {"bibtex_key": item.source_id, **item.source})
    return dict(sorted(out.items()))


def dataset_entry(source_id: str, source: Mapping[str, Any]) -> str:
    citation = str(source.get("citation", ""))
    year = YEAR.search(citation)
    fields = {
        "author": "{" + str(source.get("provider", source_id)) + "}",
        "title": _bib_value(f"{source.get('dataset', source_id)}, version {source.get('version', '?')}"),
        "year": _bib_value(year.group(1)) if year else None,
        "howpublished": _bib_value(str(source["landing_url"])) if source.get("landing_url") else None,
        "note": _bib_value(citation) if citation else None,
    }
    key = source.get("bibtex_key") or source_id
    body = ",\n".join(f"  {k} = {v}" for k, v in fields.items() if v)
    return f"@misc{{{key},\n{body}\n}}\n"


def methods_bib() -> str:
    return resources.files("dyadstats.report").joinpath("templates/methods.bib").read_text(encoding="utf-8")


def references_bib(manifest: Mapping[str, SourceFile]) -> str:
    entries = [dataset_entry(sid, src) for sid, src in dataset_sources(manifest).items()]
    return (
        "% dyadstats references: datasets (generated from data/sources.yaml) and methods.\n\n"
        + "\n".join(entries)
        + "\n"
        + methods_bib()
    )


def bib_keys(bib: str) -> list[str]:
    return re.findall(r"^@\w+\{([^,]+),", bib, flags=re.MULTILINE)
