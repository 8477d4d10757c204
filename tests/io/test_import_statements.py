"""An import meets the facts in force as every write path does: a restated statement
adds a claim instead of a second edge, a new functional value closes the old one."""

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
