"""tools/pip_install.py: uv installs with the settings pip would use on this machine
(pip's configuration files and PIP_* variables become uv's options), and pip installs
when there is no uv. The uv and the pythons here are stand-ins recording their calls."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "pip_install.py"


def recorder(path: Path, log: Path, *variables: str) -> None:
    """An executable at ``path`` that appends its arguments (and ``variables``) to ``log``."""
    shown = " ".join(f"{name}=${{{name}}}" for name in variables)
    path.write_text(f'#!/bin/sh\necho "{path.name} $* | {shown}" >> "{log}"\n')
    path.chmod(0o755)


def pip_settings(tmp_path: Path) -> dict[str, str]:
    """An environment whose pip reads one configuration file and two PIP_* variables."""
    config = tmp_path / "pip.conf"
    config.write_text(
        "[global]\nindex-url = https://mirror.invalid/simple\n"
        "extra-index-url = file:///srv/a/simple\n  file:///srv/b/simple\n"
        "cert = /srv/ca.pem\ntimeout = 30\n"
        "[install]\nconstraint = /srv/constraints.txt\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env.update({"PIP_CONFIG_FILE": str(config), "PIP_FIND_LINKS": "/srv/wheels",
                "PIP_DEFAULT_TIMEOUT": "45", "HOME": str(tmp_path)})  # fmt: skip
    env.pop("KGMEM_NO_UV", None)
    return env


def test_uv_gets_pip_s_indexes_links_constraints_certificate_and_timeout(
    tmp_path: Path,
) -> None:
    venv = tmp_path / "venv" / "bin"
    venv.mkdir(parents=True)
    log = tmp_path / "calls"
    recorder(venv / "uv", log, "SSL_CERT_FILE", "UV_HTTP_TIMEOUT")
    recorder(venv / "python", log)
    env = pip_settings(tmp_path)
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--python", str(venv / "python"), "--quiet", "torch==2.13.0"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    [call] = log.read_text().splitlines()
    arguments, _, variables = call.partition(" | ")
    assert arguments.split() == [
        "uv", "pip", "install", "--python", str(venv / "python"),
        "--index-strategy", "unsafe-best-match", "--compile-bytecode",
        "--index-url", "https://mirror.invalid/simple",
        "--extra-index-url", "file:///srv/a/simple",
        "--extra-index-url", "file:///srv/b/simple",
        "--find-links", "/srv/wheels",
        "--constraint", "/srv/constraints.txt",
        "--quiet", "torch==2.13.0",
    ]  # fmt: skip
    # The certificate from the file; the timeout from the variable, which wins over it.
    assert variables.split() == ["SSL_CERT_FILE=/srv/ca.pem", "UV_HTTP_TIMEOUT=45"]


def test_without_uv_pip_installs(tmp_path: Path) -> None:
    venv = tmp_path / "venv" / "bin"
    venv.mkdir(parents=True)
    log = tmp_path / "calls"
    recorder(venv / "python", log)
    env = {**pip_settings(tmp_path), "KGMEM_NO_UV": "1"}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--python", str(venv / "python"), "-e", ".[test]"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert log.read_text().split(" | ")[0].split() == [
        "python", "-m", "pip", "install", "-e", ".[test]",
    ]  # fmt: skip


def test_no_compile_is_pip_s_option_and_uv_writes_no_bytecode(tmp_path: Path) -> None:
    venv = tmp_path / "venv" / "bin"
    venv.mkdir(parents=True)
    log = tmp_path / "calls"
    recorder(venv / "uv", log)
    recorder(venv / "python", log)
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--python", str(venv / "python"), "--no-compile", "six"],
        env=pip_settings(tmp_path), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    arguments = log.read_text().split(" | ")[0].split()
    assert arguments[:3] == ["uv", "pip", "install"]
    assert "--compile-bytecode" not in arguments
    assert "--no-compile" not in arguments
    assert arguments[-1] == "six"
