"""Readers: a file in any supported format as a stream of parsed items with line numbers.

Each item is a ``Quad`` (RDF), a ``VertexOp`` or ``EdgeOp`` (record formats), a
``RevisionOp`` (a fact's earlier version, JSON Lines dumps), or a ``Reject`` saying
which record is bad, where and why. N-Triples and N-Quads stream
line by line (a bad line is rejected alone); Turtle, TriG, RDF/XML and JSON-LD
stream through pyoxigraph (``kgmem.io.rdf_syntaxes``: a syntax error ends the
reading); CSV and JSON Lines stream by record; GraphML streams elements
(``kgmem.io.graphml_reader``); GML is read whole (``kgmem.io.gml``). An edge record
that names no type takes the import's default (``DEFAULT_EDGE_TYPE``).
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson

from kgmem.declarations.fact import DATA_FIELDS
from kgmem.errors import InvalidInput, KgmemError
from kgmem.io.formats import DEFAULT_EDGE_TYPE, DUMP_VERSION, FORMATS
from kgmem.io.graph_header import GraphHeader
from kgmem.io.ntriples import Quad, SyntaxProblem, parse_line
from kgmem.io.rdf_mapping import statement_uid
from kgmem.io.rdf_syntaxes import read_statements
from kgmem.io.rejects import Reject
from kgmem.schema import entity_values
from kgmem.schema.fact_values import data_values
from kgmem.schema.identifiers import validate_label, validate_property_key
from kgmem.storage.bulk import EdgeOp, RevisionOp, VertexOp
from kgmem.storage.bulk.restore import TIMES

_EXTENSIONS = {
    ".nt": "ntriples",
    ".ntriples": "ntriples",
    ".nq": "nquads",
    ".nquads": "nquads",
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".trig": "trig",
    ".jsonld": "jsonld",
    ".json-ld": "jsonld",
    ".rdf": "rdfxml",
    ".owl": "rdfxml",
    ".xml": "rdfxml",
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".graphml": "graphml",
    ".gml": "gml",
}


Parsed = Quad | VertexOp | EdgeOp | RevisionOp | Reject | GraphHeader


def detect_format(path: Path, given: str | None) -> str:
    """The format named by ``given``, else by the file's extension (``.gz`` ignored)."""
    if given:
        if given not in FORMATS:
            raise InvalidInput(f"unknown import format {given!r}; use one of {', '.join(FORMATS)}")
        return given
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    found = _EXTENSIONS.get(suffixes[-1]) if suffixes else None
    if found is None:
        raise InvalidInput(
            f"cannot tell the format of {path.name!r} from its extension; "
            "name it (--format, or the form field format)"
        )
    return found


class CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read through it (for progress)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        self.count += n or 0
        return n or 0

    def close(self) -> None:
        self.raw.close()
        super().close()


def open_binary(path: Path) -> tuple[IO[bytes], CountingReader]:
    """``path`` opened for reading, decompressed if gzip; and its byte counter."""
    counter = CountingReader(path.open("rb"))
    buffered = io.BufferedReader(counter, 1 << 20)
    if buffered.peek(2)[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=buffered), counter  # type: ignore[return-value]
    return buffered, counter


def read(
    path: Path,
    fmt: str,
    stream: IO[bytes],
    base_iri: str | None = None,
    edge_type: str = DEFAULT_EDGE_TYPE,
) -> Iterator[Parsed]:
    """Every item of ``stream`` (the opened ``path``) in format ``fmt``; ``edge_type``
    the relationship type of an edge record that names none."""
    reader: Callable[[IO[bytes], str], Iterator[Parsed]]
    if fmt in ("ntriples", "nquads"):
        return _lines(stream, quads=fmt == "nquads")
    if fmt in ("turtle", "trig", "jsonld", "rdfxml"):
        return read_statements(stream, fmt, base_iri or path.resolve().as_uri())
    if fmt == "graphml":
        from kgmem.io.graphml_reader import read_graphml

        return read_graphml(stream, edge_type)
    if fmt == "gml":
        from kgmem.io.gml import read_gml

        return read_gml(stream, edge_type)
    reader = {"csv": _csv, "jsonl": _jsonl}[fmt]
    return reader(stream, edge_type)


