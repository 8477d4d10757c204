"""``Memory``: kgmem's Python API, one object per store.

Composed by concept: ``store`` (the facade: opening, closing, verification, search,
episodes, merges, health), ``content`` (namespaces, entities, facts), ``keys``,
``cypher``, ``transfer`` (imports and exports), ``runtime`` (the process side: the
database, its pools and the background services, started and stopped in one place) and
``startup`` (finding or starting the database).

::

    async with await Memory.open(Settings()) as memory:
        await memory.create_namespace("demo")
        await memory.upsert_entity("demo", EntityWrite(uid="alice", label="Person",
                                                       properties={"name": "Alice"}))

``open`` starts the embedded PostgreSQL when no ``KGMEM_DATABASE_URL`` is set, runs
migrations, checks the embedding model against the one the store was built with,
and brings every namespace up to the graph schema.
"""

from kgmem.memory.keys import SCOPES
from kgmem.memory.store import Memory

__all__ = ["SCOPES", "Memory"]
