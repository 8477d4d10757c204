"""Every MCP tool refuses an argument it does not take, naming it, as REST refuses an
unknown field (a misspelled argument is never silently dropped); nothing is written."""

from __future__ import annotations

from kgmem import Memory
from tests.mcp.test_mcp_http import error_text, mcp_client, payload


async def test_every_tool_refuses_an_unknown_argument(live_url: str, namespace: str) -> None:
    async with mcp_client(live_url) as client:
        tools = (await client.list_tools()).tools
        assert len(tools) >= 15
        for tool in tools:
            answer = await client.call_tool(tool.name, {"namespace": namespace, "bogus_arg": 1})
            text = error_text(answer)
            assert "invalid_request" in text and "'bogus_arg'" in text, (tool.name, text)


async def test_a_misspelled_argument_is_refused_and_nothing_is_written(
    live_url: str, namespace: str, memory: Memory
) -> None:
    episode = {"text": "I live in Porto.", "uid": "ep-typo"}
    async with mcp_client(live_url) as client:
        typo = await client.call_tool(
            "add_episode", {"namespace": namespace, "episode": episode, "speakr": "Maya"}
        )
        assert "'speakr'" in error_text(typo) and "episode" in error_text(typo)
        scratch = {"namespace": namespace, "agent": "a", "key": "k", "value": 1, "ttl": 5}
        assert "'ttl'" in error_text(await client.call_tool("set_scratch", scratch))
        inner = await client.call_tool(
            "add_episode", {"namespace": namespace, "episode": episode | {"speakr": "Maya"}}
        )
        assert "speakr" in error_text(inner)
        written = payload(
            await client.call_tool("add_episode", {"namespace": namespace, "episode": episode})
        )
        assert written["uid"] == "ep-typo"
    assert [e.uid for e in (await memory.list_entities(namespace, label="Episode")).items] == [
        "ep-typo"
    ]
