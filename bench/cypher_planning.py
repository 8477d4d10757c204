"""``python -m bench cypher-planning --baseline REV``: what kgmem's Cypher planning costs
now beside what it cost at git revision ``REV``, same run, same machine.

The baseline's tree is checked out in a temporary git worktree. Each side plans each
query (``bench.cypher.QUERIES`` plus the shapes Neo4j's libraries send most) in a
process of its own importing only that tree's ``kgmem.cypher``, with the plan cache
bypassed (in write mode, which every query may use), ``--repeat`` times after 50
warm-up plans; the two sides alternate, twice, so a busy neighbour weighs on both
alike. Reported: p50 and p95 of each side, in microseconds, the p50 being the smaller
and the p95 the larger of its two runs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.cypher import QUERIES

LIBRARY_QUERIES = {
    "MERGE by id, SET +=": "MERGE (n:Chunk {id: $id}) SET n += $props RETURN n",
    "UNWIND rows, MERGE, SET": (
        "UNWIND $rows AS row MERGE (s:Session {id: row.id}) "
        "ON CREATE SET s.created = row.at SET s.text = row.text RETURN count(*) AS c"
    ),
}

_CHILD = """
import importlib, json, statistics, sys, time
prepare = importlib.import_module("kgmem.cypher.plan")._prepare.__wrapped__
queries, repeat = json.loads(sys.argv[1]), int(sys.argv[2])
out = {}
for name, query in queries.items():
    for _ in range(50):
        prepare(query, "write")
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        prepare(query, "write")
        samples.append((time.perf_counter() - started) * 1e6)
    cuts = statistics.quantiles(samples, n=100)
    out[name] = [cuts[49], cuts[94]]
print(json.dumps(out))
"""


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench cypher-planning")
    p.add_argument("--baseline", required=True, help="git revision to compare with")
    p.add_argument("--repeat", type=int, default=2000)
    return p.parse_args(argv)


def _queries() -> dict[str, str]:
    found = {name: text for name, (text, _) in QUERIES.items()}
    return {**found, **LIBRARY_QUERIES}


def _plan_times(tree: Path, repeat: int) -> dict[str, list[float]]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(_queries()), str(repeat)],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"planning in {tree} failed: {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


async def main(argv: list[str]) -> int:
    return compare(parse(argv))


def compare(args: argparse.Namespace) -> int:
    """Plan both trees in turn and print the table (no event loop work: all blocking)."""
    here = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch) / "baseline"
        subprocess.run(
            ["git", "-C", str(here), "worktree", "add", "--detach", str(base), args.baseline],
            check=True,
            capture_output=True,
        )
        try:
            runs: dict[str, list[dict[str, list[float]]]] = {"baseline": [], "now": []}
            for _ in range(2):
                runs["baseline"].append(_plan_times(base, args.repeat))
                runs["now"].append(_plan_times(here, args.repeat))
        finally:
            subprocess.run(
                ["git", "-C", str(here), "worktree", "remove", "--force", str(base)],
                check=False,
                capture_output=True,
            )
    print(f"| query | p50 at {args.baseline} | p50 now | p95 at {args.baseline} | p95 now |")
    print("|---|---:|---:|---:|---:|")
    for name in _queries():
        b50 = min(r[name][0] for r in runs["baseline"])
        n50 = min(r[name][0] for r in runs["now"])
        b95 = max(r[name][1] for r in runs["baseline"])
        n95 = max(r[name][1] for r in runs["now"])
        print(f"| {name} | {b50:,.0f} us | {n50:,.0f} us | {b95:,.0f} us | {n95:,.0f} us |")
    return 0
