"""Install Python packages as pip would on this machine, with uv when it is there.

uv reads none of pip's configuration, so the settings pip would use here (its
configuration files and PIP_* variables, as ``pip config list`` shows them) are handed
to uv as its own options: index URLs, find-links, constraints, certificates, timeout.
uv also picks the best version over every index, as pip does, rather than the first
index that has the package, and writes the modules' bytecode at install, as pip does.
Without uv (none beside the target Python, none on PATH), pip itself installs.

    python tools/pip_install.py --python VENV/bin/python [pip install arguments ...]

Used by ./run (kgmem's own environment) and tests/libraries/venvs.py (the Neo4j
libraries' environments). KGMEM_NO_UV=1 makes pip install even where uv is found."""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

# pip's option -> uv's option; options that take several values take them space-separated.
OPTIONS = {
    "index-url": "--index-url",
    "extra-index-url": "--extra-index-url",
    "find-links": "--find-links",
    "constraint": "--constraint",
    "trusted-host": "--allow-insecure-host",
}
FLAGS = {"no-index": "--no-index", "pre": "--prerelease=allow"}
# Sections pip's install command reads, the later one winning.
SECTIONS = ("global", "install", ":env:")
# Two names of one pip option.
ALIASES = {"default-timeout": "timeout"}


def pip_config() -> dict[str, str]:
    """pip's settings for ``install`` on this machine: files, then PIP_* variables (as
    the pip beside this Python reads them: a venv made by uv has no pip of its own)."""
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    found: dict[str, dict[str, str]] = {section: {} for section in SECTIONS}
    for line in listed.splitlines():
        key, _, value = line.partition("=")
        section, _, name = key.rpartition(".")
        if section in found and value:
            found[section][ALIASES.get(name, name)] = ast.literal_eval(value)
    merged: dict[str, str] = {}
    for section in SECTIONS:
        merged.update(found[section])
    return merged


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def uv_options(config: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """uv's command-line options and environment for pip's ``config``."""
    options = ["--index-strategy", "unsafe-best-match"]
    # pip writes every module's bytecode at install (unless told not to); uv only when
    # asked. Without it each new process compiles what it imports: with
    # PYTHONDONTWRITEBYTECODE set, again in every process.
    if not _truthy(config.get("no-compile", "")):
        options.append("--compile-bytecode")
    for name, option in OPTIONS.items():
        for value in config.get(name, "").split():
            options += [option, value]
    options += [flag for name, flag in FLAGS.items() if _truthy(config.get(name, ""))]
    env: dict[str, str] = {}
    if config.get("cert"):
        env["SSL_CERT_FILE"] = config["cert"]
    if config.get("timeout"):
        env["UV_HTTP_TIMEOUT"] = str(int(float(config["timeout"])))
    return options, env


def find_uv(python: str) -> str | None:
    """uv beside the target Python, beside this one, or on PATH."""
    for folder in (Path(python).parent, Path(sys.executable).parent):
        if (folder / "uv").is_file():
            return str(folder / "uv")
    return shutil.which("uv")


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] != "--python":
        print(__doc__, file=sys.stderr)
        return 2
    python, arguments = argv[1], argv[2:]
    uv = None if os.environ.get("KGMEM_NO_UV") else find_uv(python)
    if uv is None:
        command = [python, "-m", "pip", "install", *arguments]
        return subprocess.run(command, check=False).returncode  # noqa: S603 (our arguments)
    config = pip_config()
    if "--no-compile" in arguments:  # pip's option, said on the command line
        arguments = [a for a in arguments if a != "--no-compile"]
        config["no-compile"] = "1"
    options, env = uv_options(config)
    command = [uv, "pip", "install", "--python", python, *options, *arguments]
    return subprocess.run(command, env={**os.environ, **env}, check=False).returncode  # noqa: S603


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
