"""``Distiller``: many episodes consolidated into fewer summaries and facts.

Episodes are grouped by a property (``session`` by default), cut into windows of
consecutive episodes in time order, and each window becomes one ``Summary`` vertex
with a ``DISTILLED_FROM`` edge to every episode it used. Extractive summaries are the
window's salient sentences (``kgmem.distill.salience``), each remembering its episode;
abstractive ones are written by the LLM (``kgmem.distill.abstractive``) with facts,
each fact claimed by the episodes the model names (and their sources), so that
consensus scoring and forgetting treat it like any other claimed fact. LLM tokens are
recorded in the namespace's ``llm-tokens`` budget and a capped one stops the calls.
Distilling the same episodes again writes the same summary (its uid comes from them).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from kgmem.context.tokens import estimate_tokens
from kgmem.distill import abstractive, salience
from kgmem.distill.provenance import provenance
from kgmem.errors import EpisodeNotFound, ExtractionError, InvalidInput
from kgmem.ingest.normalise import uid_for
from kgmem.memory import Memory
from kgmem.model import BatchWrite, EntityWrite, FactWrite
from kgmem.model.tier_model import Distillation, DistilledItem, DistillRequest, Provenance
from kgmem.schema import validate_namespace_name
from kgmem.storage import distilled as store
from kgmem.storage import ledger
from kgmem.storage.graph import namespaces
from kgmem.storage.graph import vertices as vertex_store

MAX_EPISODES = 100_000
LABEL = "Summary"
AGENT = "kgmem-distill"


@dataclass(frozen=True, slots=True)
class _Episode:
    uid: str
    text: str
    occurred_at: str | None
    group: str
    source: str | None
    vector: list[float] | None


class Distiller:
    """Distillation of ``memory``'s namespaces."""

    def __init__(self, memory: Memory) -> None:
        self.memory = memory

    async def distill(self, namespace: str, request: DistillRequest) -> Distillation:
        """Distil the episodes ``request`` names (see ``DistillRequest``)."""
        _check(request)
        episodes = await self._episodes(namespace, request)
        windows = _windows(episodes, request)
        made: list[tuple[EntityWrite, list[FactWrite], DistilledItem]] = []
        spent, notes = 0, []
        for window in windows:
            if request.method == "extractive":
                made.append(await self._extractive(window, request))
                continue
            left = await self._tokens_left(namespace, request, spent)
            if left is not None and left <= 0:
                notes.append("LLM token budget spent; the remaining windows were not distilled")
                break
            item, used, note = await self._abstractive(namespace, window, left)
            spent += used
            if note:
                notes.append(note)
            if item is not None:
                made.append(item)
        if self.memory.ctx.embedder is not None:  # the summary's own text is embedded
            made = [(dataclasses.replace(e, embedding=None), f, i) for e, f, i in made]
        items = await self._write(namespace, made)
        archived: list[str] = []
        if request.archive_sources and items:
            used_uids = sorted({u for i in items for u in i.episodes})
            archived = await self.memory.tiers.archive(namespace, used_uids)
        return Distillation(
            method=request.method,
            items=tuple(items),
            episodes_in=len(episodes),
            tokens_in=sum(estimate_tokens(e.text) for e in episodes),
            tokens_out=sum(estimate_tokens(i.text) for i in items),
            llm_tokens=spent,
            archived=tuple(archived),
            notes=tuple(notes),
        )

    async def provenance(self, namespace: str, uid: str) -> Provenance:
        """Where summary ``uid`` came from, as the graph holds it now."""
        return await provenance(self.memory, namespace, uid)

    async def _episodes(self, namespace: str, request: DistillRequest) -> list[_Episode]:
        validate_namespace_name(namespace)
        async with self.memory.database.transaction(readonly=True) as conn:
            ns = await namespaces.resolve(conn, namespace)
            rows = await store.episodes(conn, ns, request.episodes or None, MAX_EPISODES)
            props = await vertex_store.properties_of(conn, ns, [(r.id, "Episode") for r in rows])
            vectors = await store.vectors(conn, ns, [r.id for r in rows])
        found = {r.uid for r in rows}
        if missing := [u for u in request.episodes if u not in found]:
            raise EpisodeNotFound(f"episode {missing[0]!r} does not exist", uid=missing[0])
        return [
            _Episode(
                uid=r.uid,
                text=str(props.get(r.id, {}).get("text") or ""),
                occurred_at=r.occurred_at.isoformat() if r.occurred_at else None,
                group=str(props.get(r.id, {}).get(request.group_by) or ""),
                source=_text_or_none(props.get(r.id, {}).get("source")),
                vector=vectors.get(r.id),
            )
            for r in rows
        ]

    async def _extractive(
        self, window: list[_Episode], request: DistillRequest
    ) -> tuple[EntityWrite, list[FactWrite], DistilledItem]:
        pieces = _sentences(window)
        embedder = self.memory.ctx.embedder
        if embedder is not None and pieces:
            vectors = await embedder.embed([p.text for p in pieces])
            pieces = [
                salience.Sentence(p.text, p.episode, [float(x) for x in v])
                for p, v in zip(pieces, vectors, strict=True)
            ]
        weights = salience.idf([salience.words(p.text) for p in pieces])
        keep = _keep_count(request.keep, len(pieces))
        chosen = [pieces[i] for i in salience.select(pieces, keep, weights, request.salience_mix)]
        sentences = [{"text": p.text, "episode": p.episode} for p in chosen]
        return _summary(window, "extractive", " ".join(p.text for p in chosen), sentences)

    async def _abstractive(
        self, namespace: str, window: list[_Episode], left: int | None
    ) -> tuple[tuple[EntityWrite, list[FactWrite], DistilledItem] | None, int, str | None]:
        endpoint = self._endpoint()
        try:
            used, written = await abstractive.write(endpoint, [e.text for e in window], left)
        except ExtractionError as exc:
            return None, 0, f"LLM call failed: {exc}"
        await self._record_tokens(namespace, used)
        if isinstance(written, ExtractionError):
            return None, used, f"a window was not distilled: {written}"
        entity, edges, item = _summary(window, "abstractive", written.summary, [])
        names = await self._entities(namespace, {n for f in written.facts for n in (f[0], f[2])})
        facts = _facts(window, written.facts, item.uid, names)
        return (entity, edges + facts, item), used, None

    async def _entities(self, namespace: str, names: set[str]) -> dict[str, str]:
        """name -> uid: the entity of that name (case aside), else a new uid for it."""
        async with self.memory.database.transaction(readonly=True) as conn:
            ns = await namespaces.resolve(conn, namespace)
            known = await store.by_names(conn, ns, sorted(names))
        return {n: known.get(n.lower()) or uid_for(n) for n in names}

    def _endpoint(self) -> abstractive.Endpoint:
        ingest = self.memory.settings.ingest
        if ingest.llm_url is None:
            raise InvalidInput(
                "abstractive distillation needs an LLM (KGMEM_INGEST__LLM_URL)", field="method"
            )
        key = ingest.llm_api_key
        return abstractive.Endpoint(
            url=ingest.llm_url.rstrip("/"),
            model=ingest.llm_model,
            headers={"Authorization": f"Bearer {key.get_secret_value()}"} if key else {},
            timeout_s=ingest.llm_timeout_s,
        )

    async def _tokens_left(self, namespace: str, request: DistillRequest, spent: int) -> int | None:
        async with self.memory.database.transaction(readonly=True) as conn:
            ledger_left = await ledger.build_tokens_left(conn, namespace)
        mine = None if request.max_tokens is None else request.max_tokens - spent
        known = [x for x in (mine, ledger_left) if x is not None]
        return min(known) if known else None

    async def _record_tokens(self, namespace: str, tokens: int) -> None:
        async with self.memory.database.transaction() as conn:
            await ledger.record_llm_tokens(
                conn, namespace, tokens, agent=AGENT, memo="distillation"
            )

    async def _write(
        self, namespace: str, made: list[tuple[EntityWrite, list[FactWrite], DistilledItem]]
    ) -> list[DistilledItem]:
        """The summaries, their edges and facts in one batch; fact endpoints not in the
        graph are created as extracted entities, edges to sources not in it are left out."""
        if not made:
            return []
        facts = [f for _, fs, _ in made for f in fs]
        ends = {e for f in facts if f.predicate != store.EDGE for e in (f.subject, f.object)}
        sources = {i for _, _, item in made for i in item.sources}
        entities = [entity for entity, _, _ in made]
        async with self.memory.database.transaction(readonly=True) as conn:
            ns = await namespaces.resolve(conn, namespace)
            known = await vertex_store.resolve(conn, ns, sorted(ends | sources))
        named = {f.subject: f.properties.get("subject_name") for f in facts}
        named.update({f.object: f.properties.get("object_name") for f in facts})
        entities += [
            EntityWrite(u, "Entity", {"name": named.get(u) or u, "extracted": True})
            for u in sorted(ends - known.keys())
        ]
        facts = [f for f in facts if f.object not in sources or f.object in known]
        await self.memory.write_batch(namespace, BatchWrite(entities=entities, facts=facts))
        return [
            dataclasses.replace(item, sources=tuple(s for s in item.sources if s in known))
            for _, _, item in made
        ]


