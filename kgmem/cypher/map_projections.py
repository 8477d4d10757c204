"""Map projections (``n {.*, .a, k: expr, v}``) as Neo4j answers them.

AGE 1.7 builds a projection as a map literal, which drops every null entry: ``n {.*,
embedding: null}`` keeps the stored embedding (Neo4j: ``embedding`` is null, the way
LangChain and neo4j-graphrag keep vectors out of their answers), and ``n {.a,
.missing}`` has no ``missing`` key. kgmem writes each projection as a call of
``kgmem_cypher.project`` (migration ``0032_cypher_functions``)::

    RETURN n {.*, embedding: null, .name, extra: n.a + 1} AS m
    RETURN kgmem_cypher.project(properties(n), true, ['embedding', 'name', 'extra'],
                                [null, n.name, n.a + 1]) AS m

which starts from the properties (with ``.*``), lets each named entry override them,
keeps null entries, and is null when ``n`` is. It applies to nodes, relationships and
maps alike, and to projections nested in the values.

A name followed by ``{`` inside ``(`` or ``[`` is a pattern's property map
(``MATCH (n {a: 1})``) unless its first entry selects a property (``.a``, ``.*``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from kgmem.cypher.fold_parse import literal
from kgmem.cypher.lexer import Kind, Token, tokenize
from kgmem.cypher.spans import splice
from kgmem.cypher.structure import closing, each_clause
from kgmem.cypher.temporal_sql import SCHEMA

# Words before "{" that open something other than a projection.
_NOT_SUBJECTS = frozenset(
    {"CALL", "EXISTS", "COUNT", "COLLECT", "OPTIONS", "RETURN", "WITH", "WHERE", "SET",
     "AND", "OR", "XOR", "NOT", "IN", "THEN", "ELSE", "WHEN", "CASE", "DISTINCT", "AS",
     "CREATE", "MERGE", "MATCH", "UNWIND", "YIELD", "BY", "IS", "NULL", "ON", "UNION",
     "ROWS", "TRANSACTIONS", "DO", "END", "TRUE", "FALSE"}
)  # fmt: skip


@dataclass
class _Projection:
    subject: str
    everything: bool = False
    keys: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)

    def call(self) -> str:
        base = f"properties({self.subject})" if self.everything else self.subject
        keys = ", ".join(literal(k) for k in self.keys)
        values = ", ".join(self.values)
        flag = "true" if self.everything else "false"
        return f"{SCHEMA}.project({base}, {flag}, [{keys}], [{values}])"


def rewrite(text: str, code: Sequence[Token], *, value: bool = False) -> str:
    """``text`` (whose tokens are ``code``) with each map projection, and each map literal
    a RETURN or WITH makes, a ``project`` call (``value``: ``text`` is one value, whose
    map literals are all made)."""
    if "{" not in text:
        return text
    pairs = closing(code)
    made = _made(code, value)
    edits = []
    index = 0
    while index < len(code) - 1:
        if index in made and index in pairs:
            literal_map = _read_literal(text, code, index, pairs[index])
            if literal_map is not None:
                edits.append((code[index].start, code[pairs[index]].end, literal_map.call()))
                index = pairs[index] + 1
                continue
        close = pairs.get(index + 1)
        if close is None or not _is_projection(code, index, close):
            index += 1
            continue
        projection = _read(text, code, index, close)
        if projection is None:
            index += 1
            continue
        edits.append((code[index].start, code[close].end, projection.call()))
        index = close + 1
    return splice(text, edits) if edits else text


_MAKERS = frozenset({"RETURN", "WITH", "DISTINCT", "THEN", "ELSE"})
_GROUPS = _MAKERS | {"AND", "OR", "XOR", "NOT", "IN", "WHEN", "CASE", "WHERE", "IS", "AS"}
"""Words a bracket after which groups an expression rather than calling a function."""


def _made(code: Sequence[Token], value: bool) -> set[int]:
    """The indexes of the ``{`` that open a map literal standing for a value a RETURN or
    WITH makes: an item, an element of a list, a value of another map, a CASE result,
    the argument of ``collect``, ``keys`` or ``properties``, or the right side of ``=``
    or ``<>``; not other functions' arguments (``date({year: 1})``, whose
    maps kgmem reads while it plans), a pattern's or a SET's map."""
    if value:
        spans = [(0, len(code))]
    else:
        at = {id(token): i for i, token in enumerate(code)}
        spans = [
            (at[id(p.clause.tokens[0])], at[id(p.clause.tokens[-1])] + 1)
            for p in each_clause(code, "RETURN", "WITH")
        ]
    found = set()
    for start, end in spans:
        opened: list[str] = []
        for i in range(start, end):
            token = code[i]
            if token.text == "{" and _literal_site(code, i, start, opened):
                found.add(i)
            if token.kind is Kind.PUNCT and token.text in "([{":
                opened.append(_opener(code, i))
            elif token.kind is Kind.PUNCT and token.text in ")]}" and opened:
                opened.pop()
    return found


def _opener(code: Sequence[Token], i: int) -> str:
    """What the bracket at ``i`` opens: ``call:<name>``, ``group``, ``list`` or ``map``."""
    token = code[i]
    if token.text == "(":
        before = code[i - 1] if i else None
        if before is not None and before.kind is Kind.NAME and before.upper not in _GROUPS:
            return f"call:{before.text.lower()}"
        return "group"
    return "list" if token.text == "[" else "map"


def _literal_site(code: Sequence[Token], i: int, start: int, opened: list[str]) -> bool:
    before = code[i - 1] if i > start else None
    inside = opened[-1] if opened else ""
    if before is None:
        return True
    if before.kind is Kind.NAME:
        return before.upper in _MAKERS
    if before.text == "(":
        return inside in _VALUE_CALLS
    if before.text in ("[", ":"):
        return inside in ("list", "map")
    return inside in _SITES.get(before.text, ())


_VALUE_CALLS = ("call:collect", "call:keys", "call:properties")
"""Functions whose argument is a map literal's value, null entries and all."""
_SITES = {",": ("", "list"), "=": ("", "list", "group"), "<>": ("", "list", "group")}
"""After which punctuation, inside what, a map literal is a value (compared: ``{k: null}
= {k: null}`` is null, not true)."""


