"""Where a query splits into steps kgmem runs one after another: a ``CALL`` subquery
(``CALL (x) { ... }``, ``CALL { WITH x ... }``, ``CALL (*)``, ``OPTIONAL CALL``,
``... IN TRANSACTIONS``), a ``FOREACH`` and a dynamic label ``SET n:$(expr)``.

AGE 1.7 has none of them. Each is cut out of the text here: the clauses before it
(the *head*), what it runs per row (the *body*) and the clauses after it (the *tail*);
``kgmem.memory.subquery_steps`` runs them. ``FOREACH (x IN list | updates)`` is the unit
subquery ``CALL (*) { UNWIND list AS x updates }``, and a dynamic label or type from
parameters only (``MERGE (n:$($label))``) is written as the label it names before
anything else looks at the query.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kgmem.cypher.columns import scope
from kgmem.cypher.lexer import Kind, Token, quoted_name, tokenize
from kgmem.cypher.structure import Clause, clauses, closing, depths, split_top_level
from kgmem.errors import CypherSemanticError, CypherSyntaxError, CypherTypeError

AGGREGATES = {"count": 0, "collect": [], "sum": 0}
"""What an aggregate answers over no rows (the others answer null)."""
_OTHER_AGGREGATES = {"avg", "min", "max", "stdev", "stdevp", "percentilecont", "percentiledisc"}
_LEVEL = re.compile(r"kgsq(\d+)_")
# CALL {, CALL () {, CALL (a, b) {, CALL (*) { (a cheap look before tokenizing)
_SUBQUERY = re.compile(r"\bcall\s*(\([\w\s,*`]*\)\s*)?\{", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Batches:
    """``IN TRANSACTIONS [OF size ROWS] [ON ERROR mode] [REPORT STATUS AS status]``."""

    size: str | None  # a number or a parameter, as written
    on_error: str = "FAIL"
    status: str | None = None  # the variable REPORT STATUS binds


@dataclass(frozen=True, slots=True)
class Labels:
    """One dynamic item: a label of a SET or REMOVE, ``var:$(expr)``, or the key of a
    vector property set by ``db.create.set*VectorProperty(var, expr, vector)``."""

    variable: str
    expression: str
    remove: bool = False
    procedure: str = ""  # the vector setter called (with ``vector`` as its value)
    vector: str = ""


@dataclass(slots=True)
class Split:
    """A query cut at its first step (see the module docstring)."""

    head: str
    head_vars: list[str]
    tail: str
    level: int
    imports: list[str] = field(default_factory=list)
    body: list[tuple[str, str]] = field(default_factory=list)  # (part, UNION words after)
    returns: list[str] = field(default_factory=list)
    optional: bool = False
    batches: Batches | None = None
    empty: list[Any] | None = None  # the row a pure aggregation answers over no rows
    composite: bool = False  # a pure aggregation of another shape: run such rows alone
    per_row: bool = False  # ORDER BY / SKIP / LIMIT inside: run each input row alone
    relabels: bool = False  # a unit body that sets or removes labels: nodes may move
    labels: list[Labels] = field(default_factory=list)

    def name(self, what: str) -> str:
        """One of kgmem's own names of this level (``kgsq1_rows``)."""
        return f"kgsq{self.level}_{what}"


def static_labels(text: str, params: Mapping[str, Any]) -> str:
    """``text`` with each ``:$($param)`` / ``:$('Label')`` written as the label(s) it names."""
    if "$(" not in text:
        return text
    code = tokenize(text)
    pairs = closing(code)
    edits: list[tuple[int, int, str]] = []
    for at, token in enumerate(code):
        if token.text != "$" or at + 1 >= len(code) or code[at + 1].text != "(":
            continue
        close = pairs.get(at + 1)
        if close != at + 3 or code[at + 2].kind not in (Kind.PARAMETER, Kind.STRING):
            continue
        inner = code[at + 2]
        value = params.get(inner.text[1:]) if inner.kind is Kind.PARAMETER else _string(inner)
        names = label_names(value)
        edits.append((token.start, code[close].end, ":".join(quoted_name(n) for n in names)))
    for start, end, replacement in reversed(edits):
        text = text[:start] + replacement + text[end:]
    return text


def label_names(value: Any) -> list[str]:
    """The labels a dynamic label's value names: a string or a list of strings."""
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise CypherTypeError(
            f"a dynamic label or type must be a String or a List<String>, got {value!r}"
        )
    if not all(names):
        raise CypherSemanticError("a label or type name cannot be empty")
    return names


def _string(token: Token) -> str:
    body = token.text[1:-1]
    return str(json.loads('"' + body.replace('"', '\\"') + '"')) if "\\" in body else body


