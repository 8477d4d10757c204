"""``python -m bench truth``: consensus scoring on the DAFNA population and weather sets
and any other set in the DAFNA layout under ``--data`` (or a user's own claims and gold
files), and on a generated book-author set.

Quality first, without the database (``bench.truth_cv``): every estimator and its
hyper-parameters are chosen by cross-validation and scored on folds the choices never
saw; precision of the chosen value, per-value and chosen-value ECE (raw and after
calibration fitted on the other folds, with a bootstrap interval), iterations and run
times are reported, and a reliability diagram PNG per set is written to bench/results/. The
generated set is reported apart, labelled GENERATED.

Then speed through the store (skip with ``--no-store``): each set is loaded
through kgmem's own batched write path (entities, then one fact
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
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from bench import backend_cpu, truth_arrays, truth_books, truth_cv, truth_data
from bench.machine import describe
from bench.report import Figure, Report
from bench.scratch import scratch
from kgmem import BatchWrite, EntityWrite, FactWrite, Memory, Settings
from kgmem.schema import load_schema
from kgmem.schema.graph_schema import ValueType
from kgmem.storage.graph import namespaces
from kgmem.storage.truth import claims as store
from kgmem.storage.truth import score_columns
from kgmem.verification import canonical, consensus, runs, value_kinds

SCHEMA = Path(__file__).resolve().parent / "truth_schema.toml"


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench truth")
    p.add_argument(
        "--sets",
        default="",
        help="sets under --data, comma-separated (default: every folder there: population, "
        "weather and any other set in the DAFNA layout)",
    )
    p.add_argument("--data", type=Path, default=truth_data.DATA)
    p.add_argument(
        "--claims", type=Path, help="your claims: object, property, value, source[, time]"
    )
    p.add_argument("--gold", type=Path, help="your gold values: object, property, value")
    p.add_argument(
        "--value-type",
        action="append",
        default=[],
        metavar="PROPERTY=KIND",
        help="value type of a property of --claims (auto, number, date, names, string); "
        "undeclared ones are inferred from their values",
    )
    p.add_argument(
        "--generated",
        type=int,
        default=None,
        help="claims of the generated book set (default 25,000; 0: none; none with --claims)",
    )
    p.add_argument(
        "--undeclared",
        action="store_true",
        help="ignore the value types the bench's schema declares: every property's is "
        "inferred from its values, as for a user who declares nothing (quality only)",
    )
    p.add_argument("--no-store", action="store_true", help="quality only, no database")
    p.add_argument(
        "--store-only", action="store_true", help="speed through the store only, no quality"
    )
    p.add_argument(
        "--save-calibration",
        type=Path,
        metavar="FILE",
        help="write the default estimator's calibration on the first set's gold items "
        "(for KGMEM_VERIFICATION_CALIBRATION_FILE)",
    )
    p.add_argument("--batch", type=int, default=5_000)
    p.add_argument("--updates", type=int, default=200)
    p.add_argument("--database-url", default=None)
    return p.parse_args(argv)


def real_sets(args: argparse.Namespace) -> list[truth_data.TruthSet]:
    """The user's set when given, else the DAFNA sets named by ``--sets``."""
    if args.claims is not None:
        if args.gold is None:
            raise SystemExit("--claims needs --gold")
        return [truth_data.from_tsv(args.claims, args.gold)]
    names = [n.strip() for n in args.sets.split(",") if n.strip()]
    return [truth_data.load_set(n, args.data) for n in names or truth_data.set_names(args.data)]


def value_types(
    data: truth_data.TruthSet, declared: list[str], *, undeclared: bool = False
) -> Callable[[str], ValueType]:
    """Each property's value type: declared with ``--value-type`` or in the bench's
    schema (unless ``undeclared``), else inferred from its values as the store does
    (``kgmem.verification.inference`` on the first values; printed with the evidence,
    so the reading can be checked)."""
    schema = load_schema([] if undeclared else [SCHEMA])
    named = dict(d.split("=", 1) for d in declared)
    types: dict[str, ValueType] = {}
    for prop in sorted({c.predicate for c in data.claims}):
        if prop in named:
            types[prop] = ValueType(kind=named[prop])
            continue
        found = value_kinds.read(schema, prop, truth_data.first_values(data, prop))
        types[prop] = found.vtype
        if not found.declared:
            print(f"{data.name}: {prop} read as {found.kind}: {found.evidence}", flush=True)
    return lambda prop: types.get(prop, ValueType())


