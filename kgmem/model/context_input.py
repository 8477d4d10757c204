"""A context request as every door reads it: the validated form of ``ContextQuery``.

REST takes it as the body of POST /context and MCP's ``get_context`` takes its fields as
arguments. Its ``query`` is the record's ``text``.
"""

from __future__ import annotations

from pydantic import ConfigDict, Field

from kgmem.model.context import MAX_BUDGET, MIN_BUDGET, ContextQuery
from kgmem.model.record_input import RecordIn

__all__ = ["MAX_BUDGET", "MIN_BUDGET", "ContextIn"]


class ContextIn(RecordIn, record=ContextQuery, exclude=("text",)):
    """What the prompt is about and how many tokens the block may take."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"query": "Where does Alice work?", "budget_tokens": 400}]},
    )
    query: str = Field(min_length=1, description="What the prompt is about")

    def to_query(self) -> ContextQuery:
        query: ContextQuery = self.to_record(text=self.query)
        return query