def foreach(text: str) -> str:
    """``text`` with each ``FOREACH (x IN list | updates)`` written as the unit subquery
    ``CALL (*) { UNWIND list AS x updates }`` (innermost ones too)."""
    while "foreach" in text.lower():
        code = tokenize(text)
        pairs = closing(code)
        found = next(
            (i for i, t in enumerate(code) if t.is_keyword("FOREACH") and _opens(code, i)), None
        )
        if found is None:
            return text
        close = pairs.get(found + 1)
        inner = code[found + 2 : close] if close is not None else []
        bar = next((i for i, (d, t) in enumerate(depths(inner)) if d == 0 and t.text == "|"), None)
        if close is None or bar is None or len(inner) < 4 or not inner[1].is_keyword("IN"):
            raise CypherSyntaxError(
                "FOREACH needs (variable IN list | updates)", position=code[found].start
            )
        listed = text[inner[2].start : inner[bar - 1].end]
        updates = text[inner[bar + 1].start : inner[-1].end] if bar + 1 < len(inner) else ""
        written = f"CALL (*) {{ UNWIND {listed} AS {inner[0].text} {updates} }}"
        text = text[: code[found].start] + written + text[code[close].end :]
    return text


def _opens(code: Sequence[Token], at: int) -> bool:
    return at + 1 < len(code) and code[at + 1].text == "("


def find(text: str) -> Split | None:
    """The query cut at its first subquery or dynamic label update, or None."""
    dynamic = "$(" in text or "vectorproperty" in text.lower()
    if not dynamic and ("{" not in text or not _SUBQUERY.search(text)):
        return None
    code = tokenize(text)
    if code and code[-1].text == ";":
        code = code[:-1]
    if any(t.is_keyword("UNION") for d, t in depths(code) if d == 0):
        return None  # a UNION of queries: each part is its own query
    listed = clauses(code)
    for number, clause in enumerate(listed):
        if clause.keyword == "CALL" and _body_at(clause.tokens) is not None:
            return _call(text, listed, number, _level(text))
        if clause.keyword in ("SET", "REMOVE") and any(t.text == "$" for t in clause.tokens):
            return _labels(text, listed, number, _level(text))
        dollar = next((t for t in clause.tokens if t.text == "$"), None)
        if dollar is not None and clause.keyword not in ("SET", "REMOVE", "CALL"):
            raise CypherSemanticError(
                f"a label or type read from each row, :$(expression), is answered in SET and "
                f"REMOVE; in {clause.keyword} it must come from a parameter or a literal, "
                "such as :$($label)",
                position=dollar.start,
            )
        if clause.keyword == "CALL" and (keyed := _vector_key(text, clause.tokens)) is not None:
            head, tail = _cut(text, listed, number)
            vars_ = _head_vars(text, listed, number)
            split = Split(head=head, head_vars=vars_, tail=tail, level=_level(text))
            split.labels.append(keyed)
            return split
    return None


_SETTERS = ("db.create.setnodevectorproperty", "db.create.setrelationshipvectorproperty")


def _vector_key(text: str, tokens: Sequence[Token]) -> Labels | None:
    """A ``db.create.set*VectorProperty(var, key, vector)`` whose key is an expression
    of the row (a literal or parameter key is ``kgmem.neo4j_schema.vector_writes``')."""
    opening = next((i for i, t in enumerate(tokens) if t.text == "("), None)
    if opening is None or "".join(t.text for t in tokens[1:opening]).lower() not in _SETTERS:
        return None
    close = closing(tokens).get(opening)
    if close is None or close != len(tokens) - 1:
        return None
    arguments = split_top_level(list(tokens[opening + 1 : close]))
    if len(arguments) != 3 or len(arguments[0]) != 1:
        return None
    key = arguments[1]
    if len(key) == 1 and key[0].kind in (Kind.STRING, Kind.PARAMETER):
        return None
    name = "".join(t.text for t in tokens[1:opening])
    return Labels(
        arguments[0][0].name, _span(text, key), procedure=name, vector=_span(text, arguments[2])
    )


def _level(text: str) -> int:
    return max((int(m) for m in _LEVEL.findall(text)), default=0) + 1


def _body_at(tokens: Sequence[Token]) -> int | None:
    """Where the ``{`` of ``CALL [(...)] {`` stands, or None for a procedure call."""
    at = 1
    if at < len(tokens) and tokens[at].text == "(":
        at = closing(tokens).get(at, len(tokens)) + 1
    return at if at < len(tokens) and tokens[at].text == "{" else None


def _span(text: str, tokens: Sequence[Token]) -> str:
    return text[tokens[0].start : tokens[-1].end] if tokens else ""


