"""The cyclic garbage collector during imports: its youngest generation runs every
``RELAXED_GEN0`` containers while any import runs in the process, and the process's own
setting comes back when the last import ends, also when one fails."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from kgmem import Memory
from kgmem.errors import ImportRejected
from kgmem.io.collector import RELAXED_GEN0, relaxed_collection
from kgmem.io.loader import ImportOptions, Progress

EX = "http://example.org/"


@pytest.fixture
def small_threshold() -> Iterator[None]:
    saved = gc.get_threshold()
    gc.set_threshold(650, 9, 8)
    yield
    gc.set_threshold(*saved)


@pytest.mark.usefixtures("small_threshold")
def test_nested_relaxations_restore_the_setting_once_the_last_ends() -> None:
    with relaxed_collection():
        assert gc.get_threshold() == (RELAXED_GEN0, 9, 8)
        with relaxed_collection():
            assert gc.get_threshold() == (RELAXED_GEN0, 9, 8)
        assert gc.get_threshold() == (RELAXED_GEN0, 9, 8)  # the outer one still runs
    assert gc.get_threshold() == (650, 9, 8)
    with pytest.raises(RuntimeError), relaxed_collection():
        raise RuntimeError("a failed import")
    assert gc.get_threshold() == (650, 9, 8)
    gc.set_threshold(500_000, 9, 8)  # a process that collects even less often keeps that
    with relaxed_collection():
        assert gc.get_threshold() == (500_000, 9, 8)


@pytest.mark.usefixtures("small_threshold")
async def test_imports_run_relaxed_and_put_the_setting_back(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    files = []
    for name in ("a", "b"):
        files.append(tmp_path / f"{name}.nt")
        files[-1].write_text(
            "".join(f"<{EX}{name}{i}> <{EX}next> <{EX}{name}{i + 1}> .\n" for i in range(30))
        )
    bad = tmp_path / "bad.nt"
    bad.write_text(f"<{EX}a> <{EX}next> .\n")
    seen: list[tuple[int, int, int]] = []

    def progress(_: Progress) -> None:
        seen.append(gc.get_threshold())

    options = ImportOptions(batch_size=10, write_report=False)
    # Two imports at once: the setting stays relaxed until both are done.
    reports = await asyncio.gather(
        *(memory.import_file(namespace, f, options, progress=progress) for f in files)
    )
    assert [r.edges_created for r in reports] == [30, 30]
    assert len(seen) >= 3 and set(seen) == {(RELAXED_GEN0, 9, 8)}
    assert gc.get_threshold() == (650, 9, 8)
    with pytest.raises(ImportRejected):
        await memory.import_file(namespace, bad, options)
    assert gc.get_threshold() == (650, 9, 8)
