"""The MCP door: kgmem's memory as Model Context Protocol tools and resources.

Built on the official ``mcp`` SDK. ``kgmem serve`` serves it over streamable HTTP at
``/mcp`` (``kgmem.mcp.http``); ``kgmem mcp`` serves it over stdio for desktop agents
(``kgmem.mcp.stdio``). Both admit callers by the same API keys, scopes and namespace
limits as the REST API (``kgmem.access``), and every tool calls the same core
functions as the matching REST route.
"""
