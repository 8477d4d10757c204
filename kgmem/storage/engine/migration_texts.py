"""Earlier migrations' SQL, for the migrations that edit it.

A migration that changes a few lines of a function an earlier migration created reads
that function's text from the earlier file and edits it, so the two cannot drift, and
its downgrade puts the text it read back. The migrations (``migrations/versions``, a
resource directory, not a package) import this module to do so.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Sequence
from types import ModuleType

from kgmem.process.resources import resource_dir


def earlier(name: str) -> ModuleType:
    """The migration ``name`` (its file's stem, ``0053_escaped_label_names``), loaded
    from its file."""
    path = resource_dir("migrations") / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"kgmem_migration_{name[:4]}", path)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"migration {name} not found at {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def created(migration: str, function: str, *, text_name: str = "UPGRADE") -> str:
    """The ``CREATE OR REPLACE FUNCTION`` of ``function`` (schema-qualified) as the SQL
    text ``text_name`` of ``migration`` created (or replaced) it."""
    text = str(getattr(earlier(migration), text_name))
    found = re.search(rf"CREATE (?:OR REPLACE )?FUNCTION {re.escape(function)}\(", text)
    if found is None:
        raise ValueError(f"migration {migration} does not create {function}")
    start = found.start() + len("CREATE") + (len(" OR REPLACE") if "REPLACE" in found[0] else 0)
    end = text.index("$fn$;", text.index("AS $fn$", start)) + len("$fn$;")
    return "CREATE OR REPLACE" + text[start:end] + "\n"


def edited(body: str, edits: Sequence[tuple[str, str]]) -> str:
    """``body`` with each ``(old, new)`` of ``edits`` made, in order; each ``old`` must
    occur exactly once (an edit that no longer fits fails loudly)."""
    for old, new in edits:
        if body.count(old) != 1:
            raise ValueError(f"a migration edit expects its text once, found {body.count(old)}")
        body = body.replace(old, new)
    return body


Edits = Sequence[tuple[str, str]]
"""A function's edits, ``(old, new)`` pairs for ``edited``."""


def upgraded(patches: Sequence[tuple[str, Edits]], before: Callable[[str], str]) -> list[str]:
    """Each function of ``patches`` (``(name, edits)``) as ``before(name)`` with its
    edits made: the statements of a migration's upgrade."""
    return [edited(before(name), edits) for name, edits in patches]


def restored(patches: Sequence[tuple[str, Edits]], before: Callable[[str], str]) -> list[str]:
    """Each function of ``patches`` as ``before(name)``: the statements of its downgrade."""
    return [before(name) for name, _ in patches]