def _check(r: DistillRequest) -> None:
    if r.method not in ("extractive", "abstractive"):
        raise InvalidInput("method must be extractive or abstractive", field="method")
    if not 1 <= r.window <= 1000:
        raise InvalidInput("window must be between 1 and 1000 episodes", field="window")
    if not (0 < r.keep < 1 or (r.keep >= 1 and float(r.keep).is_integer() and r.keep <= 1000)):
        raise InvalidInput(
            "keep must be a share in (0, 1) or a whole count up to 1000", field="keep"
        )
    if not 0 <= r.salience_mix <= 1:
        raise InvalidInput("salience_mix must be in [0, 1]", field="salience_mix")
    if r.max_tokens is not None and r.max_tokens <= 0:
        raise InvalidInput("max_tokens must be positive", field="max_tokens")
    if not r.group_by or len(r.episodes) > MAX_EPISODES:
        raise InvalidInput("group_by must name a property; at most 100000 episodes")


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _windows(episodes: list[_Episode], r: DistillRequest) -> list[list[_Episode]]:
    groups: dict[str, list[_Episode]] = defaultdict(list)
    for e in episodes:
        groups[e.group].append(e)
    return [
        members[i : i + r.window]
        for _, members in sorted(groups.items())
        for i in range(0, len(members), r.window)
    ]


