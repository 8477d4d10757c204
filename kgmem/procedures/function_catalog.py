"""The functions kgmem's Cypher answers, as ``SHOW FUNCTIONS`` lists them: Neo4j's
name, category and signature for each function of the allow-list
(``kgmem.cypher.functions.ALLOWED``), the vector functions and APOC's
(``kgmem.cypher.vector_functions``, ``kgmem.cypher.apoc_functions``), kept in
``functions.tsv`` beside this module."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    category: str
    signature: str
    description: str
    aggregating: bool = False
    builtin: bool = True

    @property
    def arguments(self) -> list[dict[str, object]]:
        """Neo4j's ``argumentDescription``: one map per argument of the signature."""
        inside = self.signature.split("(", 1)[1].rsplit(")", 1)[0]
        found: list[dict[str, object]] = []
        for piece in filter(None, (p.strip() for p in inside.split(", "))):
            name, _, kind = piece.partition(" :: ")
            found.append({"name": name, "description": piece, "type": kind,
                          "isDeprecated": False})  # fmt: skip
        return found

    @property
    def returns(self) -> str:
        return self.signature.rsplit(") :: ", 1)[1]


@functools.cache
def functions() -> tuple[Function, ...]:
    """Every function, sorted by name as ``SHOW FUNCTIONS`` lists them (read once from
    ``functions.tsv``: name, category, signature after ``name(``, description)."""
    text = resources.files("kgmem.procedures").joinpath("functions.tsv").read_text()
    lines = [line.split("\t") for line in text.splitlines() if line and line[0] != "#"]
    return tuple(sorted((_function(*line) for line in lines), key=lambda f: f.name))


def _function(name: str, category: str, signature: str, description: str) -> Function:
    return Function(name, category, f"{name}({signature}", description,
                    aggregating=category == "Aggregating",
                    builtin=not name.startswith("apoc."))  # fmt: skip
