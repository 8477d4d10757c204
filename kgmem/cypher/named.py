"""Named queries: the ``.cypher`` files of ``cypher/``, each with a header::

    // name: current_facts_of
    // description: The facts an entity states that are still believed.
    // params: uid (string), limit (integer)
    // columns: predicate, object
    // writes: false
    MATCH ...

Loaded once; the declared columns must be the ones the RETURN clause yields and every
declared parameter must be used (``NamedQueryFileError`` otherwise). Parameter types
are one of string, integer, float, number, boolean, list, map, any.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from kgmem.cypher.plan import Mode, plan
from kgmem.errors import CypherTypeError, NamedQueryNotFound, SchemaFileError

_HEADER = re.compile(r"^//\s*(\w+):\s*(.*)$")
_PARAM = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:\((\w+)\))?\s*$")
_KEYS = {"name", "description", "params", "columns", "writes"}
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "float": (float, int),
    "number": (float, int),
    "boolean": (bool,),
    "list": (list,),
    "map": (dict,),
}


@dataclass(frozen=True, slots=True)
class NamedParam:
    """A declared parameter and its type (``any`` when undeclared)."""

    name: str
    type: str


@dataclass(frozen=True, slots=True)
class NamedQuery:
    """A named query's declaration: its parameters, columns, whether it writes, and its
    Cypher text (``query`` on the wire)."""

    name: str
    description: str
    params: tuple[NamedParam, ...]
    columns: tuple[str, ...]
    writes: bool
    text: Annotated[str, Field(serialization_alias="query")]

    @property
    def mode(self) -> Mode:
        """The mode it must run in."""
        return "write" if self.writes else "read"

    def check_params(self, given: Mapping[str, Any]) -> None:
        """Each given parameter is declared and of its declared type."""
        declared = {p.name: p for p in self.params}
        unknown = sorted(set(given) - set(declared))
        if unknown:
            raise CypherTypeError(
                f"query {self.name!r} has no parameter(s) {', '.join(unknown)}; "
                f"it takes {', '.join(declared) or 'none'}"
            )
        for name, value in given.items():
            accepted = _TYPES.get(declared[name].type)
            if accepted is None or value is None:
                continue
            if isinstance(value, bool) and bool not in accepted:
                accepted = ()
            if not isinstance(value, accepted):
                raise CypherTypeError(
                    f"parameter {name!r} of {self.name!r} must be a {declared[name].type}"
                )


def load_file(path: Path) -> NamedQuery:
    """Parse and check one ``.cypher`` file."""
    header: dict[str, str] = {}
    body: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _HEADER.match(line)
        if match and not body:
            header[match.group(1)] = match.group(2).strip()
        elif line.strip() or body:
            body.append(line)
    missing = _KEYS - set(header)
    if missing:
        raise SchemaFileError(f"{path.name}: header lacks {', '.join(sorted(missing))}")
    query = _build(path, header, "\n".join(body).strip())
    _check_against_text(path, query)
    return query


def _build(path: Path, header: dict[str, str], text: str) -> NamedQuery:
    if header["name"] != path.stem:
        raise SchemaFileError(f"{path.name}: name must be {path.stem!r}")
    if header["writes"] not in ("true", "false"):
        raise SchemaFileError(f"{path.name}: writes must be true or false")
    params = []
    for piece in filter(str.strip, header["params"].split(",")):
        match = _PARAM.match(piece)
        if not match or (match.group(2) and match.group(2) not in {*_TYPES, "any"}):
            raise SchemaFileError(f"{path.name}: bad parameter declaration {piece.strip()!r}")
        params.append(NamedParam(match.group(1), match.group(2) or "any"))
    columns = tuple(c.strip() for c in header["columns"].split(",") if c.strip())
    return NamedQuery(
        name=header["name"],
        description=header["description"],
        params=tuple(params),
        columns=columns,
        writes=header["writes"] == "true",
        text=text,
    )


def _check_against_text(path: Path, query: NamedQuery) -> None:
    dummy = {p.name: None for p in query.params}
    checked = plan(query.text, dummy, mode=query.mode)
    if tuple(checked.columns) != query.columns:
        raise SchemaFileError(
            f"{path.name}: declares columns {list(query.columns)}, returns {checked.columns}"
        )
    unused = {p.name for p in query.params} - checked.parameters
    undeclared = checked.parameters - {p.name for p in query.params}
    if unused or undeclared:
        raise SchemaFileError(
            f"{path.name}: parameters declared but unused {sorted(unused)}, "
            f"used but undeclared {sorted(undeclared)}"
        )


def load_directory(directory: Path) -> dict[str, NamedQuery]:
    """Every ``*.cypher`` file of ``directory`` by name."""
    return {q.name: q for q in map(load_file, sorted(directory.glob("*.cypher")))}


def find(queries: Mapping[str, NamedQuery], name: str) -> NamedQuery:
    """The query ``name`` or ``NamedQueryNotFound``."""
    try:
        return queries[name]
    except KeyError:
        raise NamedQueryNotFound(f"there is no named query {name!r}", query=name) from None
