"""The REST API's own bodies: readiness and problem documents. Requests and the other
answers are the model's (``kgmem.model.graph_input``, ``kgmem.model.wire``)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from kgmem import model
from kgmem.model.records import DatabaseState


class ReadyOut(BaseModel):
    """Whether writes and text searches will be served at their usual speed."""

    ready: bool = Field(description="The database answers and the embedding model is warm")
    database: DatabaseState
    embedding_loaded: bool = Field(
        description="The model is loaded and has run once (true without a model)"
    )

    @classmethod
    def of(cls, h: model.HealthReport) -> ReadyOut:
        return cls(
            ready=h.database_ok and h.embedding_loaded,
            database=h.database_state,
            embedding_loaded=h.embedding_loaded,
        )


class Problem(BaseModel):
    """An RFC 9457 problem document; ``code`` is stable (see api/errors.md)."""

    type: str
    title: str
    status: int
    detail: str
    code: str
