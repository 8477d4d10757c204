"""A data field added to the entity's declaration reaches what derives from it with no
other edit: ``EntityWrite``, ``EntityPatch`` and an episode's ``EntityMention`` take it
as a field of their own (and their REST requests and JSON schemas), its value is
checked against its type (given as a field, as a property or in an imported vertex),
and the entity keeps it in its property map (the edit:
``edited_declaration``). The doors, exports and backups are tested in
``tests/doors/test_a_new_field.py``."""

from __future__ import annotations

from tests.contracts.edited_declaration import run_edited

# The newcomer's edit: one more line in ENTITY_FIELDS.
ANCHOR = '    # data_field("nickname", description="What friends call it"),\n'
ADDED = '    data_field("nickname", description="What friends call it"),\n'

_PROGRAM = """
import json

from pydantic import TypeAdapter

from kgmem.errors import InvalidRequest
from kgmem.io.readers import vertex_op
from kgmem.model import EntityPatch, EntityWrite
from kgmem.model.episodes import EntityMention
from kgmem.model.graph_input import EntityIn, EntityPatchIn
from kgmem.schema.entity_values import with_declared

write = TypeAdapter(EntityWrite).validate_python({"uid": "ann", "nickname": "Annie"})
request = EntityIn.model_validate({"label": "Person", "nickname": "Nan"}).to_write("ann")
untouched = EntityPatchIn.model_validate({"properties": {"age": 3}}).to_patch()
removed = EntityPatchIn.model_validate({"nickname": None}).to_patch()
mention = TypeAdapter(EntityMention).validate_python({"name": "Ann", "nickname": "A"})
try:
    with_declared({}, {"nickname": 5})
    refused = None
except InvalidRequest as exc:
    refused = str(exc)
try:
    with_declared({"nickname": "Annie"}, {"nickname": "Nan"})
    twice = None
except InvalidRequest as exc:
    twice = str(exc)
try:
    with_declared({"nickname": 5}, {})
    as_property = None
except InvalidRequest as exc:
    as_property = str(exc)
try:
    vertex_op("ann", "Person", {"nickname": 7}, 1)
    imported = None
except InvalidRequest as exc:
    imported = str(exc)
print(json.dumps({
    "as_property": as_property,
    "imported": imported,
    "declared": dict(write.declared),
    "shown": TypeAdapter(EntityWrite).dump_python(write, mode="json").get("nickname"),
    "request": dict(request.declared),
    "schema": "nickname" in EntityIn.model_json_schema()["properties"],
    "patch_schema": "nickname" in EntityPatchIn.model_json_schema()["properties"],
    "untouched": dict(untouched.declared),
    "removed": dict(removed.declared),
    "mention": dict(mention.declared),
    "stored": dict(with_declared({"age": 3}, write.declared)),
    "patched": dict(with_declared({}, removed.declared, patch=True)),
    "refused": refused,
    "twice": twice,
}))
"""


def test_a_declared_entity_field_reaches_what_derives_from_it() -> None:
    found = run_edited("entity", ANCHOR, ADDED, _PROGRAM, after=True)
    refused = "entity field 'nickname': Input should be a valid string"
    assert found.pop("refused") == found.pop("as_property") == found.pop("imported") == refused
    assert "given twice" in found.pop("twice")
    assert found == {
        "declared": {"nickname": "Annie"},
        "shown": "Annie",
        "request": {"nickname": "Nan"},
        "schema": True,
        "patch_schema": True,
        "untouched": {},
        "removed": {"nickname": None},
        "mention": {"nickname": "A"},
        "stored": {"age": 3, "nickname": "Annie"},
        "patched": {"nickname": None},
    }


def test_without_the_edit_no_entity_field_is_declared() -> None:
    found = run_edited("entity", ANCHOR, "", _BARE, after=True)
    assert found == {"request": False, "patch": False}


_BARE = """
import json

from kgmem.model.graph_input import EntityIn, EntityPatchIn

print(json.dumps({
    "request": "nickname" in EntityIn.model_json_schema()["properties"],
    "patch": "nickname" in EntityPatchIn.model_json_schema()["properties"],
}))
"""
