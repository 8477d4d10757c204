"""``ORDER BY`` of times and datetimes by the instant they name, not their text.

kgmem stores a temporal value as its ISO 8601 text (``kgmem.cypher.temporal_sql``), and
AGE sorts text by its characters: ``'12:35:15+05:00'`` (07:35 UTC) after
``'10:35-08:00'`` (18:35 UTC), ``'12:30:14Z'`` after ``'12:30:14.5Z'``. openCypher
sorts times and datetimes by their instant (then by their local value). So a sort key
that is a variable or a property (``ORDER BY t``, ``ORDER BY n.at DESC``) becomes::

    ORDER BY kgmem_cypher.sort_key(t)

``kgmem_cypher.sort_key`` (migration 0048) gives a string in the form kgmem writes a
time or datetime with an offset or zone a key that sorts by its instant, before every
other string (openCypher sorts temporal values before strings); every other value, a
local time or date (whose text already sorts as its value) included, is its own key.
As kgmem keeps no type beside the text, a string written in that form sorts as the
value it spells.

So that a sort agrees with ``<``, an ordering (``<``, ``<=``, ``>``, ``>=``) between two
such operands standing alone that ``kgmem.cypher.comparisons`` leaves to AGE
(``WITH a, b WHERE a.t >= b.t``, ``[x IN l WHERE x < v]``) becomes
``kgmem_cypher.compare3(a, '<', b)`` (``orderings``), which compares the same keys and
answers null where openCypher does (two durations, two temporal types, a number and a
string; migration 0048). In a MATCH's own WHERE (outside a list or map) it is left as
written, where an index or a join may serve it (``MATCH (a {id: 1}), (b:P) WHERE b.age >
a.age``); so is one against a literal or a parameter.

``min`` and ``max`` of a variable or a property take the least or greatest key and
read its value back (``extremes``): ``kgmem_cypher.unkey(max(kgmem_cypher.sort_key(n.at)))``,
so ``max`` names the value a descending sort puts first.

Other sort keys (``n.x * 2``, ``count(*)``) are left as written; so is an alias when
another key of the same sort reads a variable the projection does not keep
(``WITH a.t AS t ORDER BY t, m.id``: AGE reads an alias only alone there, and
``kgmem.cypher.projected_order`` cannot project first); so are the keys of a
DISTINCT projection with an item that has no name, and its keys that read something
other than the names it keeps (its ORDER BY may only repeat an item there).
``kgmem.cypher.projected_order`` then projects before sorting where AGE needs it.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher import chains
from kgmem.cypher.columns import sorted_projections
from kgmem.cypher.functions import called
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.projected_order import variables, without_direction
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import closing, each_clause, split_top_level
from kgmem.cypher.temporal_sql import SCHEMA

_NAMES = (Kind.NAME, Kind.QUOTED_NAME)
FUNCTION = f"{SCHEMA}.sort_key"
_ORDERINGS = ("<", "<=", ">", ">=")
_OPEN = ("(", ",", "[", "|")
_CLOSE = (")", ",", "]", "|")
_BEFORE_WORDS = ("WHERE", "AND", "OR", "XOR", "NOT", "WHEN", "THEN", "ELSE", "RETURN", "WITH")
_AFTER_WORDS = (
    "AND", "OR", "XOR", "THEN", "ELSE", "END", "WHEN", "AS", "RETURN", "WITH", "ORDER",
    "SKIP", "LIMIT", "MATCH", "OPTIONAL", "UNWIND", "CREATE", "MERGE", "SET", "DELETE",
    "DETACH", "REMOVE", "UNION", "CALL",
)  # fmt: skip


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` (whose tokens are ``code``) with each sort key that reads a variable or a
    property sorted by ``kgmem_cypher.sort_key``."""
    if "order" not in text.lower():
        return text
    return splice(text, _sort_keys(text, code))


def orderings(text: str, code: Sequence[Token]) -> str:
    """``text`` with each ordering between two variables or properties standing alone
    written as ``compare3``; run after ``kgmem.cypher.comparisons``, so only the
    orderings it leaves to AGE."""
    if "<" not in text and ">" not in text:
        return text
    return splice(text, _orderings(text, code))


def extremes(text: str, code: Sequence[Token]) -> str:
    """``text`` with each ``min`` or ``max`` of a variable or property taken over the
    sort keys and read back: ``kgmem_cypher.unkey(max(kgmem_cypher.sort_key(n.at)))``, so
    the latest datetime is the latest instant, as the sort has it."""
    if "min" not in text.lower() and "max" not in text.lower():
        return text
    edits: list[Edit] = []
    closes = closing(code)
    for index in range(len(code) - 2):
        name = (called(code, index) or "").lower()
        if name not in ("min", "max"):
            continue
        close = closes.get(index + 1)
        if close is None:
            continue
        first = index + 2
        if first < close and code[first].is_keyword("DISTINCT"):
            first += 1
        if first >= close or not _readable(code[first:close]):
            continue
        argument = text[code[first].start : code[close - 1].end]
        edits.append((code[first].start, code[close - 1].end, f"{FUNCTION}({argument})"))
        edits.append((code[index].start, code[index].start, f"{SCHEMA}.unkey("))
        edits.append((code[close].end, code[close].end, ")"))
    return splice(text, edits)


