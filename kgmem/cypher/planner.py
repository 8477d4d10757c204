"""Planning off the event loop, in processes of their own, cut off at a deadline.

``kgmem.cypher.plan`` is pure Python over the query's tokens; its cost is bounded before
it starts (``kgmem.cypher.cost``), but a shape those bounds do not foresee could still
keep a CPU busy, and a thread cannot be stopped. So a server plans each query it has not
planned before in a child process (``python -m kgmem.cypher.planner``), at most
``PROCESSES`` at once, each with ``MEMORY_BYTES`` of address space. A child that has not
answered by the deadline is killed (and replaced when next needed), and the caller gets
``LimitExceeded``; no query plans for longer than ``MAX_SECONDS``. Plans are kept by
text, mode and list sizes (``CACHED``), so a query asked again is not planned again.

The parent and a child exchange pickled messages, each prefixed by its length: the
child reads ``(query, mode, lists)`` and answers ``("plan", prepared)`` or ``("error",
exception)``.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import contextlib
import functools
import os
import pickle
import resource
import select
import struct
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

from kgmem.cypher import guard, in_lists
from kgmem.cypher.plan import Mode, Prepared, prepare
from kgmem.errors import CypherSemanticError, KgmemError, LimitExceeded

PROCESSES = 2
MAX_SECONDS = 5.0
MEMORY_BYTES = 2 * 1024**3
CACHED = 1024
_HEADER = struct.Struct("!Q")


class _Child:
    """One planning process and its pipes."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kgmem.cypher.planner"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )

    def ask(self, query: str, mode: Mode, seconds: float, lists: in_lists.Shape) -> Any:
        """The child's answer for ``query``; ``TimeoutError`` past ``seconds``,
        ``EOFError`` when the child died."""
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        _send(self.proc.stdin, (query, mode, lists))
        return _receive(self.proc.stdout, time.monotonic() + seconds)

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.kill()
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


_Key = tuple[str, Mode, in_lists.Shape]


class Planner:
    """At most ``processes`` planning children, used one request at a time each."""

    def __init__(self, processes: int = PROCESSES) -> None:
        self._processes = processes
        self._executor = ThreadPoolExecutor(processes, thread_name_prefix="kgmem-planner")
        self._idle: list[_Child] = []
        self._lock = threading.Lock()
        self._cache: collections.OrderedDict[_Key, Prepared] = collections.OrderedDict()

    async def prepare(
        self, query: str, mode: Mode, seconds: float, lists: in_lists.Shape = ()
    ) -> Prepared:
        """``kgmem.cypher.plan.prepare`` of ``query`` in a child, within ``seconds``
        (``lists``: ``kgmem.cypher.in_lists.shape`` of its parameters)."""
        key = (query, mode, lists)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        guard.check_text(query)  # the length, before a child reads it
        seconds = min(seconds, MAX_SECONDS)
        loop = asyncio.get_running_loop()
        prepared = await loop.run_in_executor(
            self._executor, self._ask, query, mode, seconds, lists
        )
        with self._lock:
            self._cache[key] = prepared
            while len(self._cache) > CACHED:
                self._cache.popitem(last=False)
        return prepared

    def _ask(self, query: str, mode: Mode, seconds: float, lists: in_lists.Shape = ()) -> Prepared:
        with self._lock:
            child = self._idle.pop() if self._idle else None
        child = child or _Child()
        try:
            kind, value = child.ask(query, mode, seconds, lists)
        except TimeoutError:
            child.kill()
            raise LimitExceeded(
                f"planning the query took longer than {seconds:g} s: it is too complex for "
                "kgmem; shorten it or nest it less deeply",
                bound="planning time",
            ) from None
        except (EOFError, OSError):  # the child ended: past its memory, or killed
            child.kill()
            raise LimitExceeded(
                "planning the query ended its planning process (past its memory?): it is "
                "too complex for kgmem; shorten it or nest it less deeply",
                bound="planning memory",
            ) from None
        with self._lock:
            self._idle.append(child)
        if kind == "error":
            raise value
        return value  # type: ignore[no-any-return]

    def warm(self) -> None:
        """Start the children in the background, so the first queries do not wait for
        Python to start."""
        for _ in range(self._processes):
            self._executor.submit(self._warm_one)

    def _warm_one(self) -> None:
        with contextlib.suppress(KgmemError):
            self._ask("RETURN 1 AS warm", "read", MAX_SECONDS * 6)

    def close(self) -> None:
        """Stop every child."""
        with self._lock:
            idle, self._idle = self._idle, []
        for child in idle:
            child.kill()
        self._executor.shutdown(wait=False, cancel_futures=True)


@functools.cache
def default() -> Planner:
    """The process's planner, made on first use (its children start when needed and
    stop when the process exits)."""
    planner = Planner()
    atexit.register(planner.close)
    return planner


def _send(stream: IO[bytes], message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _receive(stream: IO[bytes], deadline: float | None) -> Any:
    header = _read(stream, _HEADER.size, deadline)
    (size,) = _HEADER.unpack(header)
    return pickle.loads(_read(stream, size, deadline))  # noqa: S301 - our own child


def _read(stream: IO[bytes], size: int, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    wanted = size
    fd = stream.fileno()
    while wanted:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
        chunk = os.read(fd, wanted)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        wanted -= len(chunk)
    return b"".join(chunks)


def _answer(query: str, mode: Mode, lists: in_lists.Shape) -> tuple[str, object]:
    """What the child sends back for one request."""
    try:
        return "plan", prepare(query, mode, lists)
    except KgmemError as exc:
        return "error", _portable(exc)
    except (RecursionError, MemoryError):
        return "error", LimitExceeded(
            "the query is too complex for kgmem to plan: shorten it or nest it less deeply"
        )
    except Exception as exc:  # a fault of kgmem's own: said as such, the child lives on
        return "error", CypherSemanticError(
            f"kgmem could not plan this query ({type(exc).__name__}: {exc}); "
            "please report it with the query"
        )


def _portable(exc: KgmemError) -> KgmemError:
    """``exc``, or a plain Cypher error with its words when it does not pickle."""
    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 - our own bytes
    except Exception:
        return CypherSemanticError(str(exc))
    return exc


def _serve() -> None:
    """The child's loop: plan each request from stdin until it closes."""
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    reader, writer = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            query, mode, lists = _receive(reader, None)
        except EOFError:
            return
        _send(writer, _answer(query, mode, lists))


if __name__ == "__main__":
    _serve()
