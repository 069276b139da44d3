"""The ``roles`` config section as role objects (the JSON schema checks shapes; this checks
references and names, naming the key), and the canonical columns each kind of role maps."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from dyadstats.config import validated
from dyadstats.config.roles import (
    CovariateRoleConfig,
    DemocracyRoleConfig,
    EventRoleConfig,
    RolesConfig,
)
from dyadstats.errors import ConfigError

NAME = re.compile(r"^[a-z][a-z0-9_]*$")
#: threshold rule -> SQL operator (the rules themselves: dyadstats.config.vocab.ThresholdRule)
RULES = {">=": ">=", ">": ">", "<=": "<=", "<": "<", "==": "="}

# Canonical columns of each event level, and which of them a source must map.
PARTICIPANT_COLUMNS = (
    "dispnum", "ccode", "sidea", "styear", "stmon", "stday", "endyear", "endmon", "endday",
    "hostlev", "hiact", "orig", "fatality", "fatalpre",
)
PARTICIPANT_REQUIRED = ("dispnum", "ccode", "sidea", "styear", "stmon", "endyear", "endmon", "hostlev", "orig")
DYADIC_COLUMNS = (
    "ccode1", "ccode2", "year", "onset", "start_year", "hostlev", "hostlev1", "hostlev2",
    "dispnum", "orig1", "orig2", "sidea1", "sidea2", "hiact1", "hiact2",
)
# Columns of the events stage's unwhittled ``dispute_dyad_years`` (NULL where not coded).
DISPUTE_DYAD_YEAR_COLUMNS = (
    "dispnum", "ccode1", "ccode2", "year", "mid_onset", "mid_ongoing", "sidea1", "sidea2",
    "hiact1", "hiact2", "hostlev1", "hostlev2", "orig1", "orig2", "fatality1", "fatality2",
    "fatalpre1", "fatalpre2", "hostlev", "disp_hostlev", "fatality", "recip", "mindur", "maxdur",
    "stmon", "styear", "source",
)
DYADIC_REQUIRED = ("ccode1", "ccode2", "year")


# defaults of the role keys: dyadstats.config.roles
_DEMOCRACY = DemocracyRoleConfig.model_fields
_EVENT = EventRoleConfig.model_fields
_COVARIATE = CovariateRoleConfig.model_fields


@dataclass(frozen=True)
class DemocracyRole:
    """A state-year democracy measure: democracy iff ``score <rule> threshold``."""

    name: str
    table: str
    score: str
    threshold: float
    rule: str = _DEMOCRACY["rule"].default
    ccode: str = _DEMOCRACY["ccode"].default
    year: str = _DEMOCRACY["year"].default
    unknown_states: str = _DEMOCRACY["unknown_states"].default


@dataclass(frozen=True)
class EventRole:
    """A source of coercion attempts, participant-level (MID format) or already dyadic."""

    name: str
    table: str
    level: str
    columns: Mapping[str, str] = field(default_factory=dict)
    directed: bool = _EVENT["directed"].default
    unknown_states: str = _EVENT["unknown_states"].default

    def column(self, canonical: str) -> str | None:
        """The table column mapped to ``canonical`` (defaults to the canonical name itself)."""
        return self.columns.get(canonical, canonical)


@dataclass(frozen=True)
class CovariateRole:
    """A state-year or dyad-year variable merged onto the dyad-year frame by key."""

    name: str
    table: str
    level: str
    column: str
    ccode: str = _COVARIATE["ccode"].default
    ccode1: str = _COVARIATE["ccode1"].default
    ccode2: str = _COVARIATE["ccode2"].default
    year: str = _COVARIATE["year"].default
    directed: bool = _COVARIATE["directed"].default
    unknown_states: str = _COVARIATE["unknown_states"].default
    #: the value of a key without a row inside the table's years (None: missing)
    absent: float | None = None


@dataclass(frozen=True)
class Roles:
    democracy: tuple[DemocracyRole, ...] = ()
    events: tuple[EventRole, ...] = ()
    covariates: tuple[CovariateRole, ...] = ()

    def all(self) -> list[DemocracyRole | EventRole | CovariateRole]:
        return [*self.democracy, *self.events, *self.covariates]

    @property
    def tables(self) -> set[str]:
        return {r.table for r in self.all()}


def role_kind(role: DemocracyRole | EventRole | CovariateRole) -> str:
    return {DemocracyRole: "democracy", EventRole: "events", CovariateRole: "covariates"}[type(role)]


def role_output(role: DemocracyRole | EventRole | CovariateRole) -> str:
    """Where the canonical table of a role is written."""
    return f"results/roles/{role_kind(role)}/{role.name}.parquet"




def _require_table(key: str, table: Any, tables: Collection[str]) -> str:
    if not isinstance(table, str) or table not in tables:
        known = ", ".join(sorted(tables))
        raise ConfigError(
            f"{key}.table: '{table}' is not a declared table. Declare it under extra_sources "
            f"(or use a manifest table). Known tables: {known}"
        )
    return table


def _name(key: str, name: str) -> str:
    if not NAME.match(name):
        raise ConfigError(f"{key}: role name '{name}' must be snake_case (a-z, 0-9, _), starting with a letter")
    return name


def parse_roles(section: Mapping[str, Any] | None, tables: Collection[str]) -> Roles:
    """Turn the ``roles`` config section into role objects; raise ConfigError naming the key
    (shapes, defaults and allowed values: ``dyadstats.config.roles.RolesConfig``)."""
    for kind in ("democracy", "events", "covariates"):
        for name in ((section or {}).get(kind) or {}):
            _name(f"roles.{kind}", str(name))
    typed = validated(RolesConfig, section, "roles")
    democracy = []
    for name, spec in typed.democracy.items():
        key = f"roles.democracy.{name}"
        democracy.append(
            DemocracyRole(
                name=name, table=_require_table(key, spec.table, tables), score=spec.score,
                threshold=float(spec.threshold), rule=spec.rule, ccode=spec.ccode, year=spec.year,
                unknown_states=spec.unknown_states,
            )
        )
    events = []
    for name, spec in typed.events.items():
        key = f"roles.events.{name}"
        allowed = PARTICIPANT_COLUMNS if spec.level == "participant" else DYADIC_COLUMNS
        unknown = sorted(set(spec.columns) - set(allowed))
        if unknown:
            raise ConfigError(
                f"{key}.columns: unknown canonical column(s) {', '.join(unknown)} for level "
                f"'{spec.level}'; allowed: {', '.join(allowed)}"
            )
        if spec.level == "dyadic" and "onset" not in spec.columns and "start_year" not in spec.columns:
            raise ConfigError(
                f"{key}.columns: a dyadic event source needs 'onset' (0/1 column) or "
                "'start_year' (onset = year equals the start year)"
            )
        events.append(
            EventRole(
                name=name, table=_require_table(key, spec.table, tables), level=spec.level,
                columns=dict(spec.columns), directed=spec.directed, unknown_states=spec.unknown_states,
            )
        )
    covariates = []
    for name, spec in typed.covariates.items():
        key = f"roles.covariates.{name}"
        covariates.append(
            CovariateRole(
                name=name, table=_require_table(key, spec.table, tables), level=spec.level,
                column=spec.column or name, ccode=spec.ccode, ccode1=spec.ccode1, ccode2=spec.ccode2,
                year=spec.year, directed=spec.directed, unknown_states=spec.unknown_states,
                absent=None if spec.absent is None else float(spec.absent),
            )
        )
    names = [r.name for r in democracy] + [r.name for r in covariates]
    clash = sorted({n for n in names if names.count(n) > 1})
    if clash:
        raise ConfigError(f"roles: the name(s) {', '.join(clash)} are used by more than one democracy/covariate role")
    return Roles(tuple(democracy), tuple(events), tuple(covariates))

