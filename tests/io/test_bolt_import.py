"""Import from a Bolt server (kgmem's own, through the neo4j driver): labels,
properties and relationships arrive; an interrupted dump resumes without repeating."""

import asyncio
import json
from pathlib import Path

import pytest

from kgmem.io.bolt_source import BoltSource, DumpState, dump
from kgmem.io.loader import ImportOptions
from tests.fixtures.bolt import Bolt

GRAPH = (
    "CREATE (a:Person {uid: 'ann', name: 'Ann', tags: ['x', 'y']}), "
    "(b:Person {uid: 'bo', name: 'Bo'}), (c:City {uid: 'oslo', name: 'Oslo', pop: 0.7}), "
    "(a)-[:KNOWS {since: 2020}]->(b), (a)-[:LIVES_IN]->(c), (b)-[:LIVES_IN]->(c)"
)


class Interrupted(Exception):
    pass


async def test_a_bolt_database_imports_with_labels_properties_and_relationships(
    bolt: Bolt, tmp_path: Path
) -> None:
    await bolt.memory.cypher("alpha", GRAPH, mode="write")
    source = BoltSource(bolt.uri, "alpha", "kgmem", bolt.reader)
    path = tmp_path / "alpha.jsonl"

    def stop_after_first(state: DumpState) -> None:
        if state.nodes == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        await dump(source, path, batch_size=2, on_page=stop_after_first)
    state = await dump(source, path, batch_size=2)
    assert (state.nodes, state.relationships, state.done) == (3, 3, True)
    assert len(path.read_text().splitlines()) == 6  # nothing written twice

    report = await bolt.memory.import_file("beta", path, ImportOptions(format="jsonl"))
    assert (report.vertices_created, report.edges_created, report.records_rejected) == (3, 3, 0)
    rows = await bolt.memory.cypher(
        "beta",
        "MATCH (a:Person {name: 'Ann'})-[k:KNOWS]->(b:Person) "
        "RETURN a.tags AS tags, k.since AS since, b.name AS b",
    )
    assert rows.rows == [[["x", "y"], 2020, "Bo"]]
    lived = await bolt.memory.cypher(
        "beta", "MATCH (p:Person)-[:LIVES_IN]->(c:City) RETURN count(p) AS n, c.pop AS pop"
    )
    assert lived.rows == [[2, 0.7]]


async def test_refused_credentials_are_a_clear_error(bolt: Bolt, tmp_path: Path) -> None:
    from kgmem.errors import InvalidInput

    source = BoltSource(bolt.uri, "alpha", "kgmem", "kgm_wrong")
    with pytest.raises(InvalidInput):
        await dump(source, tmp_path / "x.jsonl")


@pytest.mark.slow
async def test_the_import_command_reads_from_bolt(
    bolt: Bolt,
    fresh_database,
    home_dir: Path,  # type: ignore[no-untyped-def]
) -> None:
    from tests.cli.test_serve import env_for, kgmem

    await bolt.memory.cypher("alpha", GRAPH, mode="write")
    env = env_for(
        home_dir,
        KGMEM_DATABASE_URL=await fresh_database(),
        KGMEM_EMBEDDING_PROVIDER="none",
        KGMEM_EMBEDDING_DIMENSION="384",
        NEO4J_PASSWORD=bolt.reader,
    )
    args = ("import", "--from", bolt.uri, "--database", "alpha", "-n", "copy", "--json")
    done = await asyncio.to_thread(kgmem, *args, env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout[done.stdout.index("[") :])
    assert report[0]["vertices_created"] == 3 and report[0]["edges_created"] == 3
    again = await asyncio.to_thread(kgmem, *args, env=env)
    assert again.returncode == 0, again.stderr
    both = await asyncio.to_thread(
        kgmem, "import", "x.jsonl", "--from", bolt.uri, "-n", "c", env=env
    )
    assert both.returncode != 0
