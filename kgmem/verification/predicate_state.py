"""The stored state of reliability per (source, predicate) (``Estimator.per_predicate``):
what a full run writes for each pair, what an incremental update of one item starts
from and what it writes back.

A full run stores each pair's accuracy with its sums (``hit``, ``weight``), claims
and copy dependence, and the dependent pairs per predicate, beside the per-source rows
(each source's reliability the claim-weighted mean of its pairs'). An incremental
update of an item moves its sources' accuracies on the item's predicate only, drawn
toward their accuracies over all predicates (``consensus.settle``); a source's
reliability over all predicates then follows the weighted mean with the other pairs
held. A pair never scored (a source new on the predicate) starts from empty sums. A
namespace without any pair rows (migrated without a full run since, or last scored by
an estimator with one reliability per source) is updated per source, as before."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from kgmem.storage.truth.claims import SourcePredicateScore, SourceScore
from kgmem.storage.truth.item_scores import ItemState
from kgmem.verification import consensus
from kgmem.verification.claims import Estimator, Floats, Ints, Scores


def item_predicates(item_keys: Sequence[tuple[int, str]]) -> Ints:
    """Each item's predicate as an index (in order of first appearance)."""
    index: dict[str, int] = {}
    return np.asarray([index.setdefault(p, len(index)) for _, p in item_keys], dtype=np.int64)


def predicate_names(item_keys: Sequence[tuple[int, str]]) -> list[str]:
    """The predicates by their index of ``item_predicates``."""
    return list(dict.fromkeys(p for _, p in item_keys))


def full_rows(
    source_ids: Sequence[int], item_keys: Sequence[tuple[int, str]], scores: Scores
) -> tuple[list[SourcePredicateScore], list[tuple[int, int, str, float]]]:
    """A full run's per-(source, predicate) rows and dependent pairs (none when the
    estimator kept one reliability per source)."""
    rows = scores.per_predicate
    if rows is None:
        return [], []
    names = predicate_names(item_keys)
    out = [
        SourcePredicateScore(
            source_id=source_ids[s],
            predicate=names[p],
            reliability=float(np.clip(r, 0.0, 1.0)),
            hit=float(h),
            weight=float(w),
            claims=int(c),
            copying=float(y),
        )
        for s, p, r, h, w, c, y in zip(
            rows.source.tolist(),
            rows.predicate.tolist(),
            rows.reliability.tolist(),
            rows.hit.tolist(),
            rows.weight.tolist(),
            rows.claims.tolist(),
            rows.copying.tolist(),
            strict=True,
        )
    ]
    pairs = [(source_ids[a], source_ids[b], names[p], d) for a, b, p, d in rows.dependence]
    return out, pairs


def start(item: ItemState, source_ids: Sequence[int], prior: Floats) -> tuple[Floats, Floats]:
    """Each source's stored accuracy and copy dependence on the item's predicate (a
    pair never scored: the source's reliability over all predicates, else its prior;
    no copying)."""
    accuracy, copying = [], []
    for k, sid in enumerate(source_ids):
        own, whole = item.by_predicate.get(sid), item.stored.get(sid)
        accuracy.append(own.reliability if own else whole.reliability if whole else prior[k])
        copying.append(own.copying if own else 0.0)
    return np.asarray(accuracy, dtype=np.float64), np.asarray(copying, dtype=np.float64)


def own_base(
    item: ItemState, source_ids: Sequence[int], old: tuple[Floats, Floats]
) -> tuple[Floats, Floats]:
    """Each source's sums on the item's predicate without what the item's claims
    contributed before (``old``: hit and weight), never below zero."""
    hit = np.array([_own(item, s).hit for s in source_ids]) - old[0]
    weight = np.array([_own(item, s).weight for s in source_ids]) - old[1]
    return np.maximum(hit, 0.0), np.maximum(weight, 0.0)


