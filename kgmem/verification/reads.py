"""Reading verification results: a fact's verification, sources and their
reliability, a candidate statement checked against the memory, trust for search."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from kgmem.errors import EntityNotFound, FactNotFound, SourceNotFound
from kgmem.graph import cursor
from kgmem.graph.graph_context import GraphContext
from kgmem.model import (
    CandidateCheck,
    FactVerification,
    Page,
    ReliabilityPoint,
    SourceClaim,
    SourceDetail,
    SourceReliability,
    TrustBasis,
    WithdrawnClaim,
)
from kgmem.schema import validate_label, validate_uid
from kgmem.settings.config import VerificationSettings
from kgmem.storage import Connection, NamespaceRef
from kgmem.storage.graph import namespaces
from kgmem.storage.graph import vertices as vertex_store
from kgmem.storage.truth import claims as store
from kgmem.storage.truth.claims import ItemFact, SourceInfo, SourcePredicateScore, SourceScore
from kgmem.verification import calibration_scope, value_kinds
from kgmem.verification.canonical import key as canonical_key
from kgmem.verification.status import status_of


async def fact_verification(
    ctx: GraphContext, namespace: str, uid: str, settings: VerificationSettings
) -> FactVerification:
    """The scores of fact ``uid`` with the sources for and against it."""
    validate_uid(uid, ctx.limits.max_uid_length)
    async with ctx.db.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        fact = await store.fact_by_uid(conn, ns, uid)
        if fact is None:
            raise FactNotFound(f"fact {uid!r} does not exist in namespace {namespace!r}", uid=uid)
        item = await store.facts_of_item(conn, ns, fact.subject_id, fact.predicate)
        views = await _views(ctx, conn, ns, item or [fact], settings)
    return next((v for v in views if v.fact == uid), None) or (
        await _lone(ctx, namespace, fact, settings)
    )


async def _lone(
    ctx: GraphContext, namespace: str, fact: ItemFact, settings: VerificationSettings
) -> FactVerification:
    async with ctx.db.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        return (await _views(ctx, conn, ns, [fact], settings))[0]


async def _views(
    ctx: GraphContext,
    conn: Connection,
    ns: NamespaceRef,
    item: Sequence[ItemFact],
    settings: VerificationSettings,
) -> list[FactVerification]:
    """The verification of every fact of one item."""
    ids = [f.id for f in item]
    scores = await store.fact_scores(conn, ns, ids)
    claims = await store.claimants(conn, ns, ids)
    former = await store.withdrawn_claimants(conn, ns, ids)
    source_ids = sorted({c[1] for c in claims} | {c[1] for c in former})
    infos = {s.id: s for s in await store.sources(conn, ns, source_ids)}
    reliability = await store.source_scores(conn, ns, source_ids)
    on_predicate = await store.predicate_scores(conn, ns, source_ids, item[0].predicate)
    by_id = {f.id: f for f in item}
    functional = ctx.schema.is_functional(item[0].predicate)
    kind = await value_kinds.kind_of(ctx, conn, ns, item[0].predicate)
    calibrated = await calibration_scope.of_predicate(settings, conn, ns, (item[0].predicate, kind))
    vtype = kind.vtype
    out = []
    for f in item:
        key = canonical_key(f.value, vtype)
        backing, other, backers = [], [], set()
        for fact_id, source_id, confidence, observed in claims:
            claimed = by_id[fact_id]
            entry = SourceClaim(
                source=_uid(infos, source_id),
                reliability=_rel(reliability.get(source_id)),
                predicate_reliability=_rel(on_predicate.get(source_id)),
                value=claimed.value,
                fact=claimed.uid,
                confidence=confidence,
                observed_at=observed,
            )
            if canonical_key(claimed.value, vtype) == key:
                backing.append(entry)
                backers.add(source_id)
            elif functional:
                other.append(entry)
        s = scores.get(f.id)
        trust = s.trust if s else None
        support = s.support if s else float(len({c.source for c in backing}))
        contradiction = s.contradiction if s else len({c.source for c in other})
        out.append(
            FactVerification(
                fact=f.uid,
                subject=f.subject,
                predicate=f.predicate,
                value=f.value,
                functional=functional,
                trust=trust,
                support=support,
                contradiction=contradiction,
                consensus=s.consensus if s else 0.0,
                status=status_of(trust, support, contradiction, settings),
                chosen=s.chosen if s else False,
                sources_for=tuple(backing),
                sources_against=tuple(other),
                scored_at=s.scored_at if s else None,
                basis=TrustBasis(
                    rests_on="consensus" if s else ("unscored" if backing else "nothing"),
                    sources=len(backers),
                    claims=len(backing),
                    prior=_prior(backers, infos, settings),
                ),
                withdrawn=_withdrawn(
                    former,
                    by_id,
                    infos,
                    {i for i, g in by_id.items() if canonical_key(g.value, vtype) == key},
                ),
                value_kind=value_kinds.public(item[0].predicate, kind),
                calibration=calibrated,
            )
        )
    return out


def _withdrawn(
    former: Sequence[tuple[int, int, float | None, datetime, datetime]],
    by_id: dict[int, ItemFact],
    infos: dict[int, SourceInfo],
    facts: set[int],
) -> tuple[WithdrawnClaim, ...]:
    """The withdrawn claims among ``former`` on the facts ``facts``."""
    return tuple(
        WithdrawnClaim(
            source=_uid(infos, source_id),
            value=by_id[fact_id].value,
            fact=by_id[fact_id].uid,
            confidence=confidence,
            observed_at=observed,
            withdrawn_at=withdrawn,
        )
        for fact_id, source_id, confidence, observed, withdrawn in former
        if fact_id in facts
    )


def _uid(infos: dict[int, SourceInfo], source_id: int) -> str:
    return infos[source_id].uid if source_id in infos else str(source_id)


def _prior(
    source_ids: set[int], infos: dict[int, SourceInfo], settings: VerificationSettings
) -> float | None:
    """The mean prior reliability of ``source_ids`` (declared, else the default)."""
    if not source_ids:
        return None
    priors = [
        p
        if (p := infos[i].prior if i in infos else None) is not None
        else settings.default_reliability
        for i in source_ids
    ]
    return sum(priors) / len(priors)


def _rel(score: SourceScore | SourcePredicateScore | None) -> float | None:
    return score.reliability if score is not None else None


async def check_candidate(
    ctx: GraphContext,
    namespace: str,
    statement: tuple[str, str, str],
    settings: VerificationSettings,
) -> CandidateCheck:
    """Compare a candidate (subject uid, predicate, value) with the stored facts of its
    data item: which match the value, which contradict it, and the candidate's trust."""
    subject, predicate, value = statement
    validate_uid(subject, ctx.limits.max_uid_length)
    validate_label(predicate, "predicate")
    functional = ctx.schema.is_functional(predicate)
    async with ctx.db.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        refs = await vertex_store.resolve(conn, ns, [subject])
        if subject not in refs:
            raise EntityNotFound(
                f"entity {subject!r} does not exist in namespace {namespace!r}", uids=[subject]
            )
        item = await store.facts_of_item(conn, ns, refs[subject].id, predicate)
        views = await _views(ctx, conn, ns, item, settings) if item else []
        kind = await value_kinds.kind_of(ctx, conn, ns, predicate)
        calibrated = await calibration_scope.of_predicate(settings, conn, ns, (predicate, kind))
    vtype = kind.vtype
    wanted = canonical_key(value, vtype)
    by_uid = {f.uid: f for f in item}
    matches = [
        v
        for v in views
        if wanted in (canonical_key(v.value, vtype), canonical_key(by_uid[v.fact].object, vtype))
    ]
    against = [v for v in views if v not in matches] if functional else []
    trust, basis = _candidate_trust(matches, against)
    support = max((m.support for m in matches), default=0.0)
    contradiction = sum(len({c.source for c in v.sources_for}) for v in against)
    status = status_of(trust, support, contradiction, settings)
    if status == "verified" and basis.rests_on != "consensus":  # no claim: never verified
        status = "contested" if contradiction else "unverified"
    return CandidateCheck(
        subject=subject,
        predicate=predicate,
        value=value,
        functional=functional,
        trust=trust,
        status=status,
        matches=tuple(matches),
        contradictions=tuple(against),
        basis=basis,
        value_kind=value_kinds.public(predicate, kind),
        calibration=calibrated,
    )


