"""``python -m bench locomo``: evidence recall@5 and @10 of kgmem search on LoCoMo, per
category and overall, with plain BM25 and plain vector baselines over the same turns in
the same run.

Ingestion (one namespace per conversation): every turn is an ``Episode`` whose
``occurred_at`` is its session's date, with a ``Source`` per speaker and an
``ASSERTS`` fact from the speaker to the turn (``source`` = the speaker). The text
indexed for keyword search is the turn (speaker, words, and the caption of a shared
photo) preceded by the previous turn of the session, as context; the vector is the
embedding of the turn alone (all-MiniLM-L6-v2). No LLM anywhere.

Questions run as searches for episodes with k = 10: kgmem with its default weights
(vector 0.5, keyword 1, graph 0.5), "BM25" with only the keyword axis, "vector" with
only the vector axis. Recall of a question is the share of its evidence turns among the
top k; questions whose evidence ids do not parse are skipped (reported).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.machine import describe
from bench.scratch import scratch
from kgmem import BatchWrite, EntityWrite, FactWrite, Memory, Settings
from kgmem.config import EmbeddingSettings
from kgmem.embedding.local import LocalEmbedder
from kgmem.model import AxisWeights, SearchQuery

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "locomo-dev"
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial"}
EVIDENCE = re.compile(r"D(\d+):(\d+)")
CONFIGS = {
    "kgmem": AxisWeights(),
    "bm25": AxisWeights(vector=0.0, keyword=1.0, graph=0.0),
    "vector": AxisWeights(vector=1.0, keyword=0.0, graph=0.0),
}


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench locomo")
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--database-url", default=None, help="default: a fresh embedded server")
    p.add_argument(
        "--vector-weights",
        type=float,
        nargs="*",
        default=[],
        help="also run kgmem with these vector weights (sensitivity, same run)",
    )
    p.add_argument(
        "--embed-context",
        action="store_true",
        help="embed each turn with its previous turn (as keyword search indexes it)",
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
        configs = dict(CONFIGS)
        for w in args.vector_weights:
            configs[f"kgmem v{w:g}"] = AxisWeights(vector=w)
        await run(conversations, space.url, space.home, configs, embed_context=args.embed_context)
    return 0


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


async def ingest(
    memory: Memory, embedder: LocalEmbedder, ns: str, conv: dict[str, Any], *, context: bool
) -> int:
    entities, facts, own = [], [], []
    for when, turns in session_turns(conv):
        previous = None
        for turn in turns:
            text = turn_text(turn)
            own.append(f"{previous}\n{text}" if context and previous else text)
            entities.append(
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
    entities = [
        EntityWrite(e.uid, e.label, e.properties, embedding=v.tolist())
        for e, v in zip(entities, vectors, strict=True)
    ]
    speakers = sorted({f.subject for f in facts})
    sources = [EntityWrite(s, "Source", {"name": s, "kind": "speaker"}) for s in speakers]
    await memory.write_batch(ns, BatchWrite(entities=sources + entities))
    await memory.write_batch(ns, BatchWrite(facts=facts))
    return len(entities)


def evidence_ids(qa: dict[str, Any]) -> set[str]:
    return {f"D{a}:{b}" for e in qa.get("evidence", []) for a, b in EVIDENCE.findall(str(e))}


async def run(
    conversations: list[dict[str, Any]],
    url: str,
    home: Path,
    configs: dict[str, AxisWeights],
    *,
    embed_context: bool,
) -> None:
    embedder = LocalEmbedder(EmbeddingSettings(provider="local"))
    settings = Settings(
        home=home, database={"url": url}, embedding={"provider": "none", "dimension": 384}
    )
    memory = await Memory.open(settings)
    recalls: dict[str, dict[int, dict[str, list[float]]]] = {
        name: defaultdict(lambda: defaultdict(list)) for name in configs
    }
    latencies: dict[str, list[float]] = defaultdict(list)
    embed_ms: list[float] = []
    skipped = turns = 0
    try:
        for conv in conversations:
            ns = re.sub(r"[^a-z0-9_]", "_", f"locomo_{conv['sample_id']}".lower())
            await memory.create_namespace(ns)
            turns += await ingest(memory, embedder, ns, conv, context=embed_context)
            for qa in conv["qa"]:
                gold = evidence_ids(qa)
                if not gold:
                    skipped += 1
                    continue
                start = time.perf_counter()
                vector = (await embedder.embed([qa["question"]]))[0].tolist()
                embed_ms.append((time.perf_counter() - start) * 1000)
                for name, weights in configs.items():
                    query = SearchQuery(
                        text=qa["question"],
                        embedding=vector,
                        types=("episodes",),
                        k=10,
                        weights=weights,
                    )
                    start = time.perf_counter()
                    result = await memory.search(ns, query)
                    latencies[name].append((time.perf_counter() - start) * 1000)
                    got = [h.uid.split("/", 1)[1] for h in result.hits]
                    for k in (5, 10):
                        hit = len(gold & set(got[:k])) / len(gold)
                        recalls[name][qa["category"]][f"@{k}"].append(hit)
    finally:
        await memory.close()
        await embedder.close()
    embedded = "previous turn + turn" if embed_context else "turn alone"
    report(recalls, latencies, embed_ms, turns=turns, skipped=skipped, embedded=embedded)


def report(
    recalls: dict[str, dict[int, dict[str, list[float]]]],
    latencies: dict[str, list[float]],
    embed_ms: list[float],
    *,
    turns: int,
    skipped: int,
    embedded: str,
) -> None:
    machine = describe()
    print("\n== locomo: evidence recall over turns ==")
    print("machine: " + ", ".join(f"{k}={v}" for k, v in machine.items()))
    questions = sum(len(v["@10"]) for v in recalls["kgmem"].values())
    print(f"data:    {turns} turns, {questions} questions ({skipped} without parseable evidence)")
    print(f"         keyword text = previous turn + turn; vector = {embedded}")
    # "kgmem v0.25" shows as "v0.25@5": the weight, not a cut-off "kgmem v0".
    header = f"{'category':<14} {'n':>4} " + " ".join(
        f"{(n.removeprefix('kgmem ') if n != 'kgmem' else n)[:8] + k:>12}"
        for n in recalls
        for k in ("@5", "@10")
    )
    print(header)
    rows = sorted(recalls["kgmem"])
    for cat in [*rows, 0]:
        label = CATEGORIES.get(cat, "overall")
        cells = []
        for name in recalls:
            for k in ("@5", "@10"):
                values = (
                    [x for c in rows for x in recalls[name][c][k]]
                    if cat == 0
                    else recalls[name][cat][k]
                )
                cells.append(f"{statistics.fmean(values):>12.3f}")
        n = (
            sum(len(recalls["kgmem"][c]["@10"]) for c in rows)
            if cat == 0
            else len(recalls["kgmem"][cat]["@10"])
        )
        print(f"{label:<14} {n:>4} " + " ".join(cells))
    for name, values in latencies.items():
        q = statistics.quantiles(values, n=100)
        print(f"search latency {name:<7} p50 {q[49]:.1f} ms  p95 {q[94]:.1f} ms")
    print(f"query embedding p50 {statistics.median(embed_ms):.1f} ms")
