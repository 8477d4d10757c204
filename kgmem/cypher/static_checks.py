"""Errors openCypher reports before a query runs, which AGE reports late or not at all.

Each check reads the tokens only and raises ``CypherSyntaxError`` with openCypher's
error name, so the analyst gets the error at once and nothing runs:

- ``UNION`` and ``UNION ALL`` mixed in one query (``InvalidClauseComposition``);
- a float literal beyond the 64-bit range (``1.34E999``: ``FloatingPointOverflow``), and
  a decimal or hex integer literal beyond the 64-bit integers (``9223372036854775808``,
  ``-0x8000000000000001``: ``IntegerOverflow``; AGE reads it as a float; octal ones are
  ``kgmem.cypher.octal``'s);
- a variable-length relationship in CREATE or MERGE (``CreatingVarLength``);
- a function given what it cannot take, where the query says what that is: ``length``
  of a node or relationship, ``size``, ``labels`` or a property of a path (a variable
  a pattern binds with ``p = ...``), ``properties`` of a number, string, boolean or list
  literal (``InvalidArgumentType``);
- a MERGE pattern with a ``null`` property literal (``MERGE ({num: null})``): a
  ``CypherSemanticError``, as Neo4j's ``MergeReadOwnWrites`` (a null can never match,
  and AGE would create the node without the property each time);
- an aggregating function in a clause that writes or unwinds (``SET n.c = count(*)``:
  ``InvalidAggregation``), which AGE would run, or crash its server process on.
"""

from __future__ import annotations

import itertools
import math
import string
from collections.abc import Iterator, Sequence

from kgmem.cypher.functions import AGGREGATES, called
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.structure import Clause, clauses, closing, depths, union_parts
from kgmem.errors import CypherSemanticError, CypherSyntaxError

_NAMES = (Kind.NAME, Kind.QUOTED_NAME)
_PATTERNS = ("MATCH", "OPTIONAL MATCH", "MERGE", "CREATE")
_CHECKED = frozenset({"LENGTH", "SIZE", "LABELS", "PROPERTIES"})
_LARGEST = 2**63 - 1
_WRITE_WORDS = frozenset({"SET", "REMOVE", "DELETE", "CREATE", "MERGE", "FOREACH", "UNWIND"})
_WRITING = ("SET", "REMOVE", "DELETE", "DETACH DELETE", "CREATE", "MERGE", "FOREACH", "UNWIND")
_AGGREGATE_WORDS = frozenset(name.upper() for name in AGGREGATES)
_SUBQUERIES = frozenset({"COUNT", "EXISTS", "COLLECT", "CALL"})


def check(code: Sequence[Token]) -> None:
    """Raise ``CypherSyntaxError`` for the first error above that ``code`` makes. Each
    check runs only when the query holds what it looks for."""
    words = {t.upper for t in code if t.kind is Kind.NAME}
    if "UNION" in words:
        _unions(code)
    _floats(code)
    _integers(code)
    if words & {"CREATE", "MERGE"} and any(t.text == "*" for t in code):
        _var_length_writes(code)
    if "MERGE" in words and "NULL" in words:
        _merged_nulls(code)
    if words & _WRITE_WORDS and words & _AGGREGATE_WORDS:
        _written_aggregates(code)
    assigned = any(t.text == "=" and u.text == "(" for t, u in itertools.pairwise(code))
    if words & _CHECKED or assigned:
        _arguments(code)


def _unions(code: Sequence[Token]) -> None:
    kinds = set()
    for index, (depth, token) in enumerate(depths(code)):
        if depth == 0 and token.is_keyword("UNION"):
            following = code[index + 1] if index + 1 < len(code) else None
            kinds.add(following is not None and following.is_keyword("ALL"))
    if len(kinds) > 1:
        raise CypherSyntaxError(
            "InvalidClauseComposition: UNION and UNION ALL cannot be mixed in one query"
        )