_NOTHING = TrustBasis(rests_on="nothing", sources=0, claims=0, prior=None)


def _candidate_trust(
    matches: Sequence[FactVerification], against: Sequence[FactVerification]
) -> tuple[float | None, TrustBasis]:
    """The candidate's trust and what it rests on: the best scored matching fact's; else,
    when competing values of a functional predicate are scored, what they leave (at
    most ``1 - their trust``); else none. ``against`` is empty unless functional."""
    scored = [m for m in matches if m.trust is not None]
    if scored:
        best = max(scored, key=lambda m: m.trust or 0.0)
        return best.trust, best.basis
    if matches:
        return None, matches[0].basis
    held = [v.trust for v in against if v.trust is not None]
    if held:
        basis = TrustBasis(rests_on="competitors", sources=0, claims=0, prior=None)
        return max(0.0, 1.0 - sum(held)), basis
    return None, _NOTHING


async def source_list(
    ctx: GraphContext, namespace: str, *, cursor_text: str | None, limit: int
) -> Page[SourceReliability]:
    """A page of sources ordered by uid, with their reliability."""
    after = cursor.decode("sources", cursor_text)
    after = str(after) if after is not None else None
    limit = max(1, min(limit, ctx.limits.max_page_size))
    async with ctx.db.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        infos = await store.source_page(conn, ns, after=after, limit=limit + 1)
        scores = await store.source_scores(conn, ns, [s.id for s in infos])
    more = len(infos) > limit
    infos = infos[:limit]
    return Page(
        items=tuple(_reliability(s, scores.get(s.id)) for s in infos),
        next_cursor=cursor.encode("sources", infos[-1].uid) if more else None,
    )


