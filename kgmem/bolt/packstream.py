"""PackStream, Bolt's binary value format: pack Python values, unpack a buffer.

Values map as: None, bool, int (64-bit signed), float (64-bit), str (UTF-8), bytes,
list, dict (string keys) and ``Structure`` (a tag byte and fields: nodes, temporal
values, and every Bolt message). Integers outside 64 bits, and other types, raise
``PackStreamError``; so does malformed input when unpacking.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

_INT_SIZES = ((-0x80, 0x7F, 0xC8, ">b"), (-0x8000, 0x7FFF, 0xC9, ">h"),
              (-0x80000000, 0x7FFFFFFF, 0xCA, ">i"),
              (-0x8000000000000000, 0x7FFFFFFFFFFFFFFF, 0xCB, ">q"))  # fmt: skip
MAX_DEPTH = 64


class PackStreamError(ValueError):
    """A value that PackStream cannot carry, or bytes that are not PackStream."""


@dataclass(frozen=True, slots=True)
class Structure:
    """A tagged structure: ``tag`` is the signature byte, ``fields`` its values."""

    tag: int
    fields: tuple[Any, ...] = field(default=())


def pack(value: Any) -> bytes:
    """The PackStream bytes of ``value``."""
    out = bytearray()
    _pack(out, value, 0)
    return bytes(out)


def _pack(out: bytearray, value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise PackStreamError("value nested too deep")
    if value is None or isinstance(value, (bool, int, float)):
        _pack_scalar(out, value)
    elif isinstance(value, str):
        data = value.encode("utf-8")
        _header(out, len(data), 0x80, (0xD0, 0xD1, 0xD2))
        out += data
    elif isinstance(value, (bytes, bytearray)):
        _header(out, len(value), None, (0xCC, 0xCD, 0xCE))
        out += value
    elif isinstance(value, (list, tuple)):
        _header(out, len(value), 0x90, (0xD4, 0xD5, 0xD6))
        for item in value:
            _pack(out, item, depth + 1)
    elif isinstance(value, dict):
        _pack_map(out, value, depth)
    elif isinstance(value, Structure):
        _pack_structure(out, value, depth)
    else:
        raise PackStreamError(f"PackStream cannot carry a {type(value).__name__}")


def _pack_scalar(out: bytearray, value: bool | int | float | None) -> None:
    if value is None:
        out.append(0xC0)
    elif value is True or value is False:
        out.append(0xC3 if value else 0xC2)
    elif isinstance(value, int):
        _pack_int(out, value)
    else:
        out.append(0xC1)
        out += struct.pack(">d", value)


def _pack_map(out: bytearray, value: dict[Any, Any], depth: int) -> None:
    _header(out, len(value), 0xA0, (0xD8, 0xD9, 0xDA))
    for key, item in value.items():
        if not isinstance(key, str):
            raise PackStreamError("map keys must be strings")
        _pack(out, key, depth + 1)
        _pack(out, item, depth + 1)


def _pack_structure(out: bytearray, value: Structure, depth: int) -> None:
    if len(value.fields) > 15:
        raise PackStreamError("a structure has at most 15 fields")
    out.append(0xB0 + len(value.fields))
    out.append(value.tag)
    for item in value.fields:
        _pack(out, item, depth + 1)


def _pack_int(out: bytearray, value: int) -> None:
    if -16 <= value <= 127:
        out += struct.pack(">b", value)
        return
    for low, high, marker, fmt in _INT_SIZES:
        if low <= value <= high:
            out.append(marker)
            out += struct.pack(fmt, value)
            return
    raise PackStreamError(f"integer {value} does not fit in 64 bits")


def _header(out: bytearray, size: int, tiny: int | None, markers: tuple[int, int, int]) -> None:
    if tiny is not None and size < 16:
        out.append(tiny + size)
    elif size <= 0xFF:
        out += bytes((markers[0], size))
    elif size <= 0xFFFF:
        out.append(markers[1])
        out += struct.pack(">H", size)
    elif size <= 0x7FFFFFFF:
        out.append(markers[2])
        out += struct.pack(">I", size)
    else:
        raise PackStreamError("value too large")


def unpack(data: bytes) -> Any:
    """The one value ``data`` holds (the whole buffer must be used)."""
    reader = _Reader(memoryview(data))
    value = reader.value(0)
    if reader.at != len(data):
        raise PackStreamError("trailing bytes after the value")
    return value


class _Reader:
    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.at = 0

    def take(self, n: int) -> bytes:
        if self.at + n > len(self.data):
            raise PackStreamError("the value ends early")
        chunk = bytes(self.data[self.at : self.at + n])
        self.at += n
        return chunk

    def number(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def value(self, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise PackStreamError("value nested too deep")
        marker = self.take(1)[0]
        high = marker & 0xF0
        if marker < 0x80 or marker >= 0xF0:
            return struct.unpack(">b", bytes((marker,)))[0]
        if high == 0x80:
            return self.text(marker & 0x0F)
        if high == 0x90:
            return self.items(marker & 0x0F, depth)
        if high == 0xA0:
            return self.pairs(marker & 0x0F, depth)
        if high == 0xB0:
            return self.structure(marker & 0x0F, depth)
        return self.sized(marker, depth)

    def sized(self, marker: int, depth: int) -> Any:
        simple = {0xC0: None, 0xC2: False, 0xC3: True}
        if marker in simple:
            return simple[marker]
        fixed = {0xC1: ">d", 0xC8: ">b", 0xC9: ">h", 0xCA: ">i", 0xCB: ">q"}
        if marker in fixed:
            return self.number(fixed[marker])
        lengths = {0: ">B", 1: ">H", 2: ">I"}
        for base, kind in ((0xCC, "bytes"), (0xD0, "text"), (0xD4, "list"), (0xD8, "map")):
            if base <= marker <= base + 2:
                size = self.number(lengths[marker - base])
                if kind == "bytes":
                    return self.take(size)
                if kind == "text":
                    return self.text(size)
                return self.items(size, depth) if kind == "list" else self.pairs(size, depth)
        raise PackStreamError(f"unknown marker 0x{marker:02X}")

    def text(self, size: int) -> str:
        try:
            return self.take(size).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PackStreamError("a string is not valid UTF-8") from exc

    def items(self, size: int, depth: int) -> list[Any]:
        return [self.value(depth + 1) for _ in range(size)]

    def pairs(self, size: int, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for _ in range(size):
            key = self.value(depth + 1)
            if not isinstance(key, str):
                raise PackStreamError("map keys must be strings")
            out[key] = self.value(depth + 1)
        return out

    def structure(self, size: int, depth: int) -> Structure:
        tag = self.take(1)[0]
        return Structure(tag, tuple(self.value(depth + 1) for _ in range(size)))
