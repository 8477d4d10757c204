"""A candidate statement as every door reads it: REST's /verify body and MCP's
``verify_claim`` arguments."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CandidateIn(BaseModel):
    """A statement to check: does the memory support ``subject -[predicate]-> value``?"""

    model_config = ConfigDict(extra="forbid")
    subject: str = Field(min_length=1, description="The subject entity's uid.")
    predicate: str = Field(min_length=1, description="The predicate (edge label), e.g. LIVES_IN.")
    value: str = Field(
        min_length=1, description="The value: the object's uid or name (a number or text)."
    )