async def source_detail(
    ctx: GraphContext, namespace: str, uid: str, *, history_limit: int = 100
) -> SourceDetail:
    """One source with its reliability history, newest first."""
    validate_uid(uid, ctx.limits.max_uid_length)
    async with ctx.db.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        info = await store.source_by_uid(conn, ns, uid)
        if info is None:
            raise SourceNotFound(
                f"source {uid!r} does not exist in namespace {namespace!r}", uid=uid
            )
        scores = await store.source_scores(conn, ns, [info.id])
        points = await store.history(conn, ns, info.id, history_limit)
    return SourceDetail(
        source=_reliability(info, scores.get(info.id)),
        history=tuple(
            ReliabilityPoint(
                at=a, reliability=r, claims=c, run="full" if run == "full" else "incremental"
            )
            for a, r, c, run in points
        ),
    )


def _reliability(info: SourceInfo, score: SourceScore | None) -> SourceReliability:
    return SourceReliability(
        uid=info.uid,
        name=info.name,
        kind=info.kind,
        prior_reliability=info.prior,
        reliability=score.reliability if score else None,
        claims=score.claims if score else 0,
        copying=score.copying if score else 0.0,
        scored_at=score.scored_at if score else None,
    )


async def trust_for(
    ctx: GraphContext, namespace: str, fact_ids: Sequence[int]
) -> dict[int, tuple[float, str]]:
    """(trust, status) by fact graph id, for the facts that have been scored."""
    async with ctx.db.transaction(readonly=True) as conn:
        ns = await namespaces.resolve(conn, namespace)
        return await store.trust_for(conn, ns, fact_ids)
