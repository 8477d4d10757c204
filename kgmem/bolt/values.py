"""Between kgmem's typed JSON values and Bolt's: graph structures out, parameters in.

Out: the objects ``kgmem.cypher.values`` makes for vertices, edges and paths become
Bolt's Node, Relationship and Path structures (element ids are the AGE ids as text);
everything else is already a PackStream value. The non-finite floats, which kgmem's
JSON carries as "NaN"/"Infinity" strings (``NonFinite``), are floats again.

Temporal values out: a column the query makes temporal (``RETURN date(p.born)``,
``RETURN d + duration('P1D')``; ``CypherResult.temporal``) goes out as Bolt's Date,
Time, LocalTime, DateTime (with its offset or zone name), LocalDateTime or Duration.
A stored value read back as it is (a column that is a variable or a property,
``RETURN p.born``, and the properties of nodes and relationships anywhere) goes out as
one too when its text is in the form kgmem writes temporal values in
(``kgmem.cypher.temporal_text``); over REST it is that ISO 8601 text. Text the query
computes (``toString(p.born)``, a map or list it builds, a parameter it returns) stays
a string: kgmem keeps no type beside the text, and such text is far more often a string
that looks like a date than a date.

Bytes and points, stored as kgmem's tagged maps (``kgmem.cypher.stored_values``), go out
as PackStream bytes and Bolt's Point2D / Point3D wherever they are: a property, a list
item, a column.

In: PackStream parameters become kgmem parameters. AGE has no temporal, spatial or byte
types, so Date, Time, LocalTime, DateTime, LocalDateTime and Duration become their
ISO 8601 text in the form kgmem stores temporal values (``kgmem.cypher.temporal``),
points become maps ``{srid, x, y[, z]}`` and bytes the map ``{"__kgmem_bytes":
base64}`` (``kgmem.cypher.stored_values``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from kgmem.bolt.packstream import Structure
from kgmem.cypher import stored_values, temporal_text
from kgmem.cypher import temporal as t
from kgmem.cypher import temporal_build as build
from kgmem.cypher.values import NonFinite
from kgmem.errors import CypherTypeError, KgmemError

NODE, RELATIONSHIP, UNBOUND, PATH = 0x4E, 0x52, 0x72, 0x50
POINT_2D, POINT_3D = 0x58, 0x59
_EPOCH = dt.date(1970, 1, 1)


def to_bolt(value: Any, major: int, stored: bool = True) -> Any:
    """``value`` (typed JSON) as a PackStream value for protocol version ``major``; text
    in a temporal value's form as that value when ``stored`` (a value read back from the
    graph) and in the properties of nodes and relationships."""
    if isinstance(value, list):
        return [to_bolt(v, major, stored) for v in value]
    if isinstance(value, NonFinite):
        return float(value)
    if isinstance(value, str):
        temporal = temporal_text.read(value) if stored else None
        return value if temporal is None else _temporal(temporal, major)
    if not isinstance(value, dict):
        return value
    carried = stored_values.decode(value)
    if carried is not None:
        return _carried(carried)
    return _map(value, major, stored)


def _map(value: dict[str, Any], major: int, stored: bool = True) -> Any:
    """A map: a node, relationship or path structure when it is one."""
    kind = value.get("kind")
    if kind == "node" and set(value) - {"labels"} == {"kind", "id", "label", "properties"}:
        return _node(value, major)
    if kind == "relationship" and set(value) == {
        "kind",
        "id",
        "label",
        "start",
        "end",
        "properties",
    }:
        return _relationship(value, major)
    if kind == "path" and set(value) == {"kind", "nodes", "relationships"}:
        return _path(value, major)
    return {k: to_bolt(v, major, stored) for k, v in value.items()}


def _carried(value: bytes | stored_values.Point) -> bytes | Structure:
    """Bytes as PackStream bytes, a point as Bolt's Point2D or Point3D."""
    if isinstance(value, bytes):
        return value
    if value.z is None:
        return Structure(POINT_2D, (value.srid, value.x, value.y))
    return Structure(POINT_3D, (value.srid, value.x, value.y, value.z))


def _node(value: dict[str, Any], major: int) -> Structure:
    labels = value.get("labels") or ([value["label"]] if value["label"] else [])
    fields: list[Any] = [value["id"], labels, to_bolt(value["properties"], major)]
    if major >= 5:
        fields.append(str(value["id"]))
    return Structure(NODE, tuple(fields))


def _relationship(value: dict[str, Any], major: int) -> Structure:
    props = to_bolt(value["properties"], major)
    fields: list[Any] = [value["id"], value["start"], value["end"], value["label"], props]
    if major >= 5:
        fields += [str(value["id"]), str(value["start"]), str(value["end"])]
    return Structure(RELATIONSHIP, tuple(fields))


def _path(value: dict[str, Any], major: int) -> Structure:
    """Bolt's Path: distinct nodes, distinct unbound relationships and the walk as
    alternating (1-based, signed by direction) relationship and node indices."""
    nodes = [_node(n, major) for n in value["nodes"]]
    node_index = {n.fields[0]: i for i, n in reversed(list(enumerate(nodes)))}
    unbound: list[Structure] = []
    seen: dict[int, int] = {}
    indices: list[int] = []
    for step, rel in enumerate(value["relationships"]):
        if rel["id"] not in seen:
            seen[rel["id"]] = len(unbound) + 1
            props = to_bolt(rel["properties"], major)
            fields: list[Any] = [rel["id"], rel["label"], props]
            if major >= 5:
                fields.append(str(rel["id"]))
            unbound.append(Structure(UNBOUND, tuple(fields)))
        before = value["nodes"][step]["id"]
        forward = rel["start"] == before
        indices.append(seen[rel["id"]] if forward else -seen[rel["id"]])
        indices.append(node_index[value["nodes"][step + 1]["id"]])
    return Structure(PATH, (nodes, unbound, indices))


