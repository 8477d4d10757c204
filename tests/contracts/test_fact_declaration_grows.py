"""A field added to the fact's declaration reaches every list derived from it with no
other edit: the keys kgmem keeps to itself in an edge's map, the map every writer
builds, what reads strip from a fact's properties, the fact fields an export writes
and their column types, and what CSV loses.

The field is appended in a fresh interpreter before any module deriving from the
declaration is imported, as a newcomer's edit to ``kgmem/declarations/fact.py``
would be."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import kgmem

_PROGRAM = """
import json
import sys
import types
from pathlib import Path

# The newcomer's edit: one more line in FACT_FIELDS, before anything derives from it.
source = Path("kgmem/declarations/fact.py").read_text(encoding="utf-8")
anchor = '    FactField("trust"'
assert anchor in source
added = '    FactField("mood", "text", mirrored=True, dumped="fact", csv=False),\\n'
module = types.ModuleType("kgmem.declarations.fact")
module.__file__ = "kgmem/declarations/fact.py"
sys.modules[module.__name__] = module
exec(compile(source.replace(anchor, added + anchor, 1), module.__file__, "exec"), module.__dict__)

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
    root = Path(kgmem.__file__).parent.parent
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {
        "reserved": True,
        "refused": True,
        "system": True,
        "map": {"a": 1, "uid": "f", "mood": "calm"},
        "block": True,
        "kinds": "string",
        "csv": True,
    }
