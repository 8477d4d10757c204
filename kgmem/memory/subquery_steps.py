"""Run a query cut at a subquery, a FOREACH or a dynamic label (``kgmem.cypher.subquery_split``)
as steps: the head, then the body once for all input rows, then the tail.

AGE 1.7 has no subqueries, so kgmem answers the clauses before the subquery first (the
*head*, returning its variables), then the subquery's *body* as one statement for all
those rows at once::

    UNWIND $kgsq1_rows AS kgsq1_row MATCH (n) WHERE id(n) = kgsq1_row.n
    WITH kgsq1_row.kgsq1_i AS kgsq1_i, n, kgsq1_row.row AS row <body>

Each WITH and RETURN of the body also carries the input row's index ``kgsq1_i``, so an
aggregation in it is per input row as in Neo4j, and a UNION removes duplicates per input
row. A pure aggregation (``RETURN count(*) AS c``) answers for an input row that found
nothing too (0, [], null); ``OPTIONAL CALL`` keeps such rows with nulls; a plain CALL
drops them. A body with ORDER BY, SKIP or LIMIT runs once per input row (at most
``MAX_SINGLE_ROWS`` of them). Then the *tail* (the clauses after the CALL) runs on the
joined rows, bound the same way. Nodes and relationships pass between steps as graph
ids and are matched back by id (an index lookup); a list of them as its ids, matched
back together and put in the list's order again.

All steps run in one transaction, through the same guard as any query (mode, cost,
row cap, one deadline for the whole request). ``IN TRANSACTIONS`` is Neo4j's way of
writing in batches: there each batch of ``OF n ROWS`` (1000 by default) runs and commits
in its own transaction, so when batch k fails, batches before it stay written
(``ON ERROR CONTINUE`` skips a failed batch, ``BREAK`` stops after it). ``REPORT STATUS AS
s`` gives each row its batch's status, a map ``{started, committed, transactionId,
errorMessage}``: ``transactionId`` names the batch (``kgmem-batch-<n>``, not a database
transaction id), and rows after a ``BREAK`` never started.

A dynamic label, ``SET n:$(expr)`` / ``REMOVE n:$(expr)``, is a step of the same kind:
the head returns the value of ``expr`` for each row, and the rows are set per label
set, one statement for each distinct set.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from kgmem.cypher.lexer import quoted_name
from kgmem.cypher.subquery_split import Labels, Split, label_names
from kgmem.cypher_errors import CypherUnsupported
from kgmem.errors import (
    CypherError,
    CypherRejected,
    CypherSemanticError,
    CypherSyntaxError,
    LimitExceeded,
)
from kgmem.graph.summary import query_type
from kgmem.model import CypherResult
from kgmem.model.cypher_summary import total

Run = Callable[[str, Mapping[str, Any]], Awaitable[CypherResult]]
"""Runs one step's statement (in the request's transaction, or in its own)."""

MAX_LEVEL = 4
"""Subqueries (and FOREACH) nest at most this deep."""
MAX_SINGLE_ROWS = 1000
"""Most input rows of a body that must run once per row."""
DEFAULT_BATCH = 1000
MAX_BATCHES = 1000
"""Most batches of one IN TRANSACTIONS (refused before the first one runs)."""
MAX_GROUPS = 32
"""Most distinct label sets (or vector keys) one dynamic item may meet."""


@dataclass(frozen=True, slots=True)
class Steps:
    """How to run each kind of step: ``run`` in the request's transaction, ``alone`` in
    a transaction of its own (IN TRANSACTIONS batches), None inside an explicit one."""

    run: Run
    alone: Run | None


async def run(split: Split, params: Mapping[str, Any], steps: Steps) -> CypherResult:
    """The answer of the query ``split`` was cut from (see the module docstring), with
    the counters of every step added up and the query type of the whole."""
    parts: list[CypherResult] = []
    answer = await _steps(
        split,
        params,
        Steps(_counted(steps.run, parts), steps.alone and _counted(steps.alone, parts)),
    )
    return _summed(answer, parts)


def _counted(inner: Run, parts: list[CypherResult]) -> Run:
    """``inner``, keeping each step's answer in ``parts``."""

    async def step(text: str, given: Mapping[str, Any]) -> CypherResult:
        result = await inner(text, given)
        parts.append(result)
        return result

    return step


