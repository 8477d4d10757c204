"""Trust in search results: the last step of a search, after fusion.

Every fact hit carries the trust and verification status consensus scoring stored for
it (``kgmem.verification``; none when the fact was never scored). ``min_trust`` drops
the fact hits below it, unscored ones included; entity and episode hits have no trust
and pass. ``order_by="trust"`` ranks the fused candidates by trust (highest first, the
fused score breaking ties) with the hits that have no trust after them in fused order;
both act on every eligible candidate before the top ``k`` is cut, so the ``k`` hits
returned are the best by the chosen order, not a re-sorted relevance top ``k``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from kgmem.errors import InvalidInput
from kgmem.model import SearchHit, SearchQuery
from kgmem.retrieval.fusion import Fused
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.truth import claims as score_store

ORDERS = ("score", "trust")

Trust = dict[int, tuple[float, str]]


def validate(q: SearchQuery) -> None:
    """Raise ``InvalidInput`` unless ``min_trust`` is a probability and ``order_by`` known."""
    m = q.min_trust
    if m is not None and (
        isinstance(m, bool)
        or not isinstance(m, int | float)
        or not math.isfinite(m)
        or not 0 <= m <= 1
    ):
        raise InvalidInput(f"min_trust must be a number in [0, 1]; got {m!r}", field="min_trust")
    if q.order_by not in ORDERS:
        raise InvalidInput(
            f"order_by must be one of {', '.join(ORDERS)}; got {q.order_by!r}", field="order_by"
        )


def _wants_all(q: SearchQuery) -> bool:
    return q.min_trust is not None or q.order_by == "trust"


async def rank(
    conn: Connection, ns: NamespaceRef, q: SearchQuery, fused: Sequence[Fused[Any]]
) -> list[Fused[Any]]:
    """The top ``q.k`` of ``fused`` after the trust filter and order. Only these read the
    stored trust first (one round trip); the hits' facts carry it when they are loaded
    (``kgmem.storage.graph.fact_reads.by_ids``), which is where ``attach`` takes it from."""
    if not _wants_all(q):
        return list(fused[: q.k])
    pool = list(fused)
    ids = [f.key[1] for f in pool if f.key[0] == "f"]
    trust: Trust = await score_store.trust_for(conn, ns, ids) if ids else {}
    if q.min_trust is not None:
        floor = q.min_trust
        pool = [f for f in pool if f.key[0] != "f" or _trust(f.key, trust) >= floor]
    if q.order_by == "trust":
        pool.sort(key=lambda f: (-_trust(f.key, trust), -f.score))
    return pool[: q.k]


def _trust(key: tuple[str, int], trust: Trust) -> float:
    """The trust of a candidate key; -1 for entities, episodes and unscored facts."""
    kind, element = key
    if kind != "f" or element not in trust:
        return -1.0
    return trust[element][0]


def attach(hits: Sequence[SearchHit]) -> list[SearchHit]:
    """``hits`` with each scored fact hit's trust and status, from its loaded fact."""
    out = []
    for hit in hits:
        fact = hit.fact
        if fact is None or fact.trust is None:
            out.append(hit)
            continue
        out.append(replace(hit, trust=fact.trust, status=fact.verification))
    return out
