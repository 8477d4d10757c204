"""Check property maps against the graph model and normalise them for storage.

AGE stores properties as agtype, a superset of JSON without date types, so
``datetime`` and ``date`` properties are stored as ISO 8601 strings (timezone-aware
for datetimes). Integers must fit agtype's 64-bit integer; floats must be finite.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from kgmem.declarations.fact import MIRRORED_KEYS
from kgmem.errors import InvalidNumber, InvalidProperty, InvalidText, LimitExceeded
from kgmem.schema.graph_schema import LabelSpec, PropertySpec
from kgmem.schema.identifiers import validate_property_key

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_DEPTH = 8

# Keys kgmem writes itself into the stored agtype map.
RESERVED_VERTEX_KEYS = frozenset({"uid"})
RESERVED_EDGE_KEYS = frozenset(MIRRORED_KEYS)


@dataclass(frozen=True, slots=True)
class PropertyLimits:
    """The caps that apply to one property map."""

    max_properties: int
    max_string_length: int


def normalise_properties(
    spec: LabelSpec, properties: Mapping[str, Any], limits: PropertyLimits
) -> dict[str, Any]:
    """Validate ``properties`` for a ``spec`` label and return the map to store.

    Raises ``InvalidIdentifier`` for bad keys, ``InvalidProperty`` for reserved keys,
    missing required ones or type mismatches, ``InvalidNumber`` for NaN or infinity,
    and ``LimitExceeded`` for too many properties or too long strings.
    """
    if not isinstance(properties, Mapping):
        raise InvalidProperty("properties must be a JSON object")
    if len(properties) > limits.max_properties:
        raise LimitExceeded(f"{len(properties)} properties; the limit is {limits.max_properties}")
    reserved = RESERVED_VERTEX_KEYS if spec.kind == "vertex" else RESERVED_EDGE_KEYS
    result: dict[str, Any] = {}
    for key, value in properties.items():
        validate_property_key(key)
        if key in reserved:
            raise InvalidProperty(
                f"property {key!r} is set by kgmem itself; use the field of that name",
                field=key,
            )
        declared = spec.properties.get(key)
        checked = _check_value(key, value, limits, depth=0)
        if value is not None and declared is not None:
            checked = _coerce(spec.name, declared, checked)
        result[key] = checked
    _check_required(spec, result)
    return result


def _check_required(spec: LabelSpec, values: Mapping[str, Any]) -> None:
    for prop in spec.properties.values():
        if prop.required and values.get(prop.name) is None:
            raise InvalidProperty(
                f"{spec.name} requires property {prop.name!r} ({prop.type})", field=prop.name
            )


def _check_value(path: str, value: Any, limits: PropertyLimits, *, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise InvalidProperty(f"property {path!r} nests deeper than {MAX_DEPTH} levels")
    if value is None or isinstance(value, bool):
        return value
    exact = _EXACT_CHECKS.get(type(value))  # the common JSON types, without ABC checks
    if exact is not None:
        return exact(path, value, limits)
    for kind, check in _SCALAR_CHECKS:
        if isinstance(value, kind):
            return check(path, value, limits)
    if isinstance(value, list | tuple):
        return [
            _check_value(f"{path}[{i}]", v, limits, depth=depth + 1) for i, v in enumerate(value)
        ]
    if isinstance(value, Mapping):
        return _check_map(path, value, limits, depth=depth)
    raise InvalidProperty(f"property {path!r} has unsupported type {type(value).__name__}")


def _check_int(path: str, value: int, _: PropertyLimits) -> int:
    if not INT64_MIN <= value <= INT64_MAX:
        raise InvalidProperty(f"property {path!r}: integer {value} does not fit in 64 bits")
    return value


def _check_float(path: str, value: float, _: PropertyLimits) -> float:
    if not math.isfinite(value):
        raise InvalidNumber(f"property {path!r} is {value}; only finite numbers are stored")
    return value


def _check_str(path: str, value: str, limits: PropertyLimits) -> str:
    if len(value) > limits.max_string_length:
        raise LimitExceeded(
            f"property {path!r} is {len(value)} characters; the limit is {limits.max_string_length}"
        )
    if "\x00" in value:
        raise InvalidProperty(f"property {path!r} contains a NUL character")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            bad = value[exc.start : exc.end].encode("ascii", "backslashreplace").decode()
            raise InvalidText(f"property {path!r} holds {bad}, which is not valid Unicode") from exc
    return value


def _check_time(path: str, value: date, _: PropertyLimits) -> str:
    return _iso(path, value)


_SCALAR_CHECKS: tuple[tuple[type, Callable[[str, Any, PropertyLimits], Any]], ...] = (
    (int, _check_int),
    (float, _check_float),
    (str, _check_str),
    (date, _check_time),  # datetime is a date
)


_EXACT_CHECKS: dict[type, Callable[[str, Any, PropertyLimits], Any]] = {
    str: _check_str,
    int: _check_int,
    float: _check_float,
}


def _check_map(
    path: str, value: Mapping[Any, Any], limits: PropertyLimits, *, depth: int
) -> dict[str, Any]:
    out = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise InvalidProperty(f"property {path!r} has a non-string key {key!r}")
        out[key] = _check_value(f"{path}.{key}", item, limits, depth=depth + 1)
    return out


def _iso(path: str, value: date) -> str:
    if isinstance(value, datetime) and value.tzinfo is None:
        raise InvalidProperty(f"property {path!r}: datetime must carry a timezone")
    return value.isoformat()


def _coerce(label: str, prop: PropertySpec, value: Any) -> Any:
    """Check ``value`` against the declared type; return the stored form."""
    ok = _COERCERS[prop.type](value)
    if ok is _MISMATCH:
        raise InvalidProperty(
            f"{label}.{prop.name} is declared {prop.type}; got {_describe(value)}",
            field=prop.name,
        )
    return ok


_MISMATCH = object()


def _as_string(v: Any) -> Any:
    return v if isinstance(v, str) else _MISMATCH


def _as_integer(v: Any) -> Any:
    if isinstance(v, bool):
        return _MISMATCH
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return _MISMATCH


def _as_float(v: Any) -> Any:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return _MISMATCH
    return float(v)


def _as_boolean(v: Any) -> Any:
    return v if isinstance(v, bool) else _MISMATCH


def _as_datetime(v: Any) -> Any:
    if not isinstance(v, str):
        return _MISMATCH
    try:
        parsed = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return _MISMATCH
    return parsed.isoformat() if parsed.tzinfo is not None else _MISMATCH


def _as_date(v: Any) -> Any:
    if not isinstance(v, str):
        return _MISMATCH
    try:
        return date.fromisoformat(v).isoformat()
    except ValueError:
        return _MISMATCH


def _list_of(item: Any) -> Any:
    def check(v: Any) -> Any:
        if not isinstance(v, list):
            return _MISMATCH
        out = [item(x) for x in v]
        return _MISMATCH if any(x is _MISMATCH for x in out) else out

    return check


_COERCERS = {
    "string": _as_string,
    "integer": _as_integer,
    "float": _as_float,
    "boolean": _as_boolean,
    "datetime": _as_datetime,
    "date": _as_date,
    "string[]": _list_of(_as_string),
    "integer[]": _list_of(_as_integer),
    "float[]": _list_of(_as_float),
    "map": lambda v: v if isinstance(v, dict) else _MISMATCH,
    "any": lambda v: v,
}


def _describe(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}"