def _floats(code: Sequence[Token]) -> None:
    for token in code:
        text = token.text.lower()
        decimal = token.kind is Kind.NUMBER and not text.startswith(("0x", "0o"))
        if decimal and any(c in text for c in ".e") and math.isinf(float(text)):
            raise CypherSyntaxError(
                f"FloatingPointOverflow: {token.text} is beyond the 64-bit floats",
                position=token.start,
            )


def _integers(code: Sequence[Token]) -> None:
    for index, token in enumerate(code):
        text = token.text.lower()
        if token.kind is not Kind.NUMBER or text.startswith("0o"):
            continue
        if text.startswith("0x") and all(c in string.hexdigits for c in text[2:]):
            check_integer(code, index, int(text[2:], 16))
        elif text.isdigit():
            check_integer(code, index, int(text))


def check_integer(code: Sequence[Token], index: int, value: int) -> None:
    """Raise ``IntegerOverflow`` when the integer literal at ``index``, of ``value``, is
    beyond the 64-bit integers (one more below zero, after a minus)."""
    negated = index > 0 and code[index - 1].text == "-"
    if value > _LARGEST + (1 if negated else 0):
        raise CypherSyntaxError(
            f"IntegerOverflow: {code[index].text} is beyond the 64-bit integers",
            position=code[index].start,
        )


def _clauses_of(code: Sequence[Token], *keywords: str) -> Iterator[Clause]:
    """The clauses of every part of ``code`` whose keyword is one of ``keywords``."""
    for part in union_parts(code):
        yield from (c for c in clauses(part) if c.keyword in keywords)


def _var_length_writes(code: Sequence[Token]) -> None:
    for clause in _clauses_of(code, "CREATE", "MERGE"):
        tokens = clause.tokens
        pairs = closing(tokens)
        for index, token in enumerate(tokens):
            if token.text != "[" or index not in pairs:
                continue
            inside = tokens[index + 1 : pairs[index]]
            if any(t.text == "*" for t in inside if t.kind is Kind.PUNCT):
                raise CypherSyntaxError(
                    f"CreatingVarLength: {clause.keyword} cannot make a variable-length "
                    "relationship",
                    position=token.start,
                )


def _written_aggregates(code: Sequence[Token]) -> None:
    """An aggregating function in a clause that writes or unwinds (``SET n.c =
    count(*)``): Neo4j's ``InvalidAggregation``. AGE runs some of these and crashes its
    server process on others (``MATCH (a) SET a.x = count(*)`` over no rows)."""
    for part in union_parts(code):
        _aggregates_in(part)


def _aggregates_in(tokens: Sequence[Token]) -> None:
    for clause in clauses(tokens):
        inner = list(clause.tokens)
        if clause.keyword == "CALL" and len(inner) > 1 and inner[1].text == "{":
            _aggregates_in(inner[2 : closing(inner).get(1, len(inner))])
        if clause.keyword not in _WRITING:
            continue
        pairs, hidden = closing(inner), set[int]()
        for index, token in enumerate(inner[1:], 1):
            if token.text == "{" and inner[index - 1].upper in _SUBQUERIES and index in pairs:
                hidden.update(range(index, pairs[index]))
        for index, token in enumerate(inner):
            name = called(inner, index)
            if name is not None and name.lower() in AGGREGATES and index not in hidden:
                raise CypherSyntaxError(
                    f"InvalidAggregation: Invalid use of aggregating function {name}(...) "
                    f"in this context ({clause.keyword})",
                    position=token.start,
                )


def _merged_nulls(code: Sequence[Token]) -> None:
    for clause in _clauses_of(code, "MERGE"):
        tokens = list(clause.tokens)
        for index, (depth, token) in enumerate(depths(tokens)):
            if depth == 0 and token.is_keyword("ON"):
                break  # ON CREATE SET / ON MATCH SET may set a null
            after = tokens[index + 1] if index + 1 < len(tokens) else None
            # ``key: null`` in the map right inside a node or a relationship
            if token.text != ":" or depth != 2 or after is None or not after.is_keyword("NULL"):
                continue
            key = tokens[index - 1]
            if key.kind in _NAMES:
                raise CypherSemanticError(
                    f"MergeReadOwnWrites: cannot MERGE with a null value for property "
                    f"{key.name!r}: null never matches; leave the property out or "
                    "SET it ON CREATE",
                    position=after.start,
                )