def _lines(stream: IO[bytes], *, quads: bool) -> Iterator[Parsed]:
    text = io.TextIOWrapper(stream, encoding="utf-8", errors="strict", newline="\n")
    number = 0
    lines = iter(text)
    while True:
        try:
            for line in lines:
                number += 1
                try:
                    quad = parse_line(line.rstrip("\r\n"), number, quads=quads)
                except SyntaxProblem as exc:
                    yield Reject(number, str(exc), line.rstrip("\r\n"), exc.column)
                    continue
                if "\x00" in line:
                    where = line.index("\x00") + 1
                    yield Reject(number, _NUL, line.rstrip("\r\n"), where)
                    continue
                if quad is not None:
                    yield quad
            return
        except UnicodeDecodeError as exc:
            yield Reject(number + 1, f"not UTF-8 ({exc.reason})", "", ends_reading=True)
            return


_NUL = "the line holds U+0000, which PostgreSQL text cannot store"


# -- record formats ------------------------------------------------------------------


def _properties(raw: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidInput("properties must be an object")
    for key, value in raw.items():
        validate_property_key(key)
        if key == "uid":
            raise InvalidInput("'uid' is the record's key, not a property")
        _check_value(key, value)
    return dict(raw)


def _check_value(key: str, value: Any) -> None:
    if isinstance(value, str) and "\x00" in value:
        raise InvalidInput(f"property {key!r} holds U+0000, which PostgreSQL text cannot store")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInput(f"property {key!r} is not a finite number")
    if isinstance(value, list):
        for item in value:
            _check_value(key, item)
    if isinstance(value, dict):
        for item in value.values():
            _check_value(key, item)


def _uid(value: Any, what: str) -> str:
    if isinstance(value, dict):
        value = value.get("id", value.get("uid"))
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{what} is missing or not a string")
    return value.strip()


def vertex_op(uid: Any, label: Any, props: Any, line: int, location: Any = None) -> VertexOp:
    """A validated vertex record (replace semantics); ``location`` a ``{"lat", "lon"}``
    object in degrees, or None."""
    return VertexOp(
        _uid(uid, "vertex id"),
        validate_label(label) if label else None,
        dict(entity_values.checked(_properties(props))),
        False,
        line,
        _location(location),
    )


def _location(raw: Any) -> tuple[float, float] | None:
    if raw is None:
        return None
    point = (raw.get("lat"), raw.get("lon")) if isinstance(raw, dict) else (None, None)
    if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in point):
        raise InvalidInput('"location" must be {"lat": number, "lon": number}')
    lat, lon = float(point[0]), float(point[1])  # type: ignore[arg-type]
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput("location: lat must be in [-90, 90] and lon in [-180, 180]")
    return lat, lon


# One parameter per part of an edge record.
def edge_op(  # noqa: PLR0913, PLR0917
    uid: Any, label: Any, start: Any, end: Any, props: Any, line: int, default: str
) -> EdgeOp:
    """A validated edge record, of type ``default`` if it names none; without a uid,
    one derived from its endpoints and type."""
    label = validate_label(str(label), "type") if label else default
    s, e = _uid(start, "edge start"), _uid(end, "edge end")
    key = _uid(uid, "edge id") if uid not in (None, "") else statement_uid(s, label, e)
    return EdgeOp(key, label, s, e, _properties(props), False, line)


def record(parse: Callable[[], VertexOp | EdgeOp | RevisionOp], line: int, raw: str) -> Parsed:
    try:
        return parse()
    except KgmemError as exc:
        return Reject(line, exc.detail, raw)


def _jsonl(stream: IO[bytes], edge_type: str) -> Iterator[Parsed]:
    for number, raw_line in enumerate(stream, 1):
        raw = raw_line.decode("utf-8", "replace").rstrip("\r\n")
        if not raw.strip():
            continue
        try:
            obj = orjson.loads(raw_line)
        except orjson.JSONDecodeError as exc:
            yield Reject(number, f"invalid JSON: {exc}", raw)
            continue
        if not isinstance(obj, dict):
            yield Reject(number, "a line must hold one JSON object", raw)
            continue
        if obj.get("kind") == "dump":
            if (problem := _version_problem(obj.get("version"))) is not None:
                yield Reject(number, problem, raw)
            continue
        yield record(functools.partial(_json_item, obj, number, edge_type), number, raw)


