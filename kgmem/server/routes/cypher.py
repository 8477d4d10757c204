"""/v1/namespaces/{ns}/cypher and /queries: analyst Cypher and named queries."""

from __future__ import annotations

from fastapi import APIRouter, Request

from kgmem.access import as_seen_by
from kgmem.cypher.named import NamedQuery
from kgmem.cypher_errors import CypherAccessMode
from kgmem.errors import Forbidden
from kgmem.model import CypherResult
from kgmem.model.cypher_input import CypherIn, NamedCallIn
from kgmem.server.auth import Principal, Reader, memory_of
from kgmem.server.schemas import Problem

router = APIRouter(
    prefix="/v1/namespaces/{ns}",
    tags=["cypher"],
    responses={504: {"model": Problem, "description": "The query ran past the statement timeout"}},
)


def _require_write(who: Principal, what: str) -> None:
    if "write" not in who.scopes:
        raise Forbidden(f"{what} writes to the graph and needs a key with the write scope")


@router.post("/cypher", response_model=CypherResult)
async def run_cypher(ns: str, body: CypherIn, request: Request, who: Reader) -> CypherResult:
    """Run Cypher on the namespace: read mode in a read-only transaction as a role that
    can read only this graph; write mode needs the write scope."""
    if body.mode == "write":
        _require_write(who, "mode 'write'")
    memory = memory_of(request)
    try:
        return await memory.cypher(ns, body.query, body.params, mode=body.mode, limit=body.limit)
    except CypherAccessMode as exc:
        raise as_seen_by(who, exc) from None


@router.get("/queries", response_model=list[NamedQuery])
async def list_queries(ns: str, request: Request, _: Reader) -> list[NamedQuery]:
    """The named queries with their parameters and columns."""
    return memory_of(request).named_queries()


@router.post("/queries/{name}", response_model=CypherResult)
async def run_query(
    ns: str, name: str, body: NamedCallIn, request: Request, who: Reader
) -> CypherResult:
    """Run a named query with parameters."""
    memory = memory_of(request)
    if memory.named_query(name).writes:
        _require_write(who, f"query {name!r}")
    return await memory.run_named(ns, name, body.params, limit=body.limit)
