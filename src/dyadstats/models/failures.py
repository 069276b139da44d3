"""Models that cannot be estimated: the checks that say so before a fit, and the errors that count.

A logit is not estimable when its outcome does not vary, when a regressor is constant beside
the intercept (e.g. a ``democracy_threshold`` outside its measure's scale codes every row alike)
or when the design's columns are collinear. Without these checks statsmodels either stops
with a bare ``Singular matrix`` or returns a "fit" with coefficients of +-25. The workflow
records such a model as failed (``model_fit.status``, ``failure_reason``; no estimates) and
fits the others (:func:`dyadstats.models.tables.fit_or_fail`); the Python API raises.
"""

from __future__ import annotations

import numpy as np

from dyadstats.errors import DyadstatsError
from dyadstats.models.design import Design
from dyadstats.models.spec import _measure_score

#: Smallest eigenvalue of the column-scaled Gram matrix, relative to its largest, below which
#: the design counts as singular (rounding alone leaves ~1e-15; real designs sit far above).
SINGULAR_RATIO = 1e-12
#: An eigenvector loading above this names a column of the collinear set.
LOADING = 0.1


class ModelFailure(DyadstatsError):
    """A model cannot be estimated on its sample (names the model and the reason)."""


#: Errors that mean "this model cannot be estimated on these data": dyadstats' own (no rows in
#: the sample, the checks below; not a missing column, a config error) and a linear-algebra failure inside a fit.
#: Anything else (TypeError, ...) is a bug and still stops the run.
NOT_ESTIMABLE: tuple[type[BaseException], ...] = (DyadstatsError, np.linalg.LinAlgError)


def check_estimable(design: Design) -> None:
    """Raise :class:`ModelFailure` if the design's logit has no finite, unique estimate."""
    spec = design.resolved.spec
    y, n = design.y, len(design.y)
    where = f"model {spec.name!r}"
    events = int(y.sum())
    if events == 0:
        raise ModelFailure(f"{where}: outcome {design.resolved.outcome!r} has no events in the {n} "
                           f"complete rows ({spec.sample.describe()})")
    if events == n:
        raise ModelFailure(f"{where}: outcome {design.resolved.outcome!r} is an event in every one "
                           f"of the {n} complete rows ({spec.sample.describe()})")
    X = np.asarray(design.matrix, dtype=float)
    columns = design.terms
    ranges = design.ranges()
    constant = [c for c, lo, hi in zip(columns, ranges.low, ranges.high, strict=True) if lo == hi]
    # One constant column is the intercept (or acts as one); a second duplicates it.
    if len(constant) > 1:
        named = [c for c in constant if c != "Intercept"] or constant[1:]
        values = {c: float(X[0, columns.index(c)]) for c in named}
        raise ModelFailure(f"{where}: regressor(s) constant in the {n} complete rows: "
                           + ", ".join(f"{c} = {v:g}" for c, v in values.items())
                           + _threshold_hint(design, named))
    _check_rank(design.gram(), columns, where, n)


def _threshold_hint(design: Design, constant: list[str]) -> str:
    spec = design.resolved.spec
    if spec.democracy_threshold is None or not set(constant) & set(design.resolved.derived):
        return ""
    return (f"; coded from democracy_threshold {spec.democracy_threshold:g} on "
            f"{_measure_score(spec.democracy)}, which codes every complete row alike: check the "
            "threshold against the measure's scale")


def _check_rank(gram: np.ndarray, columns: list[str], where: str, n: int) -> None:
    """Collinear columns, named from the Gram matrix's smallest eigenvector (columns scaled to
    unit root-mean-square first, so a cubic in peace years does not swamp the rest).

    The scaled Gram matrix is ``D^-1 X'X D^-1 / n`` with ``D`` the columns' root-mean-squares,
    from ``gram = X'X`` alone (no scaled copy of X: a tenth of the cost on 0.7 M rows)."""
    rms = np.sqrt(np.diag(gram) / n)
    rms[rms == 0.0] = 1.0
    values, vectors = np.linalg.eigh(gram / np.outer(rms, rms) / n)
    if values[-1] <= 0.0 or values[0] > SINGULAR_RATIO * values[-1]:
        return
    involved = [c for c, w in zip(columns, vectors[:, 0], strict=True) if abs(w) > LOADING]
    raise ModelFailure(f"{where}: the design matrix is singular: column(s) {involved} are "
                       f"collinear in the {n} complete rows")
