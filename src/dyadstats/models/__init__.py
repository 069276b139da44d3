"""Config-declared logit models of coercion: spec -> sample -> design -> fit -> tidy tables.

A model spec (``models.specs.<name>`` in ``config/config.yaml``) names an outcome column, a
right-hand side (a patsy formula that may use democracy placeholders such as
``{joint_democracy}``), a sample, a democracy measure, a time-dependence control, an estimator
(``logit``, ``firth``, ``mixed``: crossed random intercepts, see :mod:`dyadstats.models.mixed`, or
``relogit``: King-Zeng rare-events logit, see :mod:`dyadstats.models.relogit`), a covariance
(``cluster`` by dyad, ``dyadic``, ``twoway``, ``robust``, ``nonrobust``;
:mod:`dyadstats.models.covariance`) and a lag option. The pieces:

* :func:`parse_specs` merges ``defaults``, ``base:`` inheritance and each spec's own keys into
  :class:`ModelSpec` objects (one per model; a config edit changes only that spec's dict).
* :func:`resolve` turns a spec into concrete column names, the SQL that selects the sample
  and the patsy formula (:class:`Resolved`).
* :func:`prepare` reads only the needed columns of the analysis frame (a Parquet path, an Arrow
  table or a pandas frame) through DuckDB with the sample filter pushed down, applies listwise
  deletion and counts what it dropped per column, and builds the design matrix once
  (:class:`Design`). Cluster groups come from the same complete-case rows.
* :func:`fit_design` estimates (statsmodels ``Logit``, ``firthmodels`` or gpboost), checks for
  separation and convergence, and returns tidy estimates, one fit row and predictions
  (:class:`ModelResult`). :func:`fit_spec` does prepare + fit in one call.

Nothing is hidden: non-convergence, suspected separation, dropped rows and unlagged regressors
are written to the fit row's ``converged``, ``separation`` and ``notes`` columns.
"""

from __future__ import annotations

from dyadstats.models.design import Design, frame_columns, prepare
from dyadstats.models.estimate import (
    DesignChecks,
    ModelResult,
    design_checks,
    fit_design,
    fit_estimator,
    fit_spec,
    model_covariance,
)
from dyadstats.models.failures import NOT_ESTIMABLE, ModelFailure, check_estimable
from dyadstats.models.resolve import Resolved, placeholder_columns, regime_terms, resolve
from dyadstats.models.results import tidy_estimates
from dyadstats.models.separation import huge_terms, separation_checks, term_scales
from dyadstats.models.spec import (
    CLUSTER_DIMENSIONS,
    COVARIANCES,
    ESTIMATE_COLUMNS,
    ESTIMATORS,
    FIT_COLUMNS,
    FRAMES,
    HUGE_COEF,
    HUGE_SE,
    MEASURE_SCORE,
    MEASURES,
    PLACEHOLDERS,
    POLYPROD_OFFSET,
    PREDICTION_COLUMNS,
    REGIME_DUMMIES,
    REGIME_GROUPS,
    REGIME_REFERENCES,
    TIME_DEPENDENCE,
    Z975,
    FrameColumnError,
    ModelSpec,
    ModelSpecError,
    SampleSpec,
    disabled_models,
    parse_specs,
    selected_models,
    spec_from_dict,
)
from dyadstats.models.tables import (
    fit_frame,
    fit_or_fail,
    gather_models,
    run_model,
    write_model_outputs,
)

__all__ = [
    "CLUSTER_DIMENSIONS",
    "COVARIANCES",
    "ESTIMATE_COLUMNS",
    "ESTIMATORS",
    "FIT_COLUMNS",
    "FRAMES",
    "HUGE_COEF",
    "HUGE_SE",
    "NOT_ESTIMABLE",
    "MEASURES",
    "MEASURE_SCORE",
    "PLACEHOLDERS",
    "POLYPROD_OFFSET",
    "PREDICTION_COLUMNS",
    "REGIME_DUMMIES",
    "REGIME_GROUPS",
    "REGIME_REFERENCES",
    "TIME_DEPENDENCE",
    "Z975",
    "Design",
    "DesignChecks",
    "ModelFailure",
    "FrameColumnError",
    "ModelResult",
    "design_checks",
    "ModelSpec",
    "ModelSpecError",
    "Resolved",
    "SampleSpec",
    "check_estimable",
    "fit_design",
    "fit_estimator",
    "fit_frame",
    "fit_or_fail",
    "fit_spec",
    "frame_columns",
    "gather_models",
    "huge_terms",
    "model_covariance",
    "disabled_models",
    "parse_specs",
    "selected_models",
    "placeholder_columns",
    "prepare",
    "regime_terms",
    "resolve",
    "run_model",
    "separation_checks",
    "spec_from_dict",
    "term_scales",
    "tidy_estimates",
    "write_model_outputs",
]
