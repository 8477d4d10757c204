"""Re-scoring the data items a forgetting touched, as a write re-scores its own.

Forgetting an episode or a source removes claims (``kgmem.ingest.forget``): the items
of the facts it deleted and kept (subject, predicate) are re-scored one by one with the
incremental update of a write (``kgmem.verification.runs.update_item``), so trust is
consistent without a verification run, at a cost bounded by the items touched, not by
the namespace."""

from __future__ import annotations

from collections.abc import Iterable

from kgmem.config import VerificationSettings
from kgmem.graph.context import GraphContext
from kgmem.storage import item_scores
from kgmem.verification.runs import update_item

NO_NEW_CLAIM = ""
"""The source uid given to the update: none (no claim is new after a forgetting)."""


async def after_forget(
    ctx: GraphContext,
    namespace: str,
    items: Iterable[tuple[int, str]],
    settings: VerificationSettings,
) -> None:
    """When writes re-score their items (``settings.update_on_write``), re-score each
    data item (subject graph id, predicate) of ``items`` that still has facts, each
    in its own transaction (as a write's update locks its sources' scores)."""
    if not settings.update_on_write:
        return
    for subject_id, predicate in items:
        async with ctx.db.transaction() as conn:
            ns = await ctx.db.namespaces.resolve(conn, namespace)
            fact_id = await item_scores.item_fact(conn, ns, subject_id, predicate)
            if fact_id is not None:
                await update_item(
                    ctx, conn, ns, (fact_id, predicate), NO_NEW_CLAIM, settings=settings
                )
