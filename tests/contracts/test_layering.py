"""The import rules in pyproject.toml hold: dependencies point down; only storage talks to
the database; only the server imports the web framework; the MCP door, the client and
the adapters keep to their own imports; storage's sub-packages are layered (engine at the
bottom, the indexes and the Neo4j schema tables under the graph core, bulk loading, the pool
and truth discovery above them, backups on top)."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_linter_contracts_are_kept() -> None:
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run(
        [lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert f"{len(contracts['contracts'])} kept, 0 broken" in result.stdout


def test_nothing_runs_at_import_time(tmp_path: Path) -> None:
    home = tmp_path / "home"
    code = (
        "import sys, kgmem, kgmem.server.app, kgmem.cli.main;"
        "print(sorted({'torch', 'sentence_transformers', 'pgserver'} & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"KGMEM_HOME": str(home), "PATH": ""},
        cwd=ROOT,
    )
    assert out.stdout.strip() == "[]"
    assert not home.exists()
