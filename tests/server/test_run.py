"""The server's listening socket (kgmem.server.run.listen), a worker's watch on its
parent, and the Bolt listener as a service of the store's runtime."""

import asyncio
import os
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from kgmem import Memory
from kgmem.bolt import BoltServer
from kgmem.server.run import _bolt_service, _exit_with, listen
from kgmem.settings.config import BoltSettings
from tests.fixtures.database import store_settings


async def test_accepted_connections_send_small_writes_without_waiting_for_acks() -> None:
    # Nagle's algorithm on a kept-alive connection holds an answer's second write until
    # the client's delayed ACK (~40 ms): every connection the server accepts must have
    # TCP_NODELAY.
    sock = listen("127.0.0.1", 0, shared=False)
    seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn: socket.socket = writer.get_extra_info("socket")
        seen.set_result(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(accepted, sock=sock)
    try:
        port = sock.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(seen, 5) != 0
        writer.close()
    finally:
        server.close()
        await server.wait_closed()


async def test_a_worker_stops_serving_once_its_parent_is_gone() -> None:
    userver = uvicorn.Server(uvicorn.Config(FastAPI()))
    await _exit_with(os.getppid(), userver)(None)
    assert not userver.should_exit  # the parent is still there
    await _exit_with(-1, userver)(None)  # no process has that id: the parent is gone
    assert userver.should_exit


async def test_the_bolt_listener_is_listed_kept_listening_and_stopped_with_the_store(
    fresh_database: Callable[[], Awaitable[str]], tmp_path: Path
) -> None:
    memory = await Memory.open(store_settings(await fresh_database(), tmp_path))
    bolt = BoltServer(memory, BoltSettings(port=0))
    try:
        await bolt.start()
        port = bolt.port
        memory.runtime.adopt(_bolt_service(bolt, interval_s=0.1))
        assert (await memory.health()).services["bolt-listener"].state in {"starting", "running"}
        assert bolt.server is not None
        bolt.server.close()  # the socket is gone: the service listens again, on the same port
        await bolt.server.wait_closed()
        for _ in range(400):  # 20 s at most
            if bolt.server is not None and bolt.server.is_serving():
                break
            await asyncio.sleep(0.05)
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.close()
    finally:
        await memory.close()
    assert bolt.server is not None and not bolt.server.is_serving()
    assert not bolt.connections
