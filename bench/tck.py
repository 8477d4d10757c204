"""The openCypher TCK through kgmem's Cypher path and through raw AGE, in one run.

``python -m bench tck [--features DIR] [--only SUBSTRING] [--engines kgmem,age]
[--timeout S]`` parses the feature files of ../shared/data/opencypher-tck with
gherkin-official and runs every scenario twice (once with ``--engines kgmem``), each
time on a fresh AGE graph:

- kgmem: the query goes through ``kgmem.cypher.plan`` (guard, column inference from
  RETURN, rewrites) and ``kgmem.storage.graph.cypher`` (bound parameter map, classified
  errors), as POST /cypher in write mode does;
- raw AGE (the baseline): the query text as-is inside ``cypher()``, with a column list
  derived from the expected result's header (one column when there is none) and the
  parameters as AGE's parameter map.

It prints the pass rate per feature directory for both and the gain in points.
Results compare as bags or in order, lists optionally ignoring order; side effects
are counted before and after (nodes, relationships, labels, properties); expected
errors compare by class (syntax, semantic, type).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from bench import tck_procedures, tck_values
from bench.machine import describe
from bench.scratch import scratch
from bench.tck_engines import Engine, KgmemEngine, Outcome, RawAgeEngine
from kgmem import __version__
from kgmem.cypher import label_sets
from kgmem.cypher import values as cypher_values
from kgmem.procedures import builtin as builtin_procedures
from kgmem.storage.engine import migrate

ROOT = Path(__file__).resolve().parent.parent
TCK = ROOT.parent / "shared" / "data" / "opencypher-tck"
# The TCK's compile-time SyntaxError covers what kgmem and AGE call semantic errors
# (VariableTypeConflict, UndefinedVariable, ...): both classes are accepted for it.
ERROR_CLASSES = {
    "SyntaxError": {"syntax", "semantic"},
    "SemanticError": {"semantic", "syntax"},
    "TypeError": {"type"},
    "ArgumentError": {"type", "semantic"},
    "ParameterMissing": {"semantic"},
    "ProcedureError": {"semantic"},
    "EntityNotFound": {"semantic"},
    "ConstraintVerificationFailed": {"semantic", "constraint"},
}


# -- scenarios ---------------------------------------------------------------------


@dataclass
class Step:
    text: str
    doc: str | None = None
    table: list[list[str]] | None = None


@dataclass
class Scenario:
    feature: str  # path relative to features/, e.g. clauses/match/Match1.feature
    name: str
    steps: list[Step]

    @property
    def directory(self) -> str:
        return str(Path(self.feature).parent)


def load(features: Path, only: str | None = None) -> list[Scenario]:
    """Every scenario (outlines expanded) under ``features``."""
    from gherkin.parser import Parser
    from gherkin.pickles.compiler import Compiler

    found: list[Scenario] = []
    for path in sorted(features.rglob("*.feature")):
        relative = str(path.relative_to(features))
        document = Parser().parse(path.read_text(encoding="utf-8"))
        document["uri"] = relative
        for pickle in Compiler().compile(document):
            scenario = Scenario(relative, pickle["name"], [_step(s) for s in pickle["steps"]])
            if only is None or only in f"{relative} {scenario.name}":
                found.append(scenario)
    return found


def _step(raw: dict[str, Any]) -> Step:
    argument = raw.get("argument", {})
    doc = argument.get("docString", {}).get("content")
    rows = argument.get("dataTable", {}).get("rows")
    table = [[c["value"] for c in r["cells"]] for r in rows] if rows else None
    return Step(raw["text"], doc, table)


# -- engines -------------------------------------------------------------------------


# -- running one scenario ------------------------------------------------------------


class Failed(Exception):
    """The scenario did not pass; the message says why."""


@dataclass
class State:
    params: dict[str, Any] = field(default_factory=dict)
    outcome: Outcome | None = None
    before: Counter[str] | None = None
    effects: dict[str, int] = field(default_factory=dict)


async def run_scenario(
    conn: asyncpg.Connection, engine: Engine, scenario: Scenario, graph: str
) -> None:
    """Run ``scenario`` on the empty graph ``graph``; raise ``Failed`` if it does not pass."""
    state = State()
    engine.procedures = builtin_procedures.registry(__version__)  # and those the steps declare
    for index, step in enumerate(scenario.steps):
        await _do(conn, engine, graph, step, state, scenario.steps[index + 1 :])


async def _do(
    conn: asyncpg.Connection, engine: Engine, graph: str, step: Step, state: State,
    rest: list[Step],
) -> None:  # fmt: skip
    text = step.text
    if text.startswith(("an empty graph", "any graph")):
        return
    if text.startswith("the ") and text.endswith(" graph"):
        name = text[4:-6]
        await _setup(conn, engine, graph, (TCK / "graphs" / name / f"{name}.cypher").read_text())
    elif text.startswith("having executed"):
        await _setup(conn, engine, graph, step.doc or "")
    elif text.startswith(tck_procedures.STEP):
        try:
            declared = tck_procedures.declared(text, step.table)
        except ValueError as exc:
            raise Failed(f"procedure not declared: {exc}") from exc
        engine.procedures.register(declared, replace=True)
    elif text.startswith(("executing query", "executing control query")):
        header = _expected_header(rest)
        state.before = await snapshot(conn, graph)
        state.outcome = await engine.execute(conn, graph, step.doc or "", state.params, header)
        after = await snapshot(conn, graph)
        state.effects = effects(state.before, renamed(after, state.outcome.moved))
    else:
        _check(step, state)


def _check(step: Step, state: State) -> None:
    text = step.text
    if text.startswith("parameters are"):
        state.params = {
            row[0]: tck_values.to_json(tck_values.parse(row[1])) for row in step.table or []
        }
    elif text.startswith("the result should be"):
        _check_result(step, state.outcome)
    elif text.startswith("no side effects"):
        _check_effects({}, state)
    elif text.startswith("the side effects should be"):
        _check_effects({r[0]: int(r[1]) for r in step.table or []}, state)
    elif " should be raised at " in text:
        _check_error(text, state.outcome)
    else:
        raise Failed(f"unknown step {text!r}")


async def _setup(conn: asyncpg.Connection, engine: Engine, graph: str, query: str) -> None:
    outcome = await engine.execute(conn, graph, query, {}, None)
    if outcome.error:
        raise Failed(f"setup failed: {outcome.message}")


def _expected_header(rest: list[Step]) -> list[str] | None:
    for step in rest:
        if step.text.startswith("the result should be") and step.table:
            return step.table[0]
        if step.text.startswith(("executing", "the result should be empty")):
            return None
    return None


def _check_result(step: Step, outcome: Outcome | None) -> None:
    if outcome is None or outcome.error:
        raise Failed(f"expected a result, got error: {outcome.message if outcome else '-'}")
    if step.text.startswith("the result should be empty"):
        if outcome.rows:
            raise Failed(f"expected no rows, got {len(outcome.rows)}")
        return
    table = step.table or [[]]
    header, expected_cells = table[0], table[1:]
    if outcome.columns and outcome.columns != header:
        raise Failed(f"columns {outcome.columns} != {header}")
    ignore_list_order = "ignoring element order for lists" in step.text
    try:
        expected = [
            tuple(_fix(tck_values.parse(c), ignore_list_order) for c in r) for r in expected_cells
        ]
    except tck_values.ParseError as exc:
        raise Failed(f"unparsed expectation: {exc}") from exc
    actual = [
        tuple(_fix(tck_values.from_result(v), ignore_list_order) for v in row)
        for row in outcome.rows
    ]
    in_order = "in order" in step.text
    same = actual == expected if in_order else Counter(actual) == Counter(expected)
    if not same:
        raise Failed(f"rows differ: expected {expected[:3]}..., got {actual[:3]}...")


def _fix(value: Any, ignore_list_order: bool) -> Any:
    return tck_values.unordered_lists(value) if ignore_list_order else value


def _check_effects(expected: dict[str, int], state: State) -> None:
    got = {k: v for k, v in state.effects.items() if v}
    if got != {k: v for k, v in expected.items() if v}:
        raise Failed(f"side effects {got} != {expected}")


def _check_error(text: str, outcome: Outcome | None) -> None:
    kind = text.split()[1]
    if outcome is None or not outcome.error:
        raise Failed(f"expected a {kind}, the query succeeded")
    if outcome.error not in ERROR_CLASSES.get(kind, set()):
        raise Failed(f"expected a {kind}, got a {outcome.error} error: {outcome.message}")


# -- side effects --------------------------------------------------------------------


async def snapshot(conn: asyncpg.Connection, graph: str) -> Counter[str]:
    """Nodes, relationships, labels in use and property entries of ``graph``."""
    sql = (
        f"SELECT * FROM ag_catalog.cypher('{graph}', $s$MATCH (n) "
        "RETURN id(n), label(n), properties(n)$s$) AS (i agtype, l agtype, p agtype)"
    )
    rel_sql = (
        f"SELECT * FROM ag_catalog.cypher('{graph}', $s$MATCH ()-[r]->() "
        "RETURN id(r), type(r), properties(r)$s$) AS (i agtype, l agtype, p agtype)"
    )
    state: Counter[str] = Counter()
    for kind, query in (("node", sql), ("relationship", rel_sql)):
        for i, label, props in await conn.fetch(query):
            state[f"{kind}:{i}"] += 1
            for name in label_sets.split(json.loads(label)) if kind == "node" else []:
                if name:
                    state[f"label:{name}"] = 1
            for key, value in (cypher_values.decode_raw(props) or {}).items():
                state[f"property:{i}:{key}:{json.dumps(value, sort_keys=True)}"] += 1
    return state


def renamed(state: Counter[str], moved: tuple[tuple[int, int], ...]) -> Counter[str]:
    """``state`` with each node a query moved to another label (a new graph id) under
    its old id, so that relabelling a node counts as label changes only."""
    if not moved:
        return state
    old_of = {str(new): str(old) for old, new in moved}
    out: Counter[str] = Counter()
    for key, count in state.items():
        kind, _, rest = key.partition(":")
        element, _, tail = rest.partition(":")
        if kind in ("node", "property") and element in old_of:
            out[f"{kind}:{old_of[element]}" + (f":{tail}" if tail else "")] += count
        else:
            out[key] += count
    return out


def effects(before: Counter[str], after: Counter[str]) -> dict[str, int]:
    """TCK side-effect counts between two snapshots."""
    added, removed = after - before, before - after
    out = {}
    for kind, key in (("node", "nodes"), ("relationship", "relationships"),
                      ("label", "labels"), ("property", "properties")):  # fmt: skip
        out[f"+{key}"] = sum(v for k, v in added.items() if k.startswith(kind + ":"))
        out[f"-{key}"] = sum(v for k, v in removed.items() if k.startswith(kind + ":"))
    return out


# -- the run -------------------------------------------------------------------------


@dataclass
class Tally:
    passed: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[str, str]] = field(default_factory=list)
    """(feature file: scenario, why) of each scenario that failed."""


async def connect(url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(url, server_settings={"search_path": "ag_catalog, public"})
    await conn.execute("CREATE EXTENSION IF NOT EXISTS age")
    await conn.execute("LOAD 'age'")
    return conn


_LOST = (asyncpg.InterfaceError, asyncpg.PostgresConnectionError, ConnectionError, OSError)


class Session:
    """The runner's connection, reopened when a query crashes the backend."""

    def __init__(self, url: str, timeout_s: float) -> None:
        self.url, self.timeout_s = url, timeout_s
        self.conn: asyncpg.Connection | None = None
        self.crashes = 0

    async def get(self) -> asyncpg.Connection:
        """An open connection; after a backend crash, waits out the server's recovery."""
        for attempt in range(120):
            if self.conn is not None and not self.conn.is_closed():
                return self.conn
            try:
                conn = await connect(self.url)
                await conn.execute(f"SET statement_timeout = '{int(self.timeout_s * 1000)}'")
                self.conn = conn
            except (*_LOST, asyncpg.PostgresError):
                await asyncio.sleep(0.5 + attempt * 0.05)
        raise ConnectionError("the database did not come back after a crash")

    async def close(self) -> None:
        if self.conn is not None and not self.conn.is_closed():
            await self.conn.close()


