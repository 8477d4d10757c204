"""What Neo4j answers about itself: ``dbms.clientConfig()``, and ``SHOW PROCEDURES`` /
``SHOW FUNCTIONS``, rewritten (``as_call``) into calls of ``kgmem.showProcedures()`` /
``kgmem.showFunctions()`` so ``YIELD``, ``WHERE`` and ``RETURN`` run on the ordinary
``CALL`` machinery, as ``SHOW INDEXES`` does (``kgmem.neo4j_schema.show``).

The rows have every column of Neo4j 5; without ``YIELD`` a statement answers the
columns Neo4j 5 shows by default (name, description, mode, worksOnSystem; name,
category, description). ``SHOW PROCEDURES`` lists the store's registry, so a package's
procedures appear with kgmem's own; ``SHOW FUNCTIONS`` the functions kgmem's Cypher
answers (``kgmem.procedures.function_catalog``). ``EXECUTABLE [BY ...]`` is accepted
and changes nothing (every key may call every procedure its mode allows).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kgmem.cypher import explained
from kgmem.errors import CypherSyntaxError
from kgmem.procedures import function_catalog
from kgmem.procedures.registry import Procedure, Reader, Registry, procedure

PROCEDURE_COLUMNS = (
    "name", "description", "mode", "worksOnSystem", "signature", "argumentDescription",
    "returnDescription", "admin", "rolesExecution", "rolesBoostedExecution", "isDeprecated",
    "deprecatedBy", "option",
)  # fmt: skip
FUNCTION_COLUMNS = (
    "name", "category", "description", "signature", "isBuiltIn", "argumentDescription",
    "returnDescription", "aggregating", "rolesExecution", "rolesBoostedExecution",
    "isDeprecated", "deprecatedBy",
)  # fmt: skip
_DEFAULTS = {"PROCEDURES": PROCEDURE_COLUMNS[:4], "FUNCTIONS": FUNCTION_COLUMNS[:3]}
_EVERY = {"PROCEDURES": PROCEDURE_COLUMNS, "FUNCTIONS": FUNCTION_COLUMNS}
_SHOW = re.compile(
    r"\A\s*SHOW\s+(?:(?:ALL|BUILT\s+IN|USER\s+DEFINED)\s+)?(?P<what>PROCEDURES?|FUNCTIONS?)"
    r"(?:\s+EXECUTABLE(?:\s+BY\s+(?:CURRENT\s+USER|`[^`]*`|\w+))?)?(?P<rest>.*?)\s*;?\s*\Z",
    re.IGNORECASE | re.DOTALL,
)
_CALLS = {"PROCEDURES": "kgmem.showProcedures", "FUNCTIONS": "kgmem.showFunctions"}
_CLIENT_CONFIG = (
    ("browser.allow_outgoing_connections", "false"),
    ("browser.credential_timeout", "0s"),
    ("browser.retain_connection_credentials", "true"),
    ("browser.retain_editor_history", "true"),
    ("client.allow_telemetry", "false"),
    ("dbms.security.auth_enabled", "true"),
)


def as_call(query: str) -> str | None:
    """``query`` as the call of its procedure when it is ``SHOW PROCEDURES`` or ``SHOW
    FUNCTIONS`` (with what follows), else None."""
    if query.lstrip()[:4].upper() != "SHOW":
        return None
    found = _SHOW.match(query)
    if found is None:
        return None
    kind = found.group("what").upper().rstrip("S") + "S"
    head = f"CALL {_CALLS[kind]}()"
    rest = found.group("rest").strip()
    words = rest.split(None, 2)
    if not rest:
        return f"{head} YIELD {', '.join(_DEFAULTS[kind])}"
    if words[0].upper() == "WHERE":
        return f"{head} YIELD {', '.join(_DEFAULTS[kind])} {rest}"
    if words[0].upper() != "YIELD":
        raise CypherSyntaxError(f"expected YIELD, WHERE or the end after SHOW {kind}")
    if len(words) > 1 and words[1].startswith("*"):
        after = rest.split("*", 1)[1]
        return f"{head} YIELD {', '.join(_EVERY[kind])} {after}".rstrip()
    return f"{head} {rest}"


def shown(query: str) -> str:
    """``query`` with ``SHOW PROCEDURES|FUNCTIONS`` (also after ``EXPLAIN``) made the call
    of its procedure; any other query unchanged."""
    inner = explained(query)
    text = query if inner is None else inner
    listed = as_call(text)
    if listed is None:
        return query
    return ("" if inner is None else query[: len(query) - len(inner)]) + listed


def _procedure_row(item: Procedure) -> dict[str, Any]:
    arguments = [
        {"name": a.name, "type": str(a.type), "description": str(a),
         "isDeprecated": False} | ({"default": repr(a.default)} if a.optional else {})
        for a in item.arguments
    ]  # fmt: skip
    returns = [{"name": o.name, "type": str(o.type), "description": str(o),
                "isDeprecated": False} for o in item.outputs]  # fmt: skip
    return {
        "name": item.name, "description": item.description, "mode": item.mode.upper(),
        "worksOnSystem": False, "signature": item.signature,
        "argumentDescription": arguments, "returnDescription": returns, "admin": False,
        "rolesExecution": None, "rolesBoostedExecution": None, "isDeprecated": False,
        "deprecatedBy": None, "option": {"deprecated": False},
    }  # fmt: skip


def _function_row(item: function_catalog.Function) -> dict[str, Any]:
    return {
        "name": item.name, "category": item.category, "description": item.description,
        "signature": item.signature, "isBuiltIn": item.builtin,
        "argumentDescription": item.arguments, "returnDescription": item.returns,
        "aggregating": item.aggregating, "rolesExecution": None,
        "rolesBoostedExecution": None, "isDeprecated": False, "deprecatedBy": None,
    }  # fmt: skip


def listing(registry: Registry) -> tuple[Procedure, ...]:
    """The procedures ``SHOW PROCEDURES`` / ``SHOW FUNCTIONS`` call, reading
    ``registry`` when called (so they list what is registered then)."""

    async def procedures(reader: Reader, args: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [_procedure_row(item) for item in registry]

    async def functions(reader: Reader, args: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [_function_row(item) for item in function_catalog.functions()]

    procedure_outputs = (
        "name :: STRING, description :: STRING, mode :: STRING, worksOnSystem :: BOOLEAN, "
        "signature :: STRING, argumentDescription :: LIST OF MAP, "
        "returnDescription :: LIST OF MAP, admin :: BOOLEAN, "
        "rolesExecution :: LIST OF STRING?, rolesBoostedExecution :: LIST OF STRING?, "
        "isDeprecated :: BOOLEAN, deprecatedBy :: STRING?, option :: MAP"
    )
    function_outputs = (
        "name :: STRING, category :: STRING, description :: STRING, signature :: STRING, "
        "isBuiltIn :: BOOLEAN, argumentDescription :: LIST OF MAP, returnDescription :: STRING, "
        "aggregating :: BOOLEAN, rolesExecution :: LIST OF STRING?, "
        "rolesBoostedExecution :: LIST OF STRING?, isDeprecated :: BOOLEAN, "
        "deprecatedBy :: STRING?"
    )
    return (
        procedure(f"kgmem.showProcedures() :: ({procedure_outputs})", procedures,
                  description="The procedures, as SHOW PROCEDURES lists them."),
        procedure(f"kgmem.showFunctions() :: ({function_outputs})", functions,
                  description="The functions, as SHOW FUNCTIONS lists them."),
    )  # fmt: skip


async def _client_config(reader: Reader, args: Mapping[str, Any]) -> list[list[Any]]:
    return [[key, value] for key, value in _CLIENT_CONFIG]


PROCEDURES: tuple[Procedure, ...] = (
    procedure("dbms.clientConfig() :: (key :: STRING, value :: STRING)", _client_config,
              description="Return config settings interesting to clients (e.g. Neo4j Browser)."),
)  # fmt: skip
