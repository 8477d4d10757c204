"""Find what should not exist: side rows without their AGE element and the reverse,
facts pointing at missing vertices, vectors without their side row, claims pointing at
missing facts or vertices, fact revisions without their fact.

kgmem's own writes keep all of these at zero (tests check it). Graph elements created
or deleted through raw Cypher bypass the side tables, so this sweep is how to notice.
"""

from __future__ import annotations

import asyncpg

from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table

_CHECKS = {
    "side_vertices_without_graph_vertex": (
        "SELECT count(*) FROM {v} s WHERE NOT EXISTS (SELECT 1 FROM {gv} g WHERE g.id = s.id)"
    ),
    "graph_vertices_without_side_row": (
        "SELECT count(*) FROM {gv} g WHERE NOT EXISTS (SELECT 1 FROM {v} s WHERE s.id = g.id)"
    ),
    "side_facts_without_graph_edge": (
        "SELECT count(*) FROM {f} s WHERE NOT EXISTS (SELECT 1 FROM {ge} g WHERE g.id = s.id)"
    ),
    "graph_edges_without_side_row": (
        "SELECT count(*) FROM {ge} g WHERE NOT EXISTS (SELECT 1 FROM {f} s WHERE s.id = g.id)"
    ),
    "facts_with_missing_endpoint": (
        "SELECT count(*) FROM {f} s WHERE NOT EXISTS (SELECT 1 FROM {v} a WHERE a.id = "
        "s.subject_id) OR NOT EXISTS (SELECT 1 FROM {v} b WHERE b.id = s.object_id)"
    ),
    "vectors_without_side_row": (
        "SELECT (SELECT count(*) FROM {vv} x WHERE NOT EXISTS (SELECT 1 FROM {v} s "
        "WHERE s.id = x.id)) + (SELECT count(*) FROM {fv} x WHERE NOT EXISTS "
        "(SELECT 1 FROM {f} s WHERE s.id = x.id))"
    ),
    "revisions_without_fact": (
        "SELECT count(*) FROM {r} r WHERE NOT EXISTS (SELECT 1 FROM {f} f WHERE f.id = r.fact_id)"
    ),
    "withdrawn_claims_without_fact": (
        "SELECT count(*) FROM {h} h WHERE NOT EXISTS (SELECT 1 FROM {f} f WHERE f.id = h.fact_id)"
    ),
    "claims_with_missing_target": (
        "SELECT count(*) FROM {c} c WHERE NOT EXISTS (SELECT 1 FROM {f} f WHERE f.id = c.fact_id)"
        " OR (c.source_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {v} v WHERE v.id = "
        "c.source_id)) OR (c.episode_id IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM {v} v WHERE v.id = c.episode_id))"
    ),
}


async def check(conn: asyncpg.Connection, ns: NamespaceRef) -> dict[str, int]:
    """Count each kind of inconsistency in ``ns`` (all zero when healthy)."""
    names = {
        "v": table(ns.name, "_kg_vertex"),
        "f": table(ns.name, "_kg_fact"),
        "c": table(ns.name, "_kg_claim"),
        "r": table(ns.name, "_kg_fact_revision"),
        "h": table(ns.name, "_kg_claim_history"),
        "vv": table(ns.name, "_kg_vertex_vector"),
        "fv": table(ns.name, "_kg_fact_vector"),
        "gv": table(ns.name, "_ag_label_vertex"),
        "ge": table(ns.name, "_ag_label_edge"),
    }
    return {name: int(await conn.fetchval(sql.format(**names))) for name, sql in _CHECKS.items()}