def from_bolt(value: Any) -> Any:
    """A PackStream parameter value as a kgmem parameter value."""
    if isinstance(value, list):
        return [from_bolt(v) for v in value]
    if isinstance(value, dict):
        return {k: from_bolt(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return stored_values.encode_bytes(value)
    if isinstance(value, Structure):
        return _structure(value)
    return value


def _structure(value: Structure) -> Any:
    convert = _STRUCTURES.get(value.tag)
    if convert is None:
        raise CypherTypeError(f"parameter structure 0x{value.tag:02X} is not a value kgmem accepts")
    return convert(*value.fields)


def _day(days: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=days)


def _local(seconds: int, nanos: int) -> tuple[dt.date, int]:
    days, rest = divmod(seconds, 86_400)
    return _day(days), rest * t.NS + nanos


def _date(days: int) -> str:
    return t.to_string(t.Date(_day(days)))


def _local_time(nanos: int) -> str:
    return t.to_string(t.LocalTime(nanos))


def _time(nanos: int, offset: int) -> str:
    return t.to_string(t.Time(nanos, offset))


def _local_datetime(seconds: int, nanos: int) -> str:
    return t.to_string(t.LocalDateTime(*_local(seconds, nanos)))


def _utc_datetime(seconds: int, nanos: int, offset: int) -> str:
    """Bolt 5 DateTime: UTC seconds; the local time is seconds + offset."""
    return t.to_string(t.DateTime(*_local(seconds + offset, nanos), offset))


def _local_datetime_with_offset(seconds: int, nanos: int, offset: int) -> str:
    """Bolt 4.4 DateTime: local seconds and the offset."""
    return t.to_string(t.DateTime(*_local(seconds, nanos), offset))


def _utc_zoned(seconds: int, nanos: int, zone: str) -> str:
    """Bolt 5 DateTimeZoneId: UTC seconds and the zone's name."""
    return t.to_string(t.from_epoch(seconds * t.NS + nanos, zone))


def _local_zoned(seconds: int, nanos: int, zone: str) -> str:
    """Bolt 4.4 DateTimeZoneId: local seconds and the zone's name."""
    return t.to_string(t.in_zone(*_local(seconds, nanos), zone))


def _duration(months: int, days: int, seconds: int, nanos: int) -> str:
    return t.to_string(t.Duration(months, days, seconds * t.NS + nanos))


def _point(srid: int, x: float, y: float, z: float | None = None) -> dict[str, Any]:
    return stored_values.encode_point(stored_values.Point(srid, x, y, z))


# Bolt's temporal and spatial structures by tag (Date, LocalTime, Time, LocalDateTime,
# DateTime in 5.x and 4.4, DateTimeZoneId in 5.x and 4.4, Duration, Point2D, Point3D).
_STRUCTURES: dict[int, Callable[..., Any]] = {
    0x44: _date,
    0x74: _local_time,
    0x54: _time,
    0x64: _local_datetime,
    0x49: _utc_datetime,
    0x46: _local_datetime_with_offset,
    0x69: _utc_zoned,
    0x66: _local_zoned,
    0x45: _duration,
    POINT_2D: _point,
    POINT_3D: _point,
}


def temporal_to_bolt(kind: str, value: Any, major: int) -> Any:
    """A temporal value of type ``kind`` (its ISO 8601 text, as kgmem returns it) as
    Bolt's structure for protocol version ``major``; anything that is not such text
    (null, a value of another type) is returned as ``to_bolt`` would."""
    if not isinstance(value, str):
        return to_bolt(value, major)
    try:
        parsed = build.parse(kind, value)
    except (KgmemError, ValueError, OverflowError):
        return value
    return _temporal(parsed, major)


def _temporal(value: t.Temporal, major: int) -> Structure:
    if isinstance(value, t.Date):
        return Structure(0x44, ((value.day - _EPOCH).days,))
    if isinstance(value, t.LocalTime):
        return Structure(0x74, (value.ns,))
    if isinstance(value, t.Time):
        return Structure(0x54, (value.ns, value.offset))
    if isinstance(value, t.Duration):
        seconds, nanos = divmod(value.ns, t.NS)
        return Structure(0x45, (value.months, value.days, seconds, nanos))
    return _moment(value, major)


def _moment(value: t.LocalDateTime | t.DateTime, major: int) -> Structure:
    """LocalDateTime, and DateTime by offset or zone name (Bolt 5: UTC seconds; 4.4:
    local seconds)."""
    local = (value.day - _EPOCH).days * 86_400 + value.ns // t.NS
    nanos = value.ns % t.NS
    if isinstance(value, t.LocalDateTime):
        return Structure(0x64, (local, nanos))
    if major >= 5:
        utc = local - value.offset
        if value.zone is not None:
            return Structure(0x69, (utc, nanos, value.zone))
        return Structure(0x49, (utc, nanos, value.offset))
    if value.zone is not None:
        return Structure(0x66, (local, nanos, value.zone))
    return Structure(0x46, (local, nanos, value.offset))
