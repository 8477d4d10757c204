"""Quoting of identifiers for SQL text. Values never go through here: they are bound.

Every identifier that reaches this module has already passed
``kgmem.schema.identifiers`` (namespace names, labels); quoting is the second fence.
"""

from __future__ import annotations

import hashlib
import re

from kgmem.schema import label_names


def ident(name: str) -> str:
    """``name`` as a double-quoted SQL identifier."""
    if "\x00" in name:
        raise ValueError("identifier contains NUL")
    return '"' + name.replace('"', '""') + '"'


def table(namespace: str, name: str) -> str:
    """A table qualified by the namespace's schema: ``"ns"."name"``."""
    return f"{ident(namespace)}.{ident(name)}"


def label_table(namespace: str, label: str) -> str:
    """The table of label or relationship type ``label`` (as written: ``Big Co``),
    qualified by the namespace's schema: its stored AGE name
    (``kgmem.schema.label_names.stored``), ``"ns"."__kgmem_L_Big_u0020Co"``."""
    return table(namespace, label_names.stored(label))


def literal(text: str) -> str:
    """A SQL string literal, for the rare DDL position that cannot take a parameter."""
    return "'" + text.replace("'", "''") + "'"


def index_name(label: str, prop: str) -> str:
    """A deterministic index name for ``label.prop`` that fits in 63 bytes."""
    digest = hashlib.sha1(f"{label}.{prop}".encode(), usedforsecurity=False).hexdigest()[:8]
    # Non-ASCII letters of a property name would count several bytes each: the digest
    # keeps names apart, the readable part stays ASCII.
    readable = re.sub(r"[^A-Za-z0-9_]", "_", prop)
    # Cut to PostgreSQL's 63 bytes as it would itself, so stored names stay the same.
    return f"{label[:36]}_{readable[:16]}_{digest}_idx"[:63]


def reader_role(graph: str) -> str:
    """The read-only role of ``graph`` (at most 63 bytes)."""
    name = f"kgmem_read_{graph}"
    if len(name) <= 63:
        return name
    digest = hashlib.sha1(graph.encode(), usedforsecurity=False).hexdigest()[:10]
    return f"kgmem_read_{graph[:40]}_{digest}"
