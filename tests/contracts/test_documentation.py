"""What the README, docs/ and api/ promise matches the code."""

from pathlib import Path

import kgmem
from kgmem.server.problems import error_markdown
from kgmem.settings.config import SECTIONS, Settings, documented_settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_has_a_description_and_is_in_the_configuration_page() -> None:
    page = (ROOT / "docs" / "configuration.md").read_text()
    rows = documented_settings()
    assert len(rows) > 20
    for name, _, description in rows:
        assert description, f"{name} has no description"
        assert f"`{name}`" in page, f"{name} is not documented in docs/configuration.md"


def test_every_section_is_reachable_from_settings() -> None:
    settings = Settings()
    for name in SECTIONS:
        assert getattr(settings, "schema_" if name == "schema" else name) is not None


def test_error_table_matches_api_errors_md() -> None:
    assert (ROOT / "api" / "errors.md").read_text() == error_markdown(), (
        "refresh with `kgmem errors > api/errors.md`"
    )


def test_public_api_is_pinned() -> None:
    assert sorted(kgmem.__all__) == sorted(
        [
            "ApiKey",
            "BatchResult",
            "BatchWrite",
            "Entity",
            "EntityDetail",
            "EntityWrite",
            "Fact",
            "FactQuery",
            "FactWrite",
            "GeoPoint",
            "HealthReport",
            "IssuedKey",
            "KgmemError",
            "Memory",
            "Namespace",
            "NamespaceStats",
            "Page",
            "Settings",
            "WriteOutcome",
            "__version__",
        ]
    )
    for name in kgmem.__all__:
        assert hasattr(kgmem, name)


def test_readme_quick_start_has_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "./run serve" in readme and "./run test" in readme
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("exec ./run test")
