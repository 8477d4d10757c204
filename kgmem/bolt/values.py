"""Between kgmem's typed JSON values and Bolt's: graph structures out, parameters in.

Out: the objects ``kgmem.cypher.values`` makes for vertices, edges and paths become
Bolt's Node, Relationship and Path structures (element ids are the AGE ids as text);
everything else is already a PackStream value. The non-finite floats, which kgmem's
JSON carries as "NaN"/"Infinity" strings, stay strings.

In: PackStream parameters become kgmem parameters. AGE has no temporal, spatial or byte
types, so Date, Time, LocalTime, DateTime, LocalDateTime and Duration become ISO 8601
strings, points become maps ``{srid, x, y[, z]}``, and bytes are refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from kgmem.bolt.packstream import Structure
from kgmem.errors import CypherTypeError

NODE, RELATIONSHIP, UNBOUND, PATH = 0x4E, 0x52, 0x72, 0x50
_EPOCH = dt.date(1970, 1, 1)


def to_bolt(value: Any, major: int) -> Any:
    """``value`` (typed JSON) as a PackStream value for protocol version ``major``."""
    if isinstance(value, list):
        return [to_bolt(v, major) for v in value]
    if not isinstance(value, dict):
        return value
    kind = value.get("kind")
    if kind == "node" and set(value) == {"kind", "id", "label", "properties"}:
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
    return {k: to_bolt(v, major) for k, v in value.items()}


def _node(value: dict[str, Any], major: int) -> Structure:
    labels = [value["label"]] if value["label"] else []
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
        raise CypherTypeError("byte array parameters are not supported: AGE has no bytes")
    if isinstance(value, Structure):
        return _structure(value)
    return value


def _structure(value: Structure) -> Any:
    convert = _STRUCTURES.get(value.tag)
    if convert is None:
        raise CypherTypeError(f"parameter structure 0x{value.tag:02X} is not a value kgmem accepts")
    return convert(*value.fields)


def _date(days: int) -> str:
    return (_EPOCH + dt.timedelta(days=days)).isoformat()


def _time(nanos: int, offset: int) -> str:
    return _clock(nanos) + _offset(offset)


def _utc_datetime(seconds: int, nanos: int, offset: int) -> str:
    """Bolt 5 DateTime: UTC seconds; the local time is seconds + offset."""
    return _moment(seconds + offset, nanos) + _offset(offset)


def _local_datetime_with_offset(seconds: int, nanos: int, offset: int) -> str:
    """Bolt 4.4 DateTime: local seconds and the offset."""
    return _moment(seconds, nanos) + _offset(offset)


def _zoned(seconds: int, nanos: int, zone: str) -> str:
    return _moment(seconds, nanos) + f"[{zone}]"


def _point(srid: int, x: float, y: float, z: float | None = None) -> dict[str, Any]:
    point = {"srid": srid, "x": x, "y": y}
    return point if z is None else {**point, "z": z}


def _clock(nanos: int) -> str:
    seconds, nano = divmod(nanos, 1_000_000_000)
    text = (dt.datetime.min + dt.timedelta(seconds=seconds)).time().isoformat()
    return text + (f".{nano:09d}".rstrip("0") if nano else "")


def _moment(seconds: int, nanos: int) -> str:
    moment = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=seconds)
    text = moment.isoformat()
    return text + (f".{nanos:09d}".rstrip("0") if nanos else "")


def _offset(seconds: int) -> str:
    if seconds == 0:
        return "Z"
    sign = "+" if seconds > 0 else "-"
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours:02d}:{rest // 60:02d}"


def _duration(months: int, days: int, seconds: int, nanos: int) -> str:
    fraction = f".{nanos:09d}".rstrip("0") if nanos else ""
    return f"P{months // 12}Y{months % 12}M{days}DT{seconds}{fraction}S"


# Bolt's temporal and spatial structures by tag (Date, LocalTime, Time, LocalDateTime,
# DateTime in 5.x and 4.4, DateTimeZoneId in 5.x and 4.4, Duration, Point2D, Point3D).
_STRUCTURES: dict[int, Callable[..., Any]] = {
    0x44: _date,
    0x74: _clock,
    0x54: _time,
    0x64: _moment,
    0x49: _utc_datetime,
    0x46: _local_datetime_with_offset,
    0x69: _zoned,
    0x66: _zoned,
    0x45: _duration,
    0x58: _point,
    0x59: _point,
}
