"""The package stays laid out by concept: no module past 600 lines, and kgmem/storage
keeps its sub-packages (engine, backups, indexes, graph, bulk) rather than one flat
folder."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "kgmem"
MAX_LINES = 600
MAX_STORAGE_TOP = 20


def test_no_module_is_longer_than_600_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_storage_keeps_at_most_20_modules_at_its_top() -> None:
    top = sorted(p.name for p in (PACKAGE / "storage").glob("*.py"))
    assert len(top) <= MAX_STORAGE_TOP, top


def test_storage_sub_packages_each_say_what_they_hold() -> None:
    for name in ("engine", "backups", "indexes", "graph", "bulk"):
        init = PACKAGE / "storage" / name / "__init__.py"
        assert init.is_file(), name
        assert '"""' in init.read_text(encoding="utf-8"), f"{name} has no docstring"
