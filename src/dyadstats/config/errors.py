"""Config errors that name the key path and say what to do, and the table of renamed keys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from dyadstats.errors import ConfigError

M = TypeVar("M", bound=BaseModel)

#: Keys that were renamed or removed: dotted path ("*" matches any one name) -> what to write
#: instead. Read before validation, so an old config fails with this message, not "unknown key".
RENAMED_KEYS: dict[str, str] = {
    "models.defaults.base": (
        "was removed: a base applies to one spec; set `base:` on each spec that should start from another"),
}


def _walk(node: Any, path: tuple[str, ...]) -> list[tuple[str, ...]]:
    if not isinstance(node, Mapping):
        return []
    out = []
    for key, value in node.items():
        here = (*path, str(key))
        out.append(here)
        out.extend(_walk(value, here))
    return out


def _matches(pattern: Sequence[str], path: Sequence[str]) -> bool:
    return len(pattern) == len(path) and all(p in ("*", k) for p, k in zip(pattern, path, strict=True))


def check_renamed_keys(config: Mapping[str, Any], prefix: str = "") -> None:
    """Refuse renamed or removed keys, naming each one's path and what to write instead."""
    found = []
    patterns = [(tuple(k.split(".")), v) for k, v in RENAMED_KEYS.items()]
    start = tuple(prefix.split(".")) if prefix else ()
    for path in _walk(config, start):
        for pattern, advice in patterns:
            if _matches(pattern, path):
                found.append(f"{'.'.join(path)} {advice}")
    if found:
        raise ConfigError("config: " + "; ".join(found))


def _where(loc: Sequence[Any], prefix: str) -> str:
    # union members appear in loc as their type's name (e.g. "literal['dyad','year']"): not keys
    parts = [prefix] if prefix else []
    parts += [str(p) for p in loc if not (isinstance(p, str) and ("[" in p or p in ("str", "int", "float", "bool")))]
    return ".".join(parts) or "config"


def describe_errors(exc: ValidationError, prefix: str = "") -> str:
    """One line per problem: the key path, what is wrong and what is allowed."""
    lines: list[str] = []
    for err in exc.errors():
        loc = list(err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            where, key = _where(loc[:-1], prefix), loc[-1]
            line = f"{where}: unknown key '{key}'"
        elif kind == "literal_error":
            where = _where(loc, prefix)
            expected = str(err["ctx"]["expected"]).replace(" or ", ", ")
            line = f"{where}: {err['input']!r} is not one of [{expected}]"
        elif kind == "missing":
            where = _where(loc, prefix)
            line = f"{where}: required key missing"
        else:
            where = _where(loc, prefix)
            msg = str(err["msg"]).removeprefix("Value error, ")
            line = f"{where}: {msg} (got {err['input']!r})" if not isinstance(err["input"], Mapping) else f"{where}: {msg}"
        if line not in lines:
            lines.append(line)
    return "; ".join(lines)


def validated(model: type[M], data: Any, prefix: str = "", error: type[ConfigError] = ConfigError) -> M:
    """``model`` built from ``data`` (None = every default); errors become ``error`` naming keys."""
    if isinstance(data, Mapping):
        check_renamed_keys(data, prefix)
    try:
        return model.model_validate({} if data is None else data)
    except ValidationError as exc:
        raise error(describe_errors(exc, prefix)) from None
