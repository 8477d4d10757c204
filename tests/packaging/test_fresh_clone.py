"""The README's two commands, `./run serve` and `./run test`, set everything up from a
fresh clone, the graph explorer included (its built files are not committed).

The clone is the repository's tracked files copied to a scratch directory. Its virtual
environment is a stand-in already marked installed for this pyproject.toml and run
script (the run script's own check), whose `kgmem` and `python` only record their
arguments: what is tested is the set-up the two commands do before they start."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ASSETS = Path("kgmem/server/explorer_assets")


def fresh_clone(into: Path) -> Path:
    tracked = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True)
        .stdout.decode()
        .split("\0")
    )
    clone = into / "clone"
    for name in filter(None, tracked):
        source = ROOT / name
        if source.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    assert not (clone / ASSETS).exists()  # nothing built is tracked
    return clone


def stand_in_venv(clone: Path, into: Path) -> Path:
    """A venv the run script takes as installed, its commands recording their calls (a
    redis-server, a chromium and an etcd there too, so `./run test` installs none)."""
    venv = into / "venv"
    (venv / "bin").mkdir(parents=True)
    for command in ("kgmem", "python", "redis-server", "chromium", "etcd"):
        script = venv / "bin" / command
        script.write_text(f'#!/bin/sh\necho "{command} $*" >> "{venv}/calls"\n')
        script.chmod(0o755)
    wanted = (clone / "pyproject.toml").read_bytes() + (clone / "run").read_bytes()
    (venv / ".install-stamp").write_text(hashlib.sha256(wanted).hexdigest()[:16] + "\n")
    return venv


@pytest.mark.skipif(shutil.which("npm") is None, reason="building the explorer needs npm")
def test_run_serve_and_run_test_build_the_explorer_in_a_fresh_clone(tmp_path: Path) -> None:
    clone = fresh_clone(tmp_path)
    venv = stand_in_venv(clone, tmp_path)
    env = {"PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin", "KGMEM_VENV": str(venv),
           "HOME": str(tmp_path)}  # fmt: skip
    served = subprocess.run(
        ["bash", "run", "serve", "--port", "7499"], cwd=clone, env=env, check=False,
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert served.returncode == 0, served.stderr
    built = clone / ASSETS
    for asset in ("index.html", "explorer.css", "explorer.js", "THIRD_PARTY_LICENSES.txt"):
        assert (built / asset).is_file(), (asset, served.stderr)
    stamp = (built / ".build-stamp").read_text()
    tested = subprocess.run(
        ["bash", "run", "test", "-k", "nothing"], cwd=clone, env=env, check=False,
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert tested.returncode == 0, tested.stderr
    assert "building the graph explorer" not in tested.stderr  # up to date: not rebuilt
    assert (built / ".build-stamp").read_text() == stamp
    calls = (venv / "calls").read_text().splitlines()
    workers = len(os.sched_getaffinity(0)) + 1  # one more than the cores (nproc)
    assert calls == [
        "kgmem serve --port 7499",
        f"python -m pytest -n {workers} --dist loadfile --durations=40 -k nothing",
    ]
    # With no arguments: the suite but the failover tests, then those alone.
    whole = subprocess.run(
        ["bash", "run", "test"], cwd=clone, env=env, check=False,
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert whole.returncode == 0, whole.stderr
    assert (venv / "calls").read_text().splitlines()[len(calls) :] == [
        f"python -m pytest -n {workers} --dist loadfile --durations=40 -m not failover",
        "python -m pytest --durations=10 -m failover tests/ha",
    ]
    # A changed source is rebuilt by the next command.
    (clone / "ui" / "src" / "explorer.css").write_text("/* changed */\n", encoding="utf-8")
    again = subprocess.run(
        ["bash", "run", "serve"],
        cwd=clone,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "building the graph explorer" in again.stderr
    assert (built / "explorer.css").read_text() == "/* changed */\n"
