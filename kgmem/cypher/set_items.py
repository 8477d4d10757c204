"""One SET or REMOVE clause that writes through several variables.

A row carries its own copy of each entity, and AGE writes each copy a SET or REMOVE
changed back whole. When two variables of one clause are the same entity (``MATCH
(a:P), (c:P) SET a.s = 1, c.t = 2`` with one P node, or a self-loop's two ends), the
copy written last won and the other item's write was lost. Neo4j evaluates every
right-hand side against the graph as the clause found it, then writes them all.

kgmem reads the entities the clause writes again (as ``kgmem.cypher.fresh_sets`` does,
so each row sees what the rows before it wrote), evaluates the right-hand sides into
the row, then writes each variable's run of items in turn, reading the entity again
before every run after the first::

    MATCH (a:P), (c:P) SET a.s = c.t, c.t = a.s
    MATCH (a:P), (c:P) WITH kgmem_cypher.stored(a) AS a, kgmem_cypher.stored(c) AS c
    WITH a, c, c.t AS __kgmem_v1, a.s AS __kgmem_v2 SET a.s = __kgmem_v1
    WITH a, __kgmem_v1, __kgmem_v2, kgmem_cypher.stored(c) AS c SET c.t = __kgmem_v2

A clause whose items all write one variable, or a node and a relationship, is left as
it is; so is one with an item of another form.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher import eager, fresh_reads, merge
from kgmem.cypher.columns import scope
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import Clause, depths, split_top_level

VALUE = "__kgmem_v"
_OPERATORS = ("=", "+=")


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` with each SET or REMOVE clause that writes several variables split."""
    if not any(t.is_keyword("SET", "REMOVE") for t in code):
        return text
    edits: list[Edit] = []
    values = 0
    for at, found in eager.scoped_clauses(code, ("SET", "REMOVE")):
        clause = found[at]
        runs = _runs(split_top_level(list(clause.body)))
        if runs is None or len({name for name, _ in runs}) < 2 or _kinds_differ(runs, found[:at]):
            continue
        carried = sorted(scope(text, found[:at]))
        edit, values = _split(text, clause, runs, carried, values)
        edits.append(edit)
    return splice(text, edits) if edits else text


def _runs(items: list[list[Token]]) -> list[tuple[str, list[list[Token]]]] | None:
    """The items in runs of one target each, in order; None when an item is of a form
    other than ``v.k = e``, ``v += e``, ``v = e`` or ``v.k`` (REMOVE)."""
    runs: list[tuple[str, list[list[Token]]]] = []
    for item in items:
        if len(item) < 3 or item[0].kind not in (Kind.NAME, Kind.QUOTED_NAME):
            return None
        if item[1].text not in (".", *_OPERATORS):
            return None
        name = item[0].name
        if runs and runs[-1][0] == name:
            runs[-1][1].append(item)
        else:
            runs.append((name, [item]))
    return runs


def _kinds_differ(runs: list[tuple[str, list[list[Token]]]], before: Sequence[Clause]) -> bool:
    """Whether the targets are one node and one relationship (they cannot be one entity)."""
    kinds: dict[str, str] = {}
    for clause in before:
        if clause.keyword in fresh_reads.PATTERNS:
            kinds |= fresh_reads.entity_variables(clause)
    names = {name for name, _ in runs}
    return len(names) == 2 and len({kinds.get(name, "") for name in names} - {""}) == 2


def _split(
    text: str,
    clause: Clause,
    runs: list[tuple[str, list[list[Token]]]],
    carried: list[str],
    values: int,
) -> tuple[Edit, int]:
    """The clause as a WITH of its right-hand sides and one SET (or REMOVE) per run."""
    keyword = clause.keyword
    computed: list[str] = []
    names: list[str] = []
    written: list[str] = []
    for _, items in runs:
        pieces = []
        for item in items:
            operator = _operator(item)
            if operator is None:
                pieces.append(text[item[0].start : item[-1].end])
                continue
            values += 1
            name = f"{VALUE}{values}"
            computed.append(f"{text[item[operator + 1].start : item[-1].end]} AS {name}")
            names.append(name)
            pieces.append(f"{text[item[0].start : item[operator].end]} {name}")
        written.append(f"{keyword} {', '.join(pieces)}")
    targets = {name for name, _ in runs}
    kept = [n for n in carried if n not in targets]
    out = f"WITH {', '.join([*kept, *(_stored(n) for n in sorted(targets))])} "
    if computed:
        out += f"WITH {', '.join([*carried, *computed])} "
    out += written[0]
    for (name, _), part in zip(runs[1:], written[1:], strict=True):
        others = [n for n in [*carried, *names] if n != name]
        out += f" WITH {', '.join([*others, _stored(name)])} {part}"
    return (clause.tokens[0].start, clause.tokens[-1].end, out), values


def _stored(name: str) -> str:
    return f"{merge.STORED}({name}) AS {name}"


def _operator(item: list[Token]) -> int | None:
    """The index of the top-level ``=`` or ``+=`` of a SET item."""
    for index, (depth, token) in enumerate(depths(item)):
        if depth == 0 and token.kind is Kind.PUNCT and token.text in _OPERATORS:
            return index
    return None