def _cut(text: str, listed: Sequence[Clause], number: int, skip: int = 0) -> tuple[str, str]:
    """(head, tail) around clause ``number`` (``skip``: clauses before it that belong to
    it, such as OPTIONAL)."""
    before = [t for c in listed[: number - skip] for t in c.tokens]
    after = [t for c in listed[number + 1 :] for t in c.tokens]
    return _span(text, before), _span(text, after)


def _head_vars(text: str, listed: Sequence[Clause], upto: int) -> list[str]:
    return sorted(scope(text, listed[:upto]))


def _call(text: str, listed: Sequence[Clause], number: int, level: int) -> Split:
    tokens = listed[number].tokens
    optional = number > 0 and [t.upper for t in listed[number - 1].tokens] == ["OPTIONAL"]
    skip = 1 if optional else 0
    head, tail = _cut(text, listed, number, skip)
    head_vars = _head_vars(text, listed, number - skip)
    at = _body_at(tokens)
    assert at is not None
    pairs = closing(tokens)
    end = pairs.get(at)
    if end is None:
        raise CypherSyntaxError("a CALL subquery needs its closing }", position=tokens[at].start)
    body = list(tokens[at + 1 : end])
    if not body:
        raise CypherSyntaxError("a CALL subquery cannot be empty", position=tokens[at].start)
    split = Split(head=head, head_vars=head_vars, tail=tail, level=level, optional=optional)
    split.imports = _imports(tokens, at, body, head_vars)
    split.batches = _batches(tokens[end + 1 :])
    _read_body(text, body, split)
    return split


def _imports(
    tokens: Sequence[Token], at: int, body: Sequence[Token], outer: list[str]
) -> list[str]:
    """The variables the subquery imports: ``CALL (a, b)``, ``CALL (*)``, or the plain
    names of a leading ``WITH`` (``CALL { WITH a ...``)."""
    if at > 1:
        names = [t for t in tokens[2 : at - 1] if t.text != ","]
        if [t.text for t in names] == ["*"]:
            return list(outer)
        for name in names:
            if name.kind not in (Kind.NAME, Kind.QUOTED_NAME) or name.name not in outer:
                raise CypherSemanticError(
                    f"CALL can only import variables in scope: {name.text}", position=name.start
                )
        return [t.name for t in names]
    if not body[0].is_keyword("WITH"):
        return []
    listed = clauses(body)
    items = split_top_level(list(listed[0].tokens[1:]))
    return [i[0].name for i in items if len(i) == 1 and i[0].name in outer] or (
        list(outer) if [t.text for t in listed[0].tokens[1:]] == ["*"] else []
    )


def _batches(rest: Sequence[Token]) -> Batches | None:
    """``IN TRANSACTIONS [OF size ROWS] [ON ERROR CONTINUE|BREAK|FAIL] [REPORT STATUS AS
    name]``; REPORT STATUS only with CONTINUE or BREAK, as in Neo4j 5."""
    if not rest:
        return None
    words = [t.upper for t in rest]
    bad = CypherSyntaxError(
        "expected IN TRANSACTIONS [OF n ROWS] [ON ERROR CONTINUE | BREAK | FAIL] "
        "[REPORT STATUS AS name] after the subquery",
        position=rest[0].start,
    )
    if words[:2] != ["IN", "TRANSACTIONS"]:
        raise bad
    at, size = 2, None
    if words[at : at + 1] == ["OF"] and at + 2 < len(words) and words[at + 2] in ("ROW", "ROWS"):
        size, at = rest[at + 1].text, at + 3
    on_error = "FAIL"
    if words[at : at + 2] == ["ON", "ERROR"] and at + 2 < len(words):
        on_error, at = words[at + 2], at + 3
        if on_error not in ("CONTINUE", "BREAK", "FAIL"):
            raise bad
    status: str | None = None
    if words[at : at + 3] == ["REPORT", "STATUS", "AS"] and at + 3 < len(words):
        named, at = rest[at + 3], at + 4
        if named.kind not in (Kind.NAME, Kind.QUOTED_NAME):
            raise bad
        if on_error == "FAIL":
            raise CypherSemanticError(
                "REPORT STATUS can only be used when specifying ON ERROR CONTINUE or "
                "ON ERROR BREAK",
                position=named.start,
            )
        status = named.name
    if at != len(words):
        raise bad
    return Batches(size=size, on_error=on_error, status=status)


