"""An import meets the facts in force as every write path does: a restated statement
adds a claim instead of a second edge, a new functional value closes the old one."""

import json
from pathlib import Path

from kgmem import EntityWrite, FactQuery, FactWrite, Memory
from kgmem.io.loader import ImportOptions

DANA, BERLIN, LISBON = (f"http://ex.org/{n}" for n in ("dana", "berlin", "lisbon"))


async def test_import_restates_and_supersedes(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    for uid, label in [(DANA, "Person"), (BERLIN, "Place"), (LISBON, "Place")]:
        await memory.upsert_entity(namespace, EntityWrite(uid, label, {"name": uid[-6:]}))
    knows = await memory.add_fact(namespace, FactWrite(DANA, "KNOWS", BERLIN, source="a"))
    lives = await memory.add_fact(namespace, FactWrite(DANA, "LIVES_IN", BERLIN))
    dump = tmp_path / "more.nq"
    dump.write_text(
        f"<{DANA}> <urn:kgmem:vocab:KNOWS> <{BERLIN}> <http://ex.org/b> .\n"
        f"<{DANA}> <urn:kgmem:vocab:LIVES_IN> <{LISBON}> .\n"
    )
    await memory.import_file(
        namespace, dump, ImportOptions(report_dir=tmp_path, graph_names="sources")
    )
    every = FactQuery(include_closed=True, limit=100)
    facts = {(f.predicate, f.object): f for f in (await memory.list_facts(namespace, every)).items}
    assert len([k for k in facts if k[0] == "KNOWS"]) == 1
    assert facts[("KNOWS", BERLIN)].uid == knows.uid
    assert facts[("KNOWS", BERLIN)].sources == ("a", "http://ex.org/b")
    assert facts[("LIVES_IN", BERLIN)].uid == lives.uid
    assert facts[("LIVES_IN", BERLIN)].is_closed
    assert not facts[("LIVES_IN", LISBON)].is_closed


async def _import(memory: Memory, namespace: str, path: Path, batch: int, tmp: Path) -> dict:
    await memory.import_file(
        namespace,
        path,
        ImportOptions(report_dir=tmp, graph_names="sources", batch_size=batch),
    )
    every = FactQuery(include_closed=True, limit=100)
    return {
        (f.subject, f.predicate, f.object): (f.sources, f.is_closed)
        for f in (await memory.list_facts(namespace, every)).items
        if f.predicate == "KNOWS"
    }


async def test_a_statement_restated_within_one_batch_is_one_fact(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    """The same statement from two sources (N-Quads) and from two records with uids of
    their own (JSON lines) in one batch makes one fact with every claim, as it does when
    the records come in separate batches."""
    quads = tmp_path / "twice.nq"
    quads.write_text(
        f"<{DANA}> <urn:kgmem:vocab:KNOWS> <{BERLIN}> <http://ex.org/a> .\n"
        f"<{DANA}> <urn:kgmem:vocab:KNOWS> <{BERLIN}> <http://ex.org/b> .\n"
    )
    lines = tmp_path / "twice.jsonl"
    lines.write_text(
        "\n".join(
            json.dumps({"kind": "edge", "uid": uid, "label": "KNOWS", "start": DANA, "end": LISBON})
            for uid in ("k1", "k2")
        )
        + "\n"
    )
    for uid, label in [(DANA, "Person"), (BERLIN, "Place"), (LISBON, "Place")]:
        await memory.upsert_entity(namespace, EntityWrite(uid, label, {"name": uid[-6:]}))
    together = await _import(memory, namespace, quads, 100, tmp_path)
    together.update(await _import(memory, namespace, lines, 100, tmp_path))
    assert together == {
        (DANA, "KNOWS", BERLIN): (("http://ex.org/a", "http://ex.org/b"), False),
        (DANA, "KNOWS", LISBON): ((), False),
    }
    stats = await memory.namespace_stats(namespace)
    await memory.delete_namespace(namespace)
    await memory.create_namespace(namespace)
    for uid, label in [(DANA, "Person"), (BERLIN, "Place"), (LISBON, "Place")]:
        await memory.upsert_entity(namespace, EntityWrite(uid, label, {"name": uid[-6:]}))
    apart = await _import(memory, namespace, quads, 1, tmp_path)
    apart.update(await _import(memory, namespace, lines, 1, tmp_path))
    assert apart == together
    assert (await memory.namespace_stats(namespace)).edges["KNOWS"] == stats.edges["KNOWS"] == 2
