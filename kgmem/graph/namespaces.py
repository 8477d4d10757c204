"""Creating, listing, inspecting and deleting namespaces."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from kgmem.cypher import label_sets
from kgmem.errors import LimitExceeded
from kgmem.graph.graph_context import GraphContext
from kgmem.model import Namespace, NamespaceStats
from kgmem.schema import validate_namespace_name
from kgmem.storage import access_changes
from kgmem.storage.backups import integrity
from kgmem.storage.graph import namespaces as ns_store

MAX_DESCRIPTION = 2000


async def create(
    ctx: GraphContext, name: str, description: str = "", *, text_config: str = "english"
) -> Namespace:
    """Create namespace ``name``: its AGE graph, side tables and standing labels;
    its texts indexed under text search configuration ``text_config``."""
    validate_namespace_name(name)
    if len(description) > MAX_DESCRIPTION:
        raise LimitExceeded(f"description is longer than {MAX_DESCRIPTION} characters")
    async with ctx.db.transaction() as conn:
        ref = await ns_store.create(
            conn,
            name,
            description=description,
            dimension=ctx.dimension,
            hnsw=ctx.db.hnsw_build,
            text_config=text_config,
        )
        await ns_store.apply_schema(conn, ref, ctx.schema, ctx.db.labels)
        return await ns_store.get(conn, name)


async def list_all(ctx: GraphContext, only: Sequence[str] | None = None) -> list[Namespace]:
    """All namespaces, or only those named in ``only``."""
    async with ctx.db.acquire() as conn:
        return await ns_store.list_all(conn, list(only) if only is not None else None)


async def get(ctx: GraphContext, name: str) -> Namespace:
    """Namespace ``name``."""
    validate_namespace_name(name)
    async with ctx.db.acquire() as conn:
        return await ns_store.get(conn, name)


async def stats(ctx: GraphContext, name: str) -> NamespaceStats:
    """Counts and size of namespace ``name``, by label and type as written; a node with
    several labels counts under each of them (not under the composite AGE label that
    holds it), and a label or type AGE cannot hold under its name, not its stored one."""
    validate_namespace_name(name)
    async with ctx.db.transaction(readonly=True) as conn:
        ref = await ns_store.resolve(conn, name)
        found = await ns_store.stats(conn, ref)
    return replace(
        found,
        vertices=_with_declared(per_label(found.vertices), ctx.schema.vertices),
        edges=_with_declared(per_label(found.edges), ctx.schema.edges),
    )


def _with_declared(counts: Mapping[str, int], declared: Iterable[str]) -> dict[str, int]:
    """``counts`` with every label the graph schema declares, 0 where none is stored (a
    declared label's table is only made on its first use), by name."""
    merged = dict.fromkeys(declared, 0) | dict(counts)
    return dict(sorted(merged.items()))


def per_label(counts: Mapping[str, int]) -> dict[str, int]:
    """Counts by AGE label as counts by label (or type): each composite's count added to
    each of its labels, a one-part composite's to the name it stores
    (``kgmem.cypher.label_sets``)."""
    out: dict[str, int] = {}
    for name, n in counts.items():
        for label in label_sets.split(name):
            out[label] = out.get(label, 0) + n
    return out


async def delete(ctx: GraphContext, name: str) -> None:
    """Delete namespace ``name`` with everything in it. Every process is told first
    (``kgmem.keys.key_watch``): a transaction open on the namespace, which the deletion would
    wait for, is rolled back."""
    validate_namespace_name(name)
    async with ctx.db.acquire() as conn:
        await ns_store.resolve(conn, name)  # NamespaceNotFound: nothing to announce
        await access_changes.announce_namespace_deletion(conn, name)
    async with ctx.db.transaction() as conn:
        ref = await ns_store.resolve(conn, name)
        await ns_store.delete(conn, ref)
    ctx.db.labels.forget(ref)
    ctx.db.namespaces.forget(name)


async def apply_schema_everywhere(ctx: GraphContext) -> int:
    """Bring every namespace up to the current graph schema; returns how many there are."""
    async with ctx.db.acquire() as conn:
        names = [n.name for n in await ns_store.list_all(conn)]
    for name in names:
        async with ctx.db.transaction() as conn:
            ref = await ns_store.resolve(conn, name)
            await ns_store.apply_schema(conn, ref, ctx.schema, ctx.db.labels)
    return len(names)


async def check(ctx: GraphContext, name: str) -> dict[str, int]:
    """Orphan counts of namespace ``name`` (see ``kgmem.storage.backups.integrity``)."""
    validate_namespace_name(name)
    async with ctx.db.transaction(readonly=True) as conn:
        ref = await ns_store.resolve(conn, name)
        return await integrity.check(conn, ref)
