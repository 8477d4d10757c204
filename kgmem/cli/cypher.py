"""``kgmem cypher``: an interactive Cypher console, or one query with -c / -f.

Interactive: history in KGMEM_HOME/cypher_history, multi-line input (a statement ends
with ``;`` or an empty line), results as tables, and commands::

    :help                 this list
    :params               show the parameters
    :params {"a": 1}      replace them (JSON object)
    :param name <json>    set one
    :explain <query>      kgmem's and PostgreSQL's plan, nothing runs
    :mode read|write      read (default) or write
    :limit N              row limit
    :format table|json|csv
    :quit                 leave (or Ctrl-D; Ctrl-C clears the line)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from kgmem.cli.open_store import fail
from kgmem.errors import KgmemError

if TYPE_CHECKING:
    from kgmem.cli.cypher_output import Format
    from kgmem.cypher import Mode
    from kgmem.memory import Memory

HELP = __doc__.split("commands::", 1)[1] if __doc__ else ""


@dataclass
class ConsoleState:
    """What the interactive session remembers between statements."""

    namespace: str
    params: dict[str, Any] = field(default_factory=dict)
    mode: Mode = "read"
    limit: int | None = None
    format: Format = "table"


class CypherConsole:
    """Handles one input (a statement or a ``:command``) and prints the outcome."""

    def __init__(self, memory: Memory, state: ConsoleState, console: Console) -> None:
        self.memory, self.state, self.console = memory, state, console

    async def handle(self, text: str) -> bool:
        """Run ``text``; False when the session should end."""
        text = text.strip()
        if not text:
            return True
        if text.startswith(":"):
            return await self.command(text)
        try:
            result = await self.memory.cypher(
                self.state.namespace,
                text,
                self.state.params,
                mode=self.state.mode,
                limit=self.state.limit,
            )
        except KgmemError as exc:
            self.error(exc)
            return True
        print_result(self.console, result, self.state.format)
        return True

    async def command(self, text: str) -> bool:
        name, _, rest = text[1:].partition(" ")
        rest = rest.strip()
        handlers = {
            "help": self.show_help,
            "params": self.params,
            "param": self.param,
            "mode": self.mode,
            "limit": self.limit,
            "format": self.format,
        }
        if name in ("quit", "exit", "q"):
            return False
        if name == "explain":
            await self.explain(rest)
        elif name in handlers:
            handlers[name](rest)
        else:
            self.console.print(f"[red]unknown command :{name}[/] (try :help)")
        return True

    def show_help(self, _: str) -> None:
        self.console.print(HELP, highlight=False, markup=False)

    def params(self, rest: str) -> None:
        if rest:
            value = self._json(rest)
            if not isinstance(value, dict):
                self.console.print("[red]:params takes a JSON object[/]")
                return
            self.state.params = value
        self.console.print_json(json.dumps(self.state.params))

    def param(self, rest: str) -> None:
        key, _, raw = rest.partition(" ")
        if not key or not raw:
            self.console.print("[red]usage: :param name <json value>[/]")
            return
        self.state.params[key] = self._json(raw)
        self.console.print_json(json.dumps(self.state.params))

    def mode(self, rest: str) -> None:
        if rest in ("read", "write"):
            self.state.mode = rest  # type: ignore[assignment]
        self.console.print(f"mode: {self.state.mode}")

    def limit(self, rest: str) -> None:
        self.state.limit = int(rest) if rest.isdigit() and int(rest) > 0 else None
        self.console.print(f"limit: {self.state.limit or 'server default'}")

    def format(self, rest: str) -> None:
        if rest in ("table", "json", "csv"):
            self.state.format = rest  # type: ignore[assignment]
        self.console.print(f"format: {self.state.format}")

    async def explain(self, query: str) -> None:
        try:
            lines = await self.memory.explain_cypher(
                self.state.namespace, query.rstrip(";"), self.state.params
            )
        except KgmemError as exc:
            self.error(exc)
            return
        self.console.print("\n".join(lines), highlight=False, markup=False)

    def _json(self, raw: str) -> Any:
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw  # a bare word is a string

    def error(self, exc: KgmemError) -> None:
        where = exc.extra.get("position")
        klass = exc.extra.get("error_class")
        label = f"{exc.code}" + (f" ({klass})" if klass else "")
        at = f" at position {where}" if where is not None else ""
        self.console.print(f"[bold red]{label}{at}:[/] {escape(exc.detail)}", highlight=False)


def print_result(console: Console, result: Any, fmt: Format) -> None:
    from kgmem.cli import cypher_output

    """Print ``result`` in ``fmt``."""
    if fmt == "json":
        console.file.write(cypher_output.as_json(result) + "\n")
    elif fmt == "csv":
        console.file.write(cypher_output.as_csv(result))
    else:
        console.print(cypher_output.as_table(result))


def complete_statement(text: str) -> bool:
    """Whether the buffer holds a whole statement (``:command``, ``;`` or a blank line)."""
    stripped = text.strip()
    return (
        not stripped or stripped.startswith(":") or stripped.endswith(";") or text.endswith("\n\n")
    )


async def interactive(memory: Memory, state: ConsoleState, history: Path) -> None:
    """The prompt loop."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory
    from prompt_toolkit.key_binding import KeyBindings

    bindings = KeyBindings()

    @bindings.add("enter")
    def _(event: Any) -> None:
        buffer = event.current_buffer
        if complete_statement(buffer.text + "\n"):
            buffer.validate_and_handle()
        else:
            buffer.insert_text("\n")

    history.parent.mkdir(parents=True, exist_ok=True)
    session: PromptSession[str] = PromptSession(
        history=FileHistory(str(history)), multiline=True, key_bindings=bindings
    )
    console = Console()
    shell = CypherConsole(memory, state, console)
    console.print(f"kgmem cypher on namespace {state.namespace!r}: end statements with ';', :help")
    while True:
        try:
            text = await session.prompt_async(
                f"{state.namespace}({state.mode})> ", prompt_continuation="... "
            )
        except KeyboardInterrupt:  # Ctrl-C clears the statement being typed, as psql does
            continue
        except EOFError:  # Ctrl-D leaves
            return
        if not await shell.handle(text):
            return