def _sentences(window: list[_Episode]) -> list[salience.Sentence]:
    """The window's sentences, each once (a sentence repeated by a later episode, as a
    quoted context, stays with the first)."""
    seen: set[str] = set()
    out = []
    for e in window:
        for text in salience.sentences(e.text):
            if text not in seen:
                seen.add(text)
                out.append(salience.Sentence(text, e.uid, e.vector))
    return out


def _keep_count(keep: float, n: int) -> int:
    return max(1, math.ceil(keep * n)) if keep < 1 else int(keep)


def _summary(
    window: list[_Episode], method: str, text: str, sentences: list[dict[str, str]]
) -> tuple[EntityWrite, list[FactWrite], DistilledItem]:
    # The whole window was weighed to write it: every episode in it is a source, and
    # an extractive summary's sentences also name the episode each one is quoted from.
    used = [e.uid for e in window]
    digest = hashlib.sha256("\n".join([method, *(e.uid for e in window)]).encode()).hexdigest()
    uid = f"summary:{digest[:20]}"
    sources = sorted({e.source for e in window if e.source and e.uid in used})
    vectors = [e.vector for e in window if e.vector is not None and e.uid in used]
    props: dict[str, Any] = {
        "text": text,
        "method": method,
        "episodes": used,
        "sources": sources,
        "group": window[0].group,
        "sentences": sentences,
    }
    if stamp := max((e.occurred_at for e in window if e.occurred_at), default=None):
        props["occurred_at"] = stamp
    # Without an embedder the summary stands where its episodes' vectors do (their mean).
    entity = EntityWrite(uid, LABEL, props, embedding=_mean(vectors))
    edges = [FactWrite(uid, store.EDGE, u, uid=f"distilled-from:{digest[:20]}:{u}") for u in used]
    edges += [
        FactWrite(uid, store.EDGE, s, uid=f"distilled-from:{digest[:20]}:{s}") for s in sources
    ]
    return entity, edges, DistilledItem(uid, "summary", text, tuple(used), tuple(sources))


def _mean(vectors: list[list[float]]) -> list[float] | None:
    if not vectors:
        return None
    return [sum(c) / len(vectors) for c in zip(*vectors, strict=True)]


def _facts(
    window: list[_Episode],
    found: list[tuple[str, str, str, list[int]]],
    summary: str,
    names: dict[str, str],
) -> list[FactWrite]:
    """One write per fact and episode stating it: each episode (and its source) claims
    the fact. The endpoints' names ride along for new entities (``_write``)."""
    out = []
    for subject, predicate, obj, indexes in found:
        s, o = names[subject], names[obj]
        uid = f"distilled:{hashlib.sha256(f'{s}|{predicate}|{o}'.encode()).hexdigest()[:20]}"
        props = {"distilled_in": summary, "subject_name": subject, "object_name": obj}
        for i in indexes:
            e = window[i]
            out.append(FactWrite(s, predicate, o, props, uid=uid, episode=e.uid, source=e.source))
    return out