def _version_problem(version: Any) -> str | None:
    """Why a dump's version line cannot be read, or None."""
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        return f'"version" must be a positive integer, not {version!r}'
    if version > DUMP_VERSION:
        return (
            f"this dump is version {version}, newer than this kgmem reads "
            f"(up to {DUMP_VERSION}): import it with a newer kgmem"
        )
    return None


def _json_item(obj: dict[str, Any], line: int, edge_type: str) -> VertexOp | EdgeOp | RevisionOp:
    kind = obj.get("kind", obj.get("type"))
    labels = obj.get("labels")
    label = obj.get("label") or (labels[0] if isinstance(labels, list) and labels else None)
    uid = obj.get("uid", obj.get("id"))
    if kind in ("vertex", "node"):
        return vertex_op(uid, label, obj.get("properties"), line, obj.get("location"))
    if kind in ("edge", "relationship"):
        start, end = obj.get("start"), obj.get("end")
        op = edge_op(uid, label, start, end, obj.get("properties"), line, edge_type)
        op.restore = fact_restore(obj)
        return op
    if kind == "revision":
        return _revision(obj, line)
    raise InvalidInput('each line needs "kind": "vertex", "edge" or "revision"')


def _revision(obj: dict[str, Any], line: int) -> RevisionOp:
    """A fact's earlier version as a dump writes it (``kgmem.storage.backups.dump``)."""
    fact = obj.get("fact")
    if not isinstance(fact, str) or not fact:
        raise InvalidInput('a revision needs the uid of its "fact"')
    known = {k: _time_text(obj.get(k), k) for k in ("known_from", "known_to")}
    known_from, known_to = known["known_from"], known["known_to"]
    if known_from is None or known_to is None:
        raise InvalidInput('a revision needs "known_from" and "known_to"')
    if datetime.fromisoformat(known_from) > datetime.fromisoformat(known_to):
        raise InvalidInput('a revision\'s "known_from" is after its "known_to"')
    return RevisionOp(
        fact,
        _time_text(obj.get("valid_from"), "valid_from"),
        _time_text(obj.get("valid_to"), "valid_to"),
        _time_text(obj.get("expired_at"), "expired_at"),
        known_from,
        known_to,
        line,
    )


def fact_restore(obj: dict[str, Any]) -> dict[str, Any] | None:
    """What an exported edge record (or a GraphML edge's fact keys) says of its fact
    beyond the edge: its times, the fact that closed it (``closed_by``), its claims
    (``claims``, else one per uid of ``sources``), withdrawn claims and declared data
    fields (``data``), checked here so that a malformed record is rejected with its line."""
    out: dict[str, Any] = {}
    if any(obj.get(k) is not None for k in TIMES):
        out["times"] = {k: _time_text(obj.get(k), k) for k in (*TIMES, "revised_at")}
    closer = obj.get("closed_by")
    if closer is not None:
        out["closed_by"] = _uid(closer, '"closed_by"')
    claims = obj.get("claims")
    if claims is None and obj.get("sources") is not None:
        sources = obj["sources"]
        if not isinstance(sources, list) or not all(isinstance(u, str) for u in sources):
            raise InvalidInput('"sources" must be a list of source uids')
        claims = [{"source": u} for u in sources]
    if claims is not None:
        out["claims"] = _claim_list(claims, "claims", (), ("stated_from", "stated_to"))
    if obj.get("withdrawn") is not None:
        out["withdrawn"] = _claim_list(obj["withdrawn"], "withdrawn", ("withdrawn_at",))
    data = {f.name: obj[f.name] for f in DATA_FIELDS if obj.get(f.name) is not None}
    if data:
        out["data"] = data_values(data)
    return out or None


def _time_text(value: Any, name: str) -> str | None:
    """An ISO 8601 time as UTC-offset text (a time without an offset is UTC)."""
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        at = None
    if at is None:
        raise InvalidInput(f"{name}: not an ISO 8601 time: {value!r}")
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).isoformat()


