"""Forgetting an episode or a source with its trust kept consistent: the claims leave
their sources' sums first, the forgetting runs (``kgmem.ingest.forget``), then the data
items it touched are re-scored as a write re-scores its own
(``kgmem.verification.rescoring``)."""

from __future__ import annotations

from kgmem.graph import GraphContext
from kgmem.ingest import forget as forget_ops
from kgmem.ingest.forget import Forgotten
from kgmem.settings.config import VerificationSettings
from kgmem.verification import rescoring


async def episode(
    ctx: GraphContext, settings: VerificationSettings, namespace: str, uid: str
) -> Forgotten:
    """Forget episode ``uid`` and what only it supported, re-scoring what it touched."""
    await rescoring.before_forget(ctx, namespace, uid, settings)
    forgotten = await forget_ops.forget(ctx, namespace, uid)
    await rescoring.after_forget(ctx, namespace, forgotten.items, settings)
    return forgotten


async def source(
    ctx: GraphContext, settings: VerificationSettings, namespace: str, uid: str
) -> Forgotten:
    """Forget source ``uid`` with every claim it made, re-scoring what it touched."""
    forgotten = await forget_ops.forget_source(ctx, namespace, uid)
    await rescoring.after_forget(ctx, namespace, forgotten.items, settings)
    return forgotten
