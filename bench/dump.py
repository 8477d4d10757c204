"""``python -m bench dump``: a JSON Lines dump of a namespace (``kgmem export --format
jsonl``) and its import into a fresh namespace (``kgmem import``), records per second.

The namespace is generated (``bench.bulkstore``: ``--entities`` entities, two facts each,
a fifth of them closed, plus the causal edges); each closed fact also gets the revision
a close keeps (its open version, believed from its recording until its close), so the
dump has revision lines to write and the import revisions to restore. Each of
``--runs`` rounds exports the namespace to a file, imports it into a new namespace and
drops that namespace. Reported (medians): wall time per phase, and records (lines) per
second. Embeddings are off, as in ``kgmem import --no-embed``. The load average is
printed with the figures: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from bench import bulkstore
from bench.machine import describe
from bench.report import Figure, Report
from bench.scratch import Scratch, scratch
from kgmem import Memory, Settings
from kgmem.io.exporter import ExportOptions
from kgmem.io.loader import ImportOptions

NAMESPACE = "bench_dump"


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench dump")
    p.add_argument("--entities", type=int, default=10_000)
    p.add_argument("--runs", type=int, default=3, help="export and import rounds (median)")
    p.add_argument("--database-url", default=None, help="default: a fresh embedded server")
    args = p.parse_args(argv)
    if args.entities < 10 or args.runs < 1:
        p.error("--entities must be at least 10 and --runs at least 1")
    return args


async def main(argv: list[str]) -> int:
    args = parse(argv)
    with scratch(args.database_url, "kgmem-bench-dump-", pgdata="pgdata") as place:
        report = await run(args, place)
    report.print_summary()
    print(f"saved {report.save()}")
    return 0


async def _revise_closed(memory: Memory) -> int:
    """Give each closed fact the revision its close would have kept; returns how many."""
    async with memory.database.acquire() as conn:
        ns = f'"{NAMESPACE}"'
        await conn.execute(
            f"INSERT INTO {ns}._kg_fact_revision "
            "(fact_id, valid_from, valid_to, expired_at, known_from, known_to) "
            f"SELECT id, valid_from, NULL, NULL, recorded_at, expired_at FROM {ns}._kg_fact "
            "WHERE expired_at IS NOT NULL AND expired_at >= recorded_at"
        )
        await conn.execute(
            f"UPDATE {ns}._kg_fact SET revised_at = expired_at "
            "WHERE expired_at IS NOT NULL AND expired_at >= recorded_at"
        )
        count: int = await conn.fetchval(f"SELECT count(*) FROM {ns}._kg_fact_revision")
        return count


async def _round(memory: Memory, files: Path) -> tuple[float, float, int]:
    """One export and import: their wall seconds and the dump's line count."""
    path = files / "dump.jsonl"
    start = time.perf_counter()
    with path.open("wb") as sink:
        async for chunk in memory.export(NAMESPACE, ExportOptions("jsonl")):
            sink.write(chunk)
    exported = time.perf_counter() - start
    lines = sum(1 for _ in path.open("rb"))
    target = f"bench_dump_{uuid.uuid4().hex[:8]}"
    await memory.create_namespace(target)
    try:
        start = time.perf_counter()
        report = await memory.import_file(target, path, ImportOptions(report_dir=files))
        imported = time.perf_counter() - start
        if report.records_rejected:
            raise RuntimeError(f"the import rejected {report.records_rejected} records")
    finally:
        await memory.delete_namespace(target)
    return exported, imported, lines


async def run(args: argparse.Namespace, place: Scratch) -> Report:
    """Fill a namespace at ``place``, then measure; the report is returned unprinted."""
    machine = describe()
    settings = Settings(
        home=place.home,
        database={"url": place.url},
        embedding={"provider": "none", "dimension": 384},
    )
    memory = await Memory.open(settings)
    try:
        await memory.create_namespace(NAMESPACE)
        async with memory.database.acquire() as conn:
            await bulkstore.load(conn, NAMESPACE, bulkstore.generate(args.entities))
        revisions = await _revise_closed(memory)
        with tempfile.TemporaryDirectory(prefix="kgmem-bench-dump-files-") as tmp:
            rounds = [await _round(memory, Path(tmp)) for _ in range(args.runs)]
    finally:
        await memory.close()
    lines = rounds[0][2]
    export_s = statistics.median(r[0] for r in rounds)
    import_s = statistics.median(r[1] for r in rounds)
    report = Report(
        "dump",
        machine,
        {"entities": args.entities, "dump lines": lines, "revisions": revisions, "runs": args.runs},
    )
    report.add(Figure("export jsonl wall", export_s * 1000, "ms", args.runs))
    report.add(Figure("import jsonl wall", import_s * 1000, "ms", args.runs))
    report.add(Figure("export jsonl lines/s", lines / export_s, "lines/s", args.runs))
    report.add(Figure("import jsonl lines/s", lines / import_s, "lines/s", args.runs))
    report.notes.append(f"load average at the end {os.getloadavg()[0]:.2f}")
    return report
