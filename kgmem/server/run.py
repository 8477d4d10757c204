"""Running the server under uvicorn, owning the store for the process's lifetime.

Order matters: take ``KGMEM_HOME`` and open the store first (a second server on the
same home fails here, before binding), refuse a non-loopback address when no API key
exists, then serve until SIGINT or SIGTERM, and finally close the store, which stops
the embedded PostgreSQL. The shutdown is bounded (``kgmem.server.shutdown``): requests
get ``KGMEM_SERVER_SHUTDOWN_TIMEOUT_S`` to finish, then their statements are cancelled
and their backends terminated; a second signal skips the wait.

With ``KGMEM_SERVER_WORKERS`` > 1 the owner starts that many minus one worker
processes once the store is open. Each opens the store without owning it (attaching
to the owner's database) and listens on the same port with ``SO_REUSEPORT``, so the
kernel spreads connections over the processes. Workers stop with the owner: it
sends them SIGTERM on shutdown (SIGKILL when they outlast their own bounded shutdown,
or on a second signal), and a worker whose parent disappears exits by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import uvicorn

from kgmem.bolt import BoltServer
from kgmem.errors import ConfigurationError
from kgmem.memory import Memory
from kgmem.process import logs, metrics
from kgmem.process.periodic import Periodic
from kgmem.server.app import create_app
from kgmem.server.auth import is_loopback
from kgmem.server.shutdown import GracefulServer, graceful_timeout
from kgmem.settings.config import ServerSettings, Settings

_log = logging.getLogger("kgmem.server")

BOLT_CHECK_S = 5.0
"""How often the owner looks whether its Bolt listener still listens."""
PARENT_CHECK_S = 1.0
"""How often a worker looks whether the owning server is still its parent."""
_WORKER_CLOSE_S = 5.0
"""A worker's time to close its pool after its requests ended."""


async def serve(settings: Settings, server: ServerSettings) -> None:
    """Open the store and serve it on ``server.host:server.port`` until signalled."""
    # Before anything counts: every process of this server (the workers inherit the
    # environment) writes its metrics under the home, and /metrics adds them up. The
    # folder is this process's own: a second server refused by the home's lock must
    # not empty the running one's.
    counted = metrics.use_directory(settings.home / "metrics", os.getpid())
    try:
        memory = await Memory.open(settings, serve=True)
    except BaseException:
        metrics.drop_directory(counted)
        raise
    metrics.drop_others(counted)  # the home is ours: older servers' folders are stale
    freeze_startup_heap()
    # A background task, not a task group: a failed warm-up must not end the server.
    warming = asyncio.create_task(memory.warm_up())
    try:
        if not is_loopback(server.host) and await memory.active_key_count() == 0:
            raise ConfigurationError(
                f"refusing to listen on {server.host}: the store has no API keys, so anyone "
                "who can reach the port would have full access. Create a key first "
                "(`kgmem keys create --name admin --scope admin`) or bind 127.0.0.1"
            )
        config = _config(memory, settings, server)
        # Bolt first: a port taken by another program is refused before workers start.
        bolt = await _start_bolt(memory, settings)
        if bolt is not None:
            # Reported in /health, listening again if its socket closes, and stopped
            # (connections and all) with the store's other services.
            memory.runtime.adopt(_bolt_service(bolt))
        sock = listen(server.host, server.port, shared=server.workers > 1)
        workers = [_spawn(server) for _ in range(server.workers - 1)]
        _log.info(
            "kgmem serving on http://%s:%d (%d process(es))",
            server.host,
            server.port,
            server.workers,
        )
        owner = GracefulServer(
            config, memory, others=lambda hard: _stop_workers(workers, server, hard)
        )
        try:
            await owner.serve(sockets=[sock])
        finally:
            _stop_workers(workers, server, owner.hard)
    finally:
        warming.cancel()
        await asyncio.gather(warming, return_exceptions=True)
        await memory.close()  # no-op when the app's shutdown already closed it


async def _start_bolt(memory: Memory, settings: Settings) -> BoltServer | None:
    """The Bolt listener of the owner process (KGMEM_BOLT_PORT; 0 turns it off)."""
    if settings.bolt.port == 0:
        return None
    if not is_loopback(settings.bolt.host) and await memory.active_key_count() == 0:
        raise ConfigurationError(
            f"refusing to serve Bolt on {settings.bolt.host}: the store has no API keys"
        )
    bolt = BoltServer(memory, settings.bolt)
    await bolt.start()
    _log.info("kgmem serving Bolt on bolt://%s:%d", settings.bolt.host, bolt.port)
    return bolt


