"""Which RDF predicate gives an imported entity its ``name``: one fixed precedence,
whatever order the statements arrive in (one file, several files, several imports into
the same namespace).

Each name-like predicate of ``NAME_PREDICATES`` is kept under its own property, named
by the table (``foaf:name`` -> ``foaf_name``), never by the order the IRIs were first
met; another predicate whose local name is ``name`` under ``name__`` and its namespace
(``GUESSED``). The entity's ``name`` is the value of the first of them, in the table's
order then those others by property name, that the entity has (several values of it:
the list of them, in the order of their JSON text). kgmem's own ``name``
(``urn:kgmem:vocab:name``, what an export writes for a name set through the API) is
first: stated, it is the name. A ``name`` that only repeats the chosen predicate's value
is not a statement of its own: a later import chooses again from the joined values, and
an export writes only the predicate's statements.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kgmem.storage.graph.property_merge import merge_properties, value_key

NAME = "name"

NAME_PREDICATES: tuple[tuple[str, str], ...] = (
    ("urn:kgmem:vocab:name", NAME),
    ("http://xmlns.com/foaf/0.1/name", "foaf_name"),
    ("https://schema.org/name", "schema_name"),
    ("http://schema.org/name", "schema_name_http"),
    ("http://www.w3.org/2006/vcard/ns#fn", "vcard_fn"),
    ("http://www.w3.org/2004/02/skos/core#prefLabel", "skos_prefLabel"),
    ("http://www.w3.org/2000/01/rdf-schema#label", "rdfs_label"),
    ("http://purl.org/dc/terms/title", "dcterms_title"),
    ("http://purl.org/dc/elements/1.1/title", "dc_title"),
)
"""The name-like predicates, first the one that names an entity, each with the property
that holds its values."""

NAME_PROPERTIES = dict(NAME_PREDICATES)
"""The property of each name-like predicate IRI."""

GUESSED = "name__"
"""The prefix of the property of another predicate whose local name is ``name``
(``http://example.org/name`` -> ``name__example_org``): name-like too, after those of
the table, in the order of their property names."""

_RANKED = tuple(key for _, key in NAME_PREDICATES if key != NAME)
_RESERVED = frozenset(NAME_PROPERTIES.values())
_NOT_IDENT = re.compile(r"[^A-Za-z0-9_]+")


def guessed_property(iri: str, local: str) -> str:
    """The property of predicate ``iri`` not in the table whose local name is ``local``
    (``name``): ``name__`` and its namespace without the scheme, sanitised."""
    space = iri[: len(iri) - len(local)].split("://", 1)[-1]
    return GUESSED + (_NOT_IDENT.sub("_", space).strip("_")[:60] or "x")


def reserved(name: str, iri: str) -> bool:
    """Whether property ``name`` is kept for a name-like predicate other than ``iri``."""
    return name in _RESERVED and NAME_PROPERTIES.get(iri) != name


def chosen(props: Mapping[str, Any]) -> Any:
    """The value of the first name-like predicate (after kgmem's own ``name``) that
    ``props`` has (several values: their list, in the order of their JSON text, not of
    their arrival), or None."""
    for key in _RANKED:
        value = props.get(key)
        if value is not None:
            return _ordered(value)
    guessed = sorted(k for k in props if k.startswith(GUESSED))
    return _ordered(props[guessed[0]]) if guessed else None


def _ordered(value: Any) -> Any:
    return sorted(value, key=value_key) if isinstance(value, list) else value


def repeated(props: Mapping[str, Any]) -> bool:
    """Whether ``props``'s ``name`` only repeats its chosen predicate's value."""
    value = props.get(NAME)
    return value is not None and value == chosen(props)


def named(props: dict[str, Any]) -> dict[str, Any]:
    """``props`` with ``name`` set to the chosen predicate's value when no ``name`` is
    stated."""
    if NAME not in props:
        value = chosen(props)
        if value is not None:
            props[NAME] = value
    return props


def joined(stored: Mapping[str, Any] | None, added: Mapping[str, Any]) -> dict[str, Any]:
    """An imported vertex's properties: ``added`` joined into ``stored`` (None: a new
    vertex), its ``name`` chosen again from the joined values."""
    if stored is None:
        return named(dict(added))
    if repeated(stored):
        stored = {k: v for k, v in stored.items() if k != NAME}
    return named(merge_properties(stored, added))
