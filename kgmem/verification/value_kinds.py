"""Each predicate's value kind in the store: declared in the graph schema, else read
from its claims (``kgmem.verification.inference``).

The kind of an undeclared predicate is read from the values of its first ``SAMPLE``
current, sourced facts by fact id: a full run reads them from the claim columns it
already holds, an incremental update or a read with one query
(``kgmem.storage.truth.value_samples``), so every path reads the same values and compares
the same way. Once a predicate has ``SAMPLE`` such facts its sample changes only when
one of them is closed, so the kind is kept per process (``GraphContext.value_kinds``)
and not read again; a full run reads it afresh. A predicate with fewer facts is read
each time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from kgmem.model import ValueKind
from kgmem.schema.graph_schema import GraphSchema, ValueType
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.truth import value_samples
from kgmem.storage.truth.score_columns import ClaimColumns
from kgmem.verification.inference import SAMPLE, Inferred, declared, infer

if TYPE_CHECKING:
    from kgmem.graph.graph_context import GraphContext


def read(schema: GraphSchema, predicate: str, texts: list[str]) -> Inferred:
    """``predicate``'s kind: declared, else inferred from ``texts`` (keeping any declared
    tolerances of an ``auto`` declaration)."""
    vtype = schema.value_type(predicate)
    if vtype.kind != "auto":
        return declared(vtype)
    found = infer(texts, predicate)
    return replace(found, vtype=replace(vtype, kind=found.vtype.kind))


async def kind_of(
    ctx: GraphContext, conn: Connection, ns: NamespaceRef, predicate: str
) -> Inferred:
    """``predicate``'s kind in ``ns`` (kept, or read with one query)."""
    if ctx.schema.value_type(predicate).kind != "auto":
        return read(ctx.schema, predicate, [])
    kept = ctx.value_kinds.get(ns, predicate)
    if isinstance(kept, Inferred):
        return kept
    texts = await value_samples.first_values(conn, ns, predicate, SAMPLE)
    found = read(ctx.schema, predicate, texts)
    _keep(ctx, ns, predicate, found, len(texts) >= SAMPLE)
    return found


def _keep(ctx: GraphContext, ns: NamespaceRef, predicate: str, found: Inferred, full: bool) -> None:
    """Keep ``found`` when it was read from a full sample, else forget any kept."""
    if full:
        ctx.value_kinds.keep(ns, predicate, found)
    else:
        ctx.value_kinds.forget(ns, predicate)


def from_columns(ctx: GraphContext, ns: NamespaceRef, cols: ClaimColumns) -> dict[str, Inferred]:
    """Every claimed predicate's kind, read from a full run's columns (and kept)."""
    facts, first = np.unique(cols.fact_id, return_index=True)
    objects = cols.object_id[first]
    labels = facts >> 48
    kinds: dict[str, Inferred] = {}
    for label in np.unique(labels).tolist():
        predicate = cols.predicates.get(int(label), str(label))
        sample = objects[labels == label][:SAMPLE].tolist()
        found = read(ctx.schema, predicate, [cols.values.get(int(o), "") for o in sample])
        _keep(ctx, ns, predicate, found, len(sample) >= SAMPLE)
        kinds[predicate] = found
    return kinds


def types_of(kinds: dict[str, Inferred], schema: GraphSchema) -> Callable[[str], ValueType]:
    """The comparison of each predicate: its kind's, else the declared one."""
    return lambda p: kinds[p].vtype if p in kinds else schema.value_type(p)


def public(predicate: str, found: Inferred) -> ValueKind:
    """``found`` as the answers show it."""
    return ValueKind(
        predicate=predicate,
        kind=found.kind,
        declared=found.declared,
        values=found.values,
        share=round(found.share, 4),
        evidence=found.evidence,
    )