async def run_all(
    url: str, scenarios: list[Scenario], engines: list[Engine], timeout_s: float
) -> dict[str, Tally]:
    """Run each scenario with each engine; a tally per engine."""
    tallies = {e.name: Tally() for e in engines}
    session = Session(url, timeout_s)
    graph = f"tck_{os.getpid()}"
    try:
        for scenario in scenarios:
            for engine in engines:
                ok, reason = await _one(session, engine, scenario, graph)
                tally = tallies[engine.name]
                tally.total[scenario.directory] += 1
                tally.passed[scenario.directory] += ok
                if not ok:
                    tally.reasons[reason.split(":")[0][:60]] += 1
                    tally.failures.append((f"{scenario.feature}: {scenario.name}", reason))
    finally:
        await session.close()
    return tallies


async def _one(
    session: Session, engine: Engine, scenario: Scenario, graph: str
) -> tuple[bool, str]:
    await _cleanup(session, graph)
    conn = await session.get()
    await conn.execute("SELECT ag_catalog.create_graph($1)", graph)
    try:
        await asyncio.wait_for(run_scenario(conn, engine, scenario, graph), session.timeout_s * 4)
        return True, ""
    except Failed as exc:
        return False, str(exc)
    except _LOST as exc:
        session.crashes += 1
        return False, f"backend lost: {exc}"
    except (TimeoutError, asyncpg.PostgresError, tck_values.ParseError, KeyError) as exc:
        return False, f"{type(exc).__name__}: {exc}"
    finally:
        await _cleanup(session, graph)


