"""Re-scoring the data items a forgetting touched, as a write re-scores its own.

Forgetting an episode or a source removes claims (``kgmem.ingest.forget``): the items
of the facts it deleted and kept (subject, predicate) are re-scored one by one with the
incremental update of a write (``kgmem.verification.runs.update_item``), so trust is
consistent without a verification run, at a cost bounded by the items touched, not by
the namespace. Before an episode is forgotten, what its claims added to their sources'
stored sums and counts is taken out (``before_forget``), so the sources' reliabilities
no longer count them (a forgotten source's scores go with it)."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

import numpy as np

from kgmem.graph.graph_context import GraphContext
from kgmem.settings.config import VerificationSettings
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.truth import item_scores
from kgmem.storage.truth.claims import SourcePredicateScore, SourceScore
from kgmem.verification import predicate_scope, predicate_state, value_kinds
from kgmem.verification.claims import Estimator
from kgmem.verification.runs import contributed, estimator, index_claims, update_item

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
    for item in items:
        # As a write's update: a deadlock with a concurrent update runs it again.
        await ctx.db.in_transaction(functools.partial(_rescore, ctx, namespace, item, settings))


async def _rescore(
    ctx: GraphContext,
    namespace: str,
    item: tuple[int, str],
    settings: VerificationSettings,
    conn: Connection,
) -> None:
    """Re-score data item ``item`` (subject graph id, predicate) if it has facts left."""
    subject_id, predicate = item
    ns = await ctx.db.namespaces.resolve(conn, namespace)
    fact_id = await item_scores.item_fact(conn, ns, subject_id, predicate)
    if fact_id is not None:
        await update_item(ctx, conn, ns, (fact_id, predicate), NO_NEW_CLAIM, settings=settings)


async def before_forget(
    ctx: GraphContext, namespace: str, episode: str, settings: VerificationSettings
) -> None:
    """When writes re-score their items, take the claims episode ``episode`` made out of
    their sources' stored sums and counts before it is forgotten (each data item in its
    own transaction), so that a source's reliability no longer counts them."""
    if not settings.update_on_write:
        return
    async with ctx.db.transaction() as conn:
        ns = await ctx.db.namespaces.resolve(conn, namespace)
        said = await item_scores.episode_claims(conn, ns, episode)
    items: dict[tuple[int, str], Counter[tuple[int, int]]] = {}
    for fact_id, predicate, subject_id, source_id in said:
        items.setdefault((subject_id, predicate), Counter())[(fact_id, source_id)] += 1
    for (_, predicate), claims in items.items():
        async with ctx.db.transaction() as conn:
            ns = await ctx.db.namespaces.resolve(conn, namespace)
            fact = (next(iter(claims))[0], predicate)
            await _withdraw(ctx, conn, ns, fact, claims, settings)


async def _withdraw(
    ctx: GraphContext,
    conn: Connection,
    ns: NamespaceRef,
    fact: tuple[int, str],
    said: Counter[tuple[int, int]],
    settings: VerificationSettings,
) -> None:
    """Take the claims ``said`` (fact id, source id: how many) out of the item of
    ``fact``: what they added to their sources' sums at their facts' stored trust, and
    their count; a source's reliability follows its sums."""
    has_source = await ctx.db.labels.has(conn, ns, "Source")
    item = await item_scores.item_state(conn, ns, *fact, source_label=has_source, async_commit=True)
    pairs = list(zip(item.rows.fact_id, item.rows.source_id, strict=True))
    present = Counter(pairs)
    gone = {pair for pair, n in said.items() if present[pair] <= n}  # no other claim stays
    if not gone:
        return
    kind = await value_kinds.kind_of(ctx, conn, ns, fact[1])
    indexed = index_claims(
        item.rows,
        item.unscored,
        functional=ctx.schema.is_functional,
        default_prior=settings.default_reliability,
        priors={sid: s.prior for sid, s in item.stored.items()},
        value_type=lambda _: kind.vtype,  # as a write's update compares them
    )
    p = estimator()
    scored = [k for k, (f, _) in enumerate(pairs) if f in item.old_estimate]
    hit, weight = contributed(indexed, scored, item.old_estimate, p)
    kept_hit, kept_weight = contributed(
        indexed, [k for k in scored if pairs[k] not in gone], item.old_estimate, p
    )
    sources: list[SourceScore] = []
    on_predicate: list[SourcePredicateScore] = []
    for k, sid in enumerate(indexed.source_ids):
        stored = item.stored.get(sid)
        lost = sum(1 for _, s in gone if s == sid)
        if stored is None or not lost:
            continue
        less = (kept_hit[k] - hit[k], kept_weight[k] - weight[k])
        smaller = _smaller(stored, stored.hit + less[0], stored.weight + less[1], lost, p)
        own = item.by_predicate.get(sid)
        if p.per_predicate and own is not None:
            pair = _smaller_pair(own, smaller, less, lost, p)
            smaller = predicate_state.whole(item, smaller, pair)
            on_predicate.append(pair)
        sources.append(smaller)
    await item_scores.store_item(conn, ns, [], sources, on_predicate)


def _smaller_pair(
    own: SourcePredicateScore,
    whole: SourceScore,
    less: tuple[float, float],
    lost: int,
    p: Estimator,
) -> SourcePredicateScore:
    """A source's row on one predicate with its sums lowered by ``less`` (hit, weight)
    and ``lost`` claims, its reliability what they and the source's new sums over all
    predicates (``whole``) give."""
    hit, weight = max(own.hit + less[0], 0.0), max(own.weight + less[1], 0.0)
    prior = np.asarray(min(max(whole.prior, 0.01), 0.99))
    reliability = predicate_scope.accuracy(
        p,
        (np.asarray(hit), np.asarray(weight)),
        (np.asarray(whole.hit), np.asarray(whole.weight)),
        prior,
    )
    return replace(
        own,
        reliability=float(reliability),
        hit=hit,
        weight=weight,
        claims=max(own.claims - lost, 0),
    )


def _smaller(
    stored: SourceScore, hit: float, weight: float, lost: int, p: Estimator
) -> SourceScore:
    """``stored`` with its sums and claim count lowered (never below zero), its
    reliability what they give."""
    hit, weight = max(hit, 0.0), max(weight, 0.0)
    prior = min(max(stored.prior, 0.01), 0.99)
    a = float(p.strength(np.asarray(weight)))
    reliability = (hit + a * prior) / (weight + a)
    return replace(
        stored,
        reliability=min(max(reliability, 1 - p.max_accuracy), p.max_accuracy),
        hit=hit,
        weight=weight,
        claims=max(stored.claims - lost, 0),
    )
