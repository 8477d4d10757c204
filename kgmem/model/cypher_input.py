"""Cypher requests as every door reads them: REST's /cypher and /queries/{name}
bodies, and MCP's ``cypher_read`` arguments (a read: no mode)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class NamedCallIn(BaseModel):
    """Parameters for a named query."""

    model_config = ConfigDict(extra="forbid")
    params: dict[str, Any] = Field(
        default_factory=dict, description="Values for $name parameters (bound, never pasted)"
    )
    limit: int | None = Field(
        default=None, ge=1, description="Most rows to return (default and ceiling: server's cap)"
    )


class CypherReadIn(NamedCallIn):
    """A read-only Cypher query with its parameters."""

    query: str = Field(description="openCypher text; no AS (...) column list needed")


class CypherIn(CypherReadIn):
    """A Cypher query with its parameters."""

    mode: Literal["read", "write"] = Field(
        default="read", description="write needs a key with the write scope"
    )
