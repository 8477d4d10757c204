"""``db.create.setNodeVectorProperty(n, key, vector)`` and
``db.create.setRelationshipVectorProperty(r, key, vector)`` as kgmem answers them: the
call is rewritten into ``SET n.`key` = vector(vector, d)`` before the query is planned,
``vector(v, d)`` being kgmem's check that ``v`` is a list of finite numbers (of ``d``
numbers when a vector index on property ``key`` declares ``d`` dimensions; 0: any),
an error otherwise (``kgmem.cypher.vector_functions``).

The key is a string literal, or a parameter (neo4j-graphrag passes
``$embedding_property``) whose value is substituted here, where the parameters are
known: the text then differs per key, as the plan cache (keyed by text) needs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from kgmem.cypher import calls
from kgmem.cypher.lexer import Kind, quoted_name
from kgmem.errors import CypherSemanticError
from kgmem.neo4j_schema.model import Entity
from kgmem.procedures import constants

SETTERS: Mapping[str, Entity] = {
    "db.create.setnodevectorproperty": "NODE",
    "db.create.setrelationshipvectorproperty": "RELATIONSHIP",
}

Dimensions = Callable[[Entity, str], Awaitable[int]]
"""The dimension of the vector indexes on (entity, property key), 0 when none (or
when they disagree)."""


def setters(query: str) -> list[calls.Call]:
    """The calls of the two procedures in ``query``."""
    if "vectorproperty" not in query.lower():
        return []
    return [c for c in calls.find(query) if c.name.lower() in SETTERS]


async def rewrite(query: str, params: Mapping[str, Any], dimensions: Dimensions) -> str:
    """``query`` with each call of the two procedures made a ``SET`` (see the module
    docstring); ``CypherSemanticError`` for a call that does not name a variable and
    a key."""
    found = setters(query)
    for call in reversed(found):  # from the end: the offsets before stay right
        target, key = _target(call), _key(call, params)
        vector = call.arguments[2].text if call.arguments else ""
        wanted = await dimensions(SETTERS[call.name.lower()], key)
        text = f"SET {quoted_name(target)}.{quoted_name(key)} = vector({vector}, {wanted})"
        query = query[: call.start] + text + query[call.end :]
    return query


def _target(call: calls.Call) -> str:
    arguments = call.arguments or ()
    if len(arguments) != 3 or call.has_yield:
        raise CypherSemanticError(
            f"CALL {call.name} takes (variable, key, vector) and yields nothing",
            position=call.start,
        )
    tokens = arguments[0].tokens
    if len(tokens) != 1 or tokens[0].kind not in (Kind.NAME, Kind.QUOTED_NAME):
        raise CypherSemanticError(
            f"the first argument of {call.name} must be a variable of the query",
            position=arguments[0].start,
        )
    return tokens[0].name


def _key(call: calls.Call, params: Mapping[str, Any]) -> str:
    argument = (call.arguments or ())[1]
    try:
        key = constants.evaluate(argument.tokens, params)
    except (constants.NeedsDatabase, constants.Variable):
        key = None
    if not isinstance(key, str) or not key or key.startswith("__kgmem_"):
        raise CypherSemanticError(
            f"the key of {call.name} must be a property name, given as a string or a parameter",
            position=argument.start,
        )
    return key
