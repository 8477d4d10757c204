"""A field added to the fact's declaration reaches every list derived from it with no
other edit: the keys kgmem keeps to itself in an edge's map, the map every writer
builds, what reads strip from a fact's properties, the fact fields an export writes
and their column types, and what CSV loses (the edit: ``edited_declaration``)."""

from __future__ import annotations

from tests.contracts.edited_declaration import run_edited

# The newcomer's edit: one more line in FACT_FIELDS.
ANCHOR = '    FactField("trust"'
ADDED = '    FactField("mood", "text", mirrored=True, dumped="fact", csv=False),\n'

_PROGRAM = """
import json

from kgmem.errors import InvalidProperty
from kgmem.io import formats, graph_tool_formats
from kgmem.schema.graph_schema import LabelSpec
from kgmem.schema.properties import PropertyLimits, RESERVED_EDGE_KEYS, normalise_properties
from kgmem.storage.backups import dump
from kgmem.storage.graph import fact_map, fact_reads

try:
    normalise_properties(LabelSpec("KNOWS", "edge"), {"mood": "calm"}, PropertyLimits(10, 100))
    refused = False
except InvalidProperty:
    refused = True
print(json.dumps({
    "reserved": "mood" in RESERVED_EDGE_KEYS,
    "refused": refused,
    "system": "mood" in fact_reads.SYSTEM_KEYS,
    "map": fact_map.edge_map({"a": 1}, uid="f", mood="calm"),
    "block": "mood" in dump.FACT_FIELDS,
    "kinds": graph_tool_formats.FACT_KINDS.get("mood"),
    "csv": "mood" in formats.DROPPED["csv"],
}))
"""


def test_a_declared_field_reaches_every_derived_list() -> None:
    found = run_edited("fact", ANCHOR, ADDED, _PROGRAM, after=False)
    assert found == {
        "reserved": True,
        "refused": True,
        "system": True,
        "map": {"a": 1, "uid": "f", "mood": "calm"},
        "block": True,
        "kinds": "string",
        "csv": True,
    }
