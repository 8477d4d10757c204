"""Value types declared in the graph schema, through the store: listings of one author
list in different formats are one value, the complete list beats first-author-only
listings, and a calibration file sets the stored trust."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory, Settings
from kgmem.verification.calibration import Calibration, Isotonic
from tests.fixtures.database import store_settings

SCHEMA = """
[edge.AUTHORS]
functional = true
value = "names"
"""


def book_settings(pg_url: str, home: Path, **verification: object) -> Settings:
    schema = home / "books.toml"
    schema.write_text(SCHEMA)
    base = store_settings(pg_url, home)
    return Settings(
        home=home,
        database={"url": pg_url},
        embedding=base.embedding.model_dump(),
        schema={"files": [schema]},
        verification={"update_on_write": False, **verification},
    )


@pytest.fixture
async def books(pg_url: str, tmp_path: Path) -> AsyncIterator[tuple[Memory, str]]:
    memory = await Memory.open(book_settings(pg_url, tmp_path))
    ns = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(ns)
    try:
        yield memory, ns
    finally:
        await memory.delete_namespace(ns)
        await memory.close()


FULL = ["Jiawei Han, Micheline Kamber", "Han, Jiawei; Kamber, Micheline", "J. HAN & M. KAMBER"]


async def seed(memory: Memory, ns: str) -> None:
    """Ten books: three stores list both authors (each its own way), three list only
    the first author, and on two books those three list someone else."""
    entities, facts = [], []
    for b in range(10):
        texts = [t.replace("Kamber", f"Kamber{b}").replace("KAMBER", f"KAMBER{b}") for t in FULL]
        texts = [t.replace("Han", f"Han{b}").replace("HAN", f"HAN{b}") for t in texts]
        texts += [f"Han{b}" if b > 1 else f"Pei{b}"] * 3
        for s, text in enumerate(texts):
            uid = f"v-{b}-{s}"
            entities.append(EntityWrite(uid=uid, label="Entity", properties={"name": text}))
            facts.append(
                FactWrite(
                    subject=f"book{b}",
                    predicate="AUTHORS",
                    object=uid,
                    source=f"store{s}",
                    uid=f"f-{b}-{s}",
                )
            )
    entities += [EntityWrite(uid=f"book{b}", label="Entity") for b in range(10)]
    await memory.write_batch(ns, BatchWrite(entities=entities, facts=facts))


async def test_formats_merge_and_the_complete_list_wins(books: tuple[Memory, str]) -> None:
    memory, ns = books
    await seed(memory, ns)
    run = await memory.verify_namespace(ns)
    assert run.items == 10 and run.iterations < 500
    full = await memory.fact_verification(ns, "f-3-1")
    short = await memory.fact_verification(ns, "f-3-5")
    assert full.chosen and not short.chosen
    assert {c.source for c in full.sources_for} == {"store0", "store1", "store2"}


async def test_a_calibration_file_sets_the_stored_trust(pg_url: str, tmp_path: Path) -> None:
    cal = Calibration(
        value=Isotonic((0.0, 1.0), (0.0, 0.1)), chosen=Isotonic((0.0, 1.0), (0.3, 0.3))
    )
    path = tmp_path / "cal.json"
    path.write_text(cal.dumps())
    memory = await Memory.open(
        book_settings(pg_url, tmp_path, calibration_file=path, calibration_min_facts=1)
    )
    ns = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(ns)
    try:
        await seed(memory, ns)
        await memory.verify_namespace(ns)
        full = await memory.fact_verification(ns, "f-0-0")
        short = await memory.fact_verification(ns, "f-0-4")
        assert full.trust == pytest.approx(0.3) and short.trust is not None
        assert short.trust <= 0.1 + 1e-9 and np.isfinite(short.trust)
    finally:
        await memory.delete_namespace(ns)
        await memory.close()


async def test_the_estimator_setting_picks_the_full_runs_estimator(
    pg_url: str, tmp_path: Path
) -> None:
    memory = await Memory.open(book_settings(pg_url, tmp_path, estimator="truthfinder"))
    ns = f"t_{uuid.uuid4().hex[:12]}"
    await memory.create_namespace(ns)
    try:
        await seed(memory, ns)
        run = await memory.verify_namespace(ns)
        full = await memory.fact_verification(ns, "f-2-0")
        assert full.chosen and 1 <= run.iterations < 500
    finally:
        await memory.delete_namespace(ns)
        await memory.close()


def test_an_unknown_estimator_setting_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="estimator"):
        Settings(home=tmp_path, verification={"estimator": "oracle"})
