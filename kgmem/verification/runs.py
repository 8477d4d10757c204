"""Scoring a namespace: a full run over every claim, or an incremental update of one
data item after a new claim.

A full run pulls every sourced claim on a current fact as arrays, runs
``consensus.estimate`` in numpy and writes the scores back in batches. An
incremental update re-scores one item (subject, predicate) with the stored source
reliabilities held fixed, then moves each of the item's sources by what its claims on
this item now contribute (the stored sums ``hit`` and ``weight`` make that exact for
one source step), and repeats this local step a few times. Other items keep their
scores until the next full run; the test suite bounds the difference. With reliability
per (source, predicate) (``Estimator.per_predicate``) the full run stores each pair and
the update moves the item's sources on its predicate
(``kgmem.verification.predicate_state``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from kgmem.errors import KgmemError
from kgmem.graph.graph_context import GraphContext
from kgmem.model import TrustCalibration, VerificationRun
from kgmem.schema.graph_schema import ValueType
from kgmem.settings.config import VerificationSettings
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.graph import namespaces
from kgmem.storage.graph.namespace_cache import is_missing_namespace
from kgmem.storage.truth import claims as store
from kgmem.storage.truth import item_scores, score_columns
from kgmem.storage.truth.claims import (
    ClaimRows,
    FactScore,
    SourceInfo,
    SourcePredicateScore,
    SourceScore,
)
from kgmem.storage.truth.score_columns import ClaimColumns, FactScoreColumns
from kgmem.verification import (
    calibration,
    calibration_scope,
    consensus,
    estimators,
    predicate_state,
    value_kinds,
)
from kgmem.verification.canonical import key as canonical_key
from kgmem.verification.claims import ClaimArrays, Estimator, Ints, Scores
from kgmem.verification.estimators import Choice, by_kind, ltm
from kgmem.verification.status import status_of, statuses

LOCAL_ROUNDS = 3


@dataclass(frozen=True, slots=True)
class Indexed:
    """Claim rows turned into ``ClaimArrays``, with the ids behind each index."""

    arrays: ClaimArrays
    fact_value: dict[int, int]
    source_ids: list[int]
    item_keys: list[tuple[int, str]]


def index_claims(
    rows: ClaimRows,
    sources: Sequence[SourceInfo],
    *,
    functional: Callable[[str], bool],
    default_prior: float,
    priors: dict[int, float] | None = None,
    value_type: Callable[[str], ValueType] = lambda _: ValueType(),
) -> Indexed:
    """Arrays for ``consensus`` from claim rows: items by (subject, predicate), values by
    canonical key (of the predicate's value type) within an item, sources grouped by
    their declared kind."""
    items: dict[tuple[int, str], int] = {}
    values: dict[tuple[int, str], int] = {}
    source_index: dict[int, int] = {}
    claim_value: list[int] = []
    claim_source: list[int] = []
    value_item: list[int] = []
    value_text: list[str] = []
    fact_value: dict[int, int] = {}
    for fact, subject, predicate, value, source in zip(
        rows.fact_id, rows.subject_id, rows.predicate, rows.value, rows.source_id, strict=True
    ):
        item = items.setdefault((subject, predicate), len(items))
        key = (item, canonical_key(value, value_type(predicate)))
        v = values.get(key)
        if v is None:
            v = values[key] = len(value_text)
            value_item.append(item)
            value_text.append(value)
        fact_value[fact] = v
        claim_value.append(v)
        claim_source.append(source_index.setdefault(source, len(source_index)))
    source_ids = list(source_index)
    prior, group = _source_priors(source_ids, sources, default_prior, priors)
    keys = list(items)
    arrays = ClaimArrays(
        claim_value=np.asarray(claim_value, dtype=np.int64),
        claim_source=np.asarray(claim_source, dtype=np.int64),
        claim_weight=np.asarray(rows.weight, dtype=np.float64),
        claim_order=np.arange(len(claim_value), dtype=np.int64),
        value_item=np.asarray(value_item, dtype=np.int64),
        value_text=value_text,
        item_functional=np.asarray([functional(p) for _, p in keys], dtype=np.bool_),
        source_prior=np.asarray(prior, dtype=np.float64),
        source_group=np.asarray(group, dtype=np.int64),
        item_type=tuple(value_type(p) for _, p in keys),
        item_predicate=predicate_state.item_predicates(keys),
    )
    return Indexed(arrays, fact_value, source_ids, keys)


def index_columns(
    cols: ClaimColumns,
    sources: Sequence[SourceInfo],
    *,
    functional: Callable[[str], bool],
    default_prior: float,
    value_type: Callable[[str], ValueType] = lambda _: ValueType(),
) -> tuple[Indexed, Ints, Ints]:
    """``index_claims`` for a full run's columns, vectorised: the same items, values and
    source order (each numbered by first appearance). Also returns the distinct fact
    ids (in first appearance) and each one's value."""
    n = len(cols.fact_id)
    label = cols.label
    subject = _first_codes(cols.subject_id)
    label_code = _first_codes(label)
    n_labels = int(label_code.max()) + 1 if n else 0
    item = _first_codes(subject * max(n_labels, 1) + label_code)
    # Objects with the same canonical key (by the predicate's value type) are one value.
    pairs = _first_codes(_first_codes(cols.object_id) * max(n_labels, 1) + label_code)
    first_pair = _firsts(pairs)
    key_of: dict[str, int] = {}
    pair_key = np.array(
        [
            key_of.setdefault(
                canonical_key(cols.values.get(o, ""), value_type(cols.predicates.get(lb, str(lb)))),
                len(key_of),
            )
            for o, lb in zip(
                cols.object_id[first_pair].tolist(), label[first_pair].tolist(), strict=True
            )
        ],
        dtype=np.int64,
    )
    value = _first_codes(item * max(len(key_of), 1) + pair_key[pairs])
    first_value = _firsts(value)
    source = _first_codes(cols.source_id)
    source_ids = cols.source_id[_firsts(source)].tolist()
    first_item = _firsts(item)
    item_keys = [
        (int(s), cols.predicates.get(int(lb), str(lb)))
        for s, lb in zip(
            cols.subject_id[first_item].tolist(), label[first_item].tolist(), strict=True
        )
    ]
    prior, group = _source_priors(source_ids, sources, default_prior)
    arrays = ClaimArrays(
        claim_value=value,
        claim_source=source,
        claim_weight=cols.weight,
        claim_order=np.arange(n, dtype=np.int64),
        value_item=item[first_value],
        value_text=[cols.values.get(int(o), "") for o in cols.object_id[first_value].tolist()],
        item_functional=np.asarray([functional(p) for _, p in item_keys], dtype=np.bool_),
        source_prior=np.asarray(prior, dtype=np.float64),
        source_group=np.asarray(group, dtype=np.int64),
        item_type=tuple(value_type(p) for _, p in item_keys),
        item_predicate=predicate_state.item_predicates(item_keys),
    )
    first_fact = _firsts(_first_codes(cols.fact_id))
    facts, fact_values = cols.fact_id[first_fact], value[first_fact]
    fact_value = dict(zip(facts.tolist(), fact_values.tolist(), strict=True))
    return Indexed(arrays, fact_value, source_ids, item_keys), facts, fact_values


def _source_priors(
    source_ids: Sequence[int],
    sources: Sequence[SourceInfo],
    default_prior: float,
    stored: Mapping[int, float] | None = None,
) -> tuple[list[float], list[int]]:
    """Per source, in order: its prior (declared, else ``stored``, else the default)
    and its group (sources without a declared prior grouped by kind; -1 for none)."""
    info = {s.id: s for s in sources}
    kinds: dict[str, int] = {}
    prior: list[float] = []
    group: list[int] = []
    for sid in source_ids:
        s = info.get(sid)
        declared = s.prior if s is not None else None
        prior.append(declared if declared is not None else (stored or {}).get(sid) or default_prior)
        kind = s.kind if s is not None and declared is None else None
        group.append(kinds.setdefault(kind, len(kinds)) if kind else -1)
    return prior, group


def _first_codes(keys: Ints) -> Ints:
    """Each key's number among the distinct keys, numbered by first appearance."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    out: Ints = rank[inverse.reshape(-1)]
    return out


def _firsts(codes: Ints) -> Ints:
    """The position of the first occurrence of each code 0..max (codes by first
    appearance, so these positions are increasing)."""
    if not len(codes):
        return np.zeros(0, dtype=np.int64)
    out: Ints = np.flatnonzero(np.r_[True, codes[1:] > np.maximum.accumulate(codes)[:-1]])
    return out


def fact_score_columns(
    facts: Ints, fact_values: Ints, scores: Scores, settings: VerificationSettings
) -> FactScoreColumns:
    """The stored scores of every fact, as columns."""
    trust = np.clip(scores.trust[fact_values], 0.0, 1.0)
    support = scores.support[fact_values]
    contradiction = scores.contradiction[fact_values]
    chosen = np.zeros(len(scores.trust), dtype=np.bool_)
    chosen[scores.chosen[scores.chosen >= 0]] = True
    return FactScoreColumns(
        fact_id=facts,
        trust=trust,
        support=support,
        contradiction=contradiction,
        consensus=scores.consensus[fact_values],
        status=statuses(scores.trust[fact_values], support, contradiction, settings),
        chosen=chosen[fact_values],
        estimate=scores.estimated[fact_values],
    )


def fact_scores(
    indexed: Indexed, scores: Scores, settings: VerificationSettings
) -> list[FactScore]:
    """One stored score per fact, from its value's scores."""
    out = []
    chosen = set(scores.chosen.tolist())
    for fact, v in indexed.fact_value.items():
        trust, support = float(scores.trust[v]), float(scores.support[v])
        contradiction = int(scores.contradiction[v])
        out.append(
            FactScore(
                fact_id=fact,
                trust=min(max(trust, 0.0), 1.0),
                support=support,
                contradiction=contradiction,
                consensus=float(scores.consensus[v]),
                status=status_of(trust, support, contradiction, settings),
                chosen=v in chosen,
                estimate=float(scores.estimated[v]),
            )
        )
    return out


def source_scores(indexed: Indexed, scores: Scores, counts: Sequence[int]) -> list[SourceScore]:
    """One stored score per source (with the names model's rates when it ran)."""
    rates = scores.name_rates
    return [
        SourceScore(
            source_id=sid,
            reliability=float(scores.reliability[k]),
            prior=float(np.clip(scores.source_prior[k], 0.01, 0.99)),
            hit=float(scores.source_hit[k]),
            weight=float(scores.source_weight[k]),
            claims=int(counts[k]),
            copying=float(scores.copying[k]),
            names_sensitivity=None if rates is None else float(rates[0][k]),
            names_false_positive=None if rates is None else float(rates[1][k]),
        )
        for k, sid in enumerate(indexed.source_ids)
    ]


async def full(
    ctx: GraphContext,
    namespace: str,
    settings: VerificationSettings,
    params: Estimator | None = None,
) -> VerificationRun:
    """Re-score every claim of ``namespace`` and replace the stored scores."""
    started = time.perf_counter()
    async with ctx.db.acquire() as conn:
        ns = await namespaces.resolve(conn, namespace)
        cols = await score_columns.claim_columns(conn, ns)
        sources = await store.sources(conn, ns)
    read = time.perf_counter()
    kinds = value_kinds.from_columns(ctx, ns, cols)
    indexed, facts, fact_values = index_columns(
        cols,
        sources,
        functional=ctx.schema.is_functional,
        default_prior=settings.default_reliability,
        value_type=value_kinds.types_of(kinds, ctx.schema),
    )
    scored = _estimate(indexed, facts, fact_values, settings, params)
    computed = time.perf_counter()
    async with ctx.db.transaction() as conn:
        await score_columns.replace_all_columns(
            conn,
            ns,
            scored.facts,
            scored.sources,
            scored.pairs,
            by_predicate=scored.by_predicate,
        )
    return VerificationRun(
        namespace=namespace,
        claims=len(cols.fact_id),
        facts=len(indexed.fact_value),
        items=len(indexed.item_keys),
        sources=len(indexed.source_ids),
        dependent_pairs=len(scored.pairs),
        iterations=scored.iterations,
        seconds=time.perf_counter() - started,
        read_seconds=read - started,
        compute_seconds=computed - read,
        write_seconds=time.perf_counter() - computed,
        value_kinds=tuple(value_kinds.public(p, k) for p, k in sorted(kinds.items())),
        calibration=scored.calibration,
    )


@dataclass(frozen=True, slots=True)
class _Scored:
    """A full run's results, ready to store."""

    facts: FactScoreColumns
    sources: list[SourceScore]
    pairs: list[tuple[int, int, float]]
    iterations: int
    calibration: tuple[TrustCalibration, ...]
    by_predicate: tuple[list[SourcePredicateScore], list[tuple[int, int, str, float]]] = ([], [])


def _estimate(
    indexed: Indexed,
    facts: Ints,
    fact_values: Ints,
    settings: VerificationSettings,
    params: Estimator | None,
) -> _Scored:
    """Run the estimator over ``indexed``; a namespace without sourced claims (empty,
    or facts that no source asserted) has nothing to estimate and scores nothing."""
    if not len(facts):
        empty = np.zeros(0)
        columns = FactScoreColumns(
            fact_id=facts,
            trust=empty,
            support=empty,
            contradiction=np.zeros(0, dtype=np.int64),
            consensus=empty,
            status=[],
            chosen=np.zeros(0, dtype=np.bool_),
            estimate=empty,
        )
        return _Scored(columns, [], [], 0, ())
    choice = Choice("accu", params) if params else estimators.CHOSEN[settings.estimator]
    scores = estimators.estimate(indexed.arrays, choice)
    items = indexed.arrays.value_item
    states, calibrated = calibration_scope.per_predicate(
        settings, [p for _, p in indexed.item_keys], items[fact_values]
    )
    if settings.calibration_file is not None:
        cal = calibration.load(settings.calibration_file)
        trust = calibration_scope.apply(
            cal, (scores.trust, scores.chosen), calibrated[items], indexed.arrays
        )
        scores = replace(scores, trust=trust)
    counts = np.bincount(indexed.arrays.claim_source, minlength=len(indexed.source_ids))
    ids = indexed.source_ids
    return _Scored(
        facts=fact_score_columns(facts, fact_values, scores, settings),
        sources=source_scores(indexed, scores, counts.tolist()),
        pairs=[(ids[a], ids[b], p) for a, b, p in scores.dependence],
        iterations=scores.iterations,
        calibration=tuple(states[p] for p in sorted(states)),
        by_predicate=predicate_state.full_rows(ids, indexed.item_keys, scores),
    )


async def update_item(
    ctx: GraphContext,
    conn: Connection,
    ns: NamespaceRef,
    fact: tuple[int, str],
    source: str,
    *,
    settings: VerificationSettings,
) -> None:
    """Re-score the data item of ``fact`` (its graph id and predicate) after the source
    with uid ``source`` asserted it, and move the item's sources' reliabilities."""
    p = estimator()
    has_source = await ctx.db.labels.has(conn, ns, "Source")
    # Scores are derived data that `kgmem verify` recomputes from the claims (which were
    # committed durably by the write): this commit need not wait for the WAL flush, which
    # was most of an update's latency.
    item = await item_scores.item_state(conn, ns, *fact, source_label=has_source, async_commit=True)
    rows, stored = item.rows, item.stored
    if not rows.fact_id:
        return
    source_id = item.source_uids.get(source)
    new_claims = {(fact[0], source_id)} if source_id is not None else set()
    kind = await value_kinds.kind_of(ctx, conn, ns, fact[1])
    indexed = index_claims(
        rows,
        item.unscored,
        functional=ctx.schema.is_functional,
        default_prior=settings.default_reliability,
        priors={sid: s.prior for sid, s in stored.items()},
        value_type=lambda _: kind.vtype,
    )
    arrays = _fixed_priors(indexed.arrays)
    old = _old_contribution(indexed, rows, new_claims, item.old_estimate, p)
    state = predicate_state.local_state(item, indexed.source_ids, arrays.source_prior, old, p)
    scores = consensus.settle(arrays, state, LOCAL_ROUNDS, p)
    scores = _names_averaged(arrays, scores, [stored.get(sid) for sid in indexed.source_ids])
    calibrated = await calibration_scope.of_predicate(settings, conn, ns, (fact[1], kind))
    if calibrated.calibrated and settings.calibration_file is not None:
        cal = calibration.load(settings.calibration_file)
        every = np.ones(len(scores.trust), dtype=np.bool_)
        trust = calibration_scope.apply(cal, (scores.trust, scores.chosen), every, arrays)
        scores = replace(scores, trust=trust)
    counts = _claim_counts(stored, indexed, new_claims)
    sources = source_scores(indexed, scores, counts)
    pairs: list[SourcePredicateScore] = []
    if state.own is not None:
        sources, pairs = predicate_state.settled(item, sources, scores, state)
    await item_scores.store_item(conn, ns, fact_scores(indexed, scores, settings), sources, pairs)


def _names_averaged(
    arrays: ClaimArrays, scores: Scores, stored: Sequence[SourceScore | None]
) -> Scores:
    """The local step's ``scores`` with an item of lists of names averaged with the
    latent truth model as a full run averages it (``by_kind.rescored``), each source's
    rates as the last full run stored them (``stored``, in source order; the priors'
    means for a source it did not score). Unchanged when that run learnt no rates."""
    model = estimators.CHOSEN["accu"].names
    if model is None or all(s is None or s.names_sensitivity is None for s in stored):
        return scores
    sensitivity, false_positive = ltm.prior_rates(model)
    rates = (
        np.array([_rate(None if s is None else s.names_sensitivity, sensitivity) for s in stored]),
        np.array(
            [_rate(None if s is None else s.names_false_positive, false_positive) for s in stored]
        ),
    )
    return by_kind.rescored(arrays, scores, rates, model)


def _rate(stored: float | None, prior: float) -> float:
    return prior if stored is None else stored


def estimator() -> Estimator:
    """The hyper-parameters of an incremental update: ACCU's chosen ones."""
    default = estimators.CHOSEN["accu"].params
    return default if isinstance(default, Estimator) else Estimator()


def _fixed_priors(arrays: ClaimArrays) -> ClaimArrays:
    """The item's arrays with every source on its own stored prior (no group pooling
    over a single item, no per-predicate split)."""
    return replace(arrays, source_group=None, item_predicate=None, source_parent=None)


def _old_contribution(
    indexed: Indexed,
    rows: ClaimRows,
    new_claims: set[tuple[int, int]],
    old_estimate: dict[int, float],
    p: Estimator,
) -> tuple[np.ndarray, np.ndarray]:
    """What this item's claims contributed to each source's stored sums before the new
    claims (claims on facts never scored contributed nothing)."""
    keep = [
        k
        for k, (f, s) in enumerate(zip(rows.fact_id, rows.source_id, strict=True))
        if (f, s) not in new_claims and f in old_estimate
    ]
    return contributed(indexed, keep, old_estimate, p)


def contributed(
    indexed: Indexed, keep: Sequence[int], old_estimate: dict[int, float], p: Estimator
) -> tuple[np.ndarray, np.ndarray]:
    """What the item's claims at positions ``keep``, at their facts' stored trust,
    contribute to each of its sources' sums (hit, weight)."""
    n = len(indexed.source_ids)
    if not keep:
        return np.zeros(n), np.zeros(n)
    arrays = indexed.arrays
    old = replace(
        _fixed_priors(arrays),
        claim_value=arrays.claim_value[keep],
        claim_source=arrays.claim_source[keep],
        claim_weight=arrays.claim_weight[keep],
        claim_order=arrays.claim_order[keep],
    )
    trust = np.zeros(len(arrays.value_item))
    for fact, v in indexed.fact_value.items():
        if fact in old_estimate:
            trust[v] = old_estimate[fact]
    hit, weight = consensus.contributions(old, trust, p)
    return hit[:n], weight[:n]


def _claim_counts(
    stored: dict[int, SourceScore], indexed: Indexed, new_claims: set[tuple[int, int]]
) -> list[int]:
    """Claims per source: the stored count plus the new claims."""
    return [
        (stored[s].claims if s in stored else 0) + sum(1 for _, a in new_claims if a == s)
        for s in indexed.source_ids
    ]


async def after_write(
    ctx: GraphContext,
    namespace: str,
    fact_uid: str,
    source_uid: str,
    settings: VerificationSettings,
    *,
    fact: tuple[int, str] | None = None,
) -> None:
    """Re-score the data item of fact ``fact_uid`` after ``source_uid`` asserted it;
    ``fact`` (its graph id and predicate, when the caller has them) saves a look-up.

    The namespace comes from the per-process cache (``kgmem.storage.graph.namespace_cache``),
    which saves a round trip per update; when a statement finds its tables gone (the
    namespace was deleted, or deleted and created again, by another process), the name
    is forgotten and the update runs once more on a fresh look-up."""
    try:
        await _update_after_write(ctx, namespace, fact_uid, source_uid, settings, fact)
    except KgmemError as exc:
        if not is_missing_namespace(exc):
            raise
        ctx.db.namespaces.forget(namespace)
        await _update_after_write(ctx, namespace, fact_uid, source_uid, settings, fact)


async def _update_after_write(
    ctx: GraphContext,
    namespace: str,
    fact_uid: str,
    source_uid: str,
    settings: VerificationSettings,
    fact: tuple[int, str] | None,
) -> None:
    async def update(conn: Connection) -> None:
        ns = await ctx.db.namespaces.resolve(conn, namespace)
        item = fact
        if item is None:
            found = await store.claim_ids(conn, ns, fact_uid, source_uid)
            if found is None:
                return
            item = (found[0], found[1])
        await update_item(ctx, conn, ns, item, source_uid, settings=settings)

    # Concurrent updates of one item can deadlock on its sources' score rows (one
    # creates a row the other has not locked); PostgreSQL undoes one, which runs again.
    await ctx.db.in_transaction(update)
