"""Which functions analyst Cypher may call: an allow-list, checked on tokens.

AGE resolves a call ``f(...)`` in Cypher to the SQL function ``ag_catalog.age_f``, and
its catalog holds more than Cypher's scalar and aggregate functions: functions that
read or drop any graph by name (``graph_stats``, ``vertex_stats``,
``delete_global_graphs``), build graphs (``create_barbell_graph``), prepare statements,
and the internals of variable-length paths and aggregates. Those read tables without
PostgreSQL's permission checks, so a reader role cannot fence them, and one of them
(``graph_stats`` of a missing graph) leaves the backend's graph cache locked so that
its next variable-length path waits forever. Only an allow-list closes that class:
a function is callable when it is named here, whatever AGE adds in a later release.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher_errors import CypherUnsupported
from kgmem.errors import CypherRejected

TEXT_ANSWERS = frozenset(
    {"left", "right", "ltrim", "rtrim", "trim", "btrim", "replace", "split", "substring",
     "tolower", "toupper", "lower", "upper", "normalize", "tostring", "tostringornull",
     "tostringlist", "reverse"}
)  # fmt: skip
"""The functions whose answer is text made from their arguments (or a list of it):
a string, not a stored value read back (``kgmem.cypher.columns.read_back``)."""

PASSING = frozenset({"min", "max", "head", "last", "coalesce"})
"""The functions whose answer is one of the values they are given, as stored: a sum of
two is a sum of stored values (``kgmem.cypher.stored_arithmetic``), and such a column
reads back as a stored value does (``kgmem.cypher.columns.read_back``). ``collect``
builds a list, which stays as the query built it."""

# Cypher's functions as AGE 1.7 implements them (``ag_catalog.age_<name>``, or handled
# by its parser), in lower case: calls are case-insensitive. ``TEXT_ANSWERS`` too.
ALLOWED = TEXT_ANSWERS | frozenset(
    {
        # scalar
        "coalesce", "endnode", "head", "id", "last", "length", "properties", "size",
        "startnode", "timestamp", "toboolean", "tofloat", "tointeger", "type", "label",
        "labels", "keys", "nodes", "relationships", "range", "tail",
        "start_id", "end_id", "isempty", "tobooleanlist", "tofloatlist",
        "tointegerlist",
        # numbers
        "abs", "ceil", "floor", "rand", "round", "sign", "e", "exp", "log", "log10",
        "sqrt", "pi", "acos", "asin", "atan", "atan2", "cos", "cot", "degrees",
        "radians", "sin", "tan",
        # aggregates
        "avg", "collect", "count", "max", "min", "percentilecont", "percentiledisc",
        "stdev", "stdevp", "sum",
        # predicates (exists is AGE's; the quantifiers are kgmem's rewrites)
        "exists", "all", "any", "none", "single",
        # lists (kgmem's rewrite: kgmem.cypher.reduce)
        "reduce",
        # element ids (kgmem's rewrite: kgmem.cypher.element_ids)
        "elementid",
        # vectors (kgmem's rewrite: kgmem.cypher.vector_functions; the dotted
        # vector.similarity.* names are let through by the guard)
        "vector",
        # Neo4j's (kgmem's rewrite: kgmem.cypher.neo4j_functions; the guard lets the
        # dotted point.distance and point.withinBBox through)
        "randomuuid", "point", "tointegerornull", "tofloatornull",
        "tobooleanornull", "isnan", "haversin", "valuetype", "char_length",
        "character_length",
        # shortest paths in MATCH (kgmem's rewrite: kgmem.cypher.shortest_paths)
        "shortestpath", "allshortestpaths",
    }
)  # fmt: skip

AGGREGATES = frozenset(
    {"avg", "collect", "count", "max", "min", "percentilecont", "percentiledisc", "stdev",
     "stdevp", "sum"}
)  # fmt: skip
"""The aggregating functions of ``ALLOWED``."""


def aggregates(tokens: Sequence[Token]) -> bool:
    """Does ``tokens`` call an aggregating function?"""
    return any(
        (name := called(tokens, i)) is not None and name.lower() in AGGREGATES
        for i in range(len(tokens))
    )


# Words that may stand before "(" without calling anything: clause keywords, operators
# and expression keywords (``WHERE (a)-->(b)``, ``NOT (x)``, ``CASE WHEN (x) ...``).
_NOT_CALLS = frozenset(
    {
        "MATCH", "OPTIONAL", "WITH", "UNWIND", "RETURN", "CREATE", "MERGE", "SET",
        "DELETE", "DETACH", "REMOVE", "WHERE", "ORDER", "BY", "SKIP", "LIMIT", "UNION",
        "AND", "OR", "XOR", "NOT", "IN", "IS", "CONTAINS", "STARTS", "ENDS", "CASE",
        "WHEN", "THEN", "ELSE", "DISTINCT", "AS", "ON", "ASC", "DESC", "ASCENDING",
        "DESCENDING", "YIELD", "NULL", "TRUE", "FALSE",
    }
)  # fmt: skip


def called(tokens: Sequence[Token], index: int) -> str | None:
    """The function name when ``tokens[index]`` calls a function, else None."""
    token = tokens[index]
    if token.kind not in (Kind.NAME, Kind.QUOTED_NAME):
        return None
    if index + 1 >= len(tokens) or tokens[index + 1].text != "(":
        return None
    if index > 0 and tokens[index - 1].text == ".":
        return None  # a property key (a label is never followed by "(": after ":" a name
        # with "(" is a map value's call, ``{id: f(x)}``)
    if token.kind is Kind.NAME and token.upper in _NOT_CALLS:
        return None
    if _path_selector(tokens, index):
        return None
    return token.name


def _path_selector(tokens: Sequence[Token], index: int) -> bool:
    """``SHORTEST``, ``PATH`` or ``PATHS`` ending a GQL path selector before its pattern
    (``ANY SHORTEST (a)...``, ``SHORTEST 1 PATH (a)...``: ``kgmem.cypher.shortest_paths``)."""
    token = tokens[index]
    if token.kind is not Kind.NAME or token.upper not in ("SHORTEST", "PATH", "PATHS"):
        return False
    before = tokens[index - 1] if index > 0 else None
    if before is None:
        return False
    if token.upper == "SHORTEST":
        return before.is_keyword("ANY", "ALL")
    return before.kind is Kind.NUMBER or before.is_keyword("SHORTEST")


def check_calls(tokens: Sequence[Token]) -> None:
    """Reject a call of any function outside ``ALLOWED``: AGE's and PostgreSQL's catalog
    functions (snake_case, such as ``graph_stats``) as unsafe, any other name (Neo4j's
    camelCase ones kgmem does not answer, a misspelling) as unsupported."""
    for index, token in enumerate(tokens):
        name = called(tokens, index)
        if name is None or name.lower() in ALLOWED:
            continue
        if _catalog_name(name):
            raise CypherRejected(
                f"function {name}() is not available to Cypher queries in kgmem",
                position=token.start,
                function=name,
            )
        raise CypherUnsupported(
            f"function {name}() is not one kgmem answers (docs/cypher.md lists those it does)",
            position=token.start,
            function=name,
        )


def _catalog_name(name: str) -> bool:
    """A name of AGE's or PostgreSQL's catalog (``graph_stats``, ``age_load``), which may
    read or drop what the caller may not: refused as unsafe."""
    lower = name.lower()
    return "_" in name or lower.startswith(("ag", "pg")) or lower in _AGE_INTERNALS


_AGE_INTERNALS = frozenset({"unnest", "vle"})
"""AGE's catalog functions a Cypher call reaches (``age_unnest``, ``age_vle``) whose
names have no underscore of their own."""


def within_dotted(
    tokens: Sequence[Token], index: int, dotted_at: Callable[[Sequence[Token], int], int], most: int
) -> bool:
    """Whether ``tokens[index]`` is part of a dotted name that ``dotted_at`` (the number
    of tokens of the name starting at an index, 0 for none) recognises, names being at
    most ``most`` tokens long."""
    return any(index - back >= 0 and dotted_at(tokens, index - back) > back for back in range(most))
