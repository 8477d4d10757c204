"""A context request as every door reads it: the validated form of ``ContextQuery``.

REST takes it as the body of POST /context and MCP's ``get_context`` takes its fields as
arguments. Its ``query`` is the record's ``text``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from kgmem.model.context import ContextQuery
from kgmem.model.times import Instant

MIN_BUDGET = 16
MAX_BUDGET = 100_000


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
        return ContextQuery(text=self.query, **self.model_dump(exclude={"query"}))
