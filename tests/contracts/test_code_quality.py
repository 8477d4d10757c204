"""ruff (lint and format) and mypy --strict pass on the code base.

mypy checks every module each run, but keeps its cache outside the checkout
(``~/.cache/kgmem/mypy``, ``KGMEM_MYPY_CACHE`` overrides it) so a later run, another
worktree or CI on the same machine re-analyses only the modules whose content changed
(mypy compares each file's hash, its options and its own version with the cache's)."""

import contextlib
import fcntl
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow


def run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_lint() -> None:
    result = run(str(BIN / "ruff"), "check", "kgmem", "tests", "bench", "migrations", "tools")
    assert result.returncode == 0, result.stdout


def test_ruff_format() -> None:
    result = run(
        str(BIN / "ruff"), "format", "--check", "kgmem", "tests", "bench", "migrations", "tools"
    )
    assert result.returncode == 0, result.stdout


def mypy_cache() -> Path:
    """The folder of mypy's cache, shared by every checkout on this machine."""
    folder = os.environ.get("KGMEM_MYPY_CACHE")
    if folder:
        return Path(folder)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kgmem" / "mypy"


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """One mypy at a time writes the shared cache."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder.parent / f"{folder.name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def test_mypy_strict() -> None:
    cache = mypy_cache()
    with locked(cache):
        result = run(str(BIN / "mypy"), "--cache-dir", str(cache))
    assert result.returncode == 0, result.stdout
