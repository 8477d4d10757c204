"""Every named query in cypher/ declares its parameters and columns and runs on a small graph."""

import json
import re
from pathlib import Path

import asyncpg
import pytest

from kgmem import EntityWrite, FactWrite, Memory
from kgmem.process.resources import resource_dir
from kgmem.storage import agtype

FILES = sorted(resource_dir("cypher").glob("*.cypher"))
HEADER = re.compile(r"^//\s*(\w+):\s*(.*)$")


def declared_params(header: dict[str, str]) -> list[str]:
    return [p.split()[0] for p in header["params"].split(",") if p.strip()]


def parse(path: Path) -> tuple[dict[str, str], str]:
    header, body = {}, []
    for line in path.read_text().splitlines():
        match = HEADER.match(line)
        if match and not body:
            header[match.group(1)] = match.group(2).strip()
        elif line.strip():
            body.append(line)
    return header, "\n".join(body)


def test_there_are_named_queries() -> None:
    assert FILES


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_header_is_complete(path: Path) -> None:
    header, body = parse(path)
    assert set(header) == {"name", "description", "params", "columns", "writes"}
    assert header["name"] == path.stem
    assert header["writes"] in ("true", "false")
    for param in declared_params(header):
        assert f"${param}" in body
    assert "$$" not in body


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
async def test_query_runs_on_a_small_graph(
    path: Path, memory: Memory, namespace: str, raw_conn: asyncpg.Connection
) -> None:
    await memory.upsert_entity(namespace, EntityWrite("alice", "Person", {"name": "Alice"}))
    await memory.upsert_entity(namespace, EntityWrite("acme", "Organization", {"name": "Acme"}))
    await memory.add_fact(namespace, FactWrite("alice", "WORKS_AT", "acme"))
    episode = {"text": "Alice joined Acme.", "session": "alice", "speaker": "alice"}
    await memory.upsert_entity(namespace, EntityWrite("ep-alice", "Episode", episode))
    header, body = parse(path)
    columns = [c.strip() for c in header["columns"].split(",")]
    params = dict.fromkeys(declared_params(header), "alice")
    column_list = ", ".join(f"{c} ag_catalog.agtype" for c in columns)
    sql = f"SELECT * FROM ag_catalog.cypher('{namespace}', $cy${body}$cy$, $1) AS ({column_list})"
    rows = await raw_conn.fetch(sql, json.dumps(params))
    assert rows, f"{path.name} returned nothing on the test graph"
    for row in rows:
        assert list(row.keys()) == columns
        for value in row.values():
            agtype.decode(str(value) if value is not None else None)