async def _cleanup(session: Session, graph: str) -> None:
    for _ in range(3):
        conn = await session.get()
        try:
            if conn.is_in_transaction():
                await conn.execute("ROLLBACK")
            await conn.execute(
                "SELECT ag_catalog.drop_graph($1, true) FROM ag_catalog.ag_graph WHERE name = $1",
                graph,
            )
            return
        except _LOST:
            session.crashes += 1


def rates(tallies: dict[str, Tally]) -> Iterator[tuple[str, int, dict[str, float]]]:
    """(directory, scenarios, pass rate per engine in percent), then the total."""
    first = next(iter(tallies.values()))
    for directory in sorted(first.total):
        n = first.total[directory]
        yield directory, n, {k: 100 * t.passed[directory] / n for k, t in tallies.items()}
    n = sum(first.total.values())
    yield "TOTAL", n, {k: 100 * sum(t.passed.values()) / n for k, t in tallies.items()}


def print_report(tallies: dict[str, Tally], seconds: float, data: dict[str, Any]) -> dict[str, Any]:
    machine = describe()
    print("machine: " + ", ".join(f"{k}={v}" for k, v in machine.items()))
    print("data:    " + ", ".join(f"{k}={v}" for k, v in data.items()))
    print(f"{'feature directory':<44} {'scenarios':>9} {'kgmem %':>8} {'raw AGE %':>9} {'gain':>6}")
    table = []
    for directory, n, rate in rates(tallies):
        kg, age = rate.get("kgmem"), rate.get("age")
        cells = [f"{v:.1f}" if v is not None else "-" for v in (kg, age)]
        gain = f"{kg - age:+.1f}" if kg is not None and age is not None else "-"
        print(f"{directory:<44} {n:>9} {cells[0]:>8} {cells[1]:>9} {gain:>6}")
        table.append({"directory": directory, "scenarios": n, **rate})
    print(f"elapsed: {seconds:.0f} s for both engines")
    for name, tally in tallies.items():
        common = ", ".join(f"{r} ({c})" for r, c in tally.reasons.most_common(6))
        print(f"most common failures ({name}): {common}")
    failures = {name: [list(f) for f in t.failures] for name, t in tallies.items()}
    return {
        "machine": machine, "data": data, "rates": table, "seconds": seconds,
        "failures": failures,
    }  # fmt: skip


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench tck")
    p.add_argument("--features", type=Path, default=TCK / "features")
    p.add_argument("--only", default=None, help="run scenarios whose file or name contains this")
    p.add_argument("--timeout", type=float, default=5.0, help="statement timeout per query, s")
    p.add_argument(
        "--engines", default="kgmem,age", help="comma-separated: kgmem, age (default both)"
    )
    p.add_argument("--database-url", default=None, help="default: a temporary embedded server")
    p.add_argument(
        "--failures", action="store_true", help="also print each failing scenario and why"
    )
    return p.parse_args(argv)


