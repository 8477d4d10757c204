"""Graphiti on kgmem through its Neo4jDriver: episodes turned into entities and facts by
a stub LLM of Graphiti's own interface, a triplet, searches, episode retrieval and
removal."""

import json
import re
from datetime import UTC, datetime
from typing import Any

from graphiti_core import Graphiti
from graphiti_core.driver.neo4j_driver import Neo4jDriver
from graphiti_core.edges import EntityEdge
from graphiti_core.llm_client.client import LLMClient
from graphiti_core.llm_client.config import LLMConfig
from graphiti_core.nodes import EntityNode, EpisodeType
from graphiti_indices import StubCrossEncoder, StubEmbedder
from harness import Report, main
from pydantic import BaseModel

GROUP = "kgmem"
EPISODES = (("first", "Alice likes Mango."), ("second", "Alice likes Peach."))
FACT = re.compile(r"([A-Z][a-z]+) likes ([A-Z][a-z]+)\.")
ENTITY = re.compile(r"\b[A-Z][a-z]+\b")
CONTENT_TAGS = ("TEXT", "CURRENT MESSAGE", "CURRENT_MESSAGE", "EPISODE CONTENT")


def _section(text: str, tag: str) -> str | None:
    found = re.search(rf"<{tag}>\n?(.*?)\n?</{tag}>", text, re.DOTALL)
    return found.group(1) if found else None


def _content(text: str) -> str:
    for tag in CONTENT_TAGS:
        section = _section(text, tag)
        if section is not None:
            return section
    raise AssertionError(f"no episode content in the prompt: {text[:500]}")


def _listed(text: str, tag: str) -> list[dict[str, Any]]:
    section = _section(text, tag)
    return json.loads(section) if section else []


