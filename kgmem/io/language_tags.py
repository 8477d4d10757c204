"""Language tags every RDF syntax kgmem writes can hold.

N-Triples and N-Quads take any ``[a-zA-Z]+(-[a-zA-Z0-9]+)*`` after the ``@`` (so does
rdflib), but RDF 1.1 asks for a tag well-formed by BCP 47 (RFC 5646, section 2.1), and
pyoxigraph, which writes Turtle, TriG, JSON-LD and RDF/XML, refuses any other: a subtag
longer than eight characters (``en-x-verylongtag``), an empty private-use or extension
part (``en-x``, ``en-1``). Imports refuse such a tag and exports name it, so both ask
the one question here.
"""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=4096)
def language_problem(tag: str) -> str | None:
    """Why ``tag`` is not a well-formed BCP 47 language tag (in pyoxigraph's words,
    which are the writers' own), or None when every RDF syntax can hold it."""
    import pyoxigraph as ox

    try:
        ox.Literal("", language=tag)
    except ValueError as exc:
        message = str(exc)
        return message[:1].lower() + message[1:]
    return None


def language_refusal(tag: str) -> str | None:
    """A sentence saying that ``tag`` cannot be written, or None when it can."""
    problem = language_problem(tag)
    if problem is None:
        return None
    return (
        f"the language tag @{tag} is not well-formed BCP 47 ({problem}), so Turtle, TriG, "
        "JSON-LD and RDF/XML cannot write it"
    )
