"""APOC's writing procedures, declared with APOC's signatures (so ``SHOW PROCEDURES``
lists them and a read key is refused them) but answered by rewriting each call into a
``WITH`` of a writing function before the query is planned
(``kgmem.cypher.apoc_writes``), since they write the query's own nodes and
relationships: ``apoc.merge.node``, ``apoc.merge.relationship``,
``apoc.create.relationship``, ``apoc.create.addLabels``, ``apoc.create.setLabels`` and
``apoc.create.removeLabels`` and ``apoc.refactor.mergeNodes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kgmem.errors import ProcedureFailed
from kgmem.procedures.registry import Procedure, Reader, procedure


async def _not_rewritten(reader: Reader, args: Mapping[str, Any]) -> list[list[Any]]:
    raise ProcedureFailed("APOC's writing procedures are answered inside a Cypher query")


def _writer(declared: str, description: str) -> Procedure:
    return procedure(declared, _not_rewritten, mode="write", description=description)


_LABELS = "(nodes :: ANY, labels :: LIST OF STRING) :: (node :: NODE)"

PROCEDURES: tuple[Procedure, ...] = (
    _writer("apoc.merge.node(labels :: LIST OF STRING, identProps :: MAP, onCreateProps = {} "
            ":: MAP, onMatchProps = {} :: MAP) :: (node :: NODE)",
            "Merges the given NODE values with the given dynamic labels."),
    _writer("apoc.merge.relationship(startNode :: NODE, relType :: STRING, identProps :: MAP, "
            "onCreateProps :: MAP, endNode :: NODE, onMatchProps = {} :: MAP) :: "
            "(rel :: RELATIONSHIP)",
            "Merges the given RELATIONSHIP values with the given dynamic types/properties."),
    _writer("apoc.create.relationship(from :: NODE, relType :: STRING, props :: MAP, "
            "to :: NODE) :: (rel :: RELATIONSHIP)",
            "Creates a RELATIONSHIP with the given dynamic relationship type."),
    _writer(f"apoc.create.addLabels{_LABELS}", "Adds the given labels to the given NODE values."),
    _writer(f"apoc.create.setLabels{_LABELS}",
            "Sets the given labels to the given NODE values. Non-matching labels are removed "
            "from the nodes."),
    _writer(f"apoc.create.removeLabels{_LABELS}",
            "Removes the given labels from the given NODE values."),
    _writer("apoc.refactor.mergeNodes(nodes :: LIST OF NODE, config = {} :: MAP) :: "
            "(node :: NODE)",
            "Merges the given LIST<NODE> onto the first NODE in the LIST<NODE>. All "
            "RELATIONSHIP values are merged onto that NODE as well."),
)  # fmt: skip
