"""``python -m bench build``: memory-graph building without an LLM.

1. Ingestion: LoCoMo conversations (../shared/data/locomo-dev) turn by turn, each turn
   an episode (speaker, session, reference time) through the namespace's default
   non-LLM pipeline (structured input, known-entity matching, resolution, dates,
   write, links), embeddings included (the local model unless --no-embed). Episodes
   are sent one session per batch. Baseline, same run and data: storing the same turns
   as plain Episode vertices with ``write_batch`` (embedding included), i.e. what
   storing without building costs.
2. Resolution quality on a generated set of names with known duplicates (typos,
   aliases, initials, case, transliteration) and confusable different people:
   precision, recall and F1 of kgmem's resolver against exact-name matching.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.machine import describe
from bench.report import Figure, Report, Timer
from bench.resolution_set import generate
from kgmem import BatchWrite, EntityWrite, Memory, Settings
from kgmem.config import EmbeddingSettings
from kgmem.ingest import EntityMention, EpisodeWrite
from kgmem.ingest.resolve import NameIndex, Thresholds, resolve
from kgmem.storage.embedded import start_embedded
from kgmem.storage.ingest import NamedVertex

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "locomo-dev"


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench build")
    p.add_argument("--conversations", type=int, default=3)
    p.add_argument("--no-embed", action="store_true", help="provider none (no embeddings)")
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


async def ingestion(memory: Memory, report: Report, batches: list[list[EpisodeWrite]]) -> None:
    count = sum(len(b) for b in batches)
    await memory.create_namespace("bench_base")
    with Timer() as base:
        for batch in batches:
            await memory.write_batch(
                "bench_base",
                BatchWrite(
                    entities=[
                        EntityWrite(
                            e.uid or "",
                            "Episode",
                            {
                                "text": e.text,
                                "speaker": e.speaker or "",
                                "session": e.session or "",
                            },
                        )
                        for e in batch
                    ]
                ),
            )
    await memory.create_namespace("bench_build")
    with Timer() as built:
        outcomes = [o for batch in batches for o in await memory.add_episodes("bench_build", batch)]
    failed = [o for o in outcomes if o.status != "done"]
    stats = await memory.namespace_stats("bench_build")
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
    report.add(
        Figure(
            "episodes/s built (batch per session)",
            count / built.seconds,
            "episodes/s",
            count,
            count / base.seconds,
            "storing episodes only",
        )
    )
    report.data.update(
        episodes=count,
        failed=len(failed),
        entities_created=entities,
        content_facts_created=content,
        links_created=sum(stats.edges.values()) - content,
        build_seconds=round(built.seconds, 2),
        baseline_seconds=round(base.seconds, 2),
    )
    print(f"  entities {entities}, content facts {content}, failed {len(failed)}")


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
        with tempfile.TemporaryDirectory(prefix="kgmem-bench-") as tmp:
            server = None
            url = args.database_url
            if url is None:
                server = start_embedded(Path(tmp), owner=True)
                url = server.url
            try:
                await _ingest(args, url, Path(tmp), report)
            finally:
                if server is not None:
                    server.stop()
    report.print_summary()
    print(f"saved {report.save()}")
    return 0


async def _ingest(args: argparse.Namespace, url: str, home: Path, report: Report) -> None:
    embedding: Any = (
        {"provider": "none", "dimension": 384} if args.no_embed else EmbeddingSettings()
    )
    settings = Settings(home=home, database={"url": url}, embedding=embedding)
    async with await Memory.open(settings) as memory:
        report.data["embedding"] = "none" if args.no_embed else settings.embedding.model
        batches = sessions(args.conversations)
        if memory.ctx.embedder is not None:
            await memory.ctx.embedder.embed(["warm up"])
        await ingestion(memory, report, batches)
