"""``python -m bench locomo``: evidence recall@10 of kgmem search on LoCoMo, with every
choice of the fusion made leave-one-conversation-out, per conversation and category,
beside plain BM25 and plain vector search over the same turns in the same run.

Ingestion (one namespace per conversation): every turn is an ``Episode`` whose
``occurred_at`` is its session's date, with a ``Source`` per speaker and an
``ASSERTS`` fact from the speaker to the turn (``source`` = the speaker), and the links
building makes (``links_of``): MENTIONS of the speaker and of what the rule extractor
finds in the turn, PART_OF its session, PRECEDES from the previous turn. The text
indexed for keyword search is the turn (speaker, words, and the caption of a shared
photo) preceded by the previous turn of the session, as context. The vector
(all-MiniLM-L6-v2) embeds, in one namespace per way, the turn followed by the next turn
of its session ("next"), the turn alone ("none") or the previous turn and the turn
("previous"); which one a fold uses is chosen with its fusion, on the other
conversations. No LLM anywhere.

Each question is asked once per axis alone (keyword and vector: their top 50, what a
search for 10 fuses; graph: its whole neighbourhood), which caches its candidates and
scores. For each conversation, ``bench.locomo_fit`` fits the ``minmax`` fusion's
weights by logistic regression on the other two and picks the way turns are embedded
("fused-cv"); ``bench.locomo_cv`` chooses a fusion and its weights from a grid the same
way ("grid-cv"). Then kgmem's own search runs every question with the choices made
without its conversation, with the former default (reciprocal-rank fusion, vector 0.5,
keyword 1, graph 0.5: "rrf-before"), and with each text axis alone.
Recall of a question is the share of its evidence turns among the top 10; questions
whose evidence ids do not parse are skipped (reported).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.locomo_cv import (
    CONTEXTS,
    DEPTH,
    RANKED,
    Choice,
    K,
    Question,
    cross_validate,
    grid,
    recall,
    save,
)
from bench.locomo_fit import ablate_fit, cross_validate_fit, fitted
from bench.locomo_report import report
from bench.scratch import scratch
from kgmem import BatchWrite, EntityWrite, FactWrite, Memory, Settings
from kgmem.config import EmbeddingSettings
from kgmem.embedding.local import LocalEmbedder
from kgmem.ingest import rules
from kgmem.ingest.normalise import uid_for
from kgmem.model import AxisWeights, ExpansionQuery, SearchQuery
from kgmem.retrieval.validate import MAX_K

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "locomo-dev"
EVIDENCE = re.compile(r"D(\d+):(\d+)")


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench locomo")
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--database-url", default=None, help="default: a fresh embedded server")
    p.add_argument(
        "--embed-context",
        default=",".join(CONTEXTS),
        help="what each turn's vector embeds, comma-separated, chosen per fold among them: "
        "'next' (the turn and the reply that follows it in its session), 'none' (the "
        "turn alone), 'previous' (the turn after the one before it); default: all three",
    )
    p.add_argument(
        "--save-candidates",
        type=Path,
        default=None,
        help="also write every question's per-axis candidates and scores here (JSON)",
    )
    return p.parse_args(argv)


async def main(argv: list[str]) -> int:
    args = parse(argv)
    files = sorted(args.data.glob("*.json"))
    if not files:
        print(f"no LoCoMo files under {args.data}")
        return 1
    conversations = [c for f in files for c in json.loads(f.read_text())]
    with scratch(args.database_url, "kgmem-locomo-") as space:
        await run(
            conversations,
            space.url,
            space.home,
            contexts=_contexts(args.embed_context),
            save_to=args.save_candidates,
        )
    return 0


def _contexts(value: str) -> tuple[str, ...]:
    chosen = tuple(v.strip() for v in value.split(",") if v.strip())
    if not chosen or any(c not in CONTEXTS for c in chosen):
        raise SystemExit(f"--embed-context: one or more of {', '.join(CONTEXTS)}")
    return chosen


def session_turns(conv: dict[str, Any]) -> list[tuple[datetime, list[dict[str, Any]]]]:
    c = conv["conversation"]
    sessions = []
    for key, turns in c.items():
        if re.fullmatch(r"session_\d+", key) and isinstance(turns, list):
            when = datetime.strptime(c[f"{key}_date_time"], "%I:%M %p on %d %B, %Y")
            sessions.append((when.astimezone(), turns))
    return sessions


def turn_text(turn: dict[str, Any]) -> str:
    text = f"{turn['speaker']}: {turn['text']}"
    if turn.get("blip_caption"):
        text += f" [shares {turn['blip_caption']}]"
    return text


def embedded_texts(turns: list[dict[str, Any]], context: str) -> list[str]:
    """What each turn's vector embeds: the turn alone ('none'), after the previous
    turn of its session ('previous'), or followed by the next one ('next': a question
    and its answer, a statement and the reply it got, share a vector)."""
    texts = [turn_text(t) for t in turns]
    if context == "previous":
        return texts[:1] + [f"{a}\n{b}" for a, b in itertools.pairwise(texts)]
    if context == "next":
        return [f"{a}\n{b}" for a, b in itertools.pairwise(texts)] + texts[-1:]
    return texts


async def ingest(
    memory: Memory, embedder: LocalEmbedder, ns: str, conv: dict[str, Any], *, context: str
) -> int:
    episodes, facts, own = [], [], []
    for when, turns in session_turns(conv):
        previous = None
        own.extend(embedded_texts(turns, context))
        for turn in turns:
            text = turn_text(turn)
            episodes.append(
                EntityWrite(
                    f"{ns}/{turn['dia_id']}",
                    "Episode",
                    {
                        "text": f"{previous}\n{text}" if previous else text,
                        "occurred_at": when.isoformat(),
                        "speaker": turn["speaker"],
                        "session": turn["dia_id"].split(":")[0],
                    },
                )
            )
            facts.append(
                FactWrite(
                    turn["speaker"], "ASSERTS", f"{ns}/{turn['dia_id']}", source=turn["speaker"]
                )
            )
            previous = text
    vectors = await embedder.embed(own)
    episodes = [
        EntityWrite(e.uid, e.label, e.properties, embedding=v.tolist())
        for e, v in zip(episodes, vectors, strict=True)
    ]
    speakers = sorted({f.subject for f in facts})
    sources = [EntityWrite(s, "Source", {"name": s, "kind": "speaker"}) for s in speakers]
    found, links = links_of(conv, ns)
    await memory.write_batch(ns, BatchWrite(entities=sources + episodes + found))
    await memory.write_batch(ns, BatchWrite(facts=facts + links))
    return len(episodes)


def links_of(conv: dict[str, Any], ns: str) -> tuple[list[EntityWrite], list[FactWrite]]:
    """What building links turns with (``kgmem.ingest.stages.LinkStage``): the speaker
    and the names, places, organisations and dates ``kgmem.ingest.rules`` finds in the
    turn (MENTIONS), its session (PART_OF) and the session's previous turn (PRECEDES)."""
    entities: dict[str, EntityWrite] = {}
    links: list[FactWrite] = []
    for _, turns in session_turns(conv):
        before = None
        for turn in turns:
            ep = f"{ns}/{turn['dia_id']}"
            session = f"session:{turn['dia_id'].split(':')[0]}"
            entities.setdefault(session, EntityWrite(session, "Session", {"name": session}))
            links.append(FactWrite(ep, "PART_OF", session, uid=f"part-of:{ep}"))
            if before is not None:
                links.append(FactWrite(before, "PRECEDES", ep, uid=f"precedes:{ep}"))
            before = ep
            named = [rules.Found(turn["speaker"], "Person", turn["speaker"])]
            for found in named + rules.find(turn_text(turn).split(": ", 1)[1]):
                uid = uid_for(found.name)
                entities.setdefault(uid, EntityWrite(uid, found.label, {"name": found.name}))
                links.append(FactWrite(ep, "MENTIONS", uid, uid=f"mentions:{ep}:{uid}"))
    return list(entities.values()), list({f.uid: f for f in links}.values())