def _arguments(code: Sequence[Token]) -> None:
    nodes, relationships, paths = _bound(code)
    for index, token in enumerate(code):
        name = (called(code, index) or "").lower()
        argument = _sole_argument(code, index) if name else None
        if argument is None:
            if token.kind in _NAMES and token.name in paths and _property_read(code, index):
                _refuse(token, f"{token.text} is a path, which has no properties")
            continue
        if argument.kind in _NAMES:
            target = argument.name
            if name == "length" and (target in nodes or target in relationships):
                _refuse(argument, "length() takes a path")
            if name in ("size", "labels") and target in paths:
                _refuse(argument, f"{name}() does not take a path")
        elif name == "properties" and _literal(argument):
            _refuse(argument, "properties() takes a node, a relationship or a map")


def _bound(code: Sequence[Token]) -> tuple[set[str], set[str], set[str]]:
    """Node, relationship and path variables the query's patterns bind, leaving out any
    name the query also binds otherwise (``AS x``) or as two kinds."""
    nodes, relationships, paths, other = set(), set(), set(), set()
    for part in union_parts(code):
        for clause in clauses(part):
            tokens = clause.tokens
            patterns = clause.keyword in _PATTERNS
            for index in range(1, len(tokens)):
                token = tokens[index]
                if token.kind not in _NAMES:
                    continue
                before = tokens[index - 1].text
                after = tokens[index + 1].text if index + 1 < len(tokens) else ""
                if tokens[index - 1].is_keyword("AS"):
                    other.add(token.name)
                elif not patterns:
                    continue
                elif (
                    before == "(" and after in (")", ":", "{") and called(tokens, index - 2) is None
                ):
                    nodes.add(token.name)
                elif before == "[" and after in ("]", ":", "{", "*"):
                    relationships.add(token.name)
                elif _assigned_path(tokens, index):
                    paths.add(token.name)
    mixed = (nodes & relationships) | (nodes & paths) | (relationships & paths) | other
    return nodes - mixed, relationships - mixed, paths - mixed


def _assigned_path(tokens: Sequence[Token], index: int) -> bool:
    """``p = (...)`` at the head of a pattern."""
    if index + 2 >= len(tokens) or tokens[index + 1].text != "=":
        return False
    before = tokens[index - 1]
    return tokens[index + 2].text == "(" and (
        before.text == "," or before.upper in ("MATCH", "MERGE", "CREATE")
    )


def _sole_argument(code: Sequence[Token], index: int) -> Token | None:
    """The one token a call ``code[index](...)`` is given, when it is given one alone, or
    the ``[`` of a list literal that is its whole argument."""
    if index + 3 < len(code) and code[index + 3].text == ")":
        return code[index + 2]
    if index + 2 < len(code) and code[index + 2].text == "[":
        end = closing(code).get(index + 2)
        if end is not None and end + 1 < len(code) and code[end + 1].text == ")":
            return code[index + 2]
    return None


def _literal(token: Token) -> bool:
    return (
        token.kind in (Kind.NUMBER, Kind.STRING)
        or token.text == "["
        or (token.is_keyword("TRUE", "FALSE"))
    )


def _property_read(code: Sequence[Token], index: int) -> bool:
    before = code[index - 1].text if index else ""
    after = code[index + 1].text if index + 1 < len(code) else ""
    return after == "." and before not in (".", ":")


def _refuse(token: Token, why: str) -> None:
    raise CypherSyntaxError(f"InvalidArgumentType: {why}", position=token.start)


def _not_a_call(tokens: Sequence[Token], index: int) -> bool:
    """Whether the ``(`` before ``tokens[index]`` opens a pattern, not a call's arguments."""
    return index < 2 or called(tokens, index - 2) is None
