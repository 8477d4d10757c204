"""Pattern comprehensions, in the form AGE 1.7 runs.

``[p = (n)-[:T]->(m) WHERE m.x > 1 | m.name]`` is the list of ``m.name`` for every match
of the pattern from the current row; AGE's grammar has no such expression. In a WITH
or RETURN, kgmem matches the pattern optionally just before the clause and collects the
values per row of the variables in scope, then reads the collected list where the
comprehension was::

    MATCH (n) RETURN n.name AS name, [(n)-->(m) | m.name] AS names
    MATCH (n) OPTIONAL MATCH __kgmem_q1 = (n)-->(m)
    WITH n, collect(CASE WHEN __kgmem_q1 IS NULL THEN null ELSE [m.name] END) AS __kgmem_c1
    RETURN n.name AS name, [__kgmem_e1 IN __kgmem_c1 | __kgmem_e1[0]] AS names

The pattern is named as a path (by kgmem when the analyst did not), so a row without a
match collects nothing and its list is empty, as in openCypher; each value travels in
a list of one, so a null value of a match stays in the list. The rows are grouped by
the variables in scope, so two rows equal in every variable (possible only when an
earlier clause bound no variable that tells them apart) become one. A comprehension
inside another list or map expression (where it could use the inner variables) is left
as it is, as are comprehensions in WHERE and ORDER BY.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kgmem.cypher.columns import scope
from kgmem.cypher.lexer import Kind, Token, quoted_name
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import Clause, closing, each_clause

FRESH = "__kgmem_c"
PATH = "__kgmem_q"
ELEMENT = "__kgmem_e"
_PROJECTIONS = ("WITH", "RETURN")
_NAMES = (Kind.NAME, Kind.QUOTED_NAME)


@dataclass(frozen=True, slots=True)
class Found:
    """One pattern comprehension: its brackets, and where its pattern, its WHERE and
    its expression are (token indexes into the clause)."""

    open: int
    close: int
    pattern: tuple[int, int]
    where: tuple[int, int] | None
    value: tuple[int, int]


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` with each pattern comprehension of a WITH or RETURN read from a list
    collected before the clause."""
    if "[" not in text or "|" not in text:
        return text
    edits: list[Edit] = []
    count = 0
    for placed in each_clause(code, *_PROJECTIONS):
        found = _comprehensions(placed.clause.tokens)
        if not found:
            continue
        names = sorted(scope(text, placed.earlier))
        hoisted, count = _hoist(text, placed.clause, found, names=names, count=count)
        edits.extend(hoisted)
    return splice(text, edits)


def _hoist(
    text: str, clause: Clause, found: list[Found], *, names: list[str], count: int
) -> tuple[list[Edit], int]:
    """The edits collecting ``found`` before ``clause`` (whose scope is ``names``) and
    putting kgmem's names in their place; the new count of those names."""
    tokens = clause.tokens
    kept = [quoted_name(n) for n in names]
    before = []
    edits: list[Edit] = []
    for item in found:
        count += 1
        name = f"{FRESH}{count}"
        path, pattern = _named(text, tokens, item, count)
        where = f" WHERE {_text(text, tokens, item.where)}" if item.where else ""
        value = f"CASE WHEN {path} IS NULL THEN null ELSE [{_text(text, tokens, item.value)}] END"
        carried = ", ".join([*kept, f"collect({value}) AS {name}"])
        before.append(f"OPTIONAL MATCH {pattern}{where} WITH {carried} ")
        kept.append(name)
        element = f"{ELEMENT}{count}"
        unwrapped = f"[{element} IN {name} | {element}[0]]"
        edits.append((tokens[item.open].start, tokens[item.close].end, unwrapped))
    start = tokens[0].start
    edits.append((start, start, "".join(before)))
    return edits, count


def _named(text: str, tokens: Sequence[Token], item: Found, count: int) -> tuple[str, str]:
    """The path variable of the comprehension's pattern (kgmem's own when it has none:
    null tells a row without a match) and the pattern that binds it."""
    pattern = _text(text, tokens, item.pattern)
    head = tokens[item.pattern[0]]
    if tokens[item.pattern[0] + 1].text == "=":
        return head.text, pattern
    path = f"{PATH}{count}"
    return path, f"{path} = {pattern}"


def _text(text: str, tokens: Sequence[Token], span: tuple[int, int]) -> str:
    return text[tokens[span[0]].start : tokens[span[1] - 1].end]


def _comprehensions(tokens: Sequence[Token]) -> list[Found]:
    """The pattern comprehensions of a clause that no other list or map holds."""
    pairs = closing(tokens)
    found = []
    inside = 0  # index up to which a list or map already encloses
    for i, token in enumerate(tokens):
        if i < inside or token.text not in ("[", "{"):
            continue
        close = pairs.get(i)
        if close is None:
            continue
        inside = close
        item = comprehension_at(tokens, i, pairs) if token.text == "[" else None
        if item is not None:
            found.append(item)
    return found


def comprehension_at(tokens: Sequence[Token], open_at: int, pairs: dict[int, int]) -> Found | None:
    """The pattern comprehension whose ``[`` is ``tokens[open_at]``, None when that
    bracket opens something else (``pairs``: ``structure.closing(tokens)``)."""
    close = pairs.get(open_at)
    if close is None or tokens[open_at].text != "[":
        return None
    start = open_at + 1
    if close - start < 4:
        return None
    node = start + 2 if tokens[start].kind in _NAMES and tokens[start + 1].text == "=" else start
    if tokens[node].text != "(" or node not in pairs:
        return None
    after = pairs[node] + 1
    if after >= close or not tokens[after].text.startswith(("-", "<")):
        return None
    where = bar = None
    i = after
    while i < close:
        if tokens[i].text in ("(", "[", "{") and i in pairs:
            i = pairs[i] + 1
            continue
        if tokens[i].is_keyword("WHERE") and where is None:
            where = i
        elif tokens[i].text == "|":
            bar = i
            break
        i += 1
    if bar is None:
        return None
    end = where if where is not None else bar
    return Found(
        open=open_at,
        close=close,
        pattern=(start, end),
        where=(where + 1, bar) if where is not None else None,
        value=(bar + 1, close),
    )
