"""Run one benchmark scenario: ``python -m bench write [--entities N] ...``."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import signal
import sys

SCENARIOS = {
    "write": "bench.write",
    "truth": "bench.truth",
    "truth-kinds": "bench.truth_kinds",
    "truth-options": "bench.truth_options",
    "truth-transfer": "bench.truth_transfer",
    "truth-names": "bench.truth_names",
    "truth-calibration": "bench.truth_calibration",
    "locomo": "bench.locomo",
    "distill": "bench.distill",
    "search": "bench.search",
    "build": "bench.build",
    "tck": "bench.tck",
    "cypher": "bench.cypher",
    "import": "bench.imports",
    "cache": "bench.cache",
    "parsers": "bench.rdf_parsers",
    "explorer": "bench.explorer",
    "startup": "bench.startup",
    "backup": "bench.backup",
    "replicas": "bench.replicas",
    "locomo-context": "bench.locomo_context",
    "locomo-embed": "bench.locomo_embed",
    "locomo-bm25": "bench.locomo_bm25",
    "locomo-links": "bench.locomo_links",
    "locomo-feedback": "bench.locomo_feedback",
    "locomo-neighbours": "bench.locomo_neighbours",
    "locomo-present": "bench.locomo_present",
    "dump": "bench.dump",
    "keyword-designs": "bench.keyword_designs",
    "constraints": "bench.constraints",
    "fulltext": "bench.fulltext",
    "vector-index": "bench.vector_index",
    "cypher-planning": "bench.cypher_planning",
    "shortest-paths": "bench.shortest_paths",
    "graphiti": "bench.graphiti_episodes",
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    args, rest = parser.parse_known_args()
    module = importlib.import_module(SCENARIOS[args.scenario])
    # SIGTERM unwinds like Ctrl-C, so a scenario's embedded PostgreSQL is stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    sys.exit(asyncio.run(module.main(rest)))


if __name__ == "__main__":
    main()