def _summed(answer: CypherResult, parts: Sequence[CypherResult]) -> CypherResult:
    """``answer`` with the counters of ``parts`` added up and its query type the one of
    the whole: it writes when any step wrote or could write."""
    counters = total(p.counters for p in parts)
    writes = counters.contains_updates or any(p.query_type != "r" for p in parts)
    return replace(answer, counters=counters, query_type=query_type(writes, answer.columns))


async def _steps(split: Split, params: Mapping[str, Any], steps: Steps) -> CypherResult:
    if split.level > MAX_LEVEL:
        raise LimitExceeded(f"subqueries and FOREACH nest at most {MAX_LEVEL} deep (kgmem's limit)")
    for name in params if split.level == 1 else ():
        if name.startswith("kgsq"):
            raise CypherRejected("parameter names starting 'kgsq' are kgmem's own")
    first = steps.run if split.batches is None or steps.alone is None else steps.alone
    rows = await _head(split, params, first)
    for number, row in enumerate(rows):
        row[split.name("i")] = number
    if split.labels:
        await _set_labels(split, rows, params, first)
        return await _tail(split, split.head_vars, rows, params, first)
    if split.batches is not None:
        if steps.alone is None:
            from kgmem.neo4j_schema.errors import ImplicitTransactionRequired

            raise ImplicitTransactionRequired(
                "A query with 'CALL { ... } IN TRANSACTIONS' can only be executed in an "
                "implicit transaction, but tried to execute in an explicit transaction."
            )
        status = [split.batches.status] if split.batches.status else []
        names = split.head_vars + split.returns + status
        await _tail_checked(split, names, params, steps.alone)
        joined = await _batched(split, rows, params, steps.alone)
        return await _tail(split, names, joined, params, steps.alone)
    joined = await _body(split, rows, params, steps.run)
    return await _tail(split, split.head_vars + split.returns, joined, params, steps.run)


async def _head(split: Split, params: Mapping[str, Any], run: Run) -> list[dict[str, Any]]:
    """The head's rows as maps of its variables (one empty row when there is no head)."""
    extra = [f"({item.expression}) AS {split.name(f'l{n}')}" for n, item in enumerate(split.labels)]
    extra += [
        f"({item.vector}) AS {split.name(f'v{n}')}"
        for n, item in enumerate(split.labels)
        if item.procedure
    ]
    if not split.head:
        if not extra:
            return [{}]
        text = "RETURN " + ", ".join(extra)
    else:
        listed = [*split.head_vars, *extra] or [f"1 AS {split.name('one')}"]
        text = f"{split.head} RETURN {', '.join(listed)}"
    result = _whole(await run(text, params), "the clauses before a subquery")
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def _whole(result: CypherResult, what: str) -> CypherResult:
    if result.truncated:
        raise LimitExceeded(f"{what} answered more rows than a query may (KGMEM_CYPHER_MAX_ROWS)")
    return result


def _bound(split: Split, names: Sequence[str], rows: Sequence[Mapping[str, Any]], *,
           index: bool) -> tuple[str, list[dict[str, Any]]]:  # fmt: skip
    """The clauses binding ``names`` from the parameter ``kgsqN_rows`` (and the rows to
    give it): values as they are, nodes and relationships matched by graph id, lists of
    them matched by their ids and put back in their order."""
    row, i = split.name("row"), split.name("i")
    encoded: list[dict[str, Any]] = []
    kinds: dict[str, str] = {}
    nullable: set[str] = set()
    for number, given in enumerate(rows):
        out: dict[str, Any] = {i: given.get(i, number)}
        for name in names:
            value: Any = given.get(name)
            kind = _kind(value)
            if kind in _LISTS:
                kinds[name] = kind
                value = [None if v is None else int(v["id"]) for v in value]
            elif kind != "value":
                kinds[name] = kind
                value = int(value["id"])
            elif value is None:
                nullable.add(name)
            out[name] = value
        encoded.append(out)
    text = [f"UNWIND ${split.name('rows')} AS {row}"]
    for name in names:
        entity = kinds.get(name, "value")
        if entity not in ("node", "relationship"):
            continue
        optional = "OPTIONAL " if name in nullable else ""
        var = quoted_name(name)
        shape = f"({var})" if entity == "node" else f"()-[{var}]->()"
        text.append(f"{optional}MATCH {shape} WHERE id({var}) = {row}.{var}")
    carried = [row, *(quoted_name(n) for n in names if kinds.get(n) in ("node", "relationship"))]
    for number, name in enumerate(n for n in names if kinds.get(n) in _LISTS):
        text.append(_listed(split, row, name, kinds[name], carried, number))
        carried.append(quoted_name(name))
    items = [
        quoted_name(name) if name in kinds else f"{row}.{quoted_name(name)} AS {quoted_name(name)}"
        for name in names
    ]
    if index or not items:
        items.insert(0, f"{row}.{i} AS {i}")
    text.append("WITH " + ", ".join(items))
    return " ".join(text), encoded