def _bolt_service(bolt: BoltServer, interval_s: float = BOLT_CHECK_S) -> Periodic:
    """The Bolt listener as a background service of the store's runtime."""

    async def keep_listening(_: object) -> None:
        if bolt.server is None or not bolt.server.is_serving():
            await bolt.start()

    return Periodic("bolt-listener", interval_s, keep_listening, stopped=bolt.stop)


async def serve_worker(settings: Settings, server: ServerSettings) -> None:
    """One extra worker: attach to the owner's store and serve the shared port."""
    memory = await Memory.open(settings)
    freeze_startup_heap()
    parent = os.getppid()
    # Each worker runs its own model: warmed like the owner's, its /readyz says when.
    warming = asyncio.create_task(memory.warm_up())
    try:
        userver = GracefulServer(_config(memory, settings, server), memory)
        # A background service of the store's runtime, stopped when the store closes.
        memory.runtime.adopt(Periodic("parent-watch", PARENT_CHECK_S, _exit_with(parent, userver)))
        await userver.serve(sockets=[listen(server.host, server.port, shared=True)])
    finally:
        warming.cancel()
        await asyncio.gather(warming, return_exceptions=True)
        await memory.close()


def freeze_startup_heap() -> None:
    """Exempt what start-up allocated (modules, settings, the graph model) from the
    cyclic garbage collector. Otherwise every full collection, which batch writes
    trigger by allocating per item, walks all of it again (a large share of a batched
    fact write's client CPU with a long-lived heap)."""
    gc.collect()
    gc.freeze()


def _config(memory: Memory, settings: Settings, server: ServerSettings) -> uvicorn.Config:
    return uvicorn.Config(
        # GracefulServer closes the store, also when a second signal skips the app's
        # shutdown.
        create_app(memory=memory),
        host=server.host,
        port=server.port,
        log_level=settings.log_level,
        log_config=None,  # kgmem.process.logs configured the process's logging
        access_log=server.access_log,
        lifespan="on",
        proxy_headers=False,
        timeout_graceful_shutdown=graceful_timeout(server.shutdown_timeout_s),
    )


def listen(host: str, port: int, *, shared: bool) -> socket.socket:
    """A listening TCP socket; ``shared`` lets several processes bind the same port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named explicitly: the event loop disables Nagle's algorithm only on
    # connections whose socket says TCP. With proto 0 it did not, and every answer on
    # a kept-alive connection after the first waited ~40 ms for the client's delayed
    # ACK (headers and body are two writes).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def _spawn(server: ServerSettings) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KGMEM_SERVER_HOST": server.host,
        "KGMEM_SERVER_PORT": str(server.port),
    }
    code = "from kgmem.server.run import worker_main; worker_main()"
    return subprocess.Popen([sys.executable, "-c", code], env=env)  # noqa: S603 (fixed argv)


def _stop_workers(
    workers: list[subprocess.Popen[bytes]], server: ServerSettings, hard: threading.Event
) -> None:
    """SIGTERM each worker, then SIGKILL those still running once their own bounded
    shutdown should have ended, or at once on ``hard``."""
    running = [w for w in workers if w.poll() is None]
    for w in running:
        w.terminate()
    deadline = time.monotonic() + graceful_timeout(server.shutdown_timeout_s) + _WORKER_CLOSE_S
    while any(w.poll() is None for w in running):
        if hard.is_set() or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    killed = [w for w in running if w.poll() is None]
    for w in killed:
        w.kill()
        w.wait()
    for w in running:
        metrics.process_ended(w.pid)
    if running:
        _log.info(
            "shutdown: %d worker process(es) stopped, %d of them killed",
            len(running),
            len(killed),
        )


def _exit_with(parent: int, userver: uvicorn.Server) -> Callable[[object], Awaitable[None]]:
    """A step that stops ``userver`` once the process ``parent`` is gone (there is no
    event for a parent's death: the step looks)."""

    async def check(_: object) -> None:
        if os.getppid() != parent and not userver.should_exit:
            _log.warning("kgmem worker %d: the owning server is gone; stopping", os.getpid())
            userver.should_exit = True

    return check


def run(main: Coroutine[Any, Any, None]) -> None:
    """Run a server's main coroutine on uvloop when installed (it ships with
    uvicorn[standard]), else on asyncio's own loop. uvloop's loop and transports cost
    less CPU per request and per database round trip than asyncio's."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - platforms without uvloop (Windows)
        asyncio.run(main)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


def worker_main() -> None:
    """Entry point of a worker process (settings from the environment)."""
    settings = Settings()
    logs.configure(settings.log_level, settings.log_format)
    with contextlib.suppress(KeyboardInterrupt):
        run(serve_worker(settings, settings.server))
