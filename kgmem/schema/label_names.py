"""How a label or relationship type is named in AGE, and read back.

Neo4j takes any label or type (``Big Co``, ``Works at``); AGE holds only identifiers of
at most 63 bytes. A name AGE holds (``holds``) is its own table name; any other is
stored (``stored``) as the one-part *composite* of it, the spelling kgmem also gives a
node carrying several labels (``kgmem.cypher.label_sets``)::

    __kgmem_L_ + the sorted labels, joined by ``_s``

where every character outside ``[A-Za-z0-9]`` (``_`` included) is written ``_u`` and
four hex digits (``_U`` and six beyond U+FFFF): ``Works at`` is
``__kgmem_L_Works_u0020at`` and ``{Person, Employee}`` is
``__kgmem_L_Employee_sPerson``. A name that would pass PostgreSQL's 63 bytes so spelled
writes ``_`` as ``_x`` instead (Neo4j's libraries use labels such as ``__Entity__``):
names that fit keep the first spelling, so no stored name ever changes. ``split`` reads a
stored name back; the SQL functions ``kgmem_cypher._composite``, ``_label_list``
(migration 0036) and ``_age_name`` (migration 0053) spell and read names the same way.

``refusal`` is the one rule every door applies to a label or type name (REST, MCP, the
client, file imports, retrieval filters, Cypher and Bolt): not empty, no control
characters, not kgmem's reserved prefix, and a stored spelling within 63 bytes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kgmem.errors import InvalidIdentifier

PREFIX = "__kgmem_L_"
# kgmem's own names (composites, the variables its Cypher rewrites bind) start so.
RESERVED = "__kgmem_"
SEPARATOR = "_s"
# PostgreSQL truncates identifiers past 63 bytes: a longer name would collide.
MAX_NAME = 63
_ESCAPE = re.compile(r"_u([0-9a-f]{4})|_U([0-9a-f]{6})|(_x)")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def holds(name: str) -> bool:
    """Whether AGE holds ``name`` as a label as it is: an identifier (letters and digits
    of any script and ``_``, Unicode's identifier rules) of at most 63 bytes, not
    starting with ``__kgmem_L_`` (which names composites)."""
    return name.isidentifier() and len(name.encode()) <= MAX_NAME and not name.startswith(PREFIX)


def stored(name: str) -> str:
    """The AGE label (table name) of the label or type ``name``: ``name`` when AGE holds
    it, else its one-part composite (``Works at`` is ``__kgmem_L_Works_u0020at``).

    Raises ``InvalidIdentifier`` for an empty name and one whose spelling passes 63
    bytes."""
    if holds(name):
        return name
    if not name:
        raise InvalidIdentifier("a label or relationship type name cannot be empty", field="label")
    spelled = spelling([name])
    if spelled is None:
        raise InvalidIdentifier(
            f"the label or relationship type {name!r} is too long: kgmem stores it as an "
            f"AGE label of at most {MAX_NAME} bytes once every character outside A-Z, a-z "
            "and 0-9 is written as _u and four hex digits",
            field="label",
        )
    return spelled


def written(name: str) -> str:
    """The label or type a stored one-part name stands for (``__kgmem_L_Works_u0020at``
    is ``Works at``); any other name as it is."""
    parts = split(name)
    return parts[0] if len(parts) == 1 else name


def refusal(name: object, field: str = "label") -> InvalidIdentifier | None:
    """Why ``name`` cannot be a label or relationship type, or None when it can: it must
    be a non-empty string without control characters, not start with ``__kgmem_``, and
    its stored spelling must fit in 63 bytes."""
    if not isinstance(name, str) or not name:
        return InvalidIdentifier(f"{field} must be a non-empty string", field=field)
    if CONTROL.search(name):
        return InvalidIdentifier(
            f"{field} {name[:80]!r} has control characters; a label or relationship type "
            "may hold any other character",
            field=field,
        )
    if name.startswith(RESERVED):
        return InvalidIdentifier(
            f"{field} {name[:80]!r} begins with {RESERVED}, which kgmem keeps for its own names",
            field=field,
        )
    if not holds(name) and spelling([name]) is None:
        return InvalidIdentifier(
            f"{field} {name[:80]!r} is too long: kgmem stores it as an AGE label of at most "
            f"{MAX_NAME} bytes once every character outside A-Z, a-z and 0-9 is written as "
            "_u and four hex digits",
            field=field,
        )
    return None


def spelling(labels: Sequence[str]) -> str | None:
    """The composite name of ``labels`` (sorted, distinct): underscores as ``_u005f``
    when that fits in 63 bytes, else as ``_x``; None when neither fits."""
    unique = sorted(set(labels))
    name = PREFIX + SEPARATOR.join(_escape(label) for label in unique)
    if len(name.encode()) > MAX_NAME:
        name = PREFIX + SEPARATOR.join(_escape(label, underscore="_x") for label in unique)
    return name if len(name.encode()) <= MAX_NAME else None


def split(name: str) -> list[str]:
    """The labels an AGE label name stands for: its parts for a composite, none for
    AGE's unlabelled vertices (the empty name), else the name itself."""
    if not name.startswith(PREFIX):
        return [name] if name else []
    parts = name[len(PREFIX) :].split(SEPARATOR)
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