def _sort_keys(text: str, code: Sequence[Token]) -> list[Edit]:
    """Edits sorting each ORDER BY key that reads a variable or a property by its key."""
    edits: list[Edit] = []
    for _, order, projection in sorted_projections(text, code):
        unnamed = any(not i.aliased and len(i.expression) != 1 for i in projection.items)
        if projection.distinct and (unnamed or projection.star is not None):
            continue
        names = {item.name for item in projection.items}
        aliases = {
            i.name
            for i in projection.items
            if text[i.expression[0].start : i.expression[-1].end] != i.name
        }
        keys = [without_direction(k) for k in split_top_level(list(order.body))]
        # projected_order projects before the sort only when every key reads kept names;
        # otherwise AGE must read an alias alone, outside any call
        projected = all(variables(key) <= names for key in keys)
        for key in keys:
            if projection.distinct and key and key[0].name not in names:
                continue  # after DISTINCT a sort key may only read what it kept
            if not projected and key and key[0].name in aliases:
                continue
            if _readable(key):
                written = text[key[0].start : key[-1].end]
                edits.append((key[0].start, key[-1].end, f"{FUNCTION}({written})"))
    return edits


def _orderings(text: str, code: Sequence[Token]) -> list[Edit]:
    """Edits writing each ordering between two variables or properties that stand alone
    as ``compare3``."""
    edits: list[Edit] = []
    kept = _match_filters(code)
    for index, token in enumerate(code):
        if token.kind is not Kind.PUNCT or token.text not in _ORDERINGS or token.start in kept:
            continue
        start = _operand_start(code, index)
        end = _operand_end(code, index)
        if start is None or end is None:
            continue
        left = text[code[start].start : code[index - 1].end]
        right = text[code[index + 1].start : code[end].end]
        call = f"{SCHEMA}.compare3({left}, '{token.text}', {right})"
        edits.append((code[start].start, code[end].end, call))
    return edits


def _match_filters(code: Sequence[Token]) -> set[int]:
    """Where the orderings a MATCH's own WHERE holds outside lists and maps start: there
    an index or a join may serve ``a.x < b.y`` as written."""
    kept: set[int] = set()
    for placed in each_clause(code, "WHERE"):
        before = placed.earlier[-1].keyword if placed.earlier else ""
        if before not in ("MATCH", "OPTIONAL MATCH"):
            continue
        depth = 0
        for token in placed.clause.body:
            if token.kind is Kind.PUNCT and token.text in ("[", "{"):
                depth += 1
            elif token.kind is Kind.PUNCT and token.text in ("]", "}"):
                depth -= 1
            elif depth == 0 and token.text in _ORDERINGS:
                kept.add(token.start)
    return kept


def _operand_start(code: Sequence[Token], operator: int) -> int | None:
    """Where the variable or property chain just before ``operator`` starts, when it
    stands alone (a separator before it), else None."""
    start = chains.start_before(code, operator, _link)
    if start is None or not _readable(code[start:operator]):
        return None
    before = code[start - 1] if start > 0 else None
    alone = before is None or before.text in _OPEN or before.is_keyword(*_BEFORE_WORDS)
    return start if alone else None


def _operand_end(code: Sequence[Token], operator: int) -> int | None:
    """Where the variable or property chain just after ``operator`` ends, when it stands
    alone (a separator after it), else None."""
    end = chains.end_after(code, operator, _link)
    if end is None or not _readable(code[operator + 1 : end + 1]):
        return None
    after = code[end + 1] if end + 1 < len(code) else None
    alone = after is None or after.text in _CLOSE or after.is_keyword(*_AFTER_WORDS)
    return end if alone else None


def _link(token: Token) -> bool:
    return token.kind in _NAMES


def _readable(key: Sequence[Token]) -> bool:
    """Is ``key`` a variable, or a property of one (``n.at``, ``m.p.q``)?"""
    if not key or len(key) % 2 == 0 or key[0].kind not in _NAMES:
        return False
    if key[0].kind is Kind.NAME and key[0].upper in ("NULL", "TRUE", "FALSE"):
        return False
    return all(key[i].text == "." and key[i + 1].kind in _NAMES for i in range(1, len(key) - 1, 2))