class StubLLM(LLMClient):
    """Answers each response model Graphiti asks for from the prompt itself: capitalised
    words are entities, "X likes Y." sentences are facts, an extracted entity is the
    existing one of the same name, no fact duplicates or contradicts another."""

    def __init__(self) -> None:
        super().__init__(LLMConfig(api_key="stub"), cache=False)
        self.calls: list[str] = []

    async def _generate_response(
        self,
        messages: list[Any],
        response_model: type[BaseModel] | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> dict[str, Any]:
        name = response_model.__name__ if response_model else "None"
        self.calls.append(name)
        text = "\n".join(message.content for message in messages)
        answer = getattr(self, f"_{name}", None)
        if answer is None:
            raise AssertionError(f"the stub LLM has no answer for {name}")
        return answer(text)

    def _ExtractedEntities(self, text: str) -> dict[str, Any]:
        names = dict.fromkeys(ENTITY.findall(_content(text)))
        return {"extracted_entities": [{"name": n, "entity_type_id": 0} for n in names]}

    def _NodeResolutions(self, text: str) -> dict[str, Any]:
        existing = {e["name"]: e["candidate_id"] for e in _listed(text, "EXISTING ENTITIES")}
        resolved = [
            {
                "id": e["id"],
                "name": e["name"],
                "duplicate_candidate_id": existing.get(e["name"], -1),
            }
            for e in _listed(text, "ENTITIES")
        ]
        return {"entity_resolutions": resolved}

    def _NodeDuplicate(self, text: str) -> dict[str, Any]:
        return {"id": 0, "name": "", "duplicate_candidate_id": -1}

    def _ExtractedEdges(self, text: str) -> dict[str, Any]:
        return {"edges": [
            {"source_entity_name": a, "target_entity_name": b, "relation_type": "LIKES",
             "fact": f"{a} likes {b}."} for a, b in FACT.findall(_content(text))]}  # fmt: skip

    def _EdgeDuplicate(self, text: str) -> dict[str, Any]:
        return {"duplicate_facts": [], "contradicted_facts": []}

    def _EdgeTimestamps(self, text: str) -> dict[str, Any]:
        return {"valid_at": None, "invalid_at": None}

    def _BatchEdgeTimestamps(self, text: str) -> dict[str, Any]:
        facts = _listed(text, "FACTS")
        return {"timestamps": [{"valid_at": None, "invalid_at": None} for _ in facts]}

    def _SummarizedEntities(self, text: str) -> dict[str, Any]:
        return {"summaries": [{"name": e["name"], "summary": f"{e['name']} appears in an episode."}
                              for e in _listed(text, "ENTITIES") if "name" in e]}  # fmt: skip

    def _EntitySummary(self, text: str) -> dict[str, Any]:
        return {"summary": "An entity of an episode."}

    def _Summary(self, text: str) -> dict[str, Any]:
        return {"summary": "An entity of an episode."}

    def _SummaryDescription(self, text: str) -> dict[str, Any]:
        return {"description": "An entity of an episode."}


def _edges(edges: list[EntityEdge]) -> list[list[Any]]:
    return sorted([edge.name, edge.fact] for edge in edges)


def _triplet() -> tuple[EntityNode, EntityEdge, EntityNode]:
    now = datetime.now(UTC)
    bob = EntityNode(name="Bob", group_id=GROUP, labels=["Entity"], summary="Bob")
    plum = EntityNode(name="Plum", group_id=GROUP, labels=["Entity"], summary="Plum")
    edge = EntityEdge(
        source_node_uuid=bob.uuid,
        target_node_uuid=plum.uuid,
        name="LIKES",
        fact="Bob likes Plum.",
        group_id=GROUP,
        created_at=now,
        valid_at=now,
    )
    return bob, edge, plum


async def _rows(driver: Neo4jDriver, query: str) -> list[dict[str, Any]]:
    found = await driver.execute_query(query)
    return [record.data() for record in found.records]


async def _graph(driver: Neo4jDriver) -> dict[str, Any]:
    return {
        "entities": await _rows(driver, "MATCH (n:Entity) RETURN n.name AS name, "
                                "n.group_id AS group_id ORDER BY name"),
        "facts": await _rows(driver, "MATCH (a:Entity)-[r:RELATES_TO]->(b:Entity) RETURN a.name "
                             "AS a, r.name AS name, r.fact AS fact, b.name AS b ORDER BY fact"),
        "episodes": await _rows(driver, "MATCH (e:Episodic) RETURN e.name AS name, "
                                "e.content AS content ORDER BY name"),
        "mentions": await _rows(driver, "MATCH (e:Episodic)-[:MENTIONS]->(n:Entity) RETURN "
                                "e.name AS episode, n.name AS entity ORDER BY episode, entity"),
    }  # fmt: skip


async def _add(graphiti: Graphiti, name: str, body: str) -> Any:
    return await graphiti.add_episode(
        name=name, episode_body=body, source_description="test", source=EpisodeType.text,
        reference_time=datetime.now(UTC), group_id=GROUP)  # fmt: skip


async def paths(report: Report, config: dict[str, str]) -> None:
    driver = Neo4jDriver(config["uri"], "kgmem", config["key"], database=config["database"])
    llm = StubLLM()
    graphiti = Graphiti(graph_driver=driver, llm_client=llm, embedder=StubEmbedder(),
                        cross_encoder=StubCrossEncoder())  # fmt: skip
    r = report.results
    try:
        await report.astep("build_indices_and_constraints", graphiti.build_indices_and_constraints)
        added = {}
        for name, body in EPISODES:
            done = await report.astep(
                f"add_episode_{name}", lambda n=name, b=body: _add(graphiti, n, b)
            )
            added[name] = done
            r[f"add_episode_{name}"] = {"nodes": sorted(n.name for n in done.nodes),
                                        "edges": _edges(done.edges)}  # fmt: skip
        r["llm_calls"] = llm.calls
        r["after_episodes"] = await report.astep("graph_after_episodes", lambda: _graph(driver))
        triplet = await report.astep("add_triplet", lambda: graphiti.add_triplet(*_triplet()))
        r["add_triplet"] = {"nodes": sorted(n.name for n in triplet.nodes),
                            "edges": _edges(triplet.edges)}  # fmt: skip
        found = await report.astep("search", lambda: graphiti.search("Mango", group_ids=[GROUP]))
        r["search"] = _edges(found)
        results = await report.astep(
            "search_", lambda: graphiti.search_("Mango", group_ids=[GROUP])
        )
        r["search_"] = {"edges": _edges(results.edges),
                        "nodes": sorted(n.name for n in results.nodes),
                        "episodes": sorted(e.name for e in results.episodes)}  # fmt: skip
        episodes = await report.astep("retrieve_episodes", lambda: graphiti.retrieve_episodes(
            datetime.now(UTC), last_n=10, group_ids=[GROUP]))  # fmt: skip
        r["retrieve_episodes"] = [[e.name, e.content] for e in episodes]
        await report.astep("remove_episode", lambda: graphiti.remove_episode(
            added["first"].episode.uuid))  # fmt: skip
        r["after_remove"] = await report.astep("graph_after_remove", lambda: _graph(driver))
    finally:
        r.setdefault("llm_calls", llm.calls)
        await graphiti.close()


if __name__ == "__main__":
    main({"paths": paths})