_LISTS = ("nodes", "relationships")


def _listed(split: Split, row: str, name: str, kind: str, carried: list[str], number: int) -> str:
    """The clauses binding the list ``name`` of nodes or relationships from its ids in
    ``row``, in their order (a null stays null), carrying ``carried``."""
    var, found, each = quoted_name(name), split.name(f"found{number}"), split.name("e")
    x, y = split.name("x"), split.name("y")
    shape = f"({each})" if kind == "nodes" else f"()-[{each}]->()"
    keep = ", ".join(carried)
    return (
        f"OPTIONAL MATCH {shape} WHERE id({each}) IN {row}.{var} "
        f"WITH {keep}, collect({each}) AS {found} "
        f"WITH {keep}, [{x} IN {row}.{var} | head([{y} IN {found} WHERE id({y}) = {x}])] AS {var}"
    )


def _kind(value: Any) -> str:
    if isinstance(value, list):
        kinds = {_kind(v) for v in value if v is not None}
        if kinds <= {"value"}:
            return "value"
        if kinds in ({"node"}, {"relationship"}):
            return "nodes" if kinds == {"node"} else "relationships"
        raise CypherSemanticError(
            "a list mixing nodes, relationships and other values cannot be carried into or "
            "out of a subquery or FOREACH in kgmem; carry the nodes themselves (UNWIND them "
            "first)"
        )
    if isinstance(value, Mapping) and value.get("kind") in ("node", "relationship", "path"):
        if value["kind"] == "path":
            raise CypherSemanticError("a path cannot be carried into or out of a subquery")
        return "node" if value["kind"] == "node" else "relationship"
    return "value"


def _body_text(split: Split, prefix: str) -> str:
    return " ".join(f"{prefix} {part} {word}".strip() for part, word in split.body)


async def _body(
    split: Split, rows: list[dict[str, Any]], params: Mapping[str, Any], run: Run
) -> list[dict[str, Any]]:
    """The input rows joined with what the body answered for each (see the module
    docstring); the input rows as they are for a unit subquery."""
    if not rows:
        return []
    if split.per_row:
        if len(rows) > MAX_SINGLE_ROWS:
            raise LimitExceeded(
                f"a subquery with ORDER BY, SKIP or LIMIT runs per input row, at most "
                f"{MAX_SINGLE_ROWS} of them (kgmem's limit)"
            )
        joined: list[dict[str, Any]] = []
        for number, row in enumerate(rows):
            joined += await _answer(split, [{**row, split.name("i"): number}], params, run)
        return joined
    return await _answer(split, rows, params, run)


async def _answer(
    split: Split, rows: list[dict[str, Any]], params: Mapping[str, Any], run: Run
) -> list[dict[str, Any]]:
    prefix, encoded = _bound(
        split, split.imports, rows, index=bool(split.returns or split.relabels)
    )
    given = {**params, split.name("rows"): encoded}
    text = _body_text(split, prefix)
    moved = [n for n in split.imports if any(_kind(row.get(n)) == "node" for row in rows)]
    if split.relabels and moved:  # read back the nodes a label write moved (new ids)
        text = f"{text} WITH * RETURN {split.name('i')}, {', '.join(moved)}"
    result = _whole(await run(text, given), "a subquery")
    if not split.returns:
        if split.relabels and moved:
            for out in result.rows:
                rows[int(out[0])].update(zip(moved, out[1:], strict=True))
        return rows
    found: dict[int, list[dict[str, Any]]] = {}
    for out in result.rows:
        values = dict(zip(result.columns, out, strict=True))
        found.setdefault(int(values[split.name("i")]), []).append(values)
    joined: list[dict[str, Any]] = []
    for number, row in enumerate(rows):
        key = int(row.get(split.name("i"), number))
        answers = found.get(key) or await _none_found(split, row, params, run)
        joined += [{**row, **{c: a.get(c) for c in split.returns}} for a in answers]
    return joined


