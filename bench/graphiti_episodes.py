"""``python -m bench graphiti [--episodes N]``: Graphiti's ``add_episode`` on kgmem beside
the same calls on raw AGE, same run, same database.

Graphiti (its pinned release, in the venv the library tests build) runs with the test
suite's stub LLM, embedder and cross-encoder against kgmem's Bolt door
(``bench/clients/graphiti_episodes.py``). Two namespaces get Graphiti's indices and
constraints; then N episodes are added to the first while kgmem records every
statement it sends to PostgreSQL for them: each AGE ``cypher()`` call as kgmem planned
it, and each read of kgmem's own SQL a procedure makes (full-text and vector index
queries). The baseline replays those statements, in order, on the second namespace
over a plain asyncpg connection: the database work of the episodes with nothing of
kgmem around it (no Bolt, guard, planning, roles, deadlines or decoding).

Reported per episode: Graphiti's wall time on kgmem (Graphiti's own Python and the
stub LLM included), the time kgmem's statements took inside PostgreSQL as kgmem ran
them, and the same statements on raw AGE.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import asyncpg

from bench.machine import describe
from bench.report import Figure, Report
from bench.scratch import Scratch, at_least, measured, parser
from kgmem import Memory
from kgmem.bolt import BoltServer
from kgmem.graph import cypher as graph_cypher
from kgmem.settings.bolt_settings import BoltSettings
from kgmem.settings.config import Settings
from kgmem.storage.graph import cypher as cypher_store
from kgmem.storage.sql import ident
from tests.libraries import venvs

CLIENT = Path(__file__).resolve().parent / "clients" / "graphiti_episodes.py"
MEASURED, REPLAYED = "graphiti_kgmem", "graphiti_raw"


def parse(argv: list[str]) -> argparse.Namespace:
    p = parser("graphiti")
    p.add_argument("--episodes", type=at_least(1), default=12)
    return p.parse_args(argv)


async def main(argv: list[str]) -> int:
    return await measured(parse(argv), "kgmem-bench-graphiti-", run)


@dataclass
class Statement:
    """One statement kgmem sent for the measured namespace: AGE's (a ``CypherCall``) or
    kgmem's own SQL with its arguments, and the milliseconds it took there."""

    call: cypher_store.CypherCall | None
    sql: str
    args: Sequence[Any]
    ms: float


@dataclass
class Recorder:
    statements: list[Statement] = field(default_factory=list)
    on: bool = False


@contextmanager
def recording(recorder: Recorder) -> Iterator[None]:
    """Record what kgmem sends for ``MEASURED`` while ``recorder.on``."""
    run, read_sql = cypher_store.run, graph_cypher.read_sql

    async def recorded_run(conn: asyncpg.Connection, call: cypher_store.CypherCall) -> Any:
        started = time.perf_counter()
        rows = await run(conn, call)
        if recorder.on and call.graph == MEASURED:
            ms = (time.perf_counter() - started) * 1000
            recorder.statements.append(Statement(call, "", (), ms))
        return rows

    async def recorded_sql(ctx: Any, namespace: str, sql: str, args: Sequence[Any],
                           settings: Any) -> list[Any]:  # fmt: skip
        started = time.perf_counter()
        rows = await read_sql(ctx, namespace, sql, args, settings)
        if recorder.on and namespace == MEASURED:
            ms = (time.perf_counter() - started) * 1000
            recorder.statements.append(Statement(None, sql, args, ms))
        return rows

    cypher_store.run, graph_cypher.read_sql = recorded_run, recorded_sql
    try:
        yield
    finally:
        cypher_store.run, graph_cypher.read_sql = run, read_sql


