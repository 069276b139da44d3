"""Roles: what a user-declared dataset is for, mapped onto the pipeline's canonical tables.

A dataset added under ``extra_sources`` (or any manifest table) becomes useful to the analysis
by filling a role, declared in the config under ``roles``:

- ``roles.democracy.<m>``: a state-year democracy measure (ccode, year, score) plus the threshold
  rule that makes a state a democracy. In the dyad-year frame it gives ``dem_<m>_1``,
  ``dem_<m>_2``, ``joint_democracy_<m>``, ``mixed_dyad_<m>``, ``joint_autocracy_<m>``,
  ``regime_pair_<m>`` and the scores ``<m>_1``, ``<m>_2``, ``min_<m>``, ``max_<m>``.
- ``roles.events.<e>``: a source of coercion attempts, either participant-level in MID format
  (run through the same dyadic build and whittling as MID 5.0) or already dyadic (ccode1,
  ccode2, year, onset or start year, optional hostility; directed or not).
- ``roles.covariates.<c>``: a state-year variable (``<c>_1``, ``<c>_2``, ``min_<c>``,
  ``max_<c>`` in the dyad-year frame) or a dyad-year variable (``<c>``).

Each role is turned into one canonical Parquet table under ``results/roles/`` after its state
codes are checked against the state system (``dyadstats.roles.membership``). Column names in a role
refer to the ingested table (after the source's ``rename`` and snake_case); the defaults are
the canonical names, so a source whose ``rename`` already produces them needs none.

The package: ``roles.parse`` (the ``roles`` config section into role objects), ``roles.tables``
(building each role's canonical table, its checks in ``roles.checks`` and the state-system
check in ``roles.membership``) and ``roles.attach`` (how the frame and the events stage read
the role tables).
"""

from dyadstats.roles.attach import (
    attach_roles_sql,
    create_role_dispute_dyad_years,
    role_columns,
)
from dyadstats.roles.membership import MembershipResult, check_membership
from dyadstats.roles.parse import (
    DISPUTE_DYAD_YEAR_COLUMNS,
    DYADIC_COLUMNS,
    DYADIC_REQUIRED,
    PARTICIPANT_COLUMNS,
    PARTICIPANT_REQUIRED,
    CovariateRole,
    DemocracyRole,
    EventRole,
    Roles,
    parse_roles,
    role_kind,
    role_output,
)
from dyadstats.roles.tables import (
    build_covariate_table,
    build_democracy_table,
    build_event_table,
    build_role_table,
)

__all__ = [
    "DISPUTE_DYAD_YEAR_COLUMNS",
    "DYADIC_COLUMNS",
    "DYADIC_REQUIRED",
    "PARTICIPANT_COLUMNS",
    "PARTICIPANT_REQUIRED",
    "CovariateRole",
    "DemocracyRole",
    "EventRole",
    "MembershipResult",
    "Roles",
    "attach_roles_sql",
    "build_covariate_table",
    "build_democracy_table",
    "build_event_table",
    "build_role_table",
    "check_membership",
    "create_role_dispute_dyad_years",
    "parse_roles",
    "role_columns",
    "role_kind",
    "role_output",
]