def quality(args: argparse.Namespace, report: Report) -> list[truth_data.TruthSet]:
    """The cross-validated quality figures; returns the sets for the store part."""
    sets = real_sets(args)
    size = args.generated if args.generated is not None else (0 if args.claims else 25_000)
    books = [truth_books.generate(truth_books.Shape(claims=size))] if size > 0 else []
    how = {"undeclared": args.undeclared}
    labelled = [truth_arrays.labelled(d, value_types(d, args.value_type, **how)) for d in sets]
    generated = [truth_arrays.labelled(b, value_types(b, [], **how)) for b in books]
    fitted = truth_cv.report_quality(report, labelled, generated)
    if args.save_calibration is not None and truth_cv.too_few(labelled[0]):
        print(f"{sets[0].name}: too few gold items to calibrate; no calibration saved")
    elif args.save_calibration is not None:
        args.save_calibration.write_text(fitted.dumps())
        print(f"calibration of {sets[0].name} saved to {args.save_calibration}")
    return [*sets, *books] if args.claims is None else []


def stored_sets(args: argparse.Namespace) -> list[truth_data.TruthSet]:
    """The sets the store part loads, without the quality part."""
    size = args.generated if args.generated is not None else (0 if args.claims else 25_000)
    books = [truth_books.generate(truth_books.Shape(claims=size))] if size > 0 else []
    return [*real_sets(args), *books]


async def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.claims is None and not args.data.is_dir():
        print(f"no data at {args.data}; nothing to measure")
        return 1
    report = Report("truth", describe(), {})
    stored = stored_sets(args) if args.store_only else quality(args, report)
    if args.no_store or not stored:
        report.print_summary()
        print(f"saved {report.save()}")
        return 0
    with scratch(args.database_url, "kgmem-bench-") as space:
        settings = Settings(
            home=space.home,
            database={"url": space.url},
            embedding={"provider": "none", "dimension": 384},
            schema={"files": [SCHEMA]},
            verification={"update_on_write": False},
        )
        memory = await Memory.open(settings)
        try:
            for data in stored:
                await run_set(memory, data, args, report)
        finally:
            await memory.close()
        report.print_summary()
        print(f"saved {report.save()}")
    return 0


async def run_set(
    memory: Memory, data: truth_data.TruthSet, args: argparse.Namespace, report: Report
) -> None:
    name = data.name.split()[0]
    if data.name != name:
        name = f"GENERATED {name}"
    ns = "bench_" + "".join(ch for ch in data.name if ch.isalnum())
    await memory.create_namespace(ns)
    started = time.perf_counter()
    await load(memory, ns, data, args.batch)
    load_s = time.perf_counter() - started
    print(f"{name}: loaded {len(data.claims):,} claims in {load_s:.1f} s", flush=True)
    meter = backend_cpu.Meter()
    await meter.start(memory)
    cpu = time.process_time()
    run = await memory.verify_namespace(ns)
    full_cpu = time.process_time() - cpu
    full_pg = await meter.stop(memory)
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
            f"{name}: precision x1000 (store, all gold items)",
            kgmem * 1000,
            "",
            len(data.gold),
            majority * 1000,
            "majority vote",
        )
    )
    report.add(Figure(f"{name}: full recompute", run.seconds * 1000, "ms", run.claims))
    report.add(Figure(f"{name}: full recompute, client CPU", full_cpu * 1000, "ms", run.claims))
    await meter.start(memory)
    ms, cpu_ms = await incremental(memory, ns, data, args.updates)
    update_pg = await meter.stop(memory)
    if full_pg is not None and update_pg is not None:
        label = f"{name}: PostgreSQL backend CPU"
        report.add(Figure(f"{label}, full recompute", full_pg, "ms", run.claims))
        report.add(Figure(f"{label}, write + update mean", update_pg / args.updates, "ms", 0))
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
        cols = await score_columns.claim_columns(conn, ref)
        sources = await store.sources(conn, ref)
    indexed, _, _ = runs.index_columns(
        cols,
        sources,
        functional=memory.schema.is_functional,
        default_prior=0.8,
        value_type=memory.schema.value_type,
    )
    _TYPES["current"] = memory.schema.value_type
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
_TYPES: dict[str, Callable[[str], ValueType]] = {}


def precision(indexed: runs.Indexed, chosen: np.ndarray, gold: dict[tuple[str, str], str]) -> float:
    names = _ITEMS["current"]
    hit = n = 0
    for key, value in gold.items():
        item = names.get(key)
        if item is None or chosen[item] < 0:
            continue
        n += 1
        vtype = _TYPES["current"](key[1])
        chosen_text = indexed.arrays.value_text[chosen[item]]
        hit += canonical.key(chosen_text, vtype) == canonical.key(value, vtype)
    return hit / max(n, 1)


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
