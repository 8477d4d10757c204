"""``DETACH DELETE p`` of a path, in the form AGE 1.7 runs.

AGE's DELETE takes only nodes and relationships ("DELETE clause can only delete
vertices and edges"); openCypher's also takes a path, deleting its nodes (and, with
DETACH, every relationship they have). When a query part ends with ``DETACH DELETE``
of names among which a path an earlier clause of the part binds (``MATCH p = ...``),
kgmem writes the clause as

    WITH collect(nodes(p) + [n]) AS __kgmem_d1r UNWIND __kgmem_d1r AS __kgmem_d1l
    UNWIND __kgmem_d1l AS __kgmem_d1n DETACH DELETE __kgmem_d1n

(a name that is not a path is one element of the list). ``collect`` finishes the match
before anything is deleted: AGE matches lazily, so deleting the first path's nodes
would hide the paths that share them. Only a final DETACH DELETE is rewritten, since
the collect changes how many rows a later clause would see; a plain
DELETE of a path keeps AGE's error (deleting its relationships and then its nodes in
one statement would need them gone from the statement's own snapshot).
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.structure import Clause, clauses, depths, split_top_level, union_parts

_BINDERS = ("MATCH", "OPTIONAL MATCH", "MERGE", "CREATE")


def rewrite(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) edits turning a final ``DETACH DELETE`` of a path into
    an UNWIND of its nodes."""
    edits = []
    for number, part in enumerate(union_parts(code), start=1):
        parts = clauses(part)
        if not parts or parts[-1].keyword != "DETACH DELETE":
            continue
        paths = set().union(*(_paths(c) for c in parts[:-1] if c.keyword in _BINDERS))
        edit = _edit(parts[-1], paths, number)
        if edit is not None:
            edits.append(edit)
    return edits


def _paths(clause: Clause) -> set[str]:
    """The path names ``clause`` binds (``p`` in ``MATCH p = (a)-->(b)``)."""
    body = list(clause.body)
    found = set()
    for index, (depth, token) in enumerate(depths(body)):
        if depth != 0 or token.kind not in (Kind.NAME, Kind.QUOTED_NAME):
            continue
        after = body[index + 1] if index + 1 < len(body) else None
        before = body[index - 1].text if index > 0 else ","
        if after is not None and after.text == "=" and before == ",":
            found.add(token.name)
    return found


def _edit(clause: Clause, paths: set[str], number: int) -> tuple[int, int, str] | None:
    items = split_top_level(list(clause.body))
    if not all(len(i) == 1 and i[0].kind in (Kind.NAME, Kind.QUOTED_NAME) for i in items):
        return None
    if not any(i[0].name in paths for i in items):
        return None
    lists = [f"nodes({i[0].text})" if i[0].name in paths else f"[{i[0].text}]" for i in items]
    rows, row, node = (f"__kgmem_d{number}{suffix}" for suffix in ("r", "l", "n"))
    replacement = (
        f"WITH collect({' + '.join(lists)}) AS {rows} UNWIND {rows} AS {row} "
        f"UNWIND {row} AS {node} DETACH DELETE {node}"
    )
    return clause.tokens[0].start, clause.tokens[-1].end, replacement