async def _client(python: Path, config: dict[str, str], *phase: str) -> list[float]:
    process = await asyncio.create_subprocess_exec(
        str(python), str(CLIENT), json.dumps(config), *phase,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    if process.returncode:
        raise RuntimeError(f"the Graphiti client failed: {err.decode()[-3000:]}")
    return [float(ms) for ms in json.loads(out.decode().strip().splitlines()[-1])]


async def replay(url: str, statements: Sequence[Statement]) -> list[float]:
    """Each statement run again on ``REPLAYED`` over a plain connection, in order, each
    in its own transaction; its milliseconds."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("LOAD 'age'; SET search_path = ag_catalog, \"$user\", public")
        await conn.execute("SELECT set_config('kgmem.cypher_graph', $1, false)", REPLAYED)
        return [await _timed(conn, s) for s in statements]
    finally:
        await conn.close()


async def _timed(conn: asyncpg.Connection, statement: Statement) -> float:
    fetch: Callable[[], Awaitable[Any]]
    if statement.call is not None:
        call = replace(statement.call, graph=REPLAYED)
        sql, _ = cypher_store.call_sql(call)
        fetch = lambda: conn.fetch(sql, call.params_json)  # noqa: E731
    else:
        text = statement.sql.replace("{schema}", ident(REPLAYED))
        fetch = lambda: conn.fetch(text, *statement.args)  # noqa: E731
    started = time.perf_counter()
    async with conn.transaction():
        await fetch()
    return (time.perf_counter() - started) * 1000


async def run(args: argparse.Namespace, place: Scratch) -> Report:
    """Measure at ``place``; the report is returned unprinted."""
    python = (await asyncio.to_thread(venvs.build, "graphiti")).python
    settings = Settings(home=place.home, database={"url": place.url},
                        embedding={"provider": "none", "dimension": 384})  # fmt: skip
    memory = await Memory.open(settings)
    server = BoltServer(memory, BoltSettings(port=0))
    report = Report("graphiti", describe(), {"episodes": args.episodes})
    recorder = Recorder()
    try:
        await server.start()
        configs = {}
        for name in (MEASURED, REPLAYED):
            await memory.create_namespace(name)
            key = (await memory.create_key(name, ["admin"])).secret
            configs[name] = {"uri": f"bolt://127.0.0.1:{server.port}", "key": key,
                             "database": name}  # fmt: skip
            await _client(python, configs[name], "indices")
        with recording(recorder):
            recorder.on = True
            walls = await _client(python, configs[MEASURED], "episodes", str(args.episodes))
            recorder.on = False
        raw = await replay(place.url, recorder.statements)
    finally:
        await server.stop()
        await memory.close()
    n = args.episodes
    inside = sum(s.ms for s in recorder.statements) / n
    report.add(Figure("add_episode wall on kgmem (median)", statistics.median(walls), "ms", n,
                      sum(raw) / n, "the same statements on raw AGE"))  # fmt: skip
    report.add(Figure("kgmem's statements inside PostgreSQL", inside, "ms", n,
                      sum(raw) / n, "the same statements on raw AGE"))  # fmt: skip
    report.add(Figure("the same statements on raw AGE", sum(raw) / n, "ms", n))
    report.notes.append(
        f"{len(recorder.statements) / n:.0f} statements per episode "
        f"({sum(s.call is None for s in recorder.statements) / n:.0f} of them kgmem's SQL)"
    )
    report.notes += _widest(recorder.statements, raw)
    return report


def _widest(statements: Sequence[Statement], raw: Sequence[float]) -> list[str]:
    """The three statement shapes whose time inside kgmem exceeds raw AGE's the most."""
    gaps: dict[str, float] = {}
    for statement, baseline in zip(statements, raw, strict=True):
        text = statement.call.text if statement.call is not None else statement.sql
        shape = " ".join(text.split())[:90]
        gaps[shape] = gaps.get(shape, 0.0) + statement.ms - baseline
    worst = sorted(gaps.items(), key=lambda item: -item[1])[:3]
    return [f"+{gap / 1000:.2f} s in all: {shape}" for shape, gap in worst]
