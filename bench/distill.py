"""``python -m bench distill``: compression and evidence recall@10 of extractive
distillation on the LoCoMo dev conversations, before and after.

Each conversation is stored as ``bench locomo`` stores it (``bench.locomo.ingest``, turn
vectors of the turn and the next one, no LLM), once per salience mix of the grid
``--mixes`` (the share of vector centrality against word weight in a sentence's
salience, ``kgmem.distill.salience``). Recall before: kgmem's search with its default
fusion over the turns. Then every session is distilled (windows of ``--window`` turns,
``--keep`` of their sentences kept) and recall is measured twice: with the summaries
added beside the turns ("kept"), and with the distilled turns archived so that only
summaries remain in the search indexes ("archived"). A summary hit stands for the turns
its sentences were quoted from, in order, and the top 10 turns are counted (an episode
hit is its own turn). For each conversation the mix is chosen on the other two (best
mean recall, archived), then measured on it: no reported figure comes from a choice
that saw its questions. Compression: episodes and estimated tokens in the search
indexes before and after.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from statistics import fmean
from typing import Any

from bench.locomo import DATA, evidence_ids, ingest
from bench.scratch import scratch
from kgmem import Memory, Settings
from kgmem.distill import Distiller
from kgmem.embedding.local import LocalEmbedder
from kgmem.model import SearchFilters, SearchHit, SearchQuery
from kgmem.model.tier_model import DistillRequest
from kgmem.settings.config import EmbeddingSettings

K = 10


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench distill")
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--database-url", default=None, help="default: a fresh embedded server")
    p.add_argument("--mixes", default="0,0.5,1", help="salience mixes to choose among")
    p.add_argument("--window", type=int, default=20, help="turns per summary")
    p.add_argument("--keep", type=float, default=0.25, help="share of sentences kept")
    return p.parse_args(argv)


@dataclass
class Run:
    """Recalls per question: before, and per mix after (kept and archived)."""

    conversations: dict[str, list[frozenset[str]]] = field(default_factory=dict)
    before: dict[str, list[float]] = field(default_factory=dict)
    kept: dict[tuple[str, float], list[float]] = field(default_factory=dict)
    archived: dict[tuple[str, float], list[float]] = field(default_factory=dict)
    sizes: dict[tuple[str, float], tuple[int, int, int, int]] = field(default_factory=dict)


async def main(argv: list[str]) -> int:
    args = parse(argv)
    files = sorted(args.data.glob("*.json"))
    if not files:
        print(f"no LoCoMo files under {args.data}")
        return 1
    conversations = [c for f in files for c in json.loads(f.read_text())]
    mixes = tuple(float(m) for m in args.mixes.split(","))
    with scratch(args.database_url, "kgmem-distill-") as space:
        settings = Settings(
            home=space.home,
            database={"url": space.url},
            embedding={"provider": "local", "dimension": 384},
        )
        embedder = LocalEmbedder(EmbeddingSettings(provider="local"))
        memory = await Memory.open(settings)
        try:
            run = Run()
            for conv in conversations:
                await _conversation(memory, embedder, conv, mixes, args, run)
        finally:
            await memory.close()
            await embedder.close()
    report(run, mixes, args)
    return 0


async def _conversation(
    memory: Memory,
    embedder: LocalEmbedder,
    conv: dict[str, Any],
    mixes: tuple[float, ...],
    args: argparse.Namespace,
    run: Run,
) -> None:
    name = conv["sample_id"]
    questions = [(qa["question"], evidence_ids(qa)) for qa in conv["qa"] if evidence_ids(qa)]
    vectors = [v.tolist() for v in await embedder.embed([q for q, _ in questions])]
    run.conversations[name] = [g for _, g in questions]
    for n, mix in enumerate(mixes):
        ns = re.sub(r"[^a-z0-9_]", "_", f"distill_{name}_{n}".lower())
        await memory.create_namespace(ns)
        await ingest(memory, embedder, ns, conv, context="next")
        if n == 0:
            run.before[name] = await _recalls(memory, ns, questions, vectors, summaries=False)
        request = DistillRequest(window=args.window, keep=args.keep, salience_mix=mix)
        done = await Distiller(memory).distill(ns, request)
        run.kept[(name, mix)] = await _recalls(memory, ns, questions, vectors, summaries=True)
        distilled = sorted({u for item in done.items for u in item.episodes})
        await memory.tiers.archive(ns, distilled)
        run.archived[(name, mix)] = await _recalls(memory, ns, questions, vectors, summaries=True)
        run.sizes[(name, mix)] = (
            done.episodes_in,
            len(done.items),
            done.tokens_in,
            done.tokens_out,
        )
        print(f"{name} mix {mix}: {len(done.items)} summaries from {done.episodes_in} turns")


async def _recalls(
    memory: Memory,
    ns: str,
    questions: list[tuple[str, frozenset[str] | set[str]]],
    vectors: list[list[float]],
    *,
    summaries: bool,
) -> list[float]:
    out = []
    for (text, gold), vector in zip(questions, vectors, strict=True):
        query = SearchQuery(text=text, embedding=vector, types=("episodes",), k=K)
        if summaries:
            query = SearchQuery(
                text=text,
                embedding=vector,
                types=("entities", "episodes"),
                filters=SearchFilters(labels=("Episode", "Summary")),
                k=K,
            )
        turns = _turns((await memory.search(ns, query)).hits)
        out.append(len(set(gold) & set(turns[:K])) / len(gold))
    return out


def _turns(hits: tuple[SearchHit, ...]) -> list[str]:
    """The turns the hits stand for, in order, each once: an episode is its turn, a
    summary the turns its sentences were quoted from."""
    seen: list[str] = []
    for hit in hits:
        assert hit.entity is not None
        if hit.entity.label == "Summary":
            uids = [s["episode"] for s in hit.entity.properties.get("sentences", [])]
        else:
            uids = [hit.uid]
        for uid in uids:
            turn = uid.split("/", 1)[1]
            if turn not in seen:
                seen.append(turn)
    return seen


def _chosen(run: Run, held_out: str, mixes: tuple[float, ...]) -> float:
    """The mix with the best mean recall (archived) on the other conversations."""

    def score(mix: float) -> float:
        return fmean(r for c in run.conversations if c != held_out for r in run.archived[(c, mix)])

    return max(mixes, key=lambda m: (score(m), -mixes.index(m)))


def report(run: Run, mixes: tuple[float, ...], args: argparse.Namespace) -> None:
    rows, pooled = [], defaultdict(list)
    for conv in run.conversations:
        mix = _chosen(run, conv, mixes)
        turns, items, t_in, t_out = run.sizes[(conv, mix)]
        rows.append(
            f"| {conv} | {len(run.before[conv])} | {mix:g} | {turns} -> {items} "
            f"({turns / max(items, 1):.1f}x) | {t_in} -> {t_out} ({t_in / max(t_out, 1):.1f}x) "
            f"| {fmean(run.before[conv]):.3f} | {fmean(run.kept[(conv, mix)]):.3f} "
            f"| {fmean(run.archived[(conv, mix)]):.3f} |"
        )
        pooled["before"] += run.before[conv]
        pooled["kept"] += run.kept[(conv, mix)]
        pooled["archived"] += run.archived[(conv, mix)]
    print(f"\nwindow {args.window}, keep {args.keep}; mix chosen leave-one-conversation-out")
    print("| conversation | questions | mix | episodes | tokens | before | kept | archived |")
    print("|---|---:|---:|---|---|---:|---:|---:|")
    print("\n".join(rows))
    print(
        f"| all | {len(pooled['before'])} | | | | {fmean(pooled['before']):.3f} "
        f"| {fmean(pooled['kept']):.3f} | {fmean(pooled['archived']):.3f} |"
    )
    print("\nper mix, all conversations (archived; not the reported figure):")
    for mix in mixes:
        every = [r for c in run.conversations for r in run.archived[(c, mix)]]
        kept = [r for c in run.conversations for r in run.kept[(c, mix)]]
        print(f"  mix {mix:g}: archived {fmean(every):.3f}, kept {fmean(kept):.3f}")
