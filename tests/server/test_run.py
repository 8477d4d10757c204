"""The server's listening socket (kgmem.server.run.listen)."""

import asyncio
import socket

from kgmem.server.run import listen


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