def writes_literal(expression: Sequence[Token]) -> bool:
    """Whether ``expression`` is a map literal as this module writes it
    (``kgmem_cypher.project({}, ...)``): a value, never a graph element."""
    return [t.text for t in expression[:5]] == [SCHEMA, ".", "project", "(", "{"]


def _constant(code: Sequence[Token], first: int, last: int) -> bool:
    """Whether the entry ``code[first:last]`` is ``key: <a number, string or boolean>``."""
    if last - first != 3:
        return False
    value = code[first + 2]
    return value.kind in (Kind.NUMBER, Kind.STRING) or value.is_keyword("TRUE", "FALSE")


def _read_literal(text: str, code: Sequence[Token], open_: int, close: int) -> _Projection | None:
    """The map literal ``{k: v, ...}`` at ``code[open_:close + 1]`` as a projection of
    nothing; None when no entry can be null, or one is not ``key: value``."""
    literal_map = _Projection(subject="{}")
    entries = _entries(code, open_ + 1, close)
    if all(_constant(code, first, last) for first, last in entries):
        return None  # no entry can be null: AGE's map is the same (and reads as one)
    for first, last in entries:
        if last - first < 3 or code[first + 1].text != ":":
            return None
        if not _entry(text, code, first, last, literal_map):
            return None
    return literal_map


def _is_projection(code: Sequence[Token], index: int, close: int) -> bool:
    subject, brace = code[index], code[index + 1]
    if brace.text != "{" or subject.kind not in (Kind.NAME, Kind.QUOTED_NAME):
        return False
    if subject.kind is Kind.NAME and subject.upper in _NOT_SUBJECTS:
        return False
    before = code[index - 1].text if index > 0 else ""
    if before in (":", ".", "$", "|", "&", "!"):
        return False  # a label, a property key, a parameter, a label expression
    if before in ("(", "["):
        return close > index + 2 and code[index + 2].text == "."
    return True


def _read(text: str, code: Sequence[Token], index: int, close: int) -> _Projection | None:
    """The projection ``code[index] { ... }`` ending at ``code[close]``, None when an
    entry is not one a projection may hold."""
    projection = _Projection(subject=code[index].text)
    for first, last in _entries(code, index + 2, close):
        if not _entry(text, code, first, last, projection):
            return None
    return projection


def _entries(code: Sequence[Token], start: int, close: int) -> list[tuple[int, int]]:
    """The token ranges ``[first, last)`` of the comma-separated entries."""
    pairs = closing(code[start:close])
    out, first, i = [], start, start
    while i < close:
        if i - start in pairs:
            i = start + pairs[i - start] + 1
            continue
        if code[i].text == ",":
            out.append((first, i))
            first = i + 1
        i += 1
    if first < close:
        out.append((first, close))
    return out


def _entry(text: str, code: Sequence[Token], first: int, last: int, into: _Projection) -> bool:
    head = code[first]
    size = last - first
    if head.text == "." and size == 2 and code[first + 1].text == "*":
        into.everything = True
        return True
    if head.text == "." and size == 2 and code[first + 1].kind in (Kind.NAME, Kind.QUOTED_NAME):
        into.keys.append(code[first + 1].name)
        into.values.append(f"{into.subject}.{code[first + 1].text}")
        return True
    if head.kind not in (Kind.NAME, Kind.QUOTED_NAME):
        return False
    if size == 1:
        into.keys.append(head.name)
        into.values.append(head.text)
        return True
    if size < 3 or code[first + 1].text != ":":
        return False
    value = text[code[first + 2].start : code[last - 1].end]
    into.keys.append(head.name)
    into.values.append(rewrite(value, tokenize(value), value=True))
    return True
