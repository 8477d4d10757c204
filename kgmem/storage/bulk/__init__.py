"""Bulk writes for imports: one batch of vertices and edges, set-based, with COPY.

A batch is applied inside the caller's transaction, together with its journal row, so
it commits all or nothing. For each batch:

1. read what is stored for the batch's uids (graph id, label, properties);
2. new vertices: reserve graph ids from each label's sequence in one statement
   (``nextval`` over ``generate_series``), then COPY the label rows and the
   ``_kg_vertex`` side rows; changed vertices are updated with ``unnest`` updates,
   vertices whose label changed are moved set-based (edges, facts, claims and vectors
   re-pointed in one statement each); unchanged ones are not touched;
3. edges whose endpoints are unknown are returned as rejected; new edges get ids the
   same way and are COPYed into the edge label tables and ``_kg_fact``; claims link
   them to their source;
4. the terms the batch chose and its journal row are written.

The label and side rows have exactly the shape ``kgmem.storage.graph.vertices`` and
``kgmem.storage.graph.facts`` write, so Cypher sees an imported graph as it would see one
written through the API. COPY uses the text format: agtype and graphid parse their
text forms, and the rows are built from orjson output (no raw control characters).

The package's modules, by what they own: ``ops`` (what a batch writes), ``rows`` (COPY's
text format, graph ids, uid lists), ``vertices`` and ``edges`` (applying a batch),
``journal`` (committed batches, RDF terms, the type pass), ``graph_attributes`` (what
an import said of the whole graph), ``finish`` (statistics,
deferred indexes, texts waiting for their vectors) and ``import_jobs`` (the REST import
jobs every server process shares). Importers use the names below.
"""

from kgmem.storage.bulk.edges import write_edges
from kgmem.storage.bulk.finish import (
    LABEL_STATISTICS_TARGET,
    analyze_table,
    analyze_targets,
    count_pending_texts,
    defer_indexes,
    deferred_indexes,
    empty_tables,
    has_deferred_indexes,
    is_empty,
    label_kinds,
    pending_texts,
    restore_index,
)
from kgmem.storage.bulk.graph_attributes import read_graph_attributes, write_graph_attributes
from kgmem.storage.bulk.journal import (
    clear_types,
    commit_without_flush,
    committed_batches,
    first_types,
    lift_timeout,
    read_terms,
    record_batch,
    write_terms,
    write_types,
)
from kgmem.storage.bulk.ops import (
    DEFAULT_LABEL,
    BatchContext,
    BatchCounts,
    Describers,
    EdgeOp,
    ElementCounts,
    Revision,
    RevisionOp,
    VertexOp,
)
from kgmem.storage.bulk.restore import write_revisions
from kgmem.storage.bulk.vertices import write_vertices

__all__ = [
    "DEFAULT_LABEL",
    "LABEL_STATISTICS_TARGET",
    "BatchContext",
    "BatchCounts",
    "Describers",
    "EdgeOp",
    "ElementCounts",
    "Revision",
    "RevisionOp",
    "VertexOp",
    "analyze_table",
    "analyze_targets",
    "clear_types",
    "commit_without_flush",
    "committed_batches",
    "count_pending_texts",
    "defer_indexes",
    "deferred_indexes",
    "empty_tables",
    "first_types",
    "has_deferred_indexes",
    "is_empty",
    "label_kinds",
    "lift_timeout",
    "pending_texts",
    "read_graph_attributes",
    "read_terms",
    "record_batch",
    "restore_index",
    "write_edges",
    "write_graph_attributes",
    "write_revisions",
    "write_terms",
    "write_types",
    "write_vertices",
]
