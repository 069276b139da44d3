"""The base of every config model: unknown keys refused, optional keys that are simply absent.

Two kinds of "no value" exist in the config and the JSON schema must tell them apart:

* a key with a real default (``build.first_year: 1816``): the model field has the default and the
  generated schema carries it, so Snakemake's ``validate()`` fills it in;
* an *optional key* with no default (``extra_sources.<id>.files[].path``, every key of a model
  spec, which must not override what its ``base`` or ``models.defaults`` says): the field is
  ``None`` in Python, but the schema has neither a ``default`` nor a ``null`` type (an explicit
  ``null`` there is refused, as before), and :meth:`ConfigModel.plain` leaves the key out.

:func:`optional` declares the second kind.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, model_serializer

#: Marks an optional key (see :func:`optional`); also read by the serializer.
OPTIONAL_KEY = "x-dyadstats-optional"


def _compact(value: float) -> int | float:
    return int(value) if float(value).is_integer() and abs(value) < 1e15 else value


#: A number that reads as a float and is written back as given: 6 stays 6 in the resolved config
#: (what the rules and the stage functions receive, e.g. a table's declared ``max: 10``).
Number = Annotated[float, PlainSerializer(_compact)]


def _drop_default_and_null(schema: dict[str, Any]) -> None:
    schema.pop("default", None)
    branches = schema.get("anyOf")
    if isinstance(branches, list):
        kept = [b for b in branches if b != {"type": "null"}]
        if len(kept) == 1:
            del schema["anyOf"]
            schema.update(kept[0])
        else:
            schema["anyOf"] = kept
    schema[OPTIONAL_KEY] = True


def optional(description: str, **kwargs: Any) -> Any:
    """A key that may be left out: ``None`` in Python, absent from :meth:`ConfigModel.plain`, no
    default and no ``null`` in the schema."""
    return Field(None, description=description, json_schema_extra=_drop_default_and_null, **kwargs)


def _is_optional_key(field: Any) -> bool:
    return field.json_schema_extra is _drop_default_and_null


def _unique(values: list[Any]) -> list[Any]:
    seen = [repr(v) for v in values]
    if len(set(seen)) != len(seen):
        raise ValueError(f"items repeat: {values}")
    return values


def unique_list(item: Any, **constraints: Any) -> Any:
    """``list[item]`` whose items are distinct (``uniqueItems`` in the schema)."""
    extra = {"uniqueItems": True}
    return Annotated[list[item], AfterValidator(_unique), Field(json_schema_extra=extra, **constraints)]


def year_range(description: str = "inclusive [first, last] years") -> Any:
    """Two integers (``minItems``/``maxItems`` 2 in the schema), the first not after the second."""

    def ordered(v: list[int]) -> list[int]:
        if v[0] > v[1]:
            raise ValueError(f"must be [first, last] with first <= last, got {v}")
        return v

    return Annotated[list[int], Field(min_length=2, max_length=2, description=description), AfterValidator(ordered)]


class ConfigModel(BaseModel):
    """Strict by default: an unknown key is an error naming its path (``additionalProperties:
    false``). Field descriptions become the schema's descriptions."""

    model_config = ConfigDict(extra="forbid", validate_default=False, populate_by_name=True)

    @model_serializer(mode="wrap")
    def _omit_absent_optional_keys(self, handler: Any) -> Any:
        out = handler(self)
        fields = type(self).model_fields
        for name, f in fields.items():
            if _is_optional_key(f) and out.get(name, 0) is None:
                del out[name]
        return out

    def plain(self) -> dict[str, Any]:
        """JSON-safe dicts with every default filled in and absent optional keys left out."""
        return self.model_dump(mode="json")
