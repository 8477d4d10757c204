"""Writes that a final SKIP or LIMIT must not cut short.

openCypher runs every write of a query whatever the final RETURN keeps:
``UNWIND range(1, 5) AS x CREATE (n {x: x}) RETURN n LIMIT 1`` creates five nodes.
AGE hands LIMIT to PostgreSQL, whose plan stops pulling rows once it has enough (and
pulls none for ``LIMIT 0``), so the writes stop too. When a query writes and its final
RETURN (without ORDER BY, DISTINCT or aggregates, so one row in gives one row out) has
SKIP or LIMIT, kgmem collects every row first and slices the list instead (and so for a
final ``RETURN DISTINCT`` of constants, ``RETURN DISTINCT 'done'``, which PostgreSQL
plans as a LIMIT 1)::

    ... CREATE (n {x: x}) RETURN n LIMIT 1
    ... CREATE (n {x: x})
    WITH collect([0, n, x]) AS __kgmem_rows UNWIND __kgmem_rows[0..0 + (1)] AS __kgmem_row
    WITH __kgmem_row[1] AS n, __kgmem_row[2] AS x RETURN n

A MERGE after another MERGE gets the same barrier (``merges``). AGE runs the rows one
by one through all the clauses, and an earlier MERGE does not see what a later one
created on an earlier row, so ``UNWIND $rows AS row MERGE (s:E {id: row.s}) MERGE (t:E
{id: row.t})`` made a second node ``b`` when ``b`` came as a target and then as a source
(LangChain's and LlamaIndex's relationship imports are written so). Neo4j plans an
Eager between such clauses: every row passes the first MERGE before any reaches the
second, which then finds what the first made. kgmem collects the rows before each later
MERGE that may make a node an earlier MERGE would match (a node pattern no earlier
clause bound, with every label of the earlier one's, or any when the query sets labels)
and unwinds them again.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from kgmem.cypher import apoc_functions, label_sets, label_writes, labels, merge
from kgmem.cypher.columns import scope
from kgmem.cypher.functions import aggregates
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.structure import (
    WRITE_WORDS,
    Clause,
    clauses,
    split_top_level,
    union_parts,
)

ROWS, ROW = "__kgmem_rows", "__kgmem_row"
# Clauses whose bindings ``scope`` reads whole: a barrier after others could lose one.
_SCOPED = frozenset(
    {"MATCH", "OPTIONAL MATCH", "UNWIND", "WITH", "MERGE", "CREATE", "SET", "REMOVE",
     "DELETE", "DETACH DELETE", "WHERE"}
)  # fmt: skip


def rewrite(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) edits making the final SKIP/LIMIT keep every write."""
    parts = union_parts(code)
    if len(parts) != 1 or not _writes(code):
        return []
    found = clauses(parts[0])
    at = next((i for i, c in enumerate(found) if c.keyword == "RETURN"), None)
    if at is not None and _constant_distinct(found[at]) and len(found) == at + 1:
        return _edits(text, found[:at], found[at], [])
    if at is None or not _plain(found[at]):
        return []
    tail = found[at + 1 :]
    if not tail or any(c.keyword not in ("SKIP", "LIMIT") for c in tail):
        return []
    if not any(_writes(c.tokens) for c in found[:at]):
        return []
    return _edits(text, found[:at], found[at], tail)


def merges(text: str, code: Sequence[Token]) -> str:
    """``text`` with every row collected before each MERGE that may make a node an
    earlier MERGE would match.

    It reads the text the other rewrites made, so the variables they carry through
    the query (MERGE's thresholds, ``kgmem.cypher.merge``) pass the barrier too."""
    parts = union_parts(code)
    if len(parts) != 1:
        return text
    found = clauses(parts[0])
    relabels = label_writes.FUNCTION in text  # labels set later: any node may match
    inserts: list[tuple[int, str]] = []
    merged: list[frozenset[str]] = []  # the labels of the nodes earlier MERGEs match
    for at, clause in enumerate(found):
        if clause.keyword != "MERGE":
            continue
        bound = scope(text, found[:at])
        made = _made_nodes(clause, bound)
        if any(relabels or wanted <= labels for wanted in merged for labels in made):
            if not scoped(found[:at]):
                break
            inserts.append((clause.tokens[0].start, barrier(sorted(bound), "")))
        merged.extend(made)
    for start, inserted in reversed(inserts):
        text = text[:start] + inserted + text[start:]
    return text


