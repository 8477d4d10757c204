"""The server's listening socket (kgmem.server.run.listen) and a worker's watch on its
parent."""

import asyncio
import os
import socket

import uvicorn
from fastapi import FastAPI

from kgmem.server.run import _exit_with, listen


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
