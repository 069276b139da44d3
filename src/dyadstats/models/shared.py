"""Designs and point estimates shared by the model jobs of one process.

The workflow runs its jobs as threads of one Snakemake process (``--force-use-threads``), one
job per model spec. Specs that differ only in their estimator or covariance (M1_prd and its
dyadic, two-way, relogit, Firth and mixed twins; each replication block's logit, Firth and
dyadic-robust fits) read the same sample rows and build the same design matrix, and the logit
specs among them share one maximum-likelihood estimate. :class:`SharedDesigns` prepares each
such design once per process and fits each point estimate once; every other spec of the group
takes them as they are. Nothing about a result changes: the twin gets the very arrays
:func:`~dyadstats.models.design.prepare` would have built again (the same SQL on the same file),
under its own :class:`~dyadstats.models.resolve.Resolved` (its name, focal term, notes), and the
same point estimate :func:`~dyadstats.models.estimate.fit_estimator` would have returned.

A design is shared only when the frame file is the same (path, size, modification time) and
the resolved sample and formula are equal (:func:`design_key`); in-memory frames (the Python
API) are never cached. The designs are held up to :data:`MAX_SHARED_BYTES` (least recently used
dropped first), so a process that fits many samples stays bounded.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from dyadstats.models.design import Design, frame_columns, frame_peace_rule, prepare
from dyadstats.models.estimate import Params, fit_estimator
from dyadstats.models.resolve import Resolved, resolve
from dyadstats.models.spec import ModelSpec

log = logging.getLogger("dyadstats.models")

#: Largest total size of the designs one process keeps (bytes of their arrays and frames). The
#: default model set's 22 distinct designs take about 0.9 GB.
MAX_SHARED_BYTES = 2 * 1024**3

#: Estimators whose point estimate does not depend on the covariance (and is shared): relogit
#: corrects the logit MLE afterwards, so it shares the logit's.
_POINT_FAMILY = {"logit": "logit", "relogit": "logit", "firth": "firth"}

PointEstimate = tuple[Params, dict[str, Any]]


def frame_identity(source: Any) -> tuple[str, int, int] | None:
    """A frame file's identity (resolved path, size, mtime in ns); None for in-memory frames."""
    if not isinstance(source, str | Path):
        return None
    path = Path(source).resolve()
    stat = path.stat()
    return str(path), stat.st_size, stat.st_mtime_ns


def design_key(resolved: Resolved) -> str:
    """What a design is built from: the sample's SQL and parameters, the columns, the formula.

    Two specs with equal keys on the same frame file get equal designs (``prepare`` reads
    nothing else of the spec).
    """
    spells = dataclasses.asdict(resolved.spells) if resolved.spells else None
    return json.dumps({
        "outcome": resolved.outcome, "formula": resolved.formula, "regime_pair": resolved.regime_pair,
        "columns": list(resolved.columns), "derived": resolved.derived, "where": resolved.where,
        "cluster": resolved.cluster_expr, "params": resolved.params, "spells": spells,
    }, sort_keys=True, default=str)


def design_bytes(design: Design) -> int:
    """Memory held by a design's rows, matrix and vectors (shallow: numeric columns)."""
    return design.nbytes()


@dataclasses.dataclass
class _Entry:
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    design: Design | None = None
    owner: str = ""
    size: int = 0
    points: dict[tuple[str, int], PointEstimate] = dataclasses.field(default_factory=dict)


class SharedDesigns:
    """Prepared designs and point estimates, shared by the specs of one process (thread-safe)."""

    def __init__(self, max_bytes: int = MAX_SHARED_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[Any, str], _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def _entry(self, key: tuple[Any, str]) -> _Entry:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry()
            self._entries.move_to_end(key)
            return entry

    def _evict(self) -> None:
        with self._lock:
            total = sum(e.size for e in self._entries.values())
            for key in list(self._entries):
                if total <= self.max_bytes or len(self._entries) <= 1:
                    break
                entry = self._entries[key]
                if entry.design is None:  # still being built by another thread
                    continue
                total -= entry.size
                del self._entries[key]

    def design(self, source: Any, spec: ModelSpec) -> Design:
        """``prepare(source, spec)``, built once per frame file and design key."""
        identity = frame_identity(source)
        if identity is None:
            return prepare(source, spec)
        resolved = resolve(spec, frame_columns(source), frame_peace_rule(source))
        entry = self._entry((identity, design_key(resolved)))
        with entry.lock:
            if entry.design is None:
                entry.design = prepare(source, resolved)
                entry.owner, entry.size = spec.name, design_bytes(entry.design)
                fresh = True
            else:
                fresh = False
        if fresh:
            self._evict()
            return entry.design
        log.info("%s: the design of %s (same sample and formula): %d complete rows, %d regressors",
                 spec.name, entry.owner, len(entry.design.y), len(entry.design.terms))
        return entry.design.with_resolved(resolved)

    def point_estimate(self, design: Design, spec: ModelSpec) -> PointEstimate | None:
        """``fit_estimator(design, spec)`` for logit, relogit and Firth specs, fitted once per
        design, estimator family and ``max_iter``; None for the other estimators (fitted by
        :func:`~dyadstats.models.estimate.fit_design` itself)."""
        family = _POINT_FAMILY.get(spec.estimator)
        if family is None:
            return None
        key = self._find(design)
        with self._lock:
            entry = self._entries.get(key) if key is not None else None
        if entry is None:
            return fit_estimator(design, spec)
        with entry.lock:
            point = entry.points.get((family, spec.max_iter))
            if point is None:
                # raises ModelFailure when the design is not estimable (nothing is kept then)
                point = entry.points[(family, spec.max_iter)] = fit_estimator(design, spec)
        params, info = point
        return params.copy(), {k: list(v) if isinstance(v, list) else v for k, v in info.items()}

    def _find(self, design: Design) -> tuple[Any, str] | None:
        """The key of the entry whose design ``design`` is (or is a view of), if any."""
        with self._lock:
            for key, entry in self._entries.items():
                if entry.design is not None and entry.design.shares_matrix(design):
                    return key
        return None


#: The process's shared designs (the workflow's model jobs; see the module docstring).
SHARED = SharedDesigns()
