"""Run one benchmark scenario: ``python -m bench write [--entities N] ...``.

The shared runner. A scenario is declared once, in ``SCENARIOS`` below: its name, the
module that runs it and one line saying what it measures. The module declares its
command line with an ``argparse`` parser whose ``prog`` is ``python -m bench <name>``
and runs as ``async def main(argv) -> int``; it measures each figure beside its
same-run baseline as a ``bench.report.Figure`` and prints the table with
``bench.report.Report`` (``print_summary`` for the terminal, ``markdown`` for
docs/performance.md, where each benchmark has one table under its command).

Every scenario is a benchmark a user or maintainer reruns. An exploration that decided
something is summarised in docs/decisions.md with its result and the commit where its
code lived, and is not kept here.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import signal
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Scenario:
    """One ``python -m bench <name>`` scenario."""

    module: str
    summary: str


SCENARIOS = {
    "write": Scenario("bench.write", "batched and single writes against AGE Cypher"),
    "search": Scenario("bench.search", "search latency per axis and fused, in process and HTTP"),
    "import": Scenario("bench.imports", "bulk import of triples against AGE Cypher CREATE/MERGE"),
    "build": Scenario("bench.build", "building from episodes, entity resolution F1"),
    "cypher": Scenario("bench.cypher", "Cypher through kgmem against raw AGE"),
    "tck": Scenario("bench.tck", "openCypher TCK pass rate against raw AGE"),
    "constraints": Scenario("bench.constraints", "Neo4j uniqueness constraints against no index"),
    "locomo": Scenario("bench.locomo", "LoCoMo retrieval recall, fused against BM25 alone"),
    "distill": Scenario("bench.distill", "distillation of LoCoMo conversations"),
    "truth": Scenario("bench.truth", "truth discovery quality and speed through the store"),
    "truth-calibration": Scenario(
        "bench.truth_calibration", "trust calibration chosen on other data sets"
    ),
    "keyword-designs": Scenario("bench.keyword_designs", "the keyword index against two designs"),
    "cache": Scenario("bench.cache", "search cache and live event delivery"),
    "backup": Scenario("bench.backup", "backup and restore against pg_dump/pg_restore"),
    "replicas": Scenario("bench.replicas", "reads on a streaming replica against the primary"),
    "explorer": Scenario("bench.explorer", "graph explorer in a real browser"),
    "startup": Scenario("bench.startup", "command start-up time"),
    "namespaces": Scenario("bench.namespaces", "creating and deleting a namespace"),
    "graphiti": Scenario("bench.graphiti_episodes", "Graphiti's add_episode through the Bolt door"),
    "undirected": Scenario("bench.undirected", "undirected patterns against raw AGE"),
    "row-writes": Scenario("bench.row_writes", "rows that see each other's writes, against not"),
}


def listing() -> str:
    """The scenarios as ``python -m bench --help`` lists them."""
    lines = ["benchmarks:"]
    lines += [f"  {name:<20} {scenario.summary}" for name, scenario in SCENARIOS.items()]
    return "\n".join(lines)


def main() -> None:
    """Run the scenario named first on the command line with the arguments after it."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run one scenario; `python -m bench <scenario> --help` for its options.",
        epilog=listing(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("scenario", choices=list(SCENARIOS), metavar="scenario")
    # Only the scenario is read here: what follows it (``--help`` too) is the scenario's.
    args = parser.parse_args(sys.argv[1:2])
    rest = sys.argv[2:]
    module = importlib.import_module(SCENARIOS[args.scenario].module)
    # SIGTERM unwinds like Ctrl-C, so a scenario's embedded PostgreSQL is stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    sys.exit(asyncio.run(module.main(rest)))


if __name__ == "__main__":
    main()
