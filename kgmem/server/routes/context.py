"""POST /v1/namespaces/{ns}/context: a ready-to-use memory block for a prompt."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from kgmem.context import build_context
from kgmem.context.block import MAX_BUDGET, MIN_BUDGET
from kgmem.model import ContextQuery, MemoryContext
from kgmem.model.times import Instant
from kgmem.server.auth import Reader, memory_of

router = APIRouter(prefix="/v1/namespaces/{ns}", tags=["context"])


class ContextIn(BaseModel):
    """What the prompt is about and how many tokens the block may take."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"query": "Where does Alice work?", "budget_tokens": 400}]},
    )
    query: str = Field(min_length=1, description="What the prompt is about")
    budget_tokens: int = Field(
        default=1000,
        ge=MIN_BUDGET,
        le=MAX_BUDGET,
        description="Most tokens the block may take (estimated, see the README)",
    )
    k: int = Field(default=10, ge=1, le=100, description="Search hits to start from")
    valid_at: Instant | None = Field(default=None, description="Read the world as of then")
    min_trust: float | None = Field(
        default=None, ge=0, le=1, description="Leave out facts scored below this trust"
    )

    def to_query(self) -> ContextQuery:
        return ContextQuery(
            text=self.query,
            budget_tokens=self.budget_tokens,
            k=self.k,
            valid_at=self.valid_at,
            min_trust=self.min_trust,
        )


@router.post("/context", response_model=MemoryContext)
async def build_memory_context(
    ns: str, body: ContextIn, request: Request, _: Reader
) -> MemoryContext:
    """A memory block for a prompt: current facts with validity and trust, relevant
    episodes with their session context, contradictions flagged, within the budget."""
    return await build_context(memory_of(request), ns, body.to_query())
