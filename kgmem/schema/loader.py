"""Load and validate ``graph_schema/*.toml`` into a ``GraphSchema``.

File format (all tables optional)::

    [common.vertex.properties]          # shared by every vertex label
    name = { type = "string", indexed = true }

    [vertex.Person]
    description = "A human being"
    properties = { birth_date = "date", email = "string" }

    [edge.WORKS_AT]
    functional = true                   # one current value per subject
    object = "Organization"             # what a new entity named as its object is
    properties = { role = "string" }

    [edge.CAUSES]
    causal = true

    [edge.AUTHORS]
    functional = true
    value = "names"                     # how consensus compares values: auto (the
                                        # default), number, date, names or string
    [edge.POPULATION]
    value = { type = "number", rel_tol = 0.01, abs_tol = 1 }

A property is either a type name or a table ``{type, required, indexed}``. Every
problem is reported as ``SchemaFileError`` naming the file and the dotted key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from kgmem.errors import InvalidIdentifier, SchemaFileError
from kgmem.schema.graph_schema import (
    PROPERTY_TYPES,
    VALUE_KINDS,
    GraphSchema,
    LabelKind,
    LabelSpec,
    PropertySpec,
    ValueType,
)
from kgmem.schema.identifiers import validate_label, validate_property_key

_TOP_KEYS = {"vertex", "edge", "common"}
_LABEL_KEYS = {
    "vertex": {"description", "properties"},
    "edge": {"description", "properties", "functional", "causal", "value", "object"},
}
_PROPERTY_KEYS = {"type", "required", "indexed"}
_VALUE_KEYS = {"type", "rel_tol", "abs_tol", "min_string"}
_T = TypeVar("_T")


def load_schema(files: Iterable[Path]) -> GraphSchema:
    """Read ``files`` in order and merge them; a label declared twice is an error."""
    builder = _Builder()
    for path in files:
        builder.add_file(path)
    return builder.build()


def schema_files(directory: Path, extra: Iterable[Path] = ()) -> list[Path]:
    """The built-in ``*.toml`` files of ``directory`` (sorted), then ``extra`` ones."""
    extra = list(extra)
    for path in extra:
        if not path.is_file():
            raise SchemaFileError(f"{path}: graph schema file not found")
    return sorted(directory.glob("*.toml")) + extra


class _Builder:
    def __init__(self) -> None:
        self.labels: dict[str, LabelSpec] = {}
        self.common: dict[LabelKind, dict[str, PropertySpec]] = {"vertex": {}, "edge": {}}
        self.files: list[str] = []
        self._raw: list[tuple[str, LabelKind, str, Mapping[str, Any]]] = []

    def add_file(self, path: Path) -> None:
        name = str(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise SchemaFileError(f"{name}: cannot read: {exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise SchemaFileError(f"{name}: not valid TOML: {exc}") from exc
        self.files.append(name)
        _reject_unknown(name, "", data, _TOP_KEYS)
        for kind, props in _table(name, "common", data.get("common", {})).items():
            if kind not in ("vertex", "edge"):
                raise SchemaFileError(f"{name}: common.{kind}: expected 'vertex' or 'edge'")
            section = _table(name, f"common.{kind}", props)
            _reject_unknown(name, f"common.{kind}", section, {"properties"})
            where = f"common.{kind}.properties"
            parsed = _properties(name, where, section.get("properties", {}))
            self.common[kind].update(parsed)  # type: ignore[index]
        kinds: tuple[LabelKind, ...] = ("vertex", "edge")
        for kind in kinds:
            for label, body in _table(name, kind, data.get(kind, {})).items():
                self._raw.append((name, kind, label, _table(name, f"{kind}.{label}", body)))

    def build(self) -> GraphSchema:
        for name, kind, label, body in self._raw:
            self._add_label(name, kind, label, body)
        vertices = {n: s for n, s in self.labels.items() if s.kind == "vertex"}
        edges = {n: s for n, s in self.labels.items() if s.kind == "edge"}
        for edge in edges.values():
            if edge.object_label is not None and edge.object_label not in vertices:
                raise SchemaFileError(
                    f"{edge.declared_in}: edge.{edge.name}.object: {edge.object_label!r} "
                    "is not a declared vertex label"
                )
        return GraphSchema(
            vertices=vertices,
            edges=edges,
            common_vertex=dict(self.common["vertex"]),
            common_edge=dict(self.common["edge"]),
            files=tuple(self.files),
        )

    def _add_label(self, file: str, kind: LabelKind, label: str, body: Mapping[str, Any]) -> None:
        where = f"{kind}.{label}"
        try:
            validate_label(label)
        except InvalidIdentifier as exc:
            raise SchemaFileError(f"{file}: {where}: {exc.detail}") from exc
        if label in self.labels:
            first = self.labels[label]
            raise SchemaFileError(
                f"{file}: {where}: label {label!r} is already declared as a "
                f"{first.kind} label in {first.declared_in}"
            )
        _reject_unknown(file, where, body, _LABEL_KEYS[kind])
        props = dict(self.common[kind])
        props.update(_properties(file, f"{where}.properties", body.get("properties", {})))
        self.labels[label] = LabelSpec(
            name=label,
            kind=kind,
            description=_typed(file, f"{where}.description", body.get("description", ""), str),
            properties=props,
            functional=_typed(file, f"{where}.functional", body.get("functional", False), bool),
            causal=_typed(file, f"{where}.causal", body.get("causal", False), bool),
            declared_in=file,
            value=_value_type(file, f"{where}.value", body.get("value", "auto")),
            object_label=_optional(file, f"{where}.object", body.get("object"), str),
        )


def _value_type(file: str, where: str, raw: object) -> ValueType:
    """A predicate's value type: a kind name or ``{type, rel_tol, abs_tol, min_string}``."""
    body = _table(file, where, {"type": raw} if isinstance(raw, str) else raw)
    _reject_unknown(file, where, body, _VALUE_KEYS)
    kind = body.get("type", "auto")
    if kind not in VALUE_KINDS:
        raise SchemaFileError(
            f"{file}: {where}: unknown value type {kind!r}; expected one of "
            f"{', '.join(sorted(VALUE_KINDS))}"
        )
    numbers = {}
    for name in ("rel_tol", "abs_tol", "min_string"):
        if name in body:
            number = body[name]
            if isinstance(number, bool) or not isinstance(number, int | float) or number < 0:
                raise SchemaFileError(f"{file}: {where}.{name}: expected a number >= 0")
            numbers[name] = float(number)
    return ValueType(kind=kind, **numbers)


