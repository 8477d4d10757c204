"""docker-compose.yml cannot run here (no Docker engine), so it is checked by parsing:
the services, health checks and ordering, that it only uses real settings, that its
PostgreSQL has the embedded default's version and extensions, and that the ports agree
with docs/deployment.md."""

import re
import subprocess
from pathlib import Path

import pgserver
import yaml

from kgmem.settings.config import DEFAULT_PORT, BoltSettings, documented_settings
from tests.fixtures import markdown

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_and_volumes() -> None:
    assert set(COMPOSE["services"]) == {"postgres", "redis", "migrate", "kgmem", "backup"}
    assert {"pgdata", "redisdata", "kgmemhome", "kgmembackups"} <= set(COMPOSE["volumes"])
    assert COMPOSE["services"]["postgres"]["build"] == "./docker/postgres"
    # PostgreSQL 18 images keep PGDATA in a versioned folder below /var/lib/postgresql.
    assert "pgdata:/var/lib/postgresql" in COMPOSE["services"]["postgres"]["volumes"]


def test_health_checks_and_start_order() -> None:
    services = COMPOSE["services"]
    for name in ("postgres", "redis", "kgmem"):
        assert services[name]["healthcheck"]["test"], name
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["migrate"]["command"] == ["kgmem", "migrate"]
    assert services["migrate"]["restart"] == "no"
    kg = services["kgmem"]
    assert kg["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert kg["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "0.0.0.0" in kg["command"] and "7420:7420" in kg["ports"]


def test_only_known_settings_are_used() -> None:
    known = {name for name, _, _ in documented_settings()}
    text = (ROOT / "docker-compose.yml").read_text()
    used = set(re.findall(r"^\s+(KGMEM_[A-Z_]+):", text, re.MULTILINE))
    assert used, "compose sets no KGMEM_ variables?"
    assert used <= known, used - known
    env = COMPOSE["services"]["kgmem"]["environment"]
    assert env["KGMEM_DATABASE_URL"].startswith("postgresql://kgmem:")
    assert env["KGMEM_DATABASE_URL"].endswith("@postgres:5432/kgmem")
    assert "KGMEM_AUTH_BOOTSTRAP_KEY" in env  # a 0.0.0.0 bind needs a key


def _embedded() -> dict[str, str]:
    """The embedded default's PostgreSQL major version and extension versions."""
    install = Path(pgserver.__file__).parent / "pginstall"
    version = subprocess.run(
        [install / "bin" / "postgres", "--version"], capture_output=True, text=True, check=True
    ).stdout
    found = {"postgres": re.search(r"PostgreSQL\) (\d+)", version).group(1)}  # type: ignore[union-attr]
    for name in ("age", "vector"):
        control = (install / "share" / "postgresql" / "extension" / f"{name}.control").read_text()
        found[name] = re.search(r"default_version = '([^']+)'", control).group(1)  # type: ignore[union-attr]
    return found


def test_postgres_image_matches_the_embedded_default() -> None:
    dockerfile = (ROOT / "docker" / "postgres" / "Dockerfile").read_text()
    embedded = _embedded()
    image = re.search(r"^ARG AGE_IMAGE=apache/age:release_PG(\d+)_(\S+)$", dockerfile, re.M)
    assert image, "the image must build on an apache/age release"
    assert image.group(1) == embedded["postgres"]
    assert image.group(2) == embedded["age"]
    assert f"postgresql-server-dev-{embedded['postgres']}" in dockerfile
    assert f"ARG PGVECTOR_VERSION={embedded['vector']}" in dockerfile
    assert "textsearch" not in dockerfile  # keyword search is PostgreSQL's own
    assert "session_preload_libraries=age" in dockerfile
    section = markdown.section("docs/deployment.md", "## Production: docker compose")
    major, age = embedded["postgres"], embedded["age"].rsplit(".", 1)[0]
    assert f"PostgreSQL {major}" in section and f"AGE {age}" in section
    app = (ROOT / "Dockerfile").read_text()
    assert "torch==2.13.0" in app and "download.pytorch.org/whl/cpu" in app


def test_ports_agree_with_the_deployment_page() -> None:
    services = COMPOSE["services"]
    assert f"{DEFAULT_PORT}:{DEFAULT_PORT}" in services["kgmem"]["ports"]
    assert "5432:5432" in services["postgres"]["ports"]
    # The Bolt section sends Neo4j tools to the default Bolt port of kgmem serve.
    bolt = BoltSettings().port
    assert f"{bolt}:{bolt}" in services["kgmem"]["ports"]
    assert services["kgmem"]["environment"]["KGMEM_BOLT_HOST"] == "0.0.0.0"
    assert f"bolt://localhost:{bolt}" in (ROOT / "README.md").read_text()
    section = markdown.section("docs/deployment.md", "## Production: docker compose")
    assert "port 5432" in section and f"port {DEFAULT_PORT}" in section
    assert f"port {bolt} (Bolt" in section
    # The analysts' page sends AGE Viewer to the compose stack's PostgreSQL.
    assert "compose stack's PostgreSQL" in (ROOT / "docs" / "cypher.md").read_text()


def test_backup_service_runs_the_backup_command_into_its_volume() -> None:
    backup = COMPOSE["services"]["backup"]
    script = " ".join(backup["command"])
    assert "kgmem backup /backups/" in script.replace('"', "")
    assert "kgmembackups:/backups" in backup["volumes"]
    assert backup["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert backup["environment"]["KGMEM_DATABASE_URL"].endswith("@postgres:5432/kgmem")
    app = (ROOT / "Dockerfile").read_text()
    assert "/backups" in app  # the image's user owns the mount point
