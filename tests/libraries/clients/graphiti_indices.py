"""Graphiti on kgmem: build_indices_and_constraints through its Neo4jDriver."""

from typing import Any

from graphiti_core import Graphiti
from graphiti_core.cross_encoder.client import CrossEncoderClient
from graphiti_core.driver.neo4j_driver import Neo4jDriver
from graphiti_core.embedder.client import EmbedderClient
from graphiti_core.llm_client.client import LLMClient
from graphiti_core.llm_client.config import LLMConfig
from harness import Report, embed, main

SHOW = "SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties"


class StubEmbedder(EmbedderClient):
    """The harness's deterministic embedder behind Graphiti's interface."""

    async def create(self, input_data: Any) -> list[float]:
        return embed(input_data if isinstance(input_data, str) else str(input_data))

    async def create_batch(self, input_data_list: list[str]) -> list[list[float]]:
        return [embed(text) for text in input_data_list]


class StubCrossEncoder(CrossEncoderClient):
    """Ranks passages by how many query words they contain."""

    async def rank(self, query: str, passages: list[str]) -> list[tuple[str, float]]:
        words = set(query.lower().split())
        scored = [(p, float(len(words & set(p.lower().split())))) for p in passages]
        return sorted(scored, key=lambda pair: -pair[1])


class NoLLM(LLMClient):
    """Building indexes needs no LLM; a call to this one is a failure."""

    async def _generate_response(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise AssertionError("the stub LLM was called while building indexes")


async def indices(report: Report, config: dict[str, str]) -> None:
    driver = Neo4jDriver(config["uri"], "kgmem", config["key"], database=config["database"])
    graphiti = Graphiti(graph_driver=driver, llm_client=NoLLM(LLMConfig(api_key="stub")),
                        embedder=StubEmbedder(), cross_encoder=StubCrossEncoder())  # fmt: skip
    try:
        await report.astep("build_indices_and_constraints", graphiti.build_indices_and_constraints)
        await report.astep("build_again", graphiti.build_indices_and_constraints)
        found = await report.astep("show", lambda: driver.execute_query(SHOW))
        report.results["indexes"] = [record.data() for record in found.records]
    finally:
        await graphiti.close()


if __name__ == "__main__":
    main({"indices": indices})
