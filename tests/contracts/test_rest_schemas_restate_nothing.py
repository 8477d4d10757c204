"""REST's and MCP's own schemas restate no record: a pydantic class in
``kgmem.server`` or ``kgmem.mcp`` whose field names are a record's (or hold all of a
record's, or all of its own are a record's) is a second declaration of that record,
which drifts. The records are every dataclass of kgmem outside the doors: the model's,
and the core records beside their concept (``kgmem.ingest.MergeRecord``). Answer with
the record itself (``kgmem.model.wire``) and declare requests in ``kgmem.model``.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from types import ModuleType

from pydantic import BaseModel

import kgmem
import kgmem.mcp
import kgmem.server

# Fewer shared names than this is a coincidence (``uid`` and ``name``), not a copy.
SHARED = 3


# The doors, whose schemas are checked, and the entry point, which is not imported.
DOORS = ("kgmem.server", "kgmem.mcp", "kgmem.__main__")


def _modules(package: ModuleType, skip: tuple[str, ...] = ()) -> Iterator[ModuleType]:
    yield package
    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        if not info.name.startswith(skip):
            yield importlib.import_module(info.name)


def _records() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for module in _modules(kgmem, skip=DOORS):
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and dataclasses.is_dataclass(value)
                and value.__module__ == module.__name__
            ):
                found[f"{module.__name__}.{name}"] = {f.name for f in dataclasses.fields(value)}
    return found


def _schemas() -> dict[str, set[str]]:
    return {
        f"{module.__name__}.{name}": set(value.model_fields)
        for door in (kgmem.server, kgmem.mcp)
        for module in _modules(door)
        for name, value in vars(module).items()
        if inspect.isclass(value)
        and issubclass(value, BaseModel)
        and value.__module__ == module.__name__
    }


def restated(schemas: dict[str, set[str]], records: dict[str, set[str]]) -> list[str]:
    """``schema ~ record`` for each schema holding all of a record's fields, and each
    answer (``*Out``) whose fields all are a record's, with at least ``SHARED`` names in
    common. A request may name part of an answer (a candidate's subject, predicate and
    value are part of its check)."""
    return [
        f"{schema} ~ {record}"
        for schema, fields in schemas.items()
        for record, names in records.items()
        if len(fields & names) >= SHARED
        and (names <= fields or (schema.endswith("Out") and fields <= names))
    ]


def test_no_rest_schema_restates_a_model_record() -> None:
    records = _records()
    assert len(records) > 200 and "kgmem.model.records.Entity" in records
    assert "kgmem.ingest.types.MergeRecord" in records
    assert restated(_schemas(), records) == []


def test_the_check_sees_a_restated_record() -> None:
    records = {"m.Entity": {"uid", "label", "properties", "location"}}
    schemas = {
        "s.EntityOut": {"uid", "label", "properties", "location", "has_embedding"},
        "s.EntityRef": {"uid", "label", "properties"},
        "s.EntityRefOut": {"uid", "label", "properties"},
        "s.EntityRefIn": {"uid", "label", "properties"},
        "s.HitOut": {"uid", "label", "score"},
    }
    assert restated(schemas, records) == ["s.EntityOut ~ m.Entity", "s.EntityRefOut ~ m.Entity"]


def test_the_check_sees_a_copy_of_a_core_record_outside_the_model() -> None:
    copy = {"s.MergeOut": {"id", "kept", "merged", "evidence", "merged_at", "undone_at"}}
    assert "s.MergeOut ~ kgmem.ingest.types.MergeRecord" in restated(copy, _records())
