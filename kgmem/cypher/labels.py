"""Label predicates for AGE 1.7, which stores one label per node and has no ``n:L``
outside patterns.

``WHERE n:Person`` (and the same test in WITH, RETURN, ORDER BY, UNWIND or a CASE)
becomes ``(label(n) = 'Person')``; ``n:A:B`` becomes ``(label(n) = 'A' AND label(n) =
'B')``, false for every node since none carries two labels. AGE's ``label()`` gives a
relationship's type too, so ``r:KNOWS`` tests the type. Patterns (``MATCH (n:A)``,
``WHERE (n:A)-->()``) and map literals (``{a: b}``) are left alone.

What AGE's storage cannot do is refused with a clear error instead of a syntax error
from AGE: ``SET n:L`` and ``REMOVE n:L`` (a node's label is fixed when it is created).
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.structure import Clause, clauses, union_parts
from kgmem.errors import CypherSemanticError

_PATTERN_CLAUSES = ("MATCH", "OPTIONAL MATCH", "CREATE", "MERGE")
_NAMES = (Kind.NAME, Kind.QUOTED_NAME)


def predicates(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) for every label predicate outside patterns."""
    if not any(t.text == ":" for t in code):
        return []
    edits: list[tuple[int, int, str]] = []
    for part in union_parts(code):
        for clause in clauses(part):
            if clause.keyword in _PATTERN_CLAUSES:
                continue
            edits.extend(_in_clause(clause))
    return edits


def _in_clause(clause: Clause) -> list[tuple[int, int, str]]:
    tokens = clause.tokens
    stack: list[str] = []
    edits: list[tuple[int, int, str]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.kind is Kind.PUNCT and token.text in "([{":
            stack.append(token.text)
        elif token.kind is Kind.PUNCT and token.text in ")]}" and stack:
            stack.pop()
        if _starts_predicate(tokens, i, stack):
            if clause.keyword in ("SET", "REMOVE"):
                raise CypherSemanticError(
                    f"{clause.keyword} of a label is not supported: AGE stores one label per "
                    "node, fixed when the node is created",
                    position=token.start,
                )
            end, labels = _labels(tokens, i + 1)
            variable = token.text
            tests = " AND ".join(f"label({variable}) = {_string(label)}" for label in labels)
            edits.append((token.start, tokens[end - 1].end, f"({tests})"))
            i = end
            continue
        i += 1
    return edits


def _starts_predicate(tokens: Sequence[Token], i: int, stack: list[str]) -> bool:
    token = tokens[i]
    if token.kind not in _NAMES or i + 2 >= len(tokens):
        return False
    if tokens[i + 1].text != ":" or tokens[i + 2].kind not in _NAMES:
        return False
    previous = tokens[i - 1].text if i > 0 else ""
    if previous in (".", ":", "(", "[", "$"):
        return False  # a property key, a label, a pattern or a parameter
    return not stack or stack[-1] != "{"  # a map key


def _labels(tokens: Sequence[Token], i: int) -> tuple[int, list[str]]:
    labels = []
    while i + 1 < len(tokens) and tokens[i].text == ":" and tokens[i + 1].kind in _NAMES:
        labels.append(tokens[i + 1].name)
        i += 2
    return i, labels


def _string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