def evidence_ids(qa: dict[str, Any]) -> set[str]:
    return {f"D{a}:{b}" for e in qa.get("evidence", []) for a, b in EVIDENCE.findall(str(e))}


AXES = ("keyword", "vector", "graph")
ALONE = {axis: AxisWeights(**{a: 1.0 if a == axis else 0.0 for a in AXES}) for axis in AXES}


@dataclass
class Collected:
    """What one pass over the conversations gathered."""

    questions: list[Question] = field(default_factory=list)
    vectors: list[list[float]] = field(default_factory=list)
    # conversation -> what its vectors embed ("next", "none", "previous") -> namespace
    namespaces: dict[str, dict[str, str]] = field(default_factory=dict)
    turns: int = 0
    skipped: int = 0


async def collect(
    memory: Memory,
    embedder: LocalEmbedder,
    conversations: list[dict[str, Any]],
    *,
    contexts: tuple[str, ...],
) -> Collected:
    """Ingest each conversation once per way of embedding its turns and cache every
    question's candidates per axis: keyword and graph from the first namespace (their
    text and links are the same in all), the vector axis from each ("vector@next" ...)."""
    out = Collected()
    for conv in conversations:
        base = re.sub(r"[^a-z0-9_]", "_", f"locomo_{conv['sample_id']}".lower())
        spaces = {c: f"{base}_{c}" for c in contexts}
        out.namespaces[conv["sample_id"]] = spaces
        for context, ns in spaces.items():
            await memory.create_namespace(ns)
            turns = await ingest(memory, embedder, ns, conv, context=context)
        out.turns += turns
        for qa in conv["qa"]:
            gold = evidence_ids(qa)
            if not gold:
                out.skipped += 1
                continue
            vector = (await embedder.embed([qa["question"]]))[0].tolist()
            axes = {}
            for axis, ns in [(a, spaces[contexts[0]]) for a in AXES if a != "vector"] + [
                (f"vector@{c}", spaces[c]) for c in contexts
            ]:
                alone = axis.split("@", 1)[0]
                query = SearchQuery(
                    text=qa["question"],
                    embedding=vector,
                    types=("episodes",),
                    k=DEPTH if alone in RANKED else MAX_K,
                    weights=ALONE[alone],
                    expansion=None if alone in RANKED else ExpansionQuery(),
                )
                hits = (await memory.search(ns, query)).hits
                axes[axis] = {h.uid.split("/", 1)[1]: h.scores.get(alone, 0.0) for h in hits}
            out.questions.append(
                Question(conv["sample_id"], qa["category"], qa["question"], frozenset(gold), axes)
            )
            out.vectors.append(vector)
    return out


