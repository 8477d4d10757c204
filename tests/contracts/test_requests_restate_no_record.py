"""The requests the doors validate (``kgmem.model``'s ``*In`` and ``*Params`` classes)
restate no core record: one that converts to a record is generated from it
(``kgmem.model.record_input.RecordIn``), so it takes the record's fields, defaults,
constraints and descriptions, and only declares what the record does not have."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from typing import Any

from pydantic import BaseModel

import kgmem.model
from kgmem.declarations.fact import DATA_FIELDS
from kgmem.model.record_input import RecordIn
from kgmem.model.records import FactWrite

# Fewer shared names than this is a coincidence (``uid`` and ``name``), not a copy.
SHARED = 3
# Requests the core takes as arguments, not as a record, that share the names of the
# records answering them: a statement to check (``CandidateCheck``, ``FactVerification``).
NOT_A_WRITE = {"CandidateIn"}


def _classes() -> list[Any]:
    found = []
    for info in pkgutil.walk_packages(kgmem.model.__path__, "kgmem.model."):
        module = importlib.import_module(info.name)
        found += [c for c in vars(module).values() if getattr(c, "__module__", "") == info.name]
    return [c for c in found if inspect.isclass(c)]


def _own_fields(request: type[BaseModel]) -> set[str]:
    own = set(inspect.get_annotations(request))
    record = getattr(request, "__record__", None)
    if record is not None:
        own -= {f.name for f in dataclasses.fields(record)}
    return own


def test_no_request_restates_a_record() -> None:
    classes = _classes()
    records = {
        c.__name__: {f.name for f in dataclasses.fields(c)}
        for c in classes
        if dataclasses.is_dataclass(c)
    }
    requests = [
        c for c in classes if issubclass(c, BaseModel) and c.__name__.endswith(("In", "Params"))
    ]
    copies = [
        (request.__name__, record, sorted(shared))
        for request in requests
        if request.__name__ not in NOT_A_WRITE
        for record, names in records.items()
        if len(shared := _own_fields(request) & names) >= SHARED
    ]
    assert copies == []


def test_a_generated_request_carries_the_records_descriptions() -> None:
    from kgmem.model.graph_input import FactIn

    assert issubclass(FactIn, RecordIn)
    record = [f.name for f in dataclasses.fields(FactWrite) if f.name != "declared"]
    data = [f.name for f in DATA_FIELDS]
    assert list(FactIn.model_fields) == record + data
    assert FactIn.model_fields["subject"].description == "uid of the subject entity"
    assert FactIn.model_fields["valid_to"].description == "When it stops holding"