async def main(argv: list[str]) -> int:

    args = parse_args(argv)
    scenarios = load(args.features, args.only)
    if not scenarios:
        print(f"no scenarios under {args.features}")
        return 1
    with scratch(args.database_url, "kgmem-tck-", pgdata="pg") as space:
        started = time.perf_counter()
        known: dict[str, Engine] = {"kgmem": KgmemEngine(), "age": RawAgeEngine()}
        engines = [known[name.strip()] for name in args.engines.split(",")]
        if "kgmem" in known and known["kgmem"] in engines:
            # kgmem's rewrites call the SQL functions its migrations create (kgmem_cypher)
            await asyncio.to_thread(migrate.upgrade, space.url)
        tallies = await run_all(space.url, scenarios, engines, args.timeout)
        data = {"scenarios": len(scenarios), "features": str(args.features)}
        report = print_report(tallies, time.perf_counter() - started, data)
    if args.failures:
        for name, tally in tallies.items():
            for scenario, why in tally.failures:
                print(f"FAILED ({name}) {scenario}\n    {why[:300]}")
    print(f"saved {save(report)}")
    return 0


def save(report: dict[str, Any]) -> Path:
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    out = results / f"tck-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2))
    return out


def tallies_by_scenario(tallies: dict[str, Tally]) -> dict[str, defaultdict[str, int]]:
    """Passed counts per directory per engine (for tests)."""
    return {k: defaultdict(int, t.passed) for k, t in tallies.items()}
