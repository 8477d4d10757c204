"""docker-compose.yml cannot run here (no Docker engine), so it is checked by parsing:
the services, health checks and ordering, and that it only uses real settings."""

import re
from pathlib import Path

import yaml

from kgmem.config import documented_settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_and_volumes() -> None:
    assert set(COMPOSE["services"]) == {"postgres", "redis", "migrate", "kgmem"}
    assert {"pgdata", "redisdata", "kgmemhome"} <= set(COMPOSE["volumes"])
    assert COMPOSE["services"]["postgres"]["build"] == "./docker/postgres"
    assert "pgdata:/var/lib/postgresql/data" in COMPOSE["services"]["postgres"]["volumes"]


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


def test_postgres_image_adds_pgvector_to_apache_age() -> None:
    dockerfile = (ROOT / "docker" / "postgres" / "Dockerfile").read_text()
    assert re.search(r"^ARG AGE_IMAGE=apache/age:", dockerfile, re.MULTILINE)
    assert "postgresql-16-pgvector" in dockerfile
    assert "session_preload_libraries=age" in dockerfile
    app = (ROOT / "Dockerfile").read_text()
    assert "torch==2.13.0" in app and "download.pytorch.org/whl/cpu" in app