def _read_body(text: str, body: Sequence[Token], split: Split) -> None:
    """Fill ``split`` with the body's UNION parts (each projection gaining the input row's
    index) and what its RETURN answers."""
    parts: list[list[Token]] = [[]]
    words: list[str] = []
    index = split.name("i")
    for i, (depth, token) in enumerate(depths(body)):
        if depth == 0 and token.is_keyword("UNION"):
            all_ = i + 1 < len(body) and body[i + 1].is_keyword("ALL")
            words.append("UNION ALL" if all_ else "UNION")
            parts.append([])
        elif not (depth == 0 and token.is_keyword("ALL") and i and body[i - 1].is_keyword("UNION")):
            parts[-1].append(token)
    words.append("")
    returning = [c for c in clauses(parts[-1]) if c.keyword == "RETURN"]
    if returning:
        split.returns = _returned(text, returning[-1])
        _aggregation(text, returning[-1], split, len(parts))
    for part in parts:
        listed = clauses(part)
        if any(c.keyword in ("ORDER BY", "SKIP", "LIMIT") for c in listed) and split.returns:
            split.per_row = True
        split.relabels = split.relabels or (not split.returns and _sets_labels(listed))
    if split.relabels:  # each WITH carries the row's index, to read the moved nodes back
        split.body = [
            (_indexed(text, p, clauses(p), index), w) for p, w in zip(parts, words, strict=True)
        ]
        return
    for part, word in zip(parts, words, strict=True):
        listed = clauses(part)
        split.body.append((_indexed(text, part, listed, index if split.returns else None), word))


def _sets_labels(listed: Sequence[Clause]) -> bool:
    """Whether a SET or REMOVE clause has a label item (``n:L``)."""
    return any(
        t.text == ":"
        for c in listed
        if c.keyword in ("SET", "REMOVE")
        for d, t in depths(c.tokens)
        if d == 0
    )


def _indexed(text: str, part: Sequence[Token], listed: Sequence[Clause], index: str | None) -> str:
    """The part's text, each top-level WITH and RETURN also carrying ``index``."""
    if index is None or not part:
        return _span(text, part)
    out, at = [], part[0].start
    for clause in listed:
        if clause.keyword not in ("WITH", "RETURN"):
            continue
        items = clause.tokens[1:]
        if items and items[0].is_keyword("DISTINCT"):
            items = items[1:]
        if not items or items[0].text == "*":
            continue
        out.append(text[at : items[0].start] + f"{index}, ")
        at = items[0].start
    out.append(text[at : part[-1].end])
    return "".join(out)


def _returned(text: str, clause: Clause) -> list[str]:
    from kgmem.cypher.columns import project

    projection = project(text, clause)
    if projection.star is not None:
        raise CypherSemanticError(
            "RETURN * inside a CALL subquery is not supported; name the columns",
            position=projection.star.start,
        )
    return [item.name for item in projection.items]


def _aggregation(text: str, clause: Clause, split: Split, parts: int) -> None:
    """Whether the RETURN aggregates everything (one row per input row, also over none)."""
    from kgmem.cypher.columns import project

    items = project(text, clause).items
    kinds = [_aggregate(item.expression) for item in items]
    if not items or not all(kind is not None for kind in kinds):
        return
    if parts > 1 or any(kind == "composite" for kind in kinds):
        split.composite = True
        return
    split.empty = [AGGREGATES.get(str(kind)) for kind in kinds]
    split.empty = [list(v) if isinstance(v, list) else v for v in split.empty]


def _aggregate(expression: Sequence[Token]) -> str | None:
    """The aggregate function an expression is (``count``), ``composite`` when it holds
    one inside something else, None when it aggregates nothing."""
    names = {*AGGREGATES, *_OTHER_AGGREGATES}
    found = [
        i
        for i, t in enumerate(expression)
        if t.kind is Kind.NAME and t.text.lower() in names and _opens(expression, i)
    ]
    if not found:
        return None
    whole = found[0] == 0 and closing(expression).get(1) == len(expression) - 1
    return expression[0].text.lower() if whole else "composite"


def _labels(text: str, listed: Sequence[Clause], number: int, level: int) -> Split:
    """A SET or REMOVE clause with dynamic label items: they are the step, the clause's
    other items open the tail."""
    clause = listed[number]
    head, tail = _cut(text, listed, number)
    split = Split(head=head, head_vars=_head_vars(text, listed, number), tail=tail, level=level)
    remove = clause.keyword == "REMOVE"
    rest: list[str] = []
    for item in split_top_level(list(clause.tokens[1:])):
        shape = [t.text for t in item[:4]]
        if len(item) >= 5 and shape[1:4] == [":", "$", "("] and item[-1].text == ")":
            expression = _span(text, item[4:-1])
            split.labels.append(Labels(item[0].name, expression, remove))
        elif any(t.text == "$" for t in item):
            raise CypherSyntaxError(
                "a dynamic label is written var:$(expression), alone in its item",
                position=item[0].start,
            )
        else:
            rest.append(_span(text, item))
    if rest:
        split.tail = f"{clause.keyword} {', '.join(rest)} {split.tail}".strip()
    return split
