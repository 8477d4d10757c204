"""Procedure calls whose arguments read the query's variables
(``MATCH (p:Person) CALL my.proc(p.name) YIELD x RETURN p, x``).

kgmem runs the clauses before the call once to find the distinct argument lists
(``... RETURN DISTINCT [p.name]``, read-only, with the query's parameters), calls the
procedure once per list, and binds ``{a: [arguments], r: [rows]}`` per list to the
call's parameter; the rewritten query joins each row to the entry whose ``a`` equals
its own arguments (``kgmem.cypher.calls``). The clauses before the call must only read
and call nothing (they run twice); an argument may not be a node, a relationship or a
path (compare their ids or properties instead).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kgmem.cypher import calls, guard
from kgmem.cypher.lexer import tokenize
from kgmem.errors import CypherSemanticError, CypherTimeout, LimitExceeded
from kgmem.model import CypherResult
from kgmem.procedures import Procedure, arguments

_ELEMENTS = frozenset({"node", "relationship", "path"})


@dataclass(frozen=True, slots=True)
class Runner:
    """How the call runs: ``reads(query, limit)`` answers read-only Cypher with the
    query's parameters, ``invoke(arguments)`` the procedure's rows; at most ``most``
    argument lists, all calls within ``timeout_s``."""

    reads: Callable[[str, int], Awaitable[CypherResult]]
    invoke: Callable[[Mapping[str, Any]], Awaitable[list[list[Any]]]]
    most: int
    timeout_s: float


async def entries(
    query: str, call: calls.Call, procedure: Procedure, runner: Runner
) -> list[dict[str, Any]]:
    """``{a: arguments, r: rows}`` for each distinct argument list of ``call``."""
    arguments.check(call, procedure)
    key = "[" + ", ".join(a.text for a in call.arguments or ()) + "]"
    found = await runner.reads(
        f"{_prefix(query, call)} RETURN DISTINCT {key} AS kgmem_arguments", runner.most
    )
    if found.truncated or len(found.rows) > runner.most:
        raise LimitExceeded(f"CALL {call.name} has more than {runner.most} distinct argument lists")
    try:
        async with asyncio.timeout(runner.timeout_s):
            return [await _entry(call, procedure, runner, values) for (values,) in found.rows]
    except TimeoutError:
        raise CypherTimeout(f"CALL {call.name} ran past the statement timeout") from None


async def _entry(
    call: calls.Call, procedure: Procedure, runner: Runner, values: list[Any]
) -> dict[str, Any]:
    _check_values(call, values)
    literal = [False] * len(values)
    rows = await runner.invoke(arguments.typed(call, procedure, values, literal=literal))
    return {"a": values, "r": [dict(zip(procedure.columns, r, strict=True)) for r in rows]}


def _prefix(query: str, call: calls.Call) -> str:
    """The clauses before ``call`` in its part, checked to only read."""
    prefix = query[call.part_start : call.start]
    if guard.writes(tokenize(prefix)) is not None or calls.find(prefix):
        raise CypherSemanticError(
            f"an argument of CALL {call.name} reads the query's variables: the clauses "
            "before it may then only read (kgmem runs them twice)",
            position=call.start,
        )
    return prefix


def _check_values(call: calls.Call, values: list[Any]) -> None:
    for value in values:
        if isinstance(value, dict) and value.get("kind") in _ELEMENTS:
            raise CypherSemanticError(
                f"an argument of CALL {call.name} is a {value['kind']}: pass its id or properties",
                position=call.start,
            )
