"""`kgmem cypher`: -c and -f with table, JSON and CSV output, and the interactive
console's commands (:params, :param, :explain, :help, :mode, :format)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from kgmem import EntityWrite, Memory
from kgmem.cli.cypher import ConsoleState, CypherConsole, complete_statement
from tests.cli.test_serve import env_for, kgmem
from tests.fixtures.database import DIMENSION


@pytest.fixture
async def people(memory: Memory, namespace: str) -> str:
    await memory.upsert_entity(namespace, EntityWrite("alice", "Person", {"name": "Alice"}))
    await memory.upsert_entity(namespace, EntityWrite("bob", "Person", {"name": "Bob"}))
    return namespace


def cli_env(pg_url: str, home: Path) -> dict[str, str]:
    return env_for(
        home,
        KGMEM_DATABASE_URL=pg_url,
        KGMEM_EMBEDDING_PROVIDER="none",
        KGMEM_EMBEDDING_DIMENSION=str(DIMENSION),
    )


@pytest.mark.slow
def test_one_query_in_json_csv_and_table(people: str, pg_url: str, tmp_path: Path) -> None:
    env = cli_env(pg_url, tmp_path)
    query = "MATCH (n:Person) RETURN n.name AS name, n ORDER BY name"
    as_json = kgmem("cypher", "-n", people, "-c", query, "--format", "json", env=env)
    assert as_json.returncode == 0, as_json.stderr
    body = json.loads(as_json.stdout)
    assert body["columns"] == ["name", "n"]
    assert [r[0] for r in body["rows"]] == ["Alice", "Bob"]
    assert body["rows"][0][1]["kind"] == "node"

    script = tmp_path / "q.cypher"
    script.write_text("// names\nMATCH (n:Person) WHERE n.name = $who\nRETURN n.name AS name;\n")
    as_csv = kgmem(
        "cypher", "-n", people, "-f", str(script), "--format", "csv", "-p", 'who="Bob"', env=env
    )
    assert as_csv.returncode == 0, as_csv.stderr
    assert list(csv.reader(io.StringIO(as_csv.stdout))) == [["name"], ["Bob"]]

    table = kgmem("cypher", "-n", people, "-c", query, env=env)
    assert table.returncode == 0 and "Alice" in table.stdout and "2 row(s)" in table.stdout

    role = kgmem("cypher", "-n", people, "--reader-role", env=env)
    assert role.returncode == 0 and role.stdout.strip() == f"kgmem_read_{people}"


@pytest.mark.slow
def test_errors_exit_non_zero_with_class_and_position(
    people: str, pg_url: str, tmp_path: Path
) -> None:
    failed = kgmem("cypher", "-n", people, "-c", "MATCH (n) RETUR n", env=cli_env(pg_url, tmp_path))
    assert failed.returncode == 1
    assert "cypher_syntax_error (syntax) at position 10" in failed.stderr.replace("\n", " ")


async def run_console(memory: Memory, namespace: str, *lines: str) -> tuple[str, ConsoleState]:
    out = io.StringIO()
    state = ConsoleState(namespace=namespace)
    shell = CypherConsole(memory, state, Console(file=out, width=200, color_system=None))
    for line in lines:
        assert await shell.handle(line)
    return out.getvalue(), state


async def test_console_commands(memory: Memory, people: str) -> None:
    text, state = await run_console(
        memory,
        people,
        ":help",
        ':params {"who": "Alice"}',
        "MATCH (n:Person) WHERE n.name = $who RETURN n.name AS name;",
        ":param who Bob",
        ":format csv",
        "MATCH (n:Person) WHERE n.name = $who RETURN n.name AS name",
        ":explain MATCH (n:Person) RETURN n",
        ":mode write",
        ":nonsense",
        "MATCH (n) RETUR n",
    )
    assert ":explain" in text  # the help
    assert "Alice" in text and "name\nBob\n" in text
    assert state.params == {"who": "Bob"} and state.mode == "write" and state.format == "csv"
    assert "columns: n" in text and "PostgreSQL plan:" in text
    assert "unknown command :nonsense" in text
    assert "cypher_syntax_error (syntax) at position 10" in text


async def test_console_quits(memory: Memory, namespace: str) -> None:
    shell = CypherConsole(memory, ConsoleState(namespace), Console(file=io.StringIO()))
    assert await shell.handle(":quit") is False


@pytest.mark.parametrize(
    ("buffer", "complete"),
    [
        ("MATCH (n)\n", False),
        ("MATCH (n)\nRETURN n;\n", True),
        (":params\n", True),
        ("MATCH (n)\nRETURN n\n\n", True),
        ("\n", True),
    ],
)
def test_multi_line_input_ends_at_semicolon_or_blank_line(buffer: str, complete: bool) -> None:
    assert complete_statement(buffer) is complete


async def test_interactive_prompt_reads_multi_line_statements_and_keeps_history(
    memory: Memory, people: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from kgmem.cli.cypher import interactive

    history = tmp_path / "history"
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text("MATCH (n:Person)\rRETURN n.name AS name\rORDER BY name;\r:quit\r")
        await interactive(memory, ConsoleState(people), history)
    out = capsys.readouterr().out
    assert "Alice" in out and "Bob" in out and "2 row(s)" in out
    assert "RETURN n.name AS name" in history.read_text()


async def test_ctrl_c_clears_a_half_typed_statement_and_stays(
    memory: Memory, people: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from kgmem.cli.cypher import interactive

    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        # Half a statement, Ctrl-C, then a whole one and Ctrl-D.
        pipe.send_text("MATCH (n:Person)\rRETURN n.na\x03")
        pipe.send_text("MATCH (n:Person) RETURN count(*) AS people;\r\x04")
        await interactive(memory, ConsoleState(people), tmp_path / "history")
    out = capsys.readouterr().out
    assert "people" in out and "1 row(s)" in out
    assert "cypher_syntax_error" not in out  # the cleared half was never run


async def test_csv_cells_hold_no_json(memory: Memory, people: str) -> None:
    text, _ = await run_console(
        memory,
        people,
        ":format csv",
        "MATCH (n:Person {name: 'Alice'}) RETURN n, [1, 2] AS xs, {a: true} AS m, null AS z;",
    )
    rows = list(csv.reader(io.StringIO(text.split("\n", 1)[1])))  # after ":format" said
    assert rows[0] == ["n", "xs", "m", "z"]
    assert rows[1] == ['(:Person {uid: "alice", name: "Alice"})', "[1, 2]", "{a: true}", ""]


async def test_the_table_shows_brackets_as_they_are(memory: Memory, people: str) -> None:
    """Lists, relationships and text that looks like rich markup are printed verbatim."""
    await memory.upsert_entity(
        people, EntityWrite("tag", "Person", {"name": "[bold]Zed[/bold]", "tags": ["a", "b"]})
    )
    text, _ = await run_console(
        memory,
        people,
        "MATCH (n:Person {name: '[bold]Zed[/bold]'}) RETURN n.name AS `[x]`, n.tags AS tags, "
        "[1, 2] AS pair;",
        "MATCH (n) RETURN n.[nope];",
    )
    assert "[bold]Zed[/bold]" in text and "[x]" in text
    assert '["a", "b"]' in text or "[a, b]" in text
    assert "[1, 2]" in text
