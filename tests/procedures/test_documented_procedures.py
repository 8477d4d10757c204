"""The example of docs/cypher.md, "Your own procedures": its module and its entry point,
installed as a package would be, loaded by the store and called over REST."""

import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kgmem import EntityWrite, Memory

GUIDE = (Path(__file__).resolve().parents[2] / "docs" / "cypher.md").read_text()
SECTION = GUIDE.split("## Your own procedures", 1)[1].split("\n## ", 1)[0]


def _block(language: str) -> str:
    return SECTION.split(f"```{language}\n", 1)[1].split("```", 1)[0]


@pytest.fixture
def installed(tmp_path: Path) -> Iterator[list[str]]:
    """The documented package on sys.path, with the documented entry points."""
    points = tomllib.loads(_block("toml"))["project"]["entry-points"]["kgmem.procedures"]
    package = tmp_path / "my_package"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "procedures.py").write_text(_block("python"))
    info = tmp_path / "my_package-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: my-package\nVersion: 1.0\n")
    lines = [f"{name} = {value}" for name, value in points.items()]
    (info / "entry_points.txt").write_text("[kgmem.procedures]\n" + "\n".join(lines) + "\n")
    sys.path.insert(0, str(tmp_path))
    try:
        yield list(points)
    finally:
        sys.path.remove(str(tmp_path))
        for module in ("my_package", "my_package.procedures"):
            sys.modules.pop(module, None)


async def test_the_documented_procedures_load_and_answer(
    installed: list[str], memory: Memory, namespace: str, client: httpx.AsyncClient
) -> None:
    for uid, name in (("ann", "Ann"), ("anders", "Anders"), ("bo", "Bo")):
        await memory.upsert_entity(namespace, EntityWrite(uid, "Person", {"name": name}))
    added = memory.procedures.load_entry_points()
    try:
        assert added == ["my.peopleNamed", "my.answer"]
        url = f"/v1/namespaces/{namespace}/cypher"
        named = await client.post(url, json={"query": "CALL my.peopleNamed('An')"})
        assert named.status_code == 200, named.text
        assert named.json()["columns"] == ["name"]
        assert named.json()["rows"] == [["Anders"], ["Ann"]]
        first = await client.post(url, json={"query": "CALL my.peopleNamed('A', 1) YIELD name"})
        assert first.json()["rows"] == [["Anders"]]
        answer = await client.post(
            url, json={"query": "CALL my.answer() YIELD answer RETURN answer * 2 AS a"}
        )
        assert answer.json()["rows"] == [[84]]
        described = memory.procedures.find("my.peopleNamed")
        assert described is not None and described.description.startswith("People")
    finally:
        for name in added:
            memory.procedures.unregister(name)
