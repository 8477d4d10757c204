"""Run by ``python -m bench graphiti`` in Graphiti's own venv: Graphiti's
``Neo4jDriver`` against kgmem's Bolt door with the test suite's stub LLM, embedder and
cross-encoder (``tests/libraries/clients/graphiti_*.py``).

``python graphiti_episodes.py '<config json>' indices`` builds Graphiti's indices and
constraints; ``... episodes N`` adds N episodes ("Name likes Fruit."), printing as its
last line the milliseconds each ``add_episode`` took, as a JSON list.
"""

import asyncio
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "libraries" / "clients"))

from graphiti_core import Graphiti
from graphiti_core.driver.neo4j_driver import Neo4jDriver
from graphiti_core.nodes import EpisodeType
from graphiti_indices import StubCrossEncoder, StubEmbedder
from graphiti_paths import GROUP, StubLLM

NAMES = ("Alice", "Bruno", "Chiara", "Dmitri", "Esther", "Farid")
FRUITS = ("Mango", "Peach", "Plum", "Lemon", "Grape", "Cherry", "Banana")


def episode(number: int) -> str:
    """The ``number``-th episode's text: people and fruits repeat, so later episodes
    resolve entities against earlier ones."""
    return f"{NAMES[number % len(NAMES)]} likes {FRUITS[number % len(FRUITS)]}."


async def run(config: dict[str, str], phase: str, count: int) -> list[float]:
    driver = Neo4jDriver(config["uri"], "kgmem", config["key"], database=config["database"])
    graphiti = Graphiti(graph_driver=driver, llm_client=StubLLM(), embedder=StubEmbedder(),
                        cross_encoder=StubCrossEncoder())  # fmt: skip
    timings: list[float] = []
    try:
        if phase == "indices":
            await graphiti.build_indices_and_constraints()
            return timings
        for number in range(count):
            started = time.perf_counter()
            await graphiti.add_episode(
                name=f"episode {number}", episode_body=episode(number),
                source_description="bench", source=EpisodeType.text,
                reference_time=datetime.now(UTC), group_id=GROUP)  # fmt: skip
            timings.append((time.perf_counter() - started) * 1000)
        return timings
    finally:
        await graphiti.close()


if __name__ == "__main__":
    given = json.loads(sys.argv[1])
    done = asyncio.run(run(given, sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0))
    print(json.dumps(done))