def command(  # noqa: PLR0913, PLR0917 - typer maps each option to a parameter
    namespace: Annotated[str, typer.Option("--namespace", "-n", help="Namespace to query.")],
    query: Annotated[str | None, typer.Option("-c", help="Run this query and exit.")] = None,
    file: Annotated[Path | None, typer.Option("-f", help="Run the query in this file.")] = None,
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="name=<json value>, repeatable.")
    ] = None,
    write: Annotated[bool, typer.Option(help="Allow writing clauses.")] = False,
    limit: Annotated[int | None, typer.Option(help="Most rows to return.")] = None,
    reader_role: Annotated[
        bool, typer.Option("--reader-role", help="Print the namespace's read-only role and exit.")
    ] = False,
) -> None:
    """Query a namespace in Cypher: interactive, or one query with -c / -f."""
    if output not in ("table", "json", "csv"):
        fail("--format must be table, json or csv")
    if query is not None and file is not None:
        fail("give -c or -f, not both")
    text = file.read_text(encoding="utf-8") if file is not None else query
    state = ConsoleState(
        namespace=namespace,
        params=_parse_params(param or []),
        mode="write" if write else "read",
        limit=limit,
        format=output,  # type: ignore[arg-type]
    )
    import asyncio  # here, not at import: commands that only print start faster

    asyncio.run(_main(state, text, reader_role=reader_role))


async def _main(state: ConsoleState, text: str | None, *, reader_role: bool = False) -> None:
    from kgmem.memory import Memory
    from kgmem.settings.config import Settings

    settings = Settings()
    try:
        memory = await Memory.open(settings)
    except KgmemError as exc:
        fail(exc.detail)
    try:
        if reader_role:
            role = await memory.cypher_reader_role(state.namespace)
            Console().file.write(role + "\n")
            return
        if text is None:
            await interactive(memory, state, settings.home / "cypher_history")
            return
        try:
            result = await memory.cypher(
                state.namespace, text, state.params, mode=state.mode, limit=state.limit
            )
        except KgmemError as exc:
            CypherConsole(memory, state, Console(stderr=True)).error(exc)
            raise typer.Exit(1) from exc
        print_result(Console(), result, state.format)
    finally:
        await memory.close()


def _parse_params(items: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name:
            fail(f"--param must look like name=<json value>, got {item!r}")
        try:
            params[name] = json.loads(raw)
        except json.JSONDecodeError:
            params[name] = raw
    return params
