"""Every runnable example of the README and of the topic pages it leads to runs here,
against a real ``kgmem serve`` (its own database, an OpenAI-compatible fake embedding
server), so none can drift: the curl commands of every shell block in order, the
answers the pages show beside them, the Python blocks, and the console commands that
need no file of the reader's own."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import shlex
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.cli.test_serve import Server, env_for, free_port
from tests.fixtures import markdown
from tests.fixtures.http_fakes import FakeEmbeddingServer
from tests.fixtures.markdown import Block

pytestmark = pytest.mark.slow

# Run against a server of their own by tests/client/test_readme_agents.py.
AGENT_SECTION = "## Use kgmem from an agent"

# The README first (its quick start makes the namespace the others use), then the
# topic pages whose examples run against the same server, in this order.
PAGES = (
    "README.md",
    "docs/building.md",
    "docs/concepts.md",
    "docs/rest.md",
    "docs/python.md",
    "docs/search.md",
    "docs/schema.md",
    "docs/cypher.md",
    "docs/import-export.md",
    "docs/live.md",
    "docs/deployment.md",
    "docs/consensus.md",
)


def blocks(language: tuple[str, ...]) -> list[Block]:
    """The pages' fenced blocks in one of ``language``, in order (the README's agent
    section left to its own test)."""
    return [
        block
        for page in PAGES
        for block in markdown.blocks(
            page, language, skip=AGENT_SECTION if page == "README.md" else None
        )
    ]


def commands(block: Block) -> Iterator[str]:
    """The shell commands of a block: continued and quoted lines joined, comments and
    blank lines left out."""
    pending = ""
    for line in block.text.splitlines():
        pending = f"{pending}\n{line}" if pending else line
        if pending.rstrip().endswith("\\"):
            continue
        try:
            shlex.split(pending, comments=True)
        except ValueError:  # a quote still open: the command goes on
            continue
        if shlex.split(pending, comments=True):
            yield pending
        pending = ""


def test_readme_commands_are_split_whole() -> None:
    [episode] = [b for b in blocks(("bash",)) if "/episodes" in b.text]
    [command] = list(commands(episode))
    assert command.startswith("curl -X POST") and command.rstrip().endswith("]}'")


class ReadmeServer(Server):
    """A ``kgmem serve`` that remembers its home and settings for the console commands."""

    def __init__(self, home: Path, **env: str) -> None:
        super().__init__(home, free_port(), **env)
        self.home = home
        self.env = env


def settings_env(url: str, fake: FakeEmbeddingServer) -> dict[str, str]:
    return {
        "KGMEM_DATABASE_URL": url,
        "KGMEM_EMBEDDING_PROVIDER": "openai",
        "KGMEM_EMBEDDING_MODEL": "text-embedding-3-small",
        "KGMEM_EMBEDDING_DIMENSION": str(fake.dimension),
        "KGMEM_EMBEDDING_URL": f"{fake.url}/v1",
    }


@pytest.fixture
async def server(  # type: ignore[no-untyped-def]
    home_dir: Path, fresh_database, fake_embedding_server: FakeEmbeddingServer
) -> AsyncIterator[ReadmeServer]:
    url = await fresh_database()
    running = ReadmeServer(home_dir, **settings_env(url, fake_embedding_server))
    try:
        running.wait_healthy()
        yield running
    finally:
        running.stop()


def run_curl(command: str, base: str) -> subprocess.CompletedProcess[str]:
    """One documented curl command against ``base`` (HTTP errors fail it; a followed
    event stream is cut after a few seconds)."""
    command = command.replace("localhost:7420", base)
    follow = " -N " in command
    command = re.sub(
        r"^curl ", "curl --fail-with-body " + ("--max-time 3 " if follow else ""), command
    )
    with tempfile.TemporaryDirectory() as cwd:  # for the files an example writes
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    if follow and done.returncode == 28:  # the stream was followed until cut
        return subprocess.CompletedProcess(done.args, 0, done.stdout, done.stderr)
    return done


def shown_answer(block_after: Block) -> dict:
    """The JSON answer the page shows, with its elisions ("...") left out."""
    shown = json.loads(block_after.text)

    def strip(value: object) -> object:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "..." and v != "..."}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(shown)  # type: ignore[return-value]


def matches(shown: object, real: object, where: str = "") -> list[str]:
    """Where ``real`` differs from what the page shows (varying values excepted)."""
    if isinstance(shown, dict):
        if not isinstance(real, dict):
            return [f"{where}: not an object"]
        out = []
        for key, value in shown.items():
            if key not in real:
                out.append(f"{where}.{key}: missing")
            elif key not in {"uid", "graph_id", "recorded_at"}:
                out += matches(value, real[key], f"{where}.{key}")
        return out
    if isinstance(shown, list):
        if not isinstance(real, list) or len(real) < len(shown):
            return [f"{where}: fewer items"]
        return [m for s, r in zip(shown, real, strict=False) for m in matches(s, r, where)]
    return [] if shown == real else [f"{where}: shown {shown!r}, server {real!r}"]


def test_every_curl_example_runs_and_answers_as_shown(server: ReadmeServer) -> None:
    base = server.url.removeprefix("http://")
    shells = blocks(("sh", "bash", "json"))
    failures: list[str] = []
    ran = 0
    for i, block in enumerate(shells):
        if block.language == "json":
            continue
        for command in commands(block):
            if not command.startswith("curl"):
                continue
            done = run_curl(command, base)
            ran += 1
            if done.returncode != 0:
                failures.append(f"{block.where}: {command}\n{done.stdout}{done.stderr}")
                continue
            after = shells[i + 1] if i + 1 < len(shells) else None
            if (
                after is not None
                and after.language == "json"
                and after.page == block.page
                and command.rstrip().endswith("entities/alice")
            ):
                diff = matches(shown_answer(after), json.loads(done.stdout))
                failures += [f"{after.where}: {d}" for d in diff]
    assert not failures, "\n\n".join(failures)
    assert ran >= 10  # the quick start, episodes, search, Cypher, live events, trust


def test_the_cypher_example_finds_what_the_quick_start_wrote(server: ReadmeServer) -> None:
    base = server.url.removeprefix("http://")
    [quick] = [b for b in blocks(("sh",)) if "v1/namespaces/demo/entities/alice" in b.text]
    for command in commands(quick):
        assert run_curl(command, base).returncode == 0
    [cypher] = [b for b in blocks(("bash",)) if "/cypher" in b.text]
    [command] = list(commands(cypher))
    answer = json.loads(run_curl(command, base).stdout)
    assert answer["columns"] == ["p", "r", "name"]
    assert [row[2] for row in answer["rows"]] == ["Alice"]


def test_console_examples_run(server: ReadmeServer, tmp_path: Path) -> None:
    base = server.url.removeprefix("http://")
    [quick] = [b for b in blocks(("sh",)) if "v1/namespaces/demo/entities/alice" in b.text]
    for command in commands(quick):
        assert run_curl(command, base).returncode == 0
    env = env_for(server.home, **server.env)
    ran: list[str] = []
    for block in blocks(("sh", "bash")):
        for command in commands(block):
            args = shlex.split(command, comments=True)
            runnable = args[0] == "kgmem" and args[1] in ("verify", "cypher", "export")
            if not runnable or (args[1] == "cypher" and "-c" not in args):
                continue
            done = subprocess.run(
                [sys.executable, "-m", "kgmem", *args[1:]],
                env=env,
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert done.returncode == 0, f"{block.where}: {command}\n{done.stderr}"
            ran.append(args[1])
    assert sorted(set(ran)) == ["cypher", "export", "verify"]


def _hoisted(code: str) -> tuple[list[str], str]:
    lines = code.splitlines()
    imports = [x for x in lines if x.startswith(("from ", "import "))]
    return imports, "\n".join(x for x in lines if not x.startswith(("from ", "import ")))


async def test_python_examples_run(  # type: ignore[no-untyped-def]
    tmp_path: Path, fresh_database, fake_embedding_server: FakeEmbeddingServer
) -> None:
    """The Python blocks in a store of their own, as the body of an async function; the
    later blocks run with a ``memory`` opened as the first block opens it."""
    first, *rest = blocks(("python",))
    (tmp_path / "dump.nt.gz").write_bytes(gzip.compress(b"<urn:a> <urn:knows> <urn:b> .\n"))
    imports, opening = _hoisted(first.text)
    later: list[str] = []
    for block in rest:
        more, body = _hoisted(block.text)
        imports += more
        later.append(body)
    body = (
        opening
        + "\nasync with await Memory.open(Settings()) as memory:\n"
        + textwrap.indent("\n".join(later), "    ")
    )
    script = "\n".join(
        ["import asyncio", *imports, "", "async def main():", textwrap.indent(body, "    ")]
    )
    script += "\n\nasyncio.run(main())\n"
    url = await fresh_database()
    env = env_for(tmp_path / "home", **settings_env(url, fake_embedding_server))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        script,
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), timeout=300)
    assert proc.returncode == 0, f"{script}\n{err.decode()}"