async def _none_found(
    split: Split, row: dict[str, Any], params: Mapping[str, Any], run: Run
) -> list[dict[str, Any]]:
    """What an input row the body found nothing for joins with."""
    if split.empty is not None:
        return [dict(zip(split.returns, split.empty, strict=True))]
    if split.composite:  # e.g. count(*) + 1: the body alone on this row
        prefix, encoded = _bound(split, split.imports, [row], index=True)
        given = {**params, split.name("rows"): encoded}
        result = await run(_body_text(split, prefix), given)
        return [dict(zip(result.columns, out, strict=True)) for out in result.rows]
    if split.optional:
        return [dict.fromkeys(split.returns)]
    return []


async def _batched(
    split: Split, rows: list[dict[str, Any]], params: Mapping[str, Any], alone: Run
) -> list[dict[str, Any]]:
    """The body per batch of rows, each batch in a transaction of its own."""
    assert split.batches is not None
    size = _size(split.batches.size, params)
    if -(-len(rows) // size) > MAX_BATCHES:
        raise LimitExceeded(
            f"IN TRANSACTIONS would run {-(-len(rows) // size)} batches; the limit is "
            f"{MAX_BATCHES}: give it more rows per batch (OF n ROWS)"
        )
    joined: list[dict[str, Any]] = []
    for number, start in enumerate(range(0, len(rows), size)):
        batch = [
            {**row, split.name("i"): start + n} for n, row in enumerate(rows[start : start + size])
        ]
        try:
            answered = await _body(split, batch, params, alone)
        except CypherError as error:
            if split.batches.on_error == "FAIL":
                raise
            joined += _reported(split, batch, _status(number, error.detail))
            if split.batches.on_error == "BREAK":
                joined += _reported(split, rows[start + size :], _status(None, None))
                break
        else:
            joined += _reported(split, answered, _status(number, None), keep=True)
    return joined


def _status(batch: int | None, error: str | None) -> dict[str, Any]:
    """REPORT STATUS's map for a batch: None for one that never started (after a
    BREAK); ``error`` the message of a batch that failed and was undone."""
    if batch is None:
        return {"started": False, "committed": False, "transactionId": None, "errorMessage": None}
    return {
        "started": True,
        "committed": error is None,
        "transactionId": f"kgmem-batch-{batch + 1}",
        "errorMessage": error,
    }


def _reported(
    split: Split, rows: list[dict[str, Any]], status: dict[str, Any], *, keep: bool = False
) -> list[dict[str, Any]]:
    """``rows`` with the batch's status bound (when REPORT STATUS asks for it), and with
    null for what the body returns unless ``keep`` (the body answered them)."""
    assert split.batches is not None
    nulls = {} if keep else dict.fromkeys(split.returns)
    reported = {split.batches.status: status} if split.batches.status else {}
    return [{**row, **nulls, **reported} for row in rows]


def _size(written: str | None, params: Mapping[str, Any]) -> int:
    if written is None:
        return DEFAULT_BATCH
    value = params.get(written[1:]) if written.startswith("$") else _number(written)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise CypherSemanticError(
            f"IN TRANSACTIONS OF needs a positive integer number of rows, got {value!r}"
        )
    return value


def _number(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


async def _set_labels(
    split: Split, rows: list[dict[str, Any]], params: Mapping[str, Any], run: Run
) -> None:
    """Each dynamic item, one statement per distinct label set or vector key."""
    i = split.name("i")
    for number, item in enumerate(split.labels):
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            if row.get(item.variable) is None:
                continue  # SET on null does nothing, as in Neo4j
            names = _names(item, row.get(split.name(f"l{number}")))
            groups.setdefault(names, []).append(row)
        if len(groups) > MAX_GROUPS:
            raise LimitExceeded(
                f"a dynamic label or key took {len(groups)} different values in one query; "
                f"the limit is {MAX_GROUPS}"
            )
        vector = split.name(f"v{number}")
        for names, members in groups.items():
            carried = [item.variable, vector] if item.procedure else [item.variable]
            # A node is relabelled once per label set, whatever the rows holding it.
            once = members if item.procedure else _one_per_node(members, item.variable)
            prefix, encoded = _bound(split, carried, once, index=True)
            if item.procedure:
                key = names[0].replace("'", "\\'")
                act = f"CALL {item.procedure}({item.variable}, '{key}', {vector})"
            else:
                labels = ":".join(quoted_name(n) for n in names)
                act = f"{'REMOVE' if item.remove else 'SET'} {item.variable}:{labels}"
            text = f"{prefix} {act} RETURN {i}, {item.variable}"
            moved = await run(text, {**params, split.name("rows"): encoded})
            # A node whose labels change moves under a new graph id (label_writes): every
            # row holding it, under any variable, holds the moved node from now on.
            renamed = {_node_id(rows[int(at)][item.variable]): node for at, node in moved.rows}
            _rename(rows, renamed)


def _node_id(value: Any) -> int | None:
    """The graph id of a node value, None for anything else."""
    if isinstance(value, Mapping) and value.get("kind") == "node":
        return int(value["id"])
    return None


def _one_per_node(members: list[dict[str, Any]], variable: str) -> list[dict[str, Any]]:
    """The first row of ``members`` for each node ``variable`` holds."""
    seen: dict[int | None, dict[str, Any]] = {}
    for row in members:
        seen.setdefault(_node_id(row[variable]), row)
    return list(seen.values())


def _rename(rows: list[dict[str, Any]], renamed: Mapping[int | None, Any]) -> None:
    """Each node value in ``rows`` (alone or in a list) that ``renamed`` moved, replaced
    by the moved node."""

    def moved(value: Any) -> Any:
        if isinstance(value, list):
            return [moved(v) for v in value]
        node = _node_id(value)
        return renamed.get(node, value) if node is not None else value

    for row in rows:
        for name, value in row.items():
            row[name] = moved(value)


def _names(item: Labels, value: Any) -> tuple[str, ...]:
    if not item.procedure:
        return tuple(label_names(value))
    if not isinstance(value, str) or not value:
        raise CypherSemanticError(
            f"the key of {item.procedure} must be a property name (a string), got {value!r}"
        )
    return (value,)


async def _tail(
    split: Split,
    names: list[str],
    rows: list[dict[str, Any]],
    params: Mapping[str, Any],
    run: Run,
) -> CypherResult:
    """The clauses after the step, on ``rows``; nothing when the step ends the query."""
    if not split.tail:
        if split.returns:
            raise CypherSemanticError(
                "Query cannot conclude with CALL (must be a RETURN clause, a FINISH clause, "
                "an update clause, a unit subquery call, or a procedure call with no YIELD)."
            )
        return CypherResult(columns=[], rows=[], truncated=False, timings={})
    prefix, encoded = _bound(split, names, rows, index=False)
    return await run(f"{prefix} {split.tail}", {**params, split.name("rows"): encoded})


async def _tail_checked(
    split: Split, names: list[str], params: Mapping[str, Any], alone: Run
) -> None:
    """Refuse before the first batch commits what Neo4j refuses before anything runs: a
    mistake in the clauses after ``IN TRANSACTIONS`` (a variable nothing binds, a
    syntax error, a function kgmem does not answer). The tail is explained, not run,
    with its variables bound as plain values; an error that could come of that binding
    (a variable that is a node in the rows) is left for the tail itself to meet."""
    if not split.tail:
        return
    prefix, _ = _bound(split, names, [], index=False)
    try:
        await alone(f"EXPLAIN {prefix} {split.tail}", {**params, split.name("rows"): []})
    except (CypherSyntaxError, CypherUnsupported):
        raise
    except CypherError:
        return


def explain(split: Split) -> CypherResult:
    """``EXPLAIN`` of a query run as steps: one line per step (each step's own plan is
    made when it runs, on the rows of the step before)."""
    lines = ["kgmem runs this query in steps, each a query of its own:"]
    lines.append(f"1. the clauses before: {split.head or '(none)'}")
    if split.labels:
        kinds = [f"{i.variable}:$({i.expression})" for i in split.labels]
        lines.append(f"2. per distinct value: {', '.join(kinds)}")
    else:
        imports = ", ".join(split.imports) or "nothing"
        body = " ".join(f"{part} {word}".strip() for part, word in split.body)
        lines.append(f"2. the subquery for all input rows at once, importing {imports}: {body}")
        if split.batches is not None:
            size = split.batches.size or str(DEFAULT_BATCH)
            lines.append(
                f"   in transactions of {size} rows, each committed on its own "
                f"(ON ERROR {split.batches.on_error})"
            )
    lines.append(f"3. the clauses after: {split.tail or '(none)'}")
    return CypherResult(columns=["plan"], rows=[[line] for line in lines], truncated=False,
                        timings={})  # fmt: skip
