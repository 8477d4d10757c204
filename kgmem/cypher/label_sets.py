"""The AGE label that holds the nodes carrying several labels, or a name AGE cannot hold.

AGE 1.7 stores a vertex in exactly one label table. A node with the labels {A, B}
lives in a *composite* label whose table inherits from both A's and B's tables
(PostgreSQL table inheritance, which AGE's own labels already use), so ``MATCH
(n:A)`` and ``MATCH (n:B)`` both find it. A composite's name says its labels, so
reading them back needs no catalog:

    __kgmem_L_ + the sorted labels, joined by ``_s``

where every character outside ``[A-Za-z0-9]`` (``_`` included) is written ``_u`` and
four hex digits (``_U`` and six beyond U+FFFF): ``{Person, Employee}`` is
``__kgmem_L_Employee_sPerson``. A name that would pass PostgreSQL's 63 bytes so
spelled writes ``_`` as ``_x`` instead (Neo4j's libraries mark nodes with labels such
as ``__Entity__`` and ``__KGBuilder__``): names that fit keep the first spelling, so
no stored composite changes its name. The ``__kgmem_`` prefix is reserved (the guard refuses
it in analyst text), so no label an analyst writes can pass for a composite. The SQL
functions ``kgmem_cypher._composite`` and ``kgmem_cypher._label_list`` (migration
``0036_compact_label_sets``) spell and read names the same way.

Neo4j takes any label or relationship type (``Works at``, ``Big Co``); AGE holds only
identifiers of at most 63 bytes. A name AGE cannot hold is stored as the one-part
composite of it (``stored``): ``Works at`` is ``__kgmem_L_Works_u0020at``, which
``split`` reads back as ``['Works at']``. A name AGE holds keeps its own name, so no
stored label changes; so does every name the SQL function ``kgmem_cypher._age_name``
(migration ``0053_escaped_label_names``) spells at run time (``SET n:$(x)``, APOC).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kgmem.errors import CypherSemanticError

PREFIX = "__kgmem_L_"
_SEPARATOR = "_s"
# PostgreSQL truncates identifiers past 63 bytes: a longer name would collide.
MAX_NAME = 63
_ESCAPE = re.compile(r"_u([0-9a-f]{4})|_U([0-9a-f]{6})|(_x)")


def composite(labels: Iterable[str]) -> str:
    """The composite label name of ``labels`` (two or more distinct labels).

    Raises ``CypherSemanticError`` when the name would pass PostgreSQL's identifier
    length (long labels, or many of them, on one node)."""
    unique = sorted(set(labels))
    name = _spelled(unique)
    if name is None:
        raise CypherSemanticError(
            f"the labels {', '.join(unique)} are too long to be carried together: "
            f"kgmem stores them as one AGE label of at most {MAX_NAME} bytes"
        )
    return name


def stored(name: str) -> str:
    """The AGE label of the label or relationship type ``name`` alone: ``name`` when AGE
    can hold it (``holds``), else its one-part composite (``Works at`` is
    ``__kgmem_L_Works_u0020at``).

    Raises ``CypherSemanticError`` for an empty name and when that spelling passes 63
    bytes."""
    if holds(name):
        return name
    if not name:
        raise CypherSemanticError("a label or relationship type name cannot be empty")
    spelled = _spelled([name])
    if spelled is None:
        raise CypherSemanticError(
            f"the label or relationship type {name!r} is too long: kgmem stores it as an "
            f"AGE label of at most {MAX_NAME} bytes once every character outside A-Z, a-z "
            "and 0-9 is written as _u and four hex digits"
        )
    return spelled


def holds(name: str) -> bool:
    """Whether AGE holds ``name`` as a label as it is: an identifier (letters and digits
    of any script and ``_``, Unicode's identifier rules) of at most 63 bytes, not
    starting with ``__kgmem_L_`` (which names composites)."""
    return name.isidentifier() and len(name.encode()) <= MAX_NAME and not name.startswith(PREFIX)


def _spelled(unique: list[str]) -> str | None:
    """The composite name of the sorted distinct ``unique``: underscores as ``_u005f``
    when that fits in 63 bytes, else as ``_x``; None when neither fits."""
    name = PREFIX + _SEPARATOR.join(_escape(label) for label in unique)
    if len(name.encode()) > MAX_NAME:
        name = PREFIX + _SEPARATOR.join(_escape(label, underscore="_x") for label in unique)
    return name if len(name.encode()) <= MAX_NAME else None


def split(name: str) -> list[str]:
    """The labels an AGE label name stands for: its parts for a composite, none for
    AGE's unlabelled vertices (the empty name), else the name itself."""
    if not name.startswith(PREFIX):
        return [name] if name else []
    parts = name[len(PREFIX) :].split(_SEPARATOR)
    return [_ESCAPE.sub(_unescape, part) for part in parts]


def _unescape(match: re.Match[str]) -> str:
    if match.group(3):
        return "_"
    return chr(int(match.group(1) or match.group(2), 16))


def _escape(label: str, *, underscore: str = "") -> str:
    return "".join(_escape_char(ch, underscore) for ch in label)


def _escape_char(ch: str, underscore: str) -> str:
    if ch.isascii() and ch.isalnum():
        return ch
    if ch == "_" and underscore:
        return underscore
    return f"_u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"_U{ord(ch):06x}"
