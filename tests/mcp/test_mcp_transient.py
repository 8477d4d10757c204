"""The MCP door runs again a tool call refused while the database is away (after the
refusal's Retry-After), and never one whose commit outcome is unknown. Real MCP client,
in process."""

from __future__ import annotations

from mcp import Client

from kgmem.errors import DatabaseUnavailable
from kgmem.failover_errors import CommitOutcomeUnknown, PrimaryUnavailable
from kgmem.mcp.door import reported
from kgmem.mcp.strict import StrictServer


def _server() -> tuple[StrictServer, dict[str, int]]:
    server = StrictServer("transient")
    calls = {"flaky": 0, "unknown": 0, "down": 0}

    @server.tool()
    def flaky() -> str:
        calls["flaky"] += 1
        with reported():
            if calls["flaky"] == 1:
                raise PrimaryUnavailable("read-only", retry_after_s=0.05)
            if calls["flaky"] == 2:
                raise DatabaseUnavailable("away", retry_after_s=0.05)
        return "stored"

    @server.tool()
    def unknown() -> str:
        calls["unknown"] += 1
        with reported():
            raise CommitOutcomeUnknown("lost while committing")

    @server.tool()
    def down() -> str:
        calls["down"] += 1
        with reported():
            raise DatabaseUnavailable("away for good", retry_after_s=0.01)

    return server, calls


async def test_a_refused_call_runs_again_and_an_unknown_commit_does_not() -> None:
    server, calls = _server()
    async with Client(server) as client:
        answer = await client.call_tool("flaky", {})
        assert not answer.is_error and answer.content[0].text == "stored"
        unknown = await client.call_tool("unknown", {})
        assert unknown.is_error and unknown.content[0].text.startswith("commit_outcome_unknown:")
        down = await client.call_tool("down", {})
        assert down.is_error and down.content[0].text.startswith("database_unavailable:")
    assert calls == {"flaky": 3, "unknown": 1, "down": 3}