def _claim_list(
    value: Any, name: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Claims as a dump writes them: objects with ``source`` and ``episode`` uids (or null),
    ``confidence`` (0..1 or null) and ``observed_at``, plus the ``required`` times and
    the ``optional`` ones (null when absent)."""
    if not isinstance(value, list) or not all(isinstance(c, dict) for c in value):
        raise InvalidInput(f'"{name}" must be a list of objects')
    out = []
    for c in value:
        source, episode, confidence = c.get("source"), c.get("episode"), c.get("confidence")
        # Both null: the claim of a write that named neither (every write is a claim).
        if not all(u is None or (isinstance(u, str) and u) for u in (source, episode)):
            raise InvalidInput(f'"{name}": "source" and "episode" must be uids or null')
        if confidence is not None and not (
            isinstance(confidence, int | float) and 0 <= confidence <= 1
        ):
            raise InvalidInput(f'"{name}": confidence must be a number in [0, 1]')
        claim = {"source": source, "episode": episode, "confidence": confidence}
        if "stated" in c:  # whether the claim's write stated the times below
            claim["stated"] = c["stated"] is True
        for k in ("observed_at", *optional, *required):
            if k in required and c.get(k) is None:
                raise InvalidInput(f'each of "{name}" needs "{k}"')
            claim[k] = _time_text(c.get(k), k)
        out.append(claim)
    return out


VALUE_TYPES: dict[str, Callable[[str], Any]] = {
    "string": str,
    "int": int,
    "long": int,
    "short": int,
    "byte": int,
    "float": float,
    "double": float,
    "boolean": lambda v: {"true": True, "false": False}[v.strip().lower()],
}


@dataclass(frozen=True, slots=True)
class _Column:
    name: str
    role: str  # "", "ID", "LABEL", "START_ID", "END_ID", "TYPE", "IGNORE"
    convert: Callable[[str], Any]
    array: bool


def _column(header: str) -> _Column:
    name, _, kind = header.rpartition(":") if ":" in header else (header, "", "string")
    kind = kind.split("(")[0]
    role = (
        kind.upper()
        if kind.upper() in ("ID", "LABEL", "START_ID", "END_ID", "TYPE", "IGNORE")
        else ""
    )
    array = kind.endswith("[]")
    base = kind[:-2] if array else kind
    convert = VALUE_TYPES.get(base.lower(), str)
    if not role and name:
        validate_property_key(name)
    return _Column(name, role, convert, array)


def _csv(stream: IO[bytes], edge_type: str) -> Iterator[Parsed]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    rows = csv.reader(text)
    try:
        header = next(rows)
        columns = [_column(h) for h in header]
    except StopIteration:
        return
    except KgmemError as exc:
        yield Reject(1, f"bad header: {exc.detail}", ",".join(header))
        return
    roles = {c.role for c in columns}
    try:
        yield from _csv_rows(rows, columns, edge_type if "START_ID" in roles else None)
    except UnicodeDecodeError as exc:
        yield Reject(rows.line_num + 1, f"not UTF-8 ({exc.reason})", "", ends_reading=True)


def _csv_rows(rows: Any, columns: list[_Column], edges: str | None) -> Iterator[Parsed]:
    """The rows as records: edges of type ``edges`` when they name none, or vertices
    (``edges`` None)."""
    for row in rows:
        line = rows.line_num
        raw = ",".join(row)
        if len(row) != len(columns):
            yield Reject(line, f"{len(row)} fields where the header has {len(columns)}", raw)
            continue
        item = functools.partial(_csv_item, columns, row, line, edges)
        yield record(item, line, raw)


def _csv_item(
    columns: list[_Column], row: list[str], line: int, edges: str | None
) -> VertexOp | EdgeOp:
    props: dict[str, Any] = {}
    special: dict[str, str] = {}
    for col, cell in zip(columns, row, strict=True):
        if col.role:
            special[col.role] = cell
            if col.role == "ID" and col.name and cell:
                props[col.name] = cell
            continue
        if cell == "":
            continue
        try:
            props[col.name] = (
                [col.convert(v) for v in cell.split(";")] if col.array else col.convert(cell)
            )
        except (ValueError, KeyError):
            raise InvalidInput(f"column {col.name!r}: {cell!r} is not a valid value") from None
    uid = props.pop("uid", None)
    if edges is not None:
        start, end = special.get("START_ID"), special.get("END_ID")
        return edge_op(uid, special.get("TYPE"), start, end, props, line, edges)
    labels = [x for x in special.get("LABEL", "").split(";") if x]
    return vertex_op(special.get("ID") or uid, labels[0] if labels else None, props, line)
