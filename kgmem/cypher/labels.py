"""Label predicates and ``labels()`` for nodes that carry several labels.

AGE 1.7 stores one label per vertex and has no ``n:L`` outside patterns. kgmem keeps
a node's several labels in one composite AGE label that names them
(``kgmem.cypher.label_sets``), so what the query asks of labels becomes a call of
kgmem's SQL functions on AGE's ``label(n)``:

- ``WHERE n:Person`` (and the same test in WITH, RETURN, ORDER BY, UNWIND or a CASE)
  becomes ``kgmem_cypher.has_labels(label(n), ['Person'])``, ``n:A:B`` tests both;
  AGE's ``label()`` gives a relationship's type too, so ``r:KNOWS`` tests the type;
- ``labels(x)`` becomes ``kgmem_cypher.labels(label(x))``: the labels the composite
  stands for, ``[label]`` for a one-label node; AGE's own ``label(x)`` answers the
  first of them, ``kgmem_cypher.label_name(label(x))``.

A predicate in brackets is one too (``WHERE NOT (n:B)``, ``RETURN (n:A) AS a``): a
bracket holding only ``x:...`` after a boolean operator, a clause word, ``(`` or ``,``
and not followed by a relationship. Patterns (``MATCH (n:A)``, ``WHERE (n:A)-->()``)
and map literals (``{a: b}``) are left to ``kgmem.cypher.label_patterns``.

The items of SET and REMOVE that set or remove labels (``SET n:L``) are
``kgmem.cypher.label_writes``'s; a label test in a value (``SET n.x = m:L``) is a
predicate like any other.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.structure import Clause, closing, each_clause, function_calls

_PATTERN_CLAUSES = ("MATCH", "OPTIONAL MATCH", "CREATE", "MERGE")
NAMES = (Kind.NAME, Kind.QUOTED_NAME)
HAS_LABELS = "kgmem_cypher.has_labels"
LABELS = "kgmem_cypher.labels"
LABEL_NAME = "kgmem_cypher.label_name"
_READERS = {"labels": LABELS, "label": LABEL_NAME}


def predicates(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) for every label predicate outside patterns."""
    if not any(t.text == ":" for t in code):
        return []
    edits: list[tuple[int, int, str]] = []
    for placed in each_clause(code):
        if placed.clause.keyword not in _PATTERN_CLAUSES:
            edits.extend(_in_clause(placed.clause))
    return edits


def calls(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """Edits turning each ``labels(x)`` into ``kgmem_cypher.labels(label(x))`` and each
    call of AGE's ``label(x)`` into ``kgmem_cypher.label_name(label(x))`` (the first
    label, as written, of a composite or stored name: ``kgmem.cypher.label_sets``)."""
    edits: list[tuple[int, int, str]] = []
    for index, close in function_calls(code, _READERS):
        token = code[index]
        reader = _READERS[token.text.lower()]
        edits.append((token.start, code[index + 1].end, f"{reader}(label("))
        edits.append((code[close].start, code[close].end, "))"))
    return edits


def test(variable: str, labels: Sequence[str]) -> str:
    """The expression testing that ``variable`` carries every one of ``labels``."""
    wanted = ", ".join(string(label) for label in labels)
    return f"{HAS_LABELS}(label({variable}), [{wanted}])"


def string(value: str) -> str:
    """``value`` as a Cypher string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def labels_at(tokens: Sequence[Token], i: int) -> tuple[int, list[str]]:
    """The labels ``:A:B...`` starting at ``tokens[i]`` and the index after them."""
    found = []
    while i + 1 < len(tokens) and tokens[i].text == ":" and tokens[i + 1].kind in NAMES:
        found.append(tokens[i + 1].name)
        i += 2
    return i, found


def _in_clause(clause: Clause) -> list[tuple[int, int, str]]:
    tokens = clause.tokens
    pairs = closing(tokens)
    stack: list[str] = []
    edits: list[tuple[int, int, str]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        bracketed = _bracketed(tokens, i, pairs)
        if bracketed is not None:
            end, replacement = bracketed
            edits.append((token.start, tokens[end - 1].end, f"({replacement})"))
            i = end
            continue
        if token.kind is Kind.PUNCT and token.text in "([{":
            stack.append(token.text)
        elif token.kind is Kind.PUNCT and token.text in ")]}" and stack:
            stack.pop()
        if _starts_predicate(tokens, i, stack):
            end, replacement = _predicate(tokens, i)
            if not _label_item(clause, tokens, i, stack):
                edits.append((token.start, tokens[end - 1].end, replacement))
            i = end
            continue
        i += 1
    return edits


def _predicate(tokens: Sequence[Token], i: int) -> tuple[int, str]:
    """(index after, test) of the label predicate ``x:...`` at ``tokens[i]``: a label
    expression (``kgmem.cypher.label_expressions``) or plain labels."""
    from kgmem.cypher import label_expressions  # it builds on this module's tests

    if label_expressions.complex_at(tokens, i + 1):
        parsed = label_expressions.parse(tokens, i + 1)
        if parsed is not None:
            expression, end = parsed
            return end, expression(tokens[i].text)
    end, found = labels_at(tokens, i + 1)
    return end, test(tokens[i].text, found)


_BEFORE_BRACKET = frozenset(
    {"WHERE", "AND", "OR", "XOR", "NOT", "WHEN", "THEN", "ELSE", "RETURN", "WITH", "DISTINCT"}
)


def _bracketed(tokens: Sequence[Token], i: int, pairs: dict[int, int]) -> tuple[int, str] | None:
    """(index after the closing bracket, test) when ``tokens[i]`` opens a bracket that
    holds only a label predicate (``(n:B)``, ``(n:A|B)``) in a value's place; None for
    anything else, a pattern such as ``(n:B)-->()`` among them."""
    close = pairs.get(i)
    if tokens[i].text != "(" or close is None or i + 3 > close:
        return None
    if tokens[i + 1].kind not in NAMES or tokens[i + 2].text != ":":
        return None
    before = tokens[i - 1] if i > 0 else None
    if before is not None and not (
        before.text in ("(", ",") or before.is_keyword(*_BEFORE_BRACKET)
    ):
        return None
    after = tokens[close + 1].text if close + 1 < len(tokens) else ""
    if after.startswith(("-", "<")):
        return None
    end, replacement = _predicate(tokens, i + 1)
    return (close + 1, replacement) if end == close else None


def _label_item(clause: Clause, tokens: Sequence[Token], i: int, stack: list[str]) -> bool:
    """Whether ``tokens[i]`` starts an item of SET or REMOVE that sets or removes labels
    (``kgmem.cypher.label_writes`` rewrites those)."""
    if clause.keyword not in ("SET", "REMOVE") or stack:
        return False
    return i == 1 or tokens[i - 1].text == ","


def _starts_predicate(tokens: Sequence[Token], i: int, stack: list[str]) -> bool:
    token = tokens[i]
    if token.kind not in NAMES or i + 2 >= len(tokens):
        return False
    if tokens[i + 1].text != ":":
        return False
    if tokens[i + 2].kind not in NAMES and tokens[i + 2].text not in ("!", "%", "("):
        return False
    previous = tokens[i - 1].text if i > 0 else ""
    if previous in (".", ":", "(", "[", "$"):
        return False  # a property key, a label, a pattern or a parameter
    return not stack or stack[-1] != "{"  # a map key
