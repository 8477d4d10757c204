"""The LangChain and LlamaIndex adapters with the real framework classes against a real
server (no model needed: retrieval and history are kgmem's)."""

from __future__ import annotations

import asyncio

from langchain_core.documents import Document
from langchain_core.messages import AIMessage, ChatMessage, HumanMessage, SystemMessage
from llama_index.core.schema import NodeWithScore, QueryBundle

from kgmem import EntityWrite, FactWrite, Memory
from kgmem.adapters.langchain import KgmemChatMessageHistory
from kgmem.adapters.langchain import KgmemRetriever as LangChainRetriever
from kgmem.adapters.llamaindex import KgmemRetriever as LlamaIndexRetriever
from kgmem.client import Client


async def seed(memory: Memory, ns: str) -> None:
    await memory.upsert_entity(ns, EntityWrite("marie", "Person", {"name": "Marie Curie"}))
    await memory.upsert_entity(ns, EntityWrite("sorbonne", "Organization", {"name": "Sorbonne"}))
    await memory.add_fact(
        ns, FactWrite("marie", "WORKS_AT", "sorbonne", text="Marie Curie taught at the Sorbonne")
    )


async def test_langchain_retriever_returns_documents(
    live_url: str, namespace: str, memory: Memory
) -> None:
    await seed(memory, namespace)

    def retrieve() -> list[Document]:
        with Client(live_url) as client:
            retriever = LangChainRetriever(client=client, namespace=namespace, k=3)
            return retriever.invoke("Where did Marie Curie teach?")

    docs = await asyncio.to_thread(retrieve)
    assert docs and all(isinstance(d, Document) for d in docs)
    by_kind = {d.metadata["kind"]: d for d in docs}
    assert by_kind["fact"].page_content == "Marie Curie taught at the Sorbonne"
    assert by_kind["fact"].metadata["predicate"] == "WORKS_AT"
    assert by_kind["entity"].metadata["uid"] in {"marie", "sorbonne"}
    assert docs == sorted(docs, key=lambda d: -d.metadata["score"])


async def test_langchain_history_keeps_the_conversation(live_url: str, namespace: str) -> None:
    said = [
        SystemMessage(content="You are helpful."),
        HumanMessage(content="My cat is called Tom."),
        AIMessage(content="Nice to meet Tom!"),
        ChatMessage(role="critic", content="Short answer."),
    ]

    def converse() -> tuple[list, list, list]:
        with Client(live_url) as client:
            history = KgmemChatMessageHistory(client, namespace, "conv-1")
            other = KgmemChatMessageHistory(client, namespace, "conv-2")
            history.add_messages(said[:2])
            history.add_messages(said[2:])
            other.add_user_message("Unrelated.")
            kept = history.messages
            history.clear()
            return kept, history.messages, other.messages

    kept, cleared, other = await asyncio.to_thread(converse)
    assert [(type(m), m.content) for m in kept] == [(type(m), m.content) for m in said]
    assert kept[3].role == "critic"
    assert cleared == []
    assert [m.content for m in other] == ["Unrelated."]


async def test_llamaindex_retriever_returns_scored_nodes(
    live_url: str, namespace: str, memory: Memory
) -> None:
    await seed(memory, namespace)

    def retrieve() -> list[NodeWithScore]:
        with Client(live_url) as client:
            retriever = LlamaIndexRetriever(client, namespace, k=3)
            return retriever.retrieve(QueryBundle("Marie Curie Sorbonne"))

    nodes = await asyncio.to_thread(retrieve)
    assert nodes and all(isinstance(n, NodeWithScore) for n in nodes)
    texts = {n.node.get_content() for n in nodes}
    assert "Marie Curie taught at the Sorbonne" in texts
    assert [n.score for n in nodes] == sorted((n.score for n in nodes), reverse=True)
    assert {n.node.node_id for n in nodes} >= {"marie"}
