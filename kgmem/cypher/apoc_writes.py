"""APOC's writing procedures as kgmem answers them: each call becomes a ``WITH`` that
binds the procedure's output to a function of the same name, which kgmem's SQL
function answers (migration ``0035_apoc_writes``, named by
``kgmem.cypher.apoc_functions``), so the rest of the query runs as Cypher::

    UNWIND $rows AS row CALL apoc.merge.node([row.type], {id: row.id}, row.props, {})
    YIELD node RETURN count(*)
    UNWIND $rows AS row WITH row, apoc.merge.node([row.type], {id: row.id}, row.props, {})
    AS node RETURN count(*)

- ``apoc.merge.node(labels, identProps, onCreateProps = {}, onMatchProps = {})`` yields
  ``node``; ``apoc.merge.relationship(startNode, relType, identProps, onCreateProps,
  endNode, onMatchProps = {})`` and ``apoc.create.relationship(from, relType, props,
  to)`` yield ``rel``;
- ``apoc.refactor.mergeNodes(nodes, config = {})`` yields the node the others were
  merged onto (migration 0038);
- ``apoc.create.addLabels(nodes, labels)``, ``apoc.create.setLabels`` and
  ``apoc.create.removeLabels`` yield ``node``, once per node of a list (none for
  ``[]``) or once for one node. The node's labels decide its AGE table, so it moves
  (``kgmem.cypher.label_writes``): when the node is a variable, the variable is bound
  to the moved node too, so later clauses see its labels.

A later pattern that starts from the node a call makes or moves is refused (AGE runs
the statement on the graph as it was when it started, so the pattern would not find
it), as after ``SET n:L``. Arguments may read the query's variables (a node bound by
MATCH or MERGE, a field of an unwound row). The functions write, so the guard counts
them as writes: refused in read mode, as the procedures are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kgmem.cypher import calls, label_writes
from kgmem.cypher.lexer import Kind, quoted_name, tokenize
from kgmem.cypher.structure import clauses, union_parts
from kgmem.cypher_errors import CypherAccessMode
from kgmem.errors import CypherSemanticError


@dataclass(frozen=True, slots=True)
class Writer:
    """One writing procedure: its name, output column, argument count and the text of
    the defaults of its trailing optional arguments."""

    name: str
    output: str
    defaults: tuple[str, ...]
    required: int
    relabels: bool = False

    @property
    def most(self) -> int:
        return self.required + len(self.defaults)


WRITERS = {
    w.name.lower(): w
    for w in (
        Writer("apoc.merge.node", "node", ("{}", "{}"), 2),
        Writer("apoc.merge.relationship", "rel", ("{}",), 5),
        Writer("apoc.create.relationship", "rel", (), 4),
        Writer("apoc.create.addLabels", "node", (), 2, relabels=True),
        Writer("apoc.create.setLabels", "node", (), 2, relabels=True),
        Writer("apoc.create.removeLabels", "node", (), 2, relabels=True),
        Writer("apoc.refactor.mergeNodes", "node", ("{}",), 1),
    )
}
"""The writing procedures by lower-case name."""


def found(query: str) -> list[calls.Call]:
    """The calls of writing APOC procedures in ``query``."""
    lowered = query.lower()
    if "apoc." not in lowered or "call" not in lowered:
        return []
    return [c for c in calls.find(query) if c.name.lower() in WRITERS]


def rewrite(query: str, mode: str) -> str:
    """``query`` with each writing APOC call made a ``WITH`` (see the module docstring);
    ``CypherAccessMode`` in read mode, ``CypherSemanticError`` for a wrong number
    of arguments or an unknown output column."""
    for call in reversed(found(query)):  # from the end: the offsets before stay right
        writer = WRITERS[call.name.lower()]
        if mode != "write":
            raise CypherAccessMode(f"procedure {writer.name} writes", position=call.start)
        _check_patterns(query, call, writer)
        replacement = _with(call, writer)
        tail = ""
        if call.ends_part:
            aliases = [alias for _, alias in _items(call, writer)]
            tail = " RETURN " + ", ".join(map(quoted_name, aliases))
        query = (
            query[: call.start] + replacement + query[call.end : call.where_end] + tail
            + query[call.where_end :]
        )  # fmt: skip
    return query


def _arguments(call: calls.Call, writer: Writer) -> list[str]:
    given = [a.text for a in call.arguments or ()]
    if not writer.required <= len(given) <= writer.most:
        wanted = (
            str(writer.required) if not writer.defaults else f"{writer.required} to {writer.most}"
        )
        raise CypherSemanticError(
            f"procedure {writer.name} takes {wanted} argument(s), not {len(given)}",
            position=call.start,
        )
    return given + list(writer.defaults[len(given) - writer.required :])


def _items(call: calls.Call, writer: Writer) -> Sequence[tuple[str, str]]:
    for column, _ in call.items:
        if column != writer.output:
            raise CypherSemanticError(
                f"procedure {writer.name} yields no column {column!r}: ['{writer.output}']",
                position=call.start,
            )
    return call.items or ((writer.output, writer.output),)


def _with(call: calls.Call, writer: Writer) -> str:
    """The clauses standing in for ``call``."""
    arguments = _arguments(call, writer)
    value = f"{writer.name}({', '.join(arguments)})"
    (_, alias), *more = _items(call, writer)
    if more:
        raise CypherSemanticError(f"{writer.name} yields one column", position=call.start)
    if alias in call.scope:
        raise CypherSemanticError(
            f"variable `{alias}` already bound: CALL {writer.name} cannot YIELD it",
            position=call.start,
            variable=alias,
        )
    carried = [quoted_name(name) for name in call.scope]
    target = _variable(call)
    if writer.relabels and target is None:
        each = "apoc_node"  # the rewrite runs before the guard: no reserved name here
        while each in call.scope or each == alias:
            each += "_"
        return _each(arguments, writer, each, [*carried, quoted_name(alias)])
    if not writer.relabels or target not in call.scope:
        return "WITH " + ", ".join([*carried, f"{value} AS {quoted_name(alias)}"])
    others = [quoted_name(name) for name in call.scope if name != target]
    moved = f"WITH {', '.join([*others, f'{value} AS {quoted_name(target)}'])}"
    return f"{moved} WITH {', '.join([*carried, f'{quoted_name(target)} AS {quoted_name(alias)}'])}"


def _each(arguments: list[str], writer: Writer, each: str, names: list[str]) -> str:
    """A label procedure over what its first argument gives, one row per node as APOC
    answers: a list of nodes (``[a, b]``; none for ``[]``) or one node, unwound as
    ``each``."""
    given, *rest = arguments
    listed = f"CASE WHEN ({given}) IS :: LIST<ANY> THEN ({given}) ELSE [({given})] END"
    value = f"{writer.name}({', '.join([each, *rest])})"
    *carried, alias = names
    return f"UNWIND {listed} AS {each} WITH {', '.join([*carried, f'{value} AS {alias}'])}"


def _check_patterns(query: str, call: calls.Call, writer: Writer) -> None:
    """Refuse a later pattern that starts from the node ``call`` makes or moves: AGE runs
    the statement on the graph as it was when it started, so it would not find it."""
    if writer.output != "node":
        return
    moved = [alias for _, alias in _items(call, writer)]
    target = _variable(call)
    if writer.relabels and target is not None:
        moved.append(target)
    code = [t for t in tokenize(query) if t.kind not in (Kind.SPACE, Kind.COMMENT)]
    for part in union_parts(code):
        listed = clauses(part)
        at = next((i for i, c in enumerate(listed) if c.tokens[0].start == call.start), None)
        if at is None:
            continue
        try:
            label_writes.check_later(query, listed, at, moved)
        except CypherSemanticError as error:
            raise CypherSemanticError(
                f"a pattern cannot use a node that {writer.name} made or changed in the same "
                "query: AGE runs the query on the graph as it was when it started; run the "
                "pattern in a query of its own",
                position=error.position,
            ) from None


def _variable(call: calls.Call) -> str | None:
    """The first argument when it is a plain variable."""
    first = (call.arguments or ())[0].tokens if call.arguments else ()
    if len(first) == 1 and first[0].kind in (Kind.NAME, Kind.QUOTED_NAME):
        return first[0].name
    return None
