"""Node patterns with several labels, in the form AGE 1.7 runs.

AGE's grammar takes one label per node pattern. A node with several labels lives in a
composite label whose table inherits from each of its labels' tables
(``kgmem.cypher.label_sets``), so:

- ``CREATE (n:A:B {...})`` and ``MERGE (n:A:B)`` name the composite instead:
  ``(n:__kgmem_L_A_sB {...})``. The composite must exist, with its inheritance, before
  the query runs: ``created()`` lists the label sets the query creates nodes with,
  and the storage layer (``kgmem.storage.label_sets``) makes them in the same
  transaction. ``MERGE`` matches the nodes that carry exactly those labels.
- ``MATCH (n:A:B)`` keeps the first label in the pattern (AGE scans A's table and the
  tables inheriting from it) and tests the others in the clause's WHERE:
  ``MATCH (n:A) WHERE kgmem_cypher.has_labels(label(n), ['B'])``, with the WHERE the
  analyst wrote kept in brackets after it; an anonymous node gets a variable of
  kgmem's own (``__kgmem_l1``).
- A MATCH that labels a node an earlier clause bound (``MATCH (a)-->() WITH a MATCH
  (a:X)``), which AGE refuses (``multiple labels for variable``), tests all its labels
  in the WHERE instead.

Patterns inside expressions (``WHERE (n)-->(:A:B)``, ``EXISTS { ... }``) are left as
they are.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher import label_sets, labels
from kgmem.cypher.columns import scope
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.spans import Edit
from kgmem.cypher.structure import Clause, Placed, each_clause, filtered

_MATCHES = ("MATCH", "OPTIONAL MATCH")
_WRITES = ("CREATE", "MERGE")


def rewrite(text: str, code: Sequence[Token]) -> list[Edit]:
    """Edits for every node pattern with two labels or more, and for the labels of a
    node an earlier clause bound."""
    if not any(t.text == ":" for t in code):
        return []
    multi = _any_multi(code)
    if not multi and not _later_match(code):
        return []
    edits: list[Edit] = []
    fresh = _Fresh()
    for placed in each_clause(code):
        clause = placed.clause
        if clause.keyword in _WRITES and multi:
            edits.extend(_composites(clause))
        elif clause.keyword in _MATCHES:
            bound = _bound(text, placed)
            edits.extend(_matched(clause, placed.following, fresh, bound))
    return edits


def _later_match(code: Sequence[Token]) -> bool:
    """Whether a MATCH follows another clause (only such a MATCH can see a variable an
    earlier clause bound)."""
    return any(
        t.is_keyword("MATCH") and not (i == 1 and code[0].is_keyword("OPTIONAL"))
        for i, t in enumerate(code)
        if i > 0
    )


def _bound(text: str, placed: Placed) -> set[str]:
    """The variables bound before ``placed.clause``, when it labels one of its nodes."""
    if not placed.earlier or not _nodes(placed.clause.tokens, least=1):
        return set()
    return scope(text, placed.earlier)


def created(code: Sequence[Token]) -> tuple[tuple[str, ...], ...]:
    """The sorted label sets of the nodes with several labels that CREATE or MERGE
    write, each once, in order of appearance."""
    if not _any_multi(code):
        return ()
    found: dict[tuple[str, ...], None] = {}
    for placed in each_clause(code, *_WRITES):
        for _, _, names in _nodes(placed.clause.tokens, least=2):
            found[tuple(sorted(set(names)))] = None
    return tuple(found)


def named(code: Sequence[Token]) -> tuple[str, ...]:
    """Every name written after a ``:`` in the query (labels and relationship types,
    a map's value now and then), each once, in order of appearance."""
    found = {
        code[i + 1].name: None
        for i in range(len(code) - 1)
        if code[i].text == ":" and code[i + 1].kind in labels.NAMES
    }
    return tuple(found)


class _Fresh:
    """Variables for anonymous nodes, unique within the query."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        return f"__kgmem_l{self.count}"


def _any_multi(code: Sequence[Token]) -> bool:
    return any(
        code[i].text == ":" and code[i + 2].text == ":" and code[i + 1].kind in labels.NAMES
        for i in range(len(code) - 3)
    )


def _nodes(tokens: Sequence[Token], *, least: int) -> list[tuple[int, int, list[str]]]:
    """(index of the first ``:``, index after the labels, labels) of each node pattern
    with ``least`` distinct labels or more."""
    found = []
    for i, token in enumerate(tokens):
        if token.kind is not Kind.PUNCT or token.text != "(" or i + 1 >= len(tokens):
            continue
        first = i + 2 if tokens[i + 1].kind in labels.NAMES else i + 1
        end, names = labels.labels_at(tokens, first)
        if end < len(tokens) and tokens[end].text in ("|", "&"):
            continue  # a label expression: kgmem.cypher.label_expressions
        if len(set(names)) >= least:
            found.append((first, end, names))
    return found


def _composites(clause: Clause) -> list[Edit]:
    tokens = clause.tokens
    edits = []
    for first, end, names in _nodes(tokens, least=2):
        name = label_sets.composite(names)
        edits.append((tokens[first].start, tokens[end - 1].end, ":" + name))
    return edits


def _matched(clause: Clause, where: Clause | None, fresh: _Fresh, bound: set[str]) -> list[Edit]:
    tokens = clause.tokens
    edits: list[Edit] = []
    tests = []
    for first, end, names in _nodes(tokens, least=1):
        variable = tokens[first - 1].name if tokens[first - 1].text != "(" else None
        if variable in bound:  # every label becomes a test
            edits.append((tokens[first].start, tokens[end - 1].end, ""))
            tests.append(labels.test(tokens[first - 1].text, list(dict.fromkeys(names))))
            continue
        if len(set(names)) < 2:
            continue
        if variable is None:
            variable = fresh()
            edits.append((tokens[first].start, tokens[first].start, variable))
        else:
            variable = tokens[first - 1].text
        rest = [n for n in dict.fromkeys(names) if n != names[0]]
        edits.append((tokens[first + 2].start, tokens[end - 1].end, ""))
        tests.append(labels.test(variable, rest))
    if not tests:
        return edits
    return edits + filtered(clause, where, " AND ".join(tests))
