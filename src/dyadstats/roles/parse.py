"""The ``roles`` config section as role objects (the JSON schema checks shapes; this checks
references and names, naming the key), and the canonical columns each kind of role maps."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from dyadstats.errors import ConfigError

NAME = re.compile(r"^[a-z][a-z0-9_]*$")
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


@dataclass(frozen=True)
class DemocracyRole:
    """A state-year democracy measure: democracy iff ``score <rule> threshold``."""

    name: str
    table: str
    score: str
    threshold: float
    rule: str = ">="
    ccode: str = "ccode"
    year: str = "year"
    unknown_states: str = "error"


@dataclass(frozen=True)
class EventRole:
    """A source of coercion attempts, participant-level (MID format) or already dyadic."""

    name: str
    table: str
    level: str
    columns: Mapping[str, str] = field(default_factory=dict)
    directed: bool = False
    unknown_states: str = "error"

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
    ccode: str = "ccode"
    ccode1: str = "ccode1"
    ccode2: str = "ccode2"
    year: str = "year"
    directed: bool = False
    unknown_states: str = "error"


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
    """Turn the ``roles`` config section into role objects; raise ConfigError naming the key."""
    section = section or {}
    democracy = []
    for name, spec in (section.get("democracy") or {}).items():
        key = f"roles.democracy.{_name('roles.democracy', name)}"
        rule = spec.get("rule", ">=")
        if rule not in RULES:
            raise ConfigError(f"{key}.rule: '{rule}' is not one of {', '.join(RULES)}")
        democracy.append(
            DemocracyRole(
                name=name, table=_require_table(key, spec.get("table"), tables),
                score=spec.get("score", "score"), threshold=float(spec["threshold"]), rule=rule,
                ccode=spec.get("ccode", "ccode"), year=spec.get("year", "year"),
                unknown_states=spec.get("unknown_states", "error"),
            )
        )
    events = []
    for name, spec in (section.get("events") or {}).items():
        key = f"roles.events.{_name('roles.events', name)}"
        level = spec.get("level")
        allowed = PARTICIPANT_COLUMNS if level == "participant" else DYADIC_COLUMNS
        unknown = sorted(set(spec.get("columns") or {}) - set(allowed))
        if unknown:
            raise ConfigError(
                f"{key}.columns: unknown canonical column(s) {', '.join(unknown)} for level "
                f"'{level}'; allowed: {', '.join(allowed)}"
            )
        if level == "dyadic":
            cols = spec.get("columns") or {}
            if "onset" not in cols and "start_year" not in cols:
                raise ConfigError(
                    f"{key}.columns: a dyadic event source needs 'onset' (0/1 column) or "
                    "'start_year' (onset = year equals the start year)"
                )
        events.append(
            EventRole(
                name=name, table=_require_table(key, spec.get("table"), tables), level=level,
                columns=dict(spec.get("columns") or {}), directed=bool(spec.get("directed", False)),
                unknown_states=spec.get("unknown_states", "error"),
            )
        )
    covariates = []
    for name, spec in (section.get("covariates") or {}).items():
        key = f"roles.covariates.{_name('roles.covariates', name)}"
        covariates.append(
            CovariateRole(
                name=name, table=_require_table(key, spec.get("table"), tables),
                level=spec.get("level", "state_year"), column=spec.get("column", name),
                ccode=spec.get("ccode", "ccode"), ccode1=spec.get("ccode1", "ccode1"),
                ccode2=spec.get("ccode2", "ccode2"), year=spec.get("year", "year"),
                directed=bool(spec.get("directed", False)),
                unknown_states=spec.get("unknown_states", "error"),
            )
        )
    names = [r.name for r in democracy] + [r.name for r in covariates]
    clash = sorted({n for n in names if names.count(n) > 1})
    if clash:
        raise ConfigError(f"roles: the name(s) {', '.join(clash)} are used by more than one democracy/covariate role")
    return Roles(tuple(democracy), tuple(events), tuple(covariates))

