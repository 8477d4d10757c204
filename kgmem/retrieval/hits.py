"""From eligible candidates to hits: fuse the axes, ask whether a lone vector axis's
short probe decided its top k, and load the ranked elements as ``SearchHit``s."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import partial
from typing import Any

from kgmem.model import Axis, Fact, SearchHit
from kgmem.retrieval import (
    answer_types,
    decay,
    first_person,
    named_times,
    nearby,
    present,
    speakers,
)
from kgmem.retrieval import statement_favouring as statements
from kgmem.retrieval.candidates import Candidates
from kgmem.retrieval.eligibility import Eligible
from kgmem.retrieval.fusion import Feature, Fused, fuse
from kgmem.retrieval.plan import VECTOR, SearchPlan
from kgmem.retrieval.scope import EPISODE, Key
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.graph import fact_reads
from kgmem.storage.graph import vertices as vertex_store
from kgmem.storage.indexes import candidates as cand


def fused(
    plan: SearchPlan,
    found: Candidates,
    eligible: Eligible,
    features: Sequence[Feature[Key]] = (),
) -> list[Fused[Key]]:
    """The eligible candidates fused, best first (ties by kind and uid); ``features``:
    the ``minmax`` fusion's further features (``kgmem.retrieval.words``)."""
    keys: set[Key] = {("v", i) for i in eligible.vertices} | {("f", i) for i in eligible.facts}
    order = {
        **{("v", i): ("v", v.uid) for i, v in eligible.vertices.items()},
        **{("f", i): ("f", f.uid) for i, f in eligible.facts.items()},
    }
    weights = {axis: plan.query.weights.of(_axis(axis)) for axis in found.axes}
    # The ranked axes stop at ``limit``; the others return every candidate they score.
    cut = [a for a in ("keyword", VECTOR) if len(found.axes.get(a, ())) >= plan.limit]
    # The nearby features belong to fusion: an axis searched alone ranks by its own scores.
    near = nearby.of(plan.query.weights, eligible.vertices) if len(found.axes) > 1 else None
    return fuse(
        found.axes,
        weights,
        method=plan.query.fusion,
        order=order,
        eligible=keys,
        cut=cut,
        nearby=near,
        features=features,
    )


REASONS = {
    **nearby.REASONS,
    speakers.NAME: speakers.REASON,
    statements.NAME: statements.REASON,
    first_person.NAME: first_person.REASON,
    present.NAME: present.REASON,
    answer_types.NAME: answer_types.REASON,
    named_times.NAME: named_times.REASON,
}


def explain(feature: str, value: float) -> str:
    """Why a fusion feature (``Fused.features``) added ``value`` to a hit's score."""
    return REASONS.get(feature, "{value:.2f}").format(value=value)


def _axis(name: str) -> Axis:
    return name  # type: ignore[return-value]


def short_probe_decides(
    plan: SearchPlan, found: Candidates, ranked: list[Fused[Key]], decayed: decay.Decayed
) -> bool:
    """Whether the short probe of a lone vector axis gives the hits the full one would.

    The full probe's rows of a kind extend the short one's (one HNSW scan, cut later),
    so only a kind whose short probe came back full can hide better candidates, and
    they are no more similar than its last row. The top k is decided when k candidates
    are eligible and the k-th is strictly more similar than the last row of every such
    kind (an equal one could win the tie on uid)."""
    k = plan.query.k
    if decayed:  # decayed scores no longer follow the similarity the probe cut at
        return False
    full = [last for rows, last in found.probed if rows >= plan.short]
    if not full:
        return True
    if len(ranked) < k:
        return False
    kth = found.axes[VECTOR][ranked[k - 1].key].score
    return all(kth > _clip(last) for last in full)


def _clip(value: float) -> float:
    return min(1.0, max(0.0, value))


def _as_judged(fact: Fact, judged: cand.FactInfo | None) -> Fact:
    """The fact with the validity it was judged by: the version believed at the
    query's known time, when one was asked (the same as stored otherwise)."""
    if judged is None:
        return fact
    seen = (judged.valid_from, judged.valid_to, judged.expired_at)
    if seen == (fact.valid_from, fact.valid_to, fact.expired_at):
        return fact
    return dataclasses.replace(
        fact, valid_from=judged.valid_from, valid_to=judged.valid_to, expired_at=judged.expired_at
    )


async def load(
    conn: Connection,
    ns: NamespaceRef,
    found: Candidates,
    ranked: list[Any],
    eligible: Eligible,
) -> list[SearchHit]:
    """The ranked candidates as hits, in order (entities the vector probe loaded are
    not read again)."""
    vids = [f.key[1] for f in ranked if f.key[0] == "v"]
    fids = [f.key[1] for f in ranked if f.key[0] == "f"]
    entities = {i: found.entities[i] for i in vids if i in found.entities}
    if missing := [i for i in vids if i not in entities]:
        entities.update(await vertex_store.by_ids(conn, ns, missing))
    facts = await fact_reads.by_ids(conn, ns, fids) if fids else {}
    # Outside a transaction an element can be deleted after the filter stage read it:
    # it is left out and the ranks stay consecutive.
    ranked = [f for f in ranked if f.key[1] in (entities if f.key[0] == "v" else facts)]
    hits = []
    for rank, one in enumerate(ranked, start=1):
        kind, element = one.key
        present = {a: found.axes[a][one.key] for a in one.axis_ranks}
        scores = {a: round(s.score, 6) for a, s in present.items()}
        reasons = {a: s.reason for a, s in present.items()}
        for name, value in one.features.items():
            scores[name] = round(value, 6)
            reasons[name] = explain(name, value)
        hit = partial(
            SearchHit,
            score=one.score,
            rank=rank,
            scores=scores,
            reasons=reasons,
            relevance=round(one.relevance, 6),
        )
        if kind == "v":
            entity = entities[element]
            episode = entity.label == EPISODE
            hits.append(hit(kind="episode" if episode else "entity", uid=entity.uid, entity=entity))
        else:
            fact = _as_judged(facts[element], eligible.facts.get(element))
            hits.append(hit(kind="fact", uid=fact.uid, fact=fact))
    return hits
