"""One virtual environment per Neo4j library, each at the versions its requirements file
pins (their neo4j driver pins conflict, so they cannot share kgmem's own environment).

A venv lives in a cache outside the checkout, ``~/.cache/kgmem/library-venvs/<name>-<hash
of its requirements file>/`` (``KGMEM_LIBRARY_VENVS`` overrides the folder), so later
runs, other worktrees and CI runs on the same machine reuse it; editing a requirements
file gives a new folder. A file lock serialises builders (parallel pytest processes),
and a venv counts as built only once its ``built.json`` exists, so an interrupted build
is redone. ``uv`` builds when one is found beside the running Python or on PATH (with
the machine's pip configuration, see tools/pip_install.py), else ``venv`` + pip. Torch
is refused: a library that pulls it in fails the build.

    python -m tests.libraries.venvs build [name ...]   build what is missing
    python -m tests.libraries.venvs path <name>        the venv's python
    python -m tests.libraries.venvs info               built venvs, seconds and sizes
    python -m tests.libraries.venvs prune              remove venvs of older requirements
"""

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REQUIREMENTS = Path(__file__).parent / "requirements"
PIP_INSTALL = Path(__file__).resolve().parents[2] / "tools" / "pip_install.py"
FORBIDDEN = ("torch",)


@dataclass(frozen=True)
class Venv:
    """Where one library's environment lives and what it is built from."""

    name: str
    requirements: Path
    path: Path

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    @property
    def stamp(self) -> Path:
        return self.path / "built.json"

    @property
    def built(self) -> bool:
        return self.stamp.is_file() and self.python.is_file()


def cache_root() -> Path:
    """The folder holding every library venv."""
    folder = os.environ.get("KGMEM_LIBRARY_VENVS")
    if folder:
        return Path(folder)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kgmem" / "library-venvs"


def names() -> list[str]:
    """The libraries that have a requirements file."""
    return sorted(path.stem for path in REQUIREMENTS.glob("*.txt"))


def venv(name: str) -> Venv:
    """The venv of ``name``, built or not; its folder names its requirements' hash."""
    requirements = REQUIREMENTS / f"{name}.txt"
    if not requirements.is_file():
        raise KeyError(f"no requirements file for library {name!r}: {requirements}")
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()[:12]
    return Venv(name, requirements, cache_root() / f"{name}-{digest}")


@contextlib.contextmanager
def _locked(name: str) -> Iterator[None]:
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    with (root / f"{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _uv() -> str | None:
    beside = Path(sys.executable).parent / "uv"
    return str(beside) if beside.is_file() else shutil.which("uv")


def _run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def _install(target: Venv) -> str:
    uv = _uv()
    if uv:
        # tools/pip_install.py hands uv the machine's pip configuration (indexes, find-links,
        # constraints), so a library venv resolves from where pip would.
        _run(uv, "venv", "--quiet", "--python", sys.executable, str(target.path))
        # No bytecode at install: the client programs run with bytecode writing on, so
        # their first run compiles just what they import.
        _run(sys.executable, str(PIP_INSTALL), "--python", str(target.python), "--quiet",
             "--no-compile", "-r", str(target.requirements))  # fmt: skip
        return "uv"
    _run(sys.executable, "-m", "venv", str(target.path))
    _run(str(target.python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-r", str(target.requirements))  # fmt: skip
    return "pip"


def _refuse_forbidden(target: Venv) -> None:
    probe = "import importlib.util as u, sys; print([m for m in sys.argv[1:] if u.find_spec(m)])"
    found = subprocess.run(
        [str(target.python), "-c", probe, *FORBIDDEN],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if found != "[]":
        raise RuntimeError(f"{target.name}'s requirements install {found}: refused")


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def build(name: str) -> Venv:
    """Build ``name``'s venv unless already built (by this or another process)."""
    target = venv(name)
    with _locked(name):
        if target.built:
            return target
        shutil.rmtree(target.path, ignore_errors=True)
        started = time.monotonic()
        try:
            tool = _install(target)
            _refuse_forbidden(target)
        except BaseException:
            shutil.rmtree(target.path, ignore_errors=True)
            raise
        seconds = round(time.monotonic() - started, 1)
        record = {"tool": tool, "seconds": seconds, "bytes": _size(target.path)}
        target.stamp.write_text(json.dumps(record))
    return target


def info(name: str) -> dict[str, object]:
    """What ``built.json`` recorded for ``name``'s venv, or that it is not built."""
    target = venv(name)
    if not target.built:
        return {"name": name, "built": False, "path": str(target.path)}
    return {"name": name, "path": str(target.path), **json.loads(target.stamp.read_text())}


def prune() -> list[Path]:
    """Remove the venvs no requirements file names any more (edited pins leave them)."""
    current = {venv(name).path for name in names()}
    stale = [
        path for path in cache_root().glob("*-*")
        if path.is_dir() and path not in current and path.name.rsplit("-", 1)[0] in names()
    ]  # fmt: skip
    for path in stale:
        with _locked(path.name.rsplit("-", 1)[0]):
            shutil.rmtree(path, ignore_errors=True)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.libraries.venvs")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build").add_argument("names", nargs="*")
    commands.add_parser("path").add_argument("name")
    commands.add_parser("info")
    commands.add_parser("prune")
    args = parser.parse_args(argv)
    if args.command == "build":
        for name in args.names or names():
            built = build(name)
            print(json.dumps(info(built.name)))
    elif args.command == "path":
        print(venv(args.name).python)
    elif args.command == "prune":
        for path in prune():
            print(f"removed {path}")
    else:
        for name in names():
            print(json.dumps(info(name)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
