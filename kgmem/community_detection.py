"""Louvain communities of weighted entity pairs, computed in a child process.

Clustering a large namespace is seconds to minutes of pure Python: on the server's
event loop it would stall every request of the process, and in a thread it would hold
the GIL and could not be stopped. ``detect`` therefore runs ``ranked_groups`` in a
fresh ``python -m kgmem.community_detection`` (this module imports only networkx and
orjson, so the child starts quickly), sends it the pairs as JSON on stdin, reads the
groups as JSON from stdout, and kills it at the deadline.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Sequence

import orjson

from kgmem.errors import CommunitiesTimedOut, KgmemError

_log = logging.getLogger("kgmem.ingest")

Pair = tuple[str, str, float]
"""Two entity uids and the weight of what links them (facts, co-mentions)."""

SEED = 7
"""Louvain's seed: the same pairs give the same communities."""
NICENESS = 10
"""How much lower the child's CPU priority is: requests come before clustering."""


def ranked_groups(pairs: Sequence[Pair]) -> list[list[str]]:
    """Louvain communities of two or more entities, largest first (ties by their
    sorted uids), each member list most central first (ties by uid)."""
    import networkx as nx  # here: only the child process clusters, servers never need it

    graph = nx.Graph()
    graph.add_weighted_edges_from(pairs)
    if graph.number_of_edges() == 0:
        return []
    groups = nx.community.louvain_communities(graph, weight="weight", seed=SEED)
    degree = dict(graph.degree())
    found = []
    for group in sorted(groups, key=lambda g: (-len(g), sorted(g))):
        if len(group) >= 2:
            found.append(sorted(group, key=lambda u: (-degree[u], u)))
    return found


async def detect(pairs: str | bytes, *, timeout_s: float) -> list[list[str]]:
    """``ranked_groups`` of ``pairs`` (a JSON array of ``[uid, uid, weight]``, handed to
    the child as it is) computed in a child process at a lower CPU priority than the
    server's; past ``timeout_s`` the child is killed and ``CommunitiesTimedOut`` raised
    (it is killed too when the caller is cancelled: nothing computes for nobody)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        __name__,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(timeout_s):
            out, err = await proc.communicate(pairs.encode() if isinstance(pairs, str) else pairs)
    except TimeoutError:
        raise CommunitiesTimedOut(
            f"community detection did not finish within {timeout_s:g} s "
            "(KGMEM_HEAVY_REFRESH_TIMEOUT_S) and was stopped; the stored communities are "
            "unchanged",
            timeout_s=timeout_s,
        ) from None
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    if proc.returncode != 0:
        _log.error("community detection failed: %s", err.decode(errors="replace").strip())
        raise KgmemError("community detection failed in its process (see the server log)")
    groups: list[list[str]] = orjson.loads(out)
    return groups


def _main() -> None:
    os.nice(NICENESS)
    pairs = [(a, b, float(w)) for a, b, w in orjson.loads(sys.stdin.buffer.read())]
    sys.stdout.buffer.write(orjson.dumps(ranked_groups(pairs)))


if __name__ == "__main__":
    _main()