def _properties(file: str, where: str, raw: object) -> dict[str, PropertySpec]:
    result: dict[str, PropertySpec] = {}
    for key, spec in _table(file, where, raw).items():
        at = f"{where}.{key}"
        try:
            validate_property_key(key)
        except InvalidIdentifier as exc:
            raise SchemaFileError(f"{file}: {at}: {exc.detail}") from exc
        if key == "uid":
            raise SchemaFileError(f"{file}: {at}: 'uid' is kgmem's own key and cannot be declared")
        body = _table(file, at, {"type": spec} if isinstance(spec, str) else spec)
        _reject_unknown(file, at, body, _PROPERTY_KEYS)
        type_name = body.get("type")
        if type_name not in PROPERTY_TYPES:
            raise SchemaFileError(
                f"{file}: {at}: unknown type {type_name!r}; "
                f"expected one of {', '.join(sorted(PROPERTY_TYPES))}"
            )
        result[key] = PropertySpec(
            name=key,
            type=type_name,
            required=_typed(file, f"{at}.required", body.get("required", False), bool),
            indexed=_typed(file, f"{at}.indexed", body.get("indexed", False), bool),
        )
    return result


def _table(file: str, where: str, value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SchemaFileError(f"{file}: {where}: expected a table, got {type(value).__name__}")
    return value


def _typed(file: str, where: str, value: object, kind: type[_T]) -> _T:
    if not isinstance(value, kind):
        raise SchemaFileError(f"{file}: {where}: expected {kind.__name__}, got {value!r}")
    return value


def _optional(file: str, where: str, value: object, kind: type[_T]) -> _T | None:
    return None if value is None else _typed(file, where, value, kind)


def _reject_unknown(file: str, where: str, table: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        prefix = f"{where}." if where else ""
        expected = ", ".join(sorted(allowed))
        raise SchemaFileError(
            f"{file}: {prefix}{unknown[0]}: unknown key; expected one of {expected}"
        )
