"""A tiny provider-shaped mirror and its matching manifest, for workflow runs without ../shared.

In the spirit of Snakemake's ``.test/`` data: :func:`write_raw_world` writes hand-made files
in the providers' own layout and format under a mirror directory, and a copy of the
repository's manifest (``data/sources.yaml``) whose entries for those files declare the tiny
files' bytes, sha256 and row counts. Every other source stays declared (the workflow reads
their coverage when it is parsed) but has no file: a run that needs one fails in acquire,
saying so. Today the world holds the COW state system, enough for the universe, the roles
stage and user-declared sources.

The states (COW v2016 layout; the codings a test can expect follow from these spells):

- 2 (USA), 200 (UKG), 365 (RUS): members 1816-2016 (RUS from 1922);
- 345 (YUG): a member 1878-2006, so in 1989-1992 throughout;
- 260 (GFR): 1955-05-05 to 1990-10-02, the last state-year 1990 (not a member in 1991);
- 255 (GMY): from 1990-10-03 (the same-day rule gives it 1990 too).

So the 1989-1992 universe has 5 members in 1989 (2, 200, 260, 345, 365), 6 in 1990 (+255)
and 5 in 1991-1992 (260 gone). 255 and 260 never share a day, so under the same-day rule 1990
has 15 - 1 = 14 dyads: 10 + 14 + 10 + 10 = 44 non-directed dyad-years.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

STATES_HEADER = "stateabb,ccode,statenme,styear,stmonth,stday,endyear,endmonth,endday,version"
STATES_ROWS = [
    "USA,2,United States of America,1816,1,1,2016,12,31,2016",
    "UKG,200,United Kingdom,1816,1,1,2016,12,31,2016",
    "GMY,255,Germany,1990,10,3,2016,12,31,2016",
    "GFR,260,German Federal Republic,1955,5,5,1990,10,2,2016",
    "YUG,345,Yugoslavia,1878,1,1,2006,6,4,2016",
    "RUS,365,Russia,1922,1,1,2016,12,31,2016",
]
#: manifest table name -> the provider file's bytes
FILES: dict[str, bytes] = {
    "cow_states": ("\n".join([STATES_HEADER, *STATES_ROWS]) + "\n").encode(),
}
#: non-directed dyad-years of the world's universe per year, 1989-1992 (see the docstring)
DYAD_YEARS_1989_1992 = {1989: 10, 1990: 14, 1991: 10, 1992: 10}


def tiny_manifest(manifest: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
    """``manifest`` with each table in ``files`` re-declared for those bytes (size, sha256, rows)."""
    out = yaml.safe_load(yaml.safe_dump(manifest))  # a deep copy of plain data
    found = set()
    for source in out["sources"].values():
        for entry in source.get("files", []):
            table = entry.get("table", {}).get("name")
            if table in files:
                data = files[table]
                entry.update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest(),
                             rows=data.rstrip(b"\n").count(b"\n"))  # data rows: lines after the header
                found.add(table)
    missing = set(files) - found
    if missing:
        raise KeyError(f"tables not in the manifest: {', '.join(sorted(missing))}")
    return out


def write_raw_world(directory: str | Path, manifest_path: str | Path) -> tuple[Path, Path]:
    """Write the tiny mirror under ``directory/mirror`` (each file at its manifest
    ``mirror_path``) and the matching manifest as ``directory/sources.yaml``; return both."""
    root = Path(directory)
    manifest = yaml.safe_load(Path(manifest_path).read_text(encoding="utf-8"))
    tiny = tiny_manifest(manifest, FILES)
    mirror = root / "mirror"
    for source in tiny["sources"].values():
        for entry in source.get("files", []):
            table = entry.get("table", {}).get("name")
            if table in FILES:
                target = mirror / entry["mirror_path"]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(FILES[table])
    out = root / "sources.yaml"
    out.write_text(yaml.safe_dump(tiny, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return mirror, out