def _made_nodes(clause: Clause, bound: set[str]) -> list[frozenset[str]]:
    """The label sets of the nodes a MERGE matches or makes: its node patterns whose
    variable no earlier clause bound (a label set's composite name read as its labels)."""
    tokens = merge.merge_pattern(clause)
    found = []
    for index, token in enumerate(tokens[:-1]):
        if token.kind is not Kind.PUNCT or token.text != "(":
            continue
        after = tokens[index + 2].text if index + 2 < len(tokens) else ""
        named = tokens[index + 1].kind in labels.NAMES and after != "("
        if named and tokens[index + 1].name in bound:
            continue
        _, names = labels.labels_at(tokens, index + 2 if named else index + 1)
        found.append(frozenset(part for name in names for part in label_sets.split(name)))
    return found


def scoped_clauses(
    code: Sequence[Token], keywords: Collection[str]
) -> list[tuple[int, list[Clause]]]:
    """Each clause, in every UNION branch, whose keyword is in ``keywords`` and whose
    variables in scope ``scope`` reads whole: its index, with its branch's clauses."""
    found = []
    for part in union_parts(code):
        parts = clauses(part)
        found += [
            (at, parts)
            for at, clause in enumerate(parts)
            if clause.keyword in keywords and scoped(parts[:at])
        ]
    return found


def scoped(before: list[Clause]) -> bool:
    """Whether ``scope`` reads every variable ``before`` binds: a procedure's YIELD and a
    CALL subquery's RETURN only when a WITH names what goes on after them."""
    last_with = max((i for i, c in enumerate(before) if c.keyword == "WITH"), default=-1)
    return all(c.keyword in _SCOPED for c in before[last_with + 1 :])


def barrier(names: list[str], cut: str, reread: Collection[str] = ()) -> str:
    """``WITH collect(...) UNWIND ... WITH ...``: every row made before the next clause
    runs, then the rows again with their variables (``cut`` slices the list), those in
    ``reread`` read again from the graph (``kgmem_cypher.stored``)."""
    items = ", ".join(["0", *map(label_writes.quote, names)])
    text = f"WITH collect([{items}]) AS {ROWS} UNWIND {ROWS}{cut} AS {ROW} "
    if names:
        text += "WITH " + ", ".join(
            _carried(f"{ROW}[{index}]", label_writes.quote(name), name in reread)
            for index, name in enumerate(names, start=1)
        ) + " "  # fmt: skip
    return text


def _carried(value: str, name: str, reread: bool) -> str:
    return f"{merge.STORED}({value}) AS {name}" if reread else f"{value} AS {name}"


def _writes(tokens: Sequence[Token]) -> bool:
    """Whether ``tokens`` write: a writing clause, or a function APOC's writing
    procedures became (``kgmem.cypher.apoc_writes``)."""
    return any(
        t.upper in WRITE_WORDS or apoc_functions.writes_at(tokens, i) for i, t in enumerate(tokens)
    )


def _constant_distinct(clause: Clause) -> bool:
    """``RETURN DISTINCT`` of constants only (``RETURN DISTINCT 'done' AS result``), which
    PostgreSQL plans as a LIMIT 1."""
    body = clause.body
    if not body or not body[0].is_keyword("DISTINCT"):
        return False
    for item in split_top_level(body[1:]):
        value = (
            item[:1] if len(item) in (1, 3) and (len(item) == 1 or item[1].is_keyword("AS")) else []
        )
        if not value or not (
            value[0].kind in (Kind.STRING, Kind.NUMBER)
            or value[0].is_keyword("TRUE", "FALSE", "NULL")
        ):
            return False
    return True


def _plain(clause: Clause) -> bool:
    body = clause.body
    if any(t.is_keyword("DISTINCT") for t in body[:1]):
        return False
    return not aggregates(body)


def _edits(
    text: str, before: list[Clause], final: Clause, tail: list[Clause]
) -> list[tuple[int, int, str]]:
    names = sorted(scope(text, before))
    counts = {c.keyword: text[c.body[0].start : c.body[-1].end] for c in tail if c.body}
    low = f"({counts['SKIP']})" if "SKIP" in counts else "0"
    high = f"{low} + ({counts['LIMIT']})" if "LIMIT" in counts else ""
    start = final.tokens[0].start
    edits = [(start, start, barrier(names, f"[{low}..{high}]"))]
    for clause in tail:
        edits.append((clause.tokens[0].start, clause.tokens[-1].end, ""))
    return edits
