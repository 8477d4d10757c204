"""``python -m bench truth``: consensus scoring on the DAFNA population and weather sets.

Each set is loaded through kgmem's own batched write path (entities, then one fact
write per claim naming its source), then ``kgmem verify`` runs on it. Reported, in
one run: precision of the chosen value against gold for majority vote (the baseline,
computed on the same claim arrays pulled from the store) and for kgmem; the expected
calibration error (ECE, 10 bins) of trust on population; the full recompute time; and
the latency of incremental single-claim updates (p50/p95 over ``--updates`` new claims
by new sources on random items), against the full recompute as the same-run baseline;
the client CPU time of both (insensitive to other load on the machine) and the load
average after each.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from bench import truth_data
from bench.machine import describe
from bench.report import Figure, Report
from bench.scratch import scratch
from kgmem import BatchWrite, EntityWrite, FactWrite, Memory, Settings
from kgmem.storage import namespaces
from kgmem.storage import verification as store
from kgmem.verification import consensus, runs
from kgmem.verification.similarity import normalise

SCHEMA = Path(__file__).resolve().parent / "truth_schema.toml"


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench truth")
    p.add_argument("--sets", default="population,weather")
    p.add_argument("--batch", type=int, default=5_000)
    p.add_argument("--updates", type=int, default=200)
    p.add_argument("--database-url", default=None)
    return p.parse_args(argv)


async def main(argv: list[str]) -> int:
    args = parse(argv)
    if not truth_data.DATA.is_dir():
        print(f"no data at {truth_data.DATA}; nothing to measure")
        return 1
    with scratch(args.database_url, "kgmem-bench-") as space:
        settings = Settings(
            home=space.home,
            database={"url": space.url},
            embedding={"provider": "none", "dimension": 384},
            schema={"files": [SCHEMA]},
            verification={"update_on_write": False},
        )
        memory = await Memory.open(settings)
        report = Report("truth", describe(), {})
        try:
            for name in args.sets.split(","):
                await run_set(memory, name.strip(), args, report)
        finally:
            await memory.close()
        report.print_summary()
        print(f"saved {report.save()}")
    return 0


async def run_set(memory: Memory, name: str, args: argparse.Namespace, report: Report) -> None:
    data = truth_data.population() if name == "population" else truth_data.weather()
    ns = f"bench_{name}"
    await memory.create_namespace(ns)
    started = time.perf_counter()
    await load(memory, ns, data, args.batch)
    load_s = time.perf_counter() - started
    print(f"{name}: loaded {len(data.claims):,} claims in {load_s:.1f} s", flush=True)
    cpu = time.process_time()
    run = await memory.verify_namespace(ns)
    full_cpu = time.process_time() - cpu
    loads = {"full_recompute": _load()}
    indexed = await pull(memory, ns)
    _ITEMS["current"] = await item_names(memory, ns, indexed)
    majority = precision(indexed, consensus.majority(indexed.arrays), data.gold)
    chosen = await chosen_values(memory, ns, indexed)
    kgmem = precision(indexed, chosen, data.gold)
    report.data[name] = {
        "claims": run.claims,
        "facts": run.facts,
        "items": run.items,
        "sources": run.sources,
        "gold_items": len(data.gold),
        "load_seconds": round(load_s, 1),
        "iterations": run.iterations,
        "dependent_pairs": run.dependent_pairs,
        "recompute_read_seconds": round(run.read_seconds, 2),
        "recompute_compute_seconds": round(run.compute_seconds, 2),
        "recompute_write_seconds": round(run.write_seconds, 2),
    }
    report.add(
        Figure(
            f"{name}: precision x1000",
            kgmem * 1000,
            "",
            len(data.gold),
            majority * 1000,
            "majority vote",
        )
    )
    if name == "population":
        ece = await calibration(memory, ns, indexed, data.gold)
        report.add(Figure("population: ECE of trust x1000", ece * 1000, "", len(data.gold)))
    report.add(Figure(f"{name}: full recompute", run.seconds * 1000, "ms", run.claims))
    report.add(Figure(f"{name}: full recompute, client CPU", full_cpu * 1000, "ms", run.claims))
    ms, cpu_ms = await incremental(memory, ns, data, args.updates)
    loads["incremental"] = _load()
    for q in (50, 95):
        report.add(
            Figure(
                f"{name}: incremental update p{q}",
                float(np.percentile(ms, q)),
                "ms",
                args.updates,
                run.seconds * 1000,
                "full recompute",
            )
        )
    report.add(
        Figure(
            f"{name}: incremental update client CPU p95",
            float(np.percentile(cpu_ms, 95)),
            "ms",
            args.updates,
        )
    )
    report.data[name]["load_average"] = loads
    print(f"{name}: load average (1, 5, 15 min) {loads}", flush=True)


async def load(memory: Memory, ns: str, data: truth_data.TruthSet, batch: int) -> None:
    entities = list(truth_data.entities(data))
    for k in range(0, len(entities), batch):
        await memory.write_batch(ns, BatchWrite(entities=entities[k : k + batch]))
    facts = list(truth_data.facts(data))
    for k in range(0, len(facts), batch):
        await memory.write_batch(ns, BatchWrite(facts=facts[k : k + batch]))


async def pull(memory: Memory, ns: str) -> runs.Indexed:
    async with memory.database.acquire() as conn:
        ref = await namespaces.resolve(conn, ns)
        cols = await store.claim_columns(conn, ref)
        sources = await store.sources(conn, ref)
    indexed, _, _ = runs.index_columns(
        cols, sources, functional=memory.schema.is_functional, default_prior=0.8
    )
    return indexed


async def chosen_values(memory: Memory, ns: str, indexed: runs.Indexed) -> np.ndarray:
    """Per item, the value of the fact kgmem stored as chosen (read back from the store)."""
    chosen = np.full(len(indexed.item_keys), -1)
    flags = await stored_chosen(memory, ns, indexed)
    for v in np.flatnonzero(flags):
        chosen[indexed.arrays.value_item[v]] = v
    return chosen


async def stored_scores(
    memory: Memory, ns: str, indexed: runs.Indexed
) -> dict[int, store.FactScore]:
    async with memory.database.acquire() as conn:
        ref = await namespaces.resolve(conn, ns)
        return await store.fact_scores(conn, ref, list(indexed.fact_value))


async def stored_trust(memory: Memory, ns: str, indexed: runs.Indexed) -> np.ndarray:
    scores = await stored_scores(memory, ns, indexed)
    trust = np.zeros(len(indexed.arrays.value_item))
    for fact, v in indexed.fact_value.items():
        trust[v] = scores[fact].trust
    return trust


async def stored_chosen(memory: Memory, ns: str, indexed: runs.Indexed) -> np.ndarray:
    scores = await stored_scores(memory, ns, indexed)
    flags = np.zeros(len(indexed.arrays.value_item), dtype=bool)
    for fact, v in indexed.fact_value.items():
        flags[v] = scores[fact].chosen
    return flags


async def item_names(memory: Memory, ns: str, indexed: runs.Indexed) -> dict[tuple[str, str], int]:
    async with memory.database.acquire() as conn:
        ref = await namespaces.resolve(conn, ns)
        ids = sorted({s for s, _ in indexed.item_keys})
        records = await conn.fetch(
            f'SELECT id, uid FROM "{ref.name}"._kg_vertex WHERE id = ANY($1::graphid[])', ids
        )
    uid = {r["id"]: r["uid"] for r in records}
    return {(uid[s], p): k for k, (s, p) in enumerate(indexed.item_keys)}


_ITEMS: dict[str, dict[tuple[str, str], int]] = {}


def precision(indexed: runs.Indexed, chosen: np.ndarray, gold: dict[tuple[str, str], str]) -> float:
    names = _ITEMS["current"]
    hit = n = 0
    for key, value in gold.items():
        item = names.get(key)
        if item is None or chosen[item] < 0:
            continue
        n += 1
        hit += normalise(indexed.arrays.value_text[chosen[item]]) == normalise(value)
    return hit / max(n, 1)


async def calibration(
    memory: Memory, ns: str, indexed: runs.Indexed, gold: dict[tuple[str, str], str]
) -> float:
    """ECE over every value of the gold items: |mean trust - share true| per 10 bins."""
    trust = await stored_trust(memory, ns, indexed)
    names = _ITEMS["current"]
    probs, truth = [], []
    for key, value in gold.items():
        item = names.get(key)
        if item is None:
            continue
        for v in np.flatnonzero(indexed.arrays.value_item == item):
            probs.append(trust[v])
            truth.append(normalise(indexed.arrays.value_text[v]) == normalise(value))
    p, t = np.array(probs), np.array(truth, dtype=float)
    bins = np.minimum((p * 10).astype(int), 9)
    return float(
        sum(
            abs(p[bins == b].mean() - t[bins == b].mean()) * np.sum(bins == b)
            for b in range(10)
            if np.any(bins == b)
        )
        / max(len(p), 1)
    )


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


async def incremental(
    memory: Memory, ns: str, data: truth_data.TruthSet, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """Latencies and client CPU times (ms) of incremental updates after new claims by
    new sources on random items (half agreeing with a claimed value, half new values),
    as ``add_fact`` runs them: the write is not timed."""
    rng = random.Random(6)
    latencies, cpu = [], []
    for k, claim in enumerate(rng.sample(data.claims, count)):
        source = f"bench-new-source-{k}"
        value = claim.value if k % 2 == 0 else f"{claim.value}9"
        fact = FactWrite(
            subject=claim.subject,
            predicate=claim.predicate,
            object=truth_data.value_uid(value),
            uid=truth_data.fact_uid(replace(claim, value=value)),
            source=source,
        )
        await memory.upsert_entity(ns, _value_entity(value))
        stored = await memory.add_fact(ns, fact)
        started, used = time.perf_counter(), time.process_time()
        await runs.after_write(
            memory.ctx,
            ns,
            stored.uid,
            source,
            memory.settings.verification,
            fact=(stored.id, stored.predicate),
        )
        latencies.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return np.array(latencies) * 1000, np.array(cpu) * 1000


def _value_entity(value: str) -> EntityWrite:
    return EntityWrite(uid=truth_data.value_uid(value), label="Value", properties={"name": value})
