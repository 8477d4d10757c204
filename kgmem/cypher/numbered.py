"""Parameters named by digits (``$1``, ``$0``), which Neo4j accepts and AGE's grammar
does not (a parameter there is ``$`` and a name).

kgmem names each in the text it sends to AGE ``$__kgmem_n<digits>`` (the last of the
rewrites, ``rewrite``), and gives the analyst's ``"1"`` under that name wherever it
checks or binds parameters (``renamed``). The analyst cannot write that name (the guard
keeps names beginning with ``__kgmem_``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kgmem.cypher.lexer import Kind, Token
from kgmem.cypher.spans import splice

PREFIX = "__kgmem_n"


def rewrite(text: str, code: Sequence[Token]) -> str:
    """``text`` (whose tokens are ``code``) with each ``$<digits>`` renamed."""
    if "$" not in text:
        return text
    edits = [
        (t.start, t.end, f"${PREFIX}{t.text[1:]}")
        for t in code
        if t.kind is Kind.PARAMETER and _digits(t.text[1:])
    ]
    return splice(text, edits) if edits else text


def renamed(params: Mapping[str, Any]) -> Mapping[str, Any]:
    """``params`` with each name of digits as ``rewrite`` writes it in the text."""
    if not any(_digits(k) for k in params):
        return params
    return {(f"{PREFIX}{k}" if _digits(k) else k): v for k, v in params.items()}


def written(name: str) -> str:
    """The name as the analyst wrote it (``__kgmem_n1``: ``1``)."""
    rest = name.removeprefix(PREFIX)
    return rest if rest != name and _digits(rest) else name


def _digits(name: object) -> bool:
    return isinstance(name, str) and name.isascii() and name.isdigit()
