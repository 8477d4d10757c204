"""Every format kgmem writes is read back by kgmem with what it carries intact: a
random graph (unicode, typed and list properties, locations, valid times, a closed
fact, sources) exported, imported into a fresh namespace and compared; what a format
cannot carry is exactly what its export declares dropped (``DROPPED``)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from kgmem import Memory
from kgmem.io.exporter import EXTENSIONS, ExportOptions
from kgmem.io.formats import DROPPED
from kgmem.io.loader import ImportOptions
from tests.graph.test_invariants import Runner, store  # noqa: F401
from tests.io.round_trip_graphs import Plan, plans, snapshot, without, write

EXAMPLES = 6


async def _round_trip(memory: Memory, plan: Plan, fmt: str, folder: Path) -> None:
    source, target = (f"t_{uuid.uuid4().hex[:12]}" for _ in range(2))
    for ns in (source, target):
        await memory.create_namespace(ns)
    try:
        await write(memory, source, plan)
        path = folder / f"{source}{EXTENSIONS[fmt]}"
        path.write_bytes(b"".join([c async for c in memory.export(source, ExportOptions(fmt))]))
        report = await memory.import_file(target, path, ImportOptions(report_dir=folder))
        assert report.records_rejected == 0, report.errors
        before, after = await snapshot(memory, source), await snapshot(memory, target)
        assert without(after, DROPPED[fmt]) == without(before, DROPPED[fmt])
    finally:
        for ns in (source, target):
            await memory.delete_namespace(ns)


@pytest.mark.parametrize("fmt", sorted(DROPPED))
def test_export_then_import_keeps_what_the_format_carries(
    store: tuple[Runner, Memory],  # noqa: F811
    fmt: str,
    tmp_path: Path,
) -> None:
    runner, memory = store

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(plan=plans())
    def check(plan: Plan) -> None:
        runner.run(_round_trip(memory, plan, fmt, tmp_path))

    check()
