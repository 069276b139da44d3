"""The results layout: the one place that says where each stage's files live.

Every path of the workflow (rule inputs and outputs), the benchmark's stage runner and the
Python API's cache is built here, relative to a root directory::

    data/raw/<source>/<file>                 verified raw copies (acquire)
    results/ingest/<table>.parquet           canonical tables (ingest)
    results/audit/ingest/<table>.json        per-table ingest audits
    results/frames/<table>.parquet           universe, events and the analysis frames
    results/frames/parts/<frame>.json        one frame job's audit part
    results/roles/<kind>/<name>.parquet      user-declared role tables
    results/models/<table>.parquet           gathered model tables
    results/models/fits/<model>/<part>.parquet
    results/audit/<stage>.json               stage audits
    results/dyadstats.duckdb                 the reviewers' database
    results/frames/codebook.md               the frames' codebook (copied into reports/)

With ``root=None`` (the workflow) paths are relative POSIX strings, exactly as Snakemake
matches them; with a root they are absolute paths under it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

RAW_DIR = "data/raw"
RESULTS_DIR = "results"
INGEST_DIR = f"{RESULTS_DIR}/ingest"
FRAMES_DIR = f"{RESULTS_DIR}/frames"
ROLES_DIR = f"{RESULTS_DIR}/roles"
MODELS_DIR = f"{RESULTS_DIR}/models"
AUDIT_DIR = f"{RESULTS_DIR}/audit"
DATABASE = f"{RESULTS_DIR}/dyadstats.duckdb"
REPORTS_DIR = "reports"
# the codebook reaches reports/ with the report (reports/ changes only when a whole run completes)
CODEBOOK = f"{FRAMES_DIR}/codebook.md"

#: The universe stage's tables, in the order the stage writes them.
UNIVERSE_TABLES = ("state_years", "dyad_years", "directed_dyad_years")
#: The events stage's tables, each named once here (the stage, the plan and the frames' needs
#: read these); every dispute-dyad-year the whittle removed is in WHITTLE_LOG_TABLE.
MID_TABLE = "mid_dyad_years"
MID_DIRECTED_TABLE = "mid_directed_dyad_years"
TIES_TABLE = "ties_directed_dyad_years"
ICB_TABLE = "icb_directed_dyad_years"
WAR_TABLE = "war_directed_dyad_years"
WHITTLE_LOG_TABLE = "mid_whittle_log"
EVENT_TABLES = (MID_TABLE, MID_DIRECTED_TABLE, TIES_TABLE, ICB_TABLE, WAR_TABLE, WHITTLE_LOG_TABLE)
#: The analysis frames: name -> directed.
FRAME_TABLES = {"analysis_dyad_years": False, "analysis_directed_dyad_years": True}
#: Per-model outputs of the model job, gathered by the models stage.
MODEL_PARTS = ("estimates", "fit", "predictions")


def frame_name(directed: bool) -> str:
    """The analysis frame's table name."""
    return "analysis_directed_dyad_years" if directed else "analysis_dyad_years"


@dataclass(frozen=True)
class Layout:
    """Paths of the results layout under ``root`` (None: relative, the workflow's form).

    ``ingest_dir``: read the ingested tables from this directory instead of
    ``<root>/results/ingest`` (the benchmark's shared ingest, a synthetic world).
    """

    root: Path | None = None
    ingest_dir: Path | None = None

    def _at(self, rel: str) -> str:
        return rel if self.root is None else str(Path(self.root) / rel)

    def raw(self, source: str, file: str) -> str:
        return self._at(f"{RAW_DIR}/{source}/{file}")

    def ingest(self, table: str) -> str:
        if self.ingest_dir is not None:
            return str(Path(self.ingest_dir) / f"{table}.parquet")
        return self._at(f"{INGEST_DIR}/{table}.parquet")

    def ingest_audit(self, table: str) -> str:
        return self._at(f"{AUDIT_DIR}/ingest/{table}.json")

    def frame(self, table: str) -> str:
        """A universe, events or analysis table under ``results/frames``."""
        return self._at(f"{FRAMES_DIR}/{table}.parquet")

    def frame_part(self, table: str) -> str:
        return self._at(f"{FRAMES_DIR}/parts/{table}.json")

    def role(self, kind: str, name: str) -> str:
        return self._at(f"{ROLES_DIR}/{kind}/{name}.parquet")

    def role_audit(self, kind: str, name: str) -> str:
        return self._at(f"{AUDIT_DIR}/roles/{kind}/{name}.json")

    def models(self, part: str) -> str:
        """A gathered model table: ``estimates``, ``fit``, ``predictions``."""
        return self._at(f"{MODELS_DIR}/{part}.parquet")

    def model_part(self, model: str, part: str) -> str:
        return self._at(f"{MODELS_DIR}/fits/{model}/{part}.parquet")

    def audit(self, stage: str) -> str:
        return self._at(f"{AUDIT_DIR}/{stage}.json")

    def audit_table(self, name: str) -> str:
        return self._at(f"{AUDIT_DIR}/tables/{name}.parquet")

    def audit_dir(self) -> str:
        return self._at(AUDIT_DIR)

    def database(self) -> str:
        return self._at(DATABASE)

    def codebook(self) -> str:
        return self._at(CODEBOOK)

    def reports(self) -> str:
        return self._at(REPORTS_DIR)


#: The workflow's layout (paths relative to Snakemake's working directory).
WORKFLOW = Layout()


def find_repository(start: Path | None = None) -> Path | None:
    """The nearest directory at or above ``start`` (default: the working directory) holding the
    workflow (a ``Snakefile`` beside ``workflow/``), or None."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "Snakefile").is_file() and (candidate / "workflow").is_dir():
            return candidate
    return None