async def measure(
    memory: Memory, data: Collected, choices: dict[str, Any]
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Recall@10 and latency of kgmem's own search per question, for each named
    configuration (a Choice per held-out conversation, or a Choice), in the namespace
    whose vectors embed what the choice says."""
    recalls: dict[str, list[float]] = defaultdict(list)
    latencies: dict[str, list[float]] = defaultdict(list)
    for q, vector in zip(data.questions, data.vectors, strict=True):
        for name, given in choices.items():
            # One choice per held-out conversation, or one for all.
            how = given[q.conversation] if isinstance(given, dict) else given
            query = _query(q, vector, how)
            ns = data.namespaces[q.conversation][how.context]
            start = time.perf_counter()
            result = await memory.search(ns, query)
            latencies[name].append((time.perf_counter() - start) * 1000)
            got = [h.uid.split("/", 1)[1] for h in result.hits]
            recalls[name].append(recall(q, got))
    return recalls, latencies


def _query(q: Question, vector: list[float], how: Choice) -> SearchQuery:
    weights = AxisWeights(**{a: how.weights.get(a, 0.0) for a in AXES})
    return SearchQuery(
        text=q.text,
        embedding=vector,
        types=("episodes",),
        k=K,
        weights=weights,
        fusion=how.method,
        expansion=ExpansionQuery() if weights.graph > 0 else None,
    )


async def run(
    conversations: list[dict[str, Any]],
    url: str,
    home: Path,
    *,
    contexts: tuple[str, ...],
    save_to: Path | None,
) -> None:
    embedder = LocalEmbedder(EmbeddingSettings(provider="local"))
    settings = Settings(
        home=home, database={"url": url}, embedding={"provider": "none", "dimension": 384}
    )
    memory = await Memory.open(settings)
    try:
        data = await collect(memory, embedder, conversations, contexts=contexts)
        if save_to is not None:
            save(data.questions, save_to)
        graph = any(q.axes.get("graph") for q in data.questions)
        axes = AXES if graph else AXES[:2]
        folds = cross_validate_fit(data.questions, axes, contexts)
        default = fitted(data.questions, axes, contexts)
        former = "none" if "none" in contexts else contexts[0]
        configs: dict[str, Any] = {
            "fused-cv": folds.chosen,
            # The former procedure, over the text axes (no fold gave the graph weight).
            "grid-cv": cross_validate(data.questions, grid(AXES[:2], contexts)).chosen,
            "rrf-before": Choice("rrf", {"vector": 0.5, "keyword": 1.0, "graph": 0.5}, former),
            "bm25": Choice("convex", {"keyword": 1.0}, default.context),
            "vector": Choice("convex", {"vector": 1.0}, default.context),
        }
        recalls, latencies = await measure(memory, data, configs)
        ablation = ablate_fit(data.questions, axes, contexts)
    finally:
        await memory.close()
        await embedder.close()
    report(data, folds, recalls, latencies, ablation, default=default)
