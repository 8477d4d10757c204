"""How a batch's rows reach PostgreSQL: COPY's text format, streamed in chunks; graph
ids reserved from the labels' sequences; uid lists sent as one text."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

import asyncpg
import orjson

from kgmem.storage.graph.labels import LabelInfo
from kgmem.storage.refs import NamespaceRef
from kgmem.storage.sql import table

NULL = "\\N"


def field(value: object) -> str:
    """One value in COPY's text format. ``str.translate`` with a mapping looks up every
    character in Python; the chained ``replace`` calls run in C
    and only when a character needs escaping."""
    if value is None:
        return "\\N"
    text = value if isinstance(value, str) else str(value)
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\n" in text or "\r" in text or "\t" in text:
        text = text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return text


def json_field(value: Any) -> str:
    """A JSON value (agtype) in COPY's text format: orjson escapes every control
    character inside strings, so only its backslashes need doubling."""
    text = orjson.dumps(value).decode()
    return text.replace("\\", "\\\\") if "\\" in text else text


_COPY_SPECIAL = re.compile(r"[\\\n\r\t]")


def all_plain(texts: Iterable[str | None]) -> bool:
    """Whether none of ``texts`` holds a character COPY's text format escapes: then
    rows are formatted with the texts as they are, one C-level search over all of
    them instead of a ``field`` call per field (a visible share of the importing
    thread's time in a profile)."""
    return _COPY_SPECIAL.search("\x00".join([t for t in texts if t])) is None


COPY_CHUNK_ROWS = 2000


async def copy_rows(
    conn: asyncpg.Connection,
    ns: NamespaceRef,
    name: str,
    columns: Sequence[str],
    lines: Iterable[str],
) -> None:
    """COPY ``lines`` (each a row in COPY's text format, newline included), streamed in
    chunks of rows as they are built: the server parses one chunk while the next is
    made, so building rows here and inserting them there overlap (``lines`` may be a
    generator). No COPY is sent for no rows."""
    rows = iter(lines)
    first = list(itertools.islice(rows, COPY_CHUNK_ROWS))
    if not first:
        return

    async def chunks() -> AsyncIterator[bytes]:
        chunk = first
        while chunk:
            yield "".join(chunk).encode()
            chunk = list(itertools.islice(rows, COPY_CHUNK_ROWS))

    await conn.copy_to_table(
        name, schema_name=ns.name, columns=list(columns), source=chunks(), format="text"
    )


async def reserve_ids(
    conn: asyncpg.Connection, ns: NamespaceRef, info: LabelInfo, count: int
) -> list[int]:
    """``count`` new graph ids of label ``info``: AGE's ``label_id << 48 | entry``
    (what ``ag_catalog._graphid`` computes), the entries taken from the label's
    sequence in one statement and fetched as one ``bigint[]``."""
    entries = await conn.fetchval(
        "SELECT array_agg(nextval($1::regclass)) FROM generate_series(1, $2)",
        table(ns.name, info.seq_name),
        count,
    )
    base = info.label_id << _ENTRY_BITS
    return [base | (e & _ENTRY_MASK) for e in entries]


async def reserve_many(
    conn: asyncpg.Connection, ns: NamespaceRef, wanted: Sequence[tuple[LabelInfo, int]]
) -> list[list[int]]:
    """New graph ids for several labels at once (``count`` of each ``info``), in one
    round trip: each label's entries from its own sequence, as ``reserve_ids``."""
    if len(wanted) == 1:
        info, count = wanted[0]
        return [await reserve_ids(conn, ns, info, count)]
    records = await conn.fetch(
        "SELECT x.k, ARRAY(SELECT nextval(x.s::regclass) FROM generate_series(1, x.n)) "
        "AS entries FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS x(s, n, k) "
        "ORDER BY x.k",
        [table(ns.name, info.seq_name) for info, _ in wanted],
        [count for _, count in wanted],
    )
    result: list[list[int]] = []
    for (info, _), (_, entries) in zip(wanted, records, strict=True):
        base = info.label_id << _ENTRY_BITS
        result.append([base | (e & _ENTRY_MASK) for e in entries])
    return result


_ENTRY_BITS = 48
_ENTRY_MASK = (1 << _ENTRY_BITS) - 1


# -- uid lists ------------------------------------------------------------------------

_SEP = "\x1f"


def any_uid(uids: Sequence[str]) -> tuple[str, object]:
    """``= ANY(...)`` over ``uids`` as ``$1``, with the parameter to pass. The uids go
    as one text joined by U+001F and split by PostgreSQL: asyncpg encodes a Python list
    as ``text[]`` element by element, testing each against abstract base classes in
    Python (a noticeable share of the importer's write-side CPU), and the split
    array is folded into a constant as the ``text[]`` parameter is, so the plan (a
    hashed filter) stays the same. A uid holding U+001F goes the ``text[]`` way, and so
    does a lone empty uid (PostgreSQL splits an empty text into no element at all)."""
    joined = _SEP.join(uids)
    if joined and joined.count(_SEP) == len(uids) - 1:
        return "ANY(string_to_array($1::text, E'\\x1f'))", joined
    return "ANY($1::text[])", list(uids)
