"""Bolt's chunked message framing: a message travels as chunks (a two-byte length, then
that many bytes), and a zero length ends it.

Reading counts a message's bytes chunk by chunk against a limit, so a message over it is
refused at the chunk header that would pass the limit, before that chunk's bytes are
read: a client cannot make the server buffer more than the limit.
"""

from __future__ import annotations

import asyncio
import struct

from kgmem.errors import PayloadTooLarge

MAX_CHUNK = 0xFFFF


async def read_message(reader: asyncio.StreamReader, limit: int) -> bytes:
    """The bytes of the next message, skipping keep-alive empty chunks between messages.

    Raises ``PayloadTooLarge`` once a chunk would take the message past ``limit`` bytes
    (the chunk and the rest of the message are left unread), and
    ``asyncio.IncompleteReadError`` when the stream ends inside a chunk header or chunk.
    """
    data = bytearray()
    while True:
        (size,) = struct.unpack(">H", await reader.readexactly(2))
        if size == 0:
            if data:
                return bytes(data)
            continue
        if len(data) + size > limit:
            raise PayloadTooLarge(f"a Bolt message is larger than {limit} bytes")
        data += await reader.readexactly(size)


def frame(data: bytes) -> bytes:
    """``data`` (one packed message) as chunks of at most ``MAX_CHUNK`` bytes and the end
    marker."""
    out = bytearray()
    for at in range(0, len(data), MAX_CHUNK):
        chunk = data[at : at + MAX_CHUNK]
        out += struct.pack(">H", len(chunk)) + chunk
    return bytes(out + b"\x00\x00")
