"""The labels and relationship types a writing query makes, so they exist before it runs.

AGE reads a label that does not exist when it parses a statement as one no row has,
and plans a pattern on it as empty. It makes a label a ``CREATE`` writes only as that
clause runs, so in ``CREATE (n:New) WITH n MATCH (m:New) RETURN m`` the MATCH found
nothing the first time the label was used, and, with no row left for it, PostgreSQL
ran no part of the statement: the node was not created either, and the answer was an
empty success. Neo4j returns the node and keeps it.

``made(code)`` lists the names written after a ``:`` in the node patterns (labels) and
relationship patterns (types) of ``CREATE`` and ``MERGE``, and in the label items of
``SET`` (``SET n:New``, ``ON CREATE SET n:New``, in ``FOREACH`` too); the storage layer
makes the missing ones, with their indexes, in the statement's transaction before it
runs (``kgmem.graph.cypher.make_labels``).

A MATCH after a write that names a label the graph lacks has the same effect (``CREATE
(n:A) WITH n MATCH (m:Missing) RETURN m`` created nothing), so the labels and types of
MATCH patterns after a write are listed apart (``read_vertices``, ``read_edges``): the
storage layer makes those the graph has under neither kind, as empty labels, which
``db.labels()`` does not list. Names in a map (``{k: v}``), in a MATCH before any write,
or read anywhere else are left alone: a read alone does not make a label.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from kgmem.cypher import labels
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.structure import CLAUSE_WORDS, WRITE_WORDS

# Clause words (and the subqueries' words): the last one seen says whether a ``:`` names
# what the query writes.
_CLAUSES = CLAUSE_WORDS | {"EXISTS", "COUNT", "COLLECT"}
_WRITING = frozenset({"CREATE", "MERGE", "SET"})


class Made(NamedTuple):
    """What a writing query names after a ``:``: the labels and types it writes, and
    those its MATCH patterns after a write read."""

    vertices: tuple[str, ...] = ()
    edges: tuple[str, ...] = ()
    read_vertices: tuple[str, ...] = ()
    read_edges: tuple[str, ...] = ()


NOTHING = Made()


def made(code: Sequence[Token]) -> Made:
    """The labels and the relationship types the query's CREATE, MERGE and SET write,
    and those its MATCH patterns read after a write, each once, in order of appearance."""
    found: dict[tuple[str, bool], dict[str, None]] = {
        (kind, read): {} for kind in ("vertex", "edge") for read in (False, True)
    }
    brackets: list[str] = []
    clause, wrote = "", False
    for index, token in enumerate(code):
        if token.kind is Kind.PUNCT and token.text in "([{":
            brackets.append(token.text)
        elif token.kind is Kind.PUNCT and token.text in ")]}":
            if brackets:
                brackets.pop()
        elif token.kind is Kind.NAME and token.upper in _CLAUSES and _is_clause(code, index):
            clause = token.upper
            wrote = wrote or clause in WRITE_WORDS
        elif token.text == ":" and _names_label(code, index):
            read = clause == "MATCH" and wrote
            kind = _kind(brackets, clause) if clause in _WRITING or read else None
            if kind is not None:
                found[kind, read][code[index + 1].name] = None
    return Made(*(tuple(found[k, r]) for r in (False, True) for k in ("vertex", "edge")))


def _is_clause(code: Sequence[Token], index: int) -> bool:
    """A clause word, not a property key or a map key (``n.set``, ``{merge: 1}``)."""
    before = code[index - 1].text if index else ""
    after = code[index + 1].text if index + 1 < len(code) else ""
    return before not in (".", ":", "$") and after != ":"


def _names_label(code: Sequence[Token], index: int) -> bool:
    """The ``:`` at ``index`` stands before a label, after a variable, a ``(``, a ``[``
    or another label (``n:A:B``), not after a map key."""
    if index + 1 >= len(code) or code[index + 1].kind not in labels.NAMES:
        return False
    before = code[index - 1] if index else None
    return before is not None and (before.kind in labels.NAMES or before.text in ("(", "["))


def _kind(brackets: list[str], clause: str) -> str | None:
    """What a name after ``:`` is by the bracket it stands in: a node's label in ``(``,
    a relationship's type in ``[``, a map's value in ``{``; outside any bracket, a
    label item of SET."""
    if not brackets:
        return "vertex" if clause == "SET" else None
    innermost = brackets[-1]
    if innermost == "{":
        return None
    if innermost == "[":
        return "edge" if clause != "SET" else None
    return "vertex"
