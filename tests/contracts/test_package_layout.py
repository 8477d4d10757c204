"""kgmem's top level stays a handful of entry points and every settings class lives in
kgmem/settings: a module added loose at the top, or a settings section declared next to
the code that reads it, fails here."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "kgmem"
SETTINGS = PACKAGE / "settings"
MAX_TOP_MODULES = 8


def _declares_settings(tree: ast.Module) -> list[str]:
    """Classes of ``tree`` that are settings: based on pydantic's ``BaseSettings`` or
    configured with ``section_config`` (how kgmem declares a section)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        bases = {ast.unparse(b).rsplit(".", 1)[-1] for b in node.bases}
        configured = any(
            isinstance(s, ast.Assign | ast.AnnAssign) and "section_config(" in ast.unparse(s)
            for s in node.body
        )
        if "BaseSettings" in bases or configured:
            found.append(node.name)
    return found


def test_at_most_8_loose_modules_at_the_top_of_kgmem() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, top


def test_settings_classes_are_declared_in_kgmem_settings_only() -> None:
    outside = {
        str(p.relative_to(ROOT)): names
        for p in PACKAGE.rglob("*.py")
        if SETTINGS not in p.parents
        and (names := _declares_settings(ast.parse(p.read_text(encoding="utf-8"))))
    }
    assert outside == {}


def test_the_settings_package_declares_the_settings() -> None:
    inside = [
        name
        for p in SETTINGS.glob("*.py")
        for name in _declares_settings(ast.parse(p.read_text(encoding="utf-8")))
    ]
    assert {"Settings", "DatabaseSettings", "QuotaSettings"} <= set(inside), inside


def test_the_check_sees_a_settings_class_wherever_it_is_written() -> None:
    written = (
        "from pydantic_settings import BaseSettings\n"
        "from kgmem.settings.section import section_config\n"
        "class A(BaseSettings):\n    x: int = 1\n"
        "class B(SomeBase):\n    model_config = section_config('KGMEM_B_')\n"
        "class C:\n    pass\n"
    )
    assert _declares_settings(ast.parse(written)) == ["A", "B"]


def test_storage_sub_packages_and_the_shared_packages_say_what_they_hold() -> None:
    packages = [*(PACKAGE / "storage").glob("*/__init__.py")] + [
        PACKAGE / name / "__init__.py" for name in ("settings", "process", "text", "keys", "model")
    ]
    silent = [
        str(init.parent.relative_to(ROOT))
        for init in packages
        if not init.read_text(encoding="utf-8").lstrip().startswith('"""')
    ]
    assert silent == []
