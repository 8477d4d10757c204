"""The one place that decides which names may reach SQL or Cypher as identifiers.

Namespace names become AGE graph (schema) names; labels and relationship types become
Cypher labels and, through their stored spelling (``kgmem.schema.label_names``), table
names; property keys become agtype map keys that analysts type bare in Cypher. Values
never pass through here: they are always bound parameters.
"""

from __future__ import annotations

import functools
import re

from kgmem.errors import InvalidIdentifier, InvalidNamespaceName, InvalidUid
from kgmem.schema import label_names

_NAMESPACE = re.compile(r"[a-z][a-z0-9_]{2,62}")
# Unicode letters (``größe``, ``名前``), digits and _: Python's ``\w``.
_PROPERTY = re.compile(r"[^\W\d]\w{0,127}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

RESERVED_NAMESPACES = frozenset(
    {"public", "kgmem", "ag_catalog", "information_schema", "pg_catalog", "pg_toast"}
)

# Cypher keywords. Measured on AGE 1.7: every one of them fails as a bare property key
# (`n.desc`), while as a label only UNWIND fails (`MATCH (n:Order)` parses).
# fmt: off
CYPHER_KEYWORDS = frozenset(
    {
    "all", "and", "as", "asc", "ascending", "by", "call", "case", "contains", "create",
    "delete", "desc", "descending", "detach", "distinct", "else", "end", "ends", "exists",
    "false", "in", "is", "limit", "match", "merge", "not", "null", "on", "optional", "or",
    "order", "remove", "return", "set", "skip", "starts", "then", "true", "union", "unwind",
    "when", "where", "with", "xor", "yield",
    }
)
# fmt: on
LABEL_KEYWORDS = frozenset({"unwind"})


def validate_namespace_name(name: str) -> str:
    """Return ``name`` if it can be a namespace (and so an AGE graph) name.

    3 to 63 characters: lower-case letters, digits and ``_``, starting with a letter;
    not a reserved schema name and not starting with ``pg_``.
    """
    if not isinstance(name, str) or not _NAMESPACE.fullmatch(name):
        raise InvalidNamespaceName(
            f"namespace name {name!r} must be 3 to 63 characters of a-z, 0-9 and _, "
            "starting with a letter"
        )
    if name in RESERVED_NAMESPACES or name.startswith("pg_"):
        raise InvalidNamespaceName(f"namespace name {name!r} is reserved")
    return name


@functools.lru_cache(maxsize=4096)
def validate_label(label: str, field: str = "label") -> str:
    """Return ``label`` if it is a valid vertex label or relationship type, as the Cypher
    door takes it: any non-empty text without control characters, not beginning with
    ``__kgmem_``, whose stored spelling fits AGE's 63 bytes
    (``kgmem.schema.label_names``). ``field`` names it in the error."""
    problem = label_names.refusal(label, field)
    if problem is not None:
        raise problem
    return label


@functools.lru_cache(maxsize=4096)
def validate_property_key(key: str) -> str:
    """Return ``key`` if it is a valid property name: up to 128 letters (any script),
    digits and ``_``, not starting with a digit. Cypher reads a name with non-ASCII
    letters in back quotes (``n.`größe```)."""
    if not isinstance(key, str) or not _PROPERTY.fullmatch(key):
        raise InvalidIdentifier(
            f"property name {key!r} must be up to 128 letters (any script), digits or _, "
            "not starting with a digit",
            field="properties",
        )
    if key.lower() in CYPHER_KEYWORDS:
        raise InvalidIdentifier(
            f"property name {key!r} is a Cypher keyword; choose another name",
            field="properties",
        )
    return key


def validate_uid(uid: str, max_length: int) -> str:
    """Return ``uid`` if it is a usable key: 1..max_length characters, no control characters,
    no surrounding white space. IRIs and URNs are fine."""
    # Fast path for the common case (printable, no edge spaces); the checks below give
    # the precise error otherwise. Printable excludes every control character.
    if (
        type(uid) is str
        and 0 < len(uid) <= max_length
        and uid.isprintable()
        and not uid[0].isspace()
        and not uid[-1].isspace()
    ):
        return uid
    if not isinstance(uid, str) or not uid:
        raise InvalidUid("uid must be a non-empty string")
    if len(uid) > max_length:
        raise InvalidUid(f"uid is {len(uid)} characters; the limit is {max_length}")
    if _CONTROL.search(uid) or uid != uid.strip():
        raise InvalidUid(f"uid {uid[:80]!r} has control characters or surrounding white space")
    return uid
