"""The store keeps the claims the truth benchmark's cross-validation scores: each
source's last claim per item, also when a source revises its value or goes back to a
former one, across write batches."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

from bench import truth, truth_arrays, truth_data
from kgmem import Memory, Settings
from kgmem.verification import canonical
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


async def test_the_store_keeps_each_sources_last_claim_as_the_bench_scores(
    pg_url: str, tmp_path: Path
) -> None:
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
