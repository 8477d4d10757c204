"""``kgmem import --edge-type`` and ``kgmem export --plain`` with files networkx wrote."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from tests.cli.test_serve import env_for, kgmem


def test_help_names_the_edge_type_and_plain(home_dir: Path) -> None:
    env = env_for(home_dir)
    shown = kgmem("import", "--help", env=env)
    assert shown.returncode == 0 and "--edge-type" in shown.stdout
    assert "RELATED_TO" in shown.stdout
    assert "--plain" in kgmem("export", "--help", env=env).stdout


async def test_networkx_gml_through_the_cli(home_dir: Path, fresh_database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = await fresh_database()
    env = env_for(
        home_dir,
        KGMEM_DATABASE_URL=url,
        KGMEM_EMBEDDING_PROVIDER="none",
        KGMEM_EMBEDDING_DIMENSION="384",
    )
    les = nx.les_miserables_graph()
    source = tmp_path / "les.gml"
    nx.write_gml(les, source)
    # any name a Cypher type may be is taken ("co appears" too); a control character is not
    bad = kgmem("import", str(source), "-n", "les", "--edge-type", "co\tappears", env=env)
    assert bad.returncode != 0 and "edge-type" in bad.stderr, bad.stderr
    loaded = kgmem(
        "import", str(source), "-n", "les", "--edge-type", "APPEARS_WITH", "--no-embed",
        "--on-error", "skip", env=env,
    )  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr
    assert "rejected 0" in loaded.stderr and f"edges +{les.number_of_edges()}" in loaded.stderr
    out = tmp_path / "back.gml"
    done = kgmem("export", "-n", "les", "--format", "gml", "--plain", "-o", str(out), env=env)
    assert done.returncode == 0, done.stderr
    back = nx.read_gml(out)
    want = nx.read_gml(source)
    assert not back.is_directed()
    assert nx.is_isomorphic(back, want, edge_match=lambda a, b: a == b)
    assert {frozenset(e): d for *e, d in back.edges(data=True)} == {
        frozenset(e): d for *e, d in want.edges(data=True)
    }
