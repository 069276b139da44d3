"""The report stage: tables, figures, the finding, provenance and the audit lineage.

Everything here reads what earlier stages wrote (``results/dyadstats.duckdb``, the stage audits,
the manifest); nothing refits a model. ``build_report`` in :mod:`dyadstats.report.render` is the
one entry point the workflow calls.
"""

from __future__ import annotations

from dyadstats.report.render import build_report

__all__ = ["build_report"]
