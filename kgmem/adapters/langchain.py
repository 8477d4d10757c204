"""LangChain on kgmem: ``KgmemRetriever`` and ``KgmemChatMessageHistory``.

The retriever turns a query into documents from kgmem's fused search (facts, entities
and episodes). The history keeps a conversation as episodes of one session, so what
was said also builds the memory graph.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.chat_history import BaseChatMessageHistory
from langchain_core.documents import Document
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
)
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from kgmem.adapters.hits import hit_metadata, hit_text
from kgmem.client import Client
from kgmem.model import SearchQuery

_MESSAGE_TYPES: dict[str, type[BaseMessage]] = {
    "human": HumanMessage,
    "ai": AIMessage,
    "system": SystemMessage,
}


class KgmemRetriever(BaseRetriever):
    """Documents for a query from a kgmem namespace, best first; each document's
    metadata holds the hit's uid, kind, scores and, for facts, validity and trust."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    client: Client
    namespace: str
    k: int = 5
    types: tuple[str, ...] = ("entities", "facts", "episodes")
    min_trust: float | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        search = SearchQuery(
            text=query,
            k=self.k,
            types=self.types,  # type: ignore[arg-type]
            min_trust=self.min_trust,
        )
        result = self.client.search(self.namespace, search)
        return [
            Document(page_content=hit_text(h), metadata=hit_metadata(h), id=h.uid)
            for h in result.hits
        ]


class KgmemChatMessageHistory(BaseChatMessageHistory):
    """A conversation kept as the episodes of session ``session_id``: each message is an
    episode whose speaker is the message type (human, ai, system, or a chat role)."""

    def __init__(self, client: Client, namespace: str, session_id: str) -> None:
        self.client = client
        self.namespace = namespace
        self.session_id = session_id

    @property
    def messages(self) -> list[BaseMessage]:  # type: ignore[override]
        """The session's messages, oldest first."""
        rows = self._turns()
        return [_message(speaker, text) for _, text, speaker, _ in rows]

    def add_messages(self, messages: list[BaseMessage]) -> None:  # type: ignore[override]
        """Store the messages, in order, as episodes of the session."""
        # Distinct, increasing times keep the order of messages stored together.
        start = datetime.now(UTC)
        episodes = [
            {
                "text": m.text,
                "speaker": m.role if isinstance(m, ChatMessage) else m.type,
                "session": self.session_id,
                "reference_time": (start + timedelta(microseconds=i)).isoformat(),
            }
            for i, m in enumerate(messages)
        ]
        if episodes:
            self.client.add_episodes(self.namespace, episodes)

    def clear(self) -> None:
        """Forget the session's episodes (and facts only they supported)."""
        for uid, *_ in self._turns():
            self.client.delete_episode(self.namespace, uid)

    def _turns(self) -> list[list[Any]]:
        params = {"session": self.session_id}
        return self.client.run_named(self.namespace, "session_episodes", params).rows


def _message(speaker: str | None, text: str) -> BaseMessage:
    kind = _MESSAGE_TYPES.get(speaker or "human")
    if kind is None:
        return ChatMessage(role=str(speaker), content=text)
    return kind(content=text)
