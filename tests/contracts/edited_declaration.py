"""Run a program in a fresh interpreter in which one of ``kgmem/declarations``'s modules
has one more line, inserted before anything derives from it, as a newcomer's edit
would be; the program prints a JSON object last, which is returned."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import kgmem

ROOT = Path(kgmem.__file__).parent.parent

_EDIT = """
import sys
import types
from pathlib import Path

path = Path("kgmem/declarations/{name}.py")
source = path.read_text(encoding="utf-8")
anchor, added = {anchor!r}, {added!r}
assert anchor in source
edited = source.replace(anchor, {edited}, 1)
module = types.ModuleType("kgmem.declarations.{name}")
module.__file__ = str(path)
sys.modules[module.__name__] = module
exec(compile(edited, module.__file__, "exec"), module.__dict__)
"""


def run_edited(name: str, anchor: str, added: str, program: str, *, after: bool) -> Any:
    """``program``'s last printed line, as JSON, run once ``added`` is inserted into the
    declaration ``name`` before ``anchor`` (or after it, with ``after``)."""
    edited = "anchor + added" if after else "added + anchor"
    edit = _EDIT.format(name=name, anchor=anchor, added=added, edited=edited)
    done = subprocess.run(
        [sys.executable, "-c", edit + program],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
