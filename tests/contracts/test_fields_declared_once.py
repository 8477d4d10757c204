"""The stored fact's fields, the episode's keys and the entity's side columns are each
listed in one place (``kgmem.declarations``): a literal tuple, list or set naming three
or more of them anywhere else in kgmem, or a dict mapping them to names (a type by
field), is a hand-kept list that a new field would miss. A dict of values (a record) is data, not a
list, and so are the example payloads of the OpenAPI document (``*examples.py``,
checked against their schemas)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import kgmem
from kgmem.declarations import entity, episode, fact

ROOT = Path(kgmem.__file__).parent
DECLARATIONS = Path(fact.__file__).parent
FACT = frozenset(f.name for f in fact.FACT_FIELDS)
# The entity's side columns that its row computes (uid, label and id are every
# element's and name too much else to tell a list of them).
SIDE = frozenset(c.name for c in entity.SIDE_COLUMNS if c.source not in ("key", "write"))
DECLARED = {"fact": FACT, "episode": episode.KEYS, "entity": SIDE}


def _strings(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        items = node.elts
    elif isinstance(node, ast.Dict) and all(_is_text(v) for v in node.values):
        items = [k for k in node.keys if k is not None]
    else:
        return set()
    return {e.value for e in items if isinstance(e, ast.Constant) and isinstance(e.value, str)}


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def hand_kept_lists(source: str, names: frozenset[str] = FACT) -> list[tuple[int, list[str]]]:
    """The line and the field names of each literal collection naming >= 3 of ``names``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        named = _strings(node) & names
        if len(named) >= 3:
            found.append((getattr(node, "lineno", 0), sorted(named)))
    return found


@pytest.mark.parametrize("record", sorted(DECLARED))
def test_no_module_keeps_its_own_list_of_the_fields(record: str) -> None:
    offenders = [
        f"{path.relative_to(ROOT.parent)}:{line}: {names}"
        for path in sorted(ROOT.rglob("*.py"))
        if path.parent != DECLARATIONS and not path.name.endswith("examples.py")
        for line, names in hand_kept_lists(path.read_text(encoding="utf-8"), DECLARED[record])
    ]
    where = f"kgmem.declarations.{record}"
    assert offenders == [], f"derive these from {where}:\n" + "\n".join(offenders)


def test_the_scan_finds_a_hand_kept_list() -> None:
    assert hand_kept_lists('KEYS = ("uid", "valid_from", "recorded_at")\n') == [
        (1, ["recorded_at", "uid", "valid_from"])
    ]
    assert hand_kept_lists('KINDS = {"valid_to": "s", "expired_at": "s", "trust": "d"}\n')
    assert hand_kept_lists('row = {"valid_to": 1, "expired_at": 2, "trust": 3}\n') == []
    assert hand_kept_lists('KEYS = frozenset({"text", "confidence", "closed_by"})\n')
    assert hand_kept_lists('COLUMNS = ("uid", "predicate", "valid_from")\n') == []
    told = 'TOLD = ("session", "speaker", "occurred_at")\n'
    assert hand_kept_lists(told, episode.KEYS) == [(1, ["occurred_at", "session", "speaker"])]
    copied = 'COLUMNS = ("id", "name", "text", "occurred_at")\n'
    assert hand_kept_lists(copied, SIDE) == [(1, ["name", "occurred_at", "text"])]
