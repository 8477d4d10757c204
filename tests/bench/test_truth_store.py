"""The store keeps the claims the truth benchmark's cross-validation scores: each
source's last claim per item, also when a source revises its value or goes back to a
former one, across write batches; and its full run chooses what the bench's estimate
chooses on them, with reliability per predicate."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import numpy as np

from bench import truth, truth_arrays, truth_data
from kgmem import Memory, Settings
from kgmem.verification import canonical, estimators
from kgmem.verification.claims import Estimator
from tests.fixtures.database import store_settings


def _revisions() -> truth_data.TruthSet:
    """Two books, five stores; a revises b1, c and d revise and go back."""
    said = [
        ("b1", "Han", "a"),
        ("b1", "Han", "b"),
        ("b1", "Han; Kamber", "c"),
        ("b1", "Jiawei Han, Micheline Kamber", "a"),
        ("b2", "Ullman", "d"),
        ("b2", "Jeffrey D. Ullman", "e"),
        ("b1", "Han", "c"),
        ("b2", "Ullman; Widom", "a"),
        ("b2", "Ullman, Jeffrey; Widom, Jennifer", "b"),
        ("b2", "Widom", "d"),
        ("b2", "Ullman", "d"),
    ]
    claims = [
        truth_data.Claim(b, "AUTHORS", text, s, truth_data.EPOCH + timedelta(minutes=k))
        for k, (b, text, s) in enumerate(said)
    ]
    return truth_data.TruthSet("revisions", claims, {("b1", "AUTHORS"): "Han, Kamber"})


async def _truth_store(pg_url: str, tmp_path: Path) -> tuple[Memory, str]:
    """A store with the truth bench's schema, scoring only when asked, and a fresh
    namespace in it."""
    base = store_settings(pg_url, tmp_path)
    settings = Settings(
        home=tmp_path,
        database={"url": pg_url},
        embedding=base.embedding.model_dump(),
        schema={"files": [truth.SCHEMA]},
        verification={"update_on_write": False},
    )
    memory = await Memory.open(settings)
    ns = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(ns)
    return memory, ns


async def test_the_store_keeps_each_sources_last_claim_as_the_bench_scores(
    pg_url: str, tmp_path: Path
) -> None:
    memory, ns = await _truth_store(pg_url, tmp_path)
    data = _revisions()
    try:
        await truth.load(memory, ns, data, batch=3)
        indexed = await truth.pull(memory, ns)
        names = await truth.item_names(memory, ns, indexed)
    finally:
        await memory.delete_namespace(ns)
        await memory.close()
    by_item = {k: key for key, k in names.items()}
    vtype = memory.schema.value_type("AUTHORS")
    stored = Counter(
        (
            by_item[int(indexed.arrays.value_item[v])][0],
            canonical.key(indexed.arrays.value_text[v], vtype),
        )
        for v in indexed.arrays.claim_value.tolist()
    )
    kept = truth_arrays.latest(data.claims)
    bench = Counter((c.subject, canonical.key(c.value, vtype)) for c in kept)
    assert stored == bench
    assert bench == Counter(
        {
            ("b1", "han"): 2,
            ("b1", "han; kamber"): 1,
            ("b2", "ullman"): 2,
            ("b2", "ullman; widom"): 2,
        }
    )


def _two_predicates() -> truth_data.TruthSet:
    """Site 'a' right on temperatures and wrong on humidity, 'b' the reverse, 'c' and
    'd' right on both but for a slip each; on the last cities only 'a' and 'b' speak."""
    said: list[tuple[str, str, str, str]] = []
    for i in range(16):
        right = str(20 + i % 2)
        said += [(f"t{i}", "TEMPERATURE", right, "a"), (f"t{i}", "TEMPERATURE", f"{40 + i}", "b")]
        said += [(f"t{i}", "TEMPERATURE", right if i != 3 else "99", s) for s in ("c", "d")]
    for i in range(8):
        right = str(50 + i % 2)
        said += [(f"h{i}", "HUMIDITY", right, "b"), (f"h{i}", "HUMIDITY", f"{80 + i}", "a")]
        said += [(f"h{i}", "HUMIDITY", right if i != 5 else "98", s) for s in ("c", "d")]
    said += [(f"q{i}", "HUMIDITY", v, s) for i in range(3) for v, s in (("10", "a"), ("11", "b"))]
    claims = [
        truth_data.Claim(subject, predicate, value, source, truth_data.EPOCH + timedelta(minutes=k))
        for k, (subject, predicate, value, source) in enumerate(said)
    ]
    return truth_data.TruthSet("two predicates", claims, {("q0", "HUMIDITY"): "11"})


async def test_a_full_run_in_the_store_chooses_as_the_bench_with_reliability_per_predicate(
    pg_url: str, tmp_path: Path
) -> None:
    memory, ns = await _truth_store(pg_url, tmp_path)
    data = _two_predicates()
    try:
        await truth.load(memory, ns, data, batch=50)
        await memory.verify_namespace(ns)
        indexed = await truth.pull(memory, ns)
        names = await truth.item_names(memory, ns, indexed)
        flags = await truth.stored_chosen(memory, ns, indexed)
    finally:
        await memory.delete_namespace(ns)
        await memory.close()
    text = indexed.arrays.value_text
    stored = {
        key: text[v]
        for key, k in names.items()
        for v in np.flatnonzero(flags & (indexed.arrays.value_item == k)).tolist()
    }
    bench = truth_arrays.labelled(data, memory.schema.value_type)
    keys = bench.item_keys
    for params, said in ((estimators.DEFAULT.params, "11"), (_one_per_source(), "10")):
        chosen = estimators.estimate(bench.arrays, estimators.Choice("accu", params)).chosen
        picked = {keys[i]: bench.arrays.value_text[v] for i, v in enumerate(chosen.tolist())}
        assert picked[("q0", "HUMIDITY")] == said  # the option decides the contested cities
        if params is estimators.DEFAULT.params:
            assert stored == picked


def _one_per_source() -> Estimator:
    default = estimators.DEFAULT.params
    assert isinstance(default, Estimator) and default.predicate_share > 0
    return replace(default, predicate_share=0.0)
