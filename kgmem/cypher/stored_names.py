"""Labels and relationship types AGE cannot hold, in the text sent to AGE.

Neo4j takes any name (``(:`Big Co`)``, ``-[:`Works at`]->``); AGE holds only
identifiers of at most 63 bytes. kgmem stores such a name under its one-part composite
label (``kgmem.cypher.label_sets.stored``: ``__kgmem_L_Works_u0020at``), so this last
rewrite, on the text every other rule produced:

- writes each label and type of a pattern (``(n:L)``, ``[:T]``, ``[:A|B]``,
  ``[:T*1..2]``, ``(n:A:B)``) under the name AGE stores it by::

      MATCH (a)-[r:`Works at`]->(b:`Big Co`) RETURN type(r)
      MATCH (a)-[r:__kgmem_L_Works_u0020at]->(b:__kgmem_L_Big_u0020Co)
      RETURN kgmem_cypher.label_name(type(r))

- reads ``type(r)`` through ``kgmem_cypher.label_name`` (migration
  ``0053_escaped_label_names``), which answers the name as written (``'Works at'``);
  where ``type(r)`` is only compared with string literals (``type(r) = 'Works at'``,
  ``type(r) IN ['A', 'B']``, what ``kgmem.cypher.rel_types`` writes), the literals are
  stored instead (``type(r) = '__kgmem_L_Works_u0020at'``), so the comparison costs no
  more than AGE's own.

What the other rules made of labels already reads them as written: label tests and
``labels(n)`` call SQL functions that read stored names back (``kgmem.cypher.labels``),
composite labels escape every part (``label_sets.composite``), and ``SET n:L`` names
the labels to ``kgmem_cypher.relabel``, which stores them the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher import label_sets
from kgmem.cypher.fold_parse import unquote
from kgmem.cypher.labels import LABEL_NAME, NAMES, string
from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.spans import Edit, splice
from kgmem.cypher.structure import closing, function_calls
from kgmem.errors import CypherSemanticError

_OPENINGS = ("(", "[")


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` with its pattern labels and types stored as AGE holds them and every
    ``type(x)`` read back through ``LABEL_NAME``."""
    edits = _labels(code) + _types(code)
    return splice(text, edits) if edits else text


def _labels(code: Sequence[Token]) -> list[Edit]:
    """Edits naming each pattern label or type AGE cannot hold by its stored name."""
    edits: list[Edit] = []
    for i, token in enumerate(code[:-1]):
        if token.text not in (":", "|") or code[i + 1].kind not in NAMES:
            continue
        name = code[i + 1].name
        if label_sets.holds(name) or name.startswith(label_sets.PREFIX):
            continue  # a composite kgmem named (the guard refuses the prefix in queries)
        if not _in_pattern(code, i):
            continue
        edits.append((code[i + 1].start, code[i + 1].end, label_sets.stored(name)))
    return edits


def _in_pattern(code: Sequence[Token], i: int) -> bool:
    """Whether the ``:`` or ``|`` at ``code[i]`` puts a label or type in a node or
    relationship pattern: right after its opening bracket or its variable, or after an
    earlier label or type of the same pattern (``:A:B``, ``:A|B``, ``:A|:B``)."""
    while i > 0:
        before = code[i - 1]
        if before.text in _OPENINGS:
            return True
        if before.text == "|" and code[i].text == ":":
            i -= 1  # [:A|:B]
            continue
        if before.kind not in NAMES or i < 2:
            return False
        if code[i - 2].text in _OPENINGS:
            return True  # (n:L), [r:T]
        if code[i - 2].text not in (":", "|"):
            return False
        i -= 2  # the label before this one decides
    return False


def _types(code: Sequence[Token]) -> list[Edit]:
    """Edits reading each call of ``type()`` through ``LABEL_NAME``; or, where the call
    is compared with string literals only (``type(r) = 'Works at'``, ``type(r) IN
    ['A', 'B']``, as ``kgmem.cypher.rel_types`` writes), those literals stored instead,
    which spares a function call per relationship."""
    edits: list[Edit] = []
    pairs: dict[int, int] | None = None
    for i, close in function_calls(code, ("type",)):
        token = code[i]
        pairs = closing(code) if pairs is None else pairs
        stored = _stored_literals(code, close + 1, pairs)
        if stored is not None:
            edits.extend(stored)
            continue
        edits.append((token.start, token.start, f"{LABEL_NAME}("))
        edits.append((code[close].end, code[close].end, ")"))
    return edits


def _stored_literals(code: Sequence[Token], at: int, pairs: dict[int, int]) -> list[Edit] | None:
    """Edits storing the string literals ``code[at:]`` compares a type with (``= 'A'``,
    ``<> 'A'``, ``IN ['A', null]``), or None when it is compared with anything else."""
    if at + 1 >= len(code):
        return None
    if code[at].text in ("=", "<>"):
        literals, end = [code[at + 1]], at + 2
    elif code[at].is_keyword("IN") and code[at + 1].text == "[" and at + 1 in pairs:
        end = pairs[at + 1] + 1
        items = code[at + 2 : end - 1]
        literals = [t for t in items if t.kind is Kind.STRING]
        if any(t.kind is not Kind.STRING and t.text != "," and not t.is_keyword("NULL")
               for t in items):  # fmt: skip
            return None
    else:
        return None
    if any(t.kind is not Kind.STRING for t in literals):
        return None
    if end < len(code) and code[end].text in ("+", "[", ".", "=~"):
        return None  # the literal is part of a larger expression
    return _stored_strings(literals)


def _stored_strings(literals: Sequence[Token]) -> list[Edit] | None:
    """Edits writing each of ``literals`` as the stored name of the type it names, or
    None when one names no type kgmem can store (empty, too long)."""
    edits: list[Edit] = []
    for literal in literals:
        value = unquote(literal.text)
        try:
            stored = label_sets.stored(value)
        except CypherSemanticError:
            return None
        if stored != value:
            edits.append((literal.start, literal.end, string(stored)))
    return edits
