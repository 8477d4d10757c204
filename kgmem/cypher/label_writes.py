"""``SET n:A:B`` and ``REMOVE n:A``, in the form AGE 1.7 runs.

AGE keeps a vertex in one label table and writes that label into its graph id; kgmem
keeps a node's several labels in one composite label (``kgmem.cypher.label_sets``).
So a node whose labels change moves to the table of its new label set, under a new
graph id: the SQL function ``kgmem_cypher.relabel(node, added, removed)`` (migration
0024) moves it, re-points its relationships and returns the moved node. Each label
item of a SET or REMOVE clause becomes a WITH that carries every variable in scope and
rebinds the node to what ``relabel`` returns, so later clauses see its new labels::

    MATCH (n)-->(m) SET n:Foo, n.x = 1 RETURN labels(n)
    MATCH (n)-->(m) WITH m, kgmem_cypher.relabel(n, ['Foo'], []) AS n SET n.x = 1
    RETURN labels(n)

Property items stay in SET / REMOVE clauses, in their order. A label item that ends the
query ends it with a DELETE of null (a query may not end with WITH). ``relabel`` is
idempotent (adding a label the node has, or removing one it lacks, changes nothing)
and passes null through. MERGE's ON CREATE / ON MATCH label items use
``projection`` too (``kgmem.cypher.merge``).

AGE runs a statement on the graph as it was when the statement started, and a moved
node is not in that picture: a pattern after the move that starts from the node
(``MATCH (n)-->()``, ``CREATE (n)-[:R]->()``) would not find it. Such queries are
refused with a clear error; run the pattern in a query of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kgmem.cypher import label_sets, labels
from kgmem.cypher.columns import scope
from kgmem.cypher.lexer import Token
from kgmem.cypher.structure import Clause, clauses, depths, split_top_level, union_parts
from kgmem.errors import CypherSemanticError

Edit = tuple[int, int, str]
FUNCTION = "kgmem_cypher.relabel"
_NOTHING = "__kgmem_nothing"
THRESHOLD = "__kgmem_c"  # kgmem.cypher.merge's names for its thresholds
_PATTERNS = ("MATCH", "OPTIONAL MATCH", "CREATE", "MERGE")


def rewrite(text: str, code: Sequence[Token]) -> list[Edit]:
    """Edits turning every label item of a SET or REMOVE clause into a relabelling WITH."""
    if not any(t.text == ":" for t in code) or not any(t.is_keyword("SET", "REMOVE") for t in code):
        return []
    edits: list[Edit] = []
    for part in union_parts(code):
        parts = clauses(part)
        for index, clause in enumerate(parts):
            if clause.keyword not in ("SET", "REMOVE"):
                continue
            items = split_top_level(list(clause.body))
            moved = [found[0].name for i in items if (found := label_item(i)) is not None]
            if not moved:
                continue
            check_later(text, parts, index, moved)
            carried = scope(text, parts[:index]) | merge_thresholds(parts, index)
            last = index == len(parts) - 1
            edits.extend(_clause(clause, items, carried, last=last))
    return edits


def merge_thresholds(parts: Sequence[Clause], index: int) -> set[str]:
    """The names ``kgmem.cypher.merge`` carries through the query for the MERGE clauses
    with ON CREATE / ON MATCH, when one of them follows ``parts[index]``."""
    merges = [i for i, c in enumerate(parts) if c.keyword == "MERGE" and _has_on(c)]
    if not any(i > index for i in merges):
        return set()
    return {f"{THRESHOLD}{number}" for number in range(len(merges))}


def _has_on(clause: Clause) -> bool:
    return any(depth == 0 and t.is_keyword("ON") for depth, t in depths(clause.body))


def label_item(item: Sequence[Token]) -> tuple[Token, list[str]] | None:
    """(the variable, its labels) when ``item`` is ``v:A:B...``, else None."""
    if len(item) < 3 or item[0].kind not in labels.NAMES:
        return None
    end, found = labels.labels_at(item, 1)
    return (item[0], found) if found and end == len(item) else None


def projection(carried: Iterable[str], variable: Token, call: tuple[str, str], last: bool) -> str:
    """The WITH rebinding ``variable`` to ``relabel(variable, *call)`` (the added and
    removed labels as Cypher lists) and carrying the other names of ``carried``;
    ``last``: it ends the query."""
    added, removed = call
    rebound = f"{FUNCTION}({variable.text}, {added}, {removed}) AS {variable.text}"
    if last:
        return f"WITH {rebound}, null AS {_NOTHING} DELETE {_NOTHING}"
    kept = [quote(name) for name in sorted(carried) if name != variable.name]
    return "WITH " + ", ".join([*kept, rebound])


def listed(names: Sequence[str]) -> str:
    """``names`` as a Cypher list of strings."""
    return "[" + ", ".join(labels.string(name) for name in names) + "]"


def check_later(text: str, parts: Sequence[Clause], index: int, moved: Sequence[str]) -> None:
    """Refuse a pattern after ``parts[index]`` that starts from a node it relabels."""
    for later in range(index + 1, len(parts)):
        clause = parts[later]
        live = set(moved) & scope(text, parts[:later])
        if not live:
            return
        for i, token in enumerate(clause.tokens[:-2]):
            if token.text != "(" or clause.tokens[i + 1].kind not in labels.NAMES:
                continue
            name, after = clause.tokens[i + 1].name, clause.tokens[i + 2]
            if name in live and _in_pattern(clause, i, after):
                raise CypherSemanticError(
                    f"a pattern cannot use the node {name} after SET or REMOVE of its labels "
                    "in the same query: the node moved to another AGE label table, which this "
                    "statement does not see; run the pattern in a query of its own",
                    position=token.start,
                )


def _in_pattern(clause: Clause, i: int, after: Token) -> bool:
    if after.text in (":", "{"):
        return True
    if after.text != ")":
        return False
    if clause.keyword in _PATTERNS:
        return True
    following = clause.tokens[i + 3] if i + 3 < len(clause.tokens) else None
    preceding = clause.tokens[i - 1] if i > 0 else None
    arrows = ("-", "<", ">", "->", "<-", "<--", "-->", "--")
    return (following is not None and following.text in arrows) or (
        preceding is not None and preceding.text in arrows
    )


def _clause(
    clause: Clause, items: list[list[Token]], carried: set[str], *, last: bool
) -> list[Edit]:
    """Edits replacing each label item (with the keyword or comma before it) by its WITH,
    and the comma before a property item that follows one by the keyword again; the
    property items keep their text, so the other rules' edits inside them apply."""
    keyword = clause.tokens[0]
    edits: list[Edit] = []
    previous_label = False
    for position, item in enumerate(items):
        before = keyword.start if position == 0 else _comma_before(clause, item)
        found = label_item(item)
        if found is None:
            if previous_label:
                edits.append((before, item[0].start, f" {keyword.upper} "))
            previous_label = False
            continue
        variable, names = found
        if keyword.upper == "SET":
            for name in names:
                label_sets.stored(name)  # refuses a name no door takes (empty, too long, ...)
        call = (listed(names), "[]") if keyword.upper == "SET" else ("[]", listed(names))
        ends = last and position == len(items) - 1
        lead = "" if position == 0 else " "
        edits.append((before, item[-1].end, lead + projection(carried, variable, call, ends)))
        previous_label = True
    return edits


def _comma_before(clause: Clause, item: list[Token]) -> int:
    index = next(i for i, t in enumerate(clause.tokens) if t is item[0])
    return clause.tokens[index - 1].start


def quote(name: str) -> str:
    """``name`` as a Cypher variable: as it is, or in back quotes."""
    plain = name.replace("_", "a").isalnum() and name.isascii() and not name[0].isdigit()
    return name if plain else "`" + name.replace("`", "``") + "`"