def settled(
    item: ItemState, sources: Sequence[SourceScore], scores: Scores, state: consensus.LocalState
) -> tuple[list[SourceScore], list[SourcePredicateScore]]:
    """The item's sources' new rows after ``consensus.settle`` from ``state`` (with
    ``state.own`` set): over all predicates (``sources``, their reliability then the
    weighted mean of their pairs', ``whole``) and on the item's predicate."""
    assert state.own is not None
    added = (scores.source_hit - state.base_hit, scores.source_weight - state.base_weight)
    pairs = []
    for k, source in enumerate(sources):
        before = _own(item, source.source_id)
        stored = item.stored.get(source.source_id)
        pairs.append(
            SourcePredicateScore(
                source_id=source.source_id,
                predicate=before.predicate,
                reliability=float(np.clip(scores.reliability[k], 0.0, 1.0)),
                hit=float(state.own[0][k] + added[0][k]),
                weight=float(state.own[1][k] + added[1][k]),
                claims=before.claims + source.claims - (stored.claims if stored else 0),
                copying=float(scores.copying[k]),
            )
        )
    return [whole(item, s, pair) for s, pair in zip(sources, pairs, strict=True)], pairs


def whole_reliability(
    before: SourceScore | None,
    pair: tuple[SourcePredicateScore, SourcePredicateScore],
    weight: float,
    prior: float,
) -> float:
    """A source's reliability over all predicates after its pair on one predicate went
    from ``pair[0]`` to ``pair[1]`` (``weight``: its new total weight): the
    claim-weighted mean of its pairs' reliabilities, the others held; its prior when it
    has no weight."""
    if weight <= 0:
        return prior
    total = before.reliability * before.weight if before is not None else 0.0
    old, new = pair
    total += new.reliability * new.weight - old.reliability * old.weight
    return float(np.clip(total / weight, 0.0, 1.0))


def local_state(
    item: ItemState,
    ids: Sequence[int],
    prior: Floats,
    old: tuple[Floats, Floats],
    p: Estimator,
) -> consensus.LocalState:
    """What ``consensus.settle`` starts from: the item's sources' stored accuracies,
    copying and pairs, and their sums without the item's former claims; on the item's
    predicate with the per-predicate options when the namespace keeps per-predicate
    rows (else per source, as a store migrated without a full run since, or scored by
    an estimator that learns one reliability per source, keeps them)."""
    stored = item.stored
    base_hit = np.array([stored[s].hit if s in stored else 0.0 for s in ids]) - old[0]
    base_weight = np.array([stored[s].weight if s in stored else 0.0 for s in ids]) - old[1]
    if p.per_predicate and item.per_predicate:
        accuracy, copying = start(item, ids, prior)
        pairs, own = item.predicate_dependence, own_base(item, ids, old)
    else:
        accuracy = np.array(
            [stored[s].reliability if s in stored else prior[k] for k, s in enumerate(ids)]
        )
        copying = np.array([stored[s].copying if s in stored else 0.0 for s in ids])
        pairs, own = item.dependence, None
    position = {sid: k for k, sid in enumerate(ids)}
    return consensus.LocalState(
        accuracy=accuracy,
        copying=copying,
        base_hit=base_hit,
        base_weight=base_weight,
        pairs={
            (min(position[a], position[b]), max(position[a], position[b])): dep
            for a, b, dep in (pairs if p.detect_copies else [])
        },
        own=own,
    )


def whole(item: ItemState, score: SourceScore, pair: SourcePredicateScore) -> SourceScore:
    """A source's row over all predicates after an update of its row on one: its
    reliability the weighted mean of its pairs' (``predicate_state.whole_reliability``),
    its copying as stored."""
    before = item.stored.get(score.source_id)
    old = item.by_predicate.get(score.source_id) or replace(pair, reliability=0.0, weight=0.0)
    return replace(
        score,
        reliability=whole_reliability(before, (old, pair), score.weight, score.prior),
        copying=before.copying if before is not None else score.copying,
    )


def _own(item: ItemState, source_id: int) -> SourcePredicateScore:
    """A source's stored row on the item's predicate (empty when never scored)."""
    found = item.by_predicate.get(source_id)
    if found is not None:
        return found
    predicate = item.rows.predicate[0] if item.rows.predicate else ""
    return SourcePredicateScore(source_id, predicate, 0.0, 0.0, 0.0, 0, 0.0)
