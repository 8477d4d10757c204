"""``Client``: the REST API from synchronous code.

A ``Client`` runs an ``AsyncClient`` on an event loop of its own, in a daemon thread,
and waits for each call: every operation is written once, in ``AsyncClient``, and
``Client`` takes its methods as they are (the same names, parameters, defaults and
documentation; ``close`` for ``aclose``, ``with`` for ``async with``). The streams
(``export``, ``events``) become plain iterators.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
import types
import typing
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, Self, TypeVar

import httpx

from kgmem.client.asynchronous import AsyncClient
from kgmem.client.retry import RetryPolicy

P = ParamSpec("P")
T = TypeVar("T")


class _Loop:
    """An asyncio loop running in a daemon thread (so a client never closed cannot keep
    the interpreter from exiting), and the way to wait for a coroutine on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="kgmem-client", daemon=True
        )
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """The coroutine's result, run on the loop; an interrupt (Ctrl-C) while waiting
        cancels it there."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


async def _made(make: Callable[[], AsyncClient]) -> AsyncClient:
    """An ``AsyncClient`` made on the loop that will use it."""
    return make()


async def _next(stream: AsyncIterator[T]) -> list[T]:
    """The stream's next item in a list, or an empty list at its end."""
    try:
        return [await anext(stream)]
    except StopAsyncIteration:
        return []


def _waits(
    method: Callable[Concatenate[AsyncClient, P], Awaitable[T]],
) -> Callable[Concatenate[Client, P], T]:
    """``AsyncClient``'s ``method`` as a ``Client`` method that waits for its answer."""

    @functools.wraps(method)
    def call(self: Client, /, *args: P.args, **kwargs: P.kwargs) -> T:
        async def answer() -> T:
            return await method(self.asynchronous, *args, **kwargs)

        return self._loop.run(answer())

    return call


def _iterates(
    method: Callable[Concatenate[AsyncClient, P], AsyncIterator[T]],
) -> Callable[Concatenate[Client, P], Iterator[T]]:
    """``AsyncClient``'s streaming ``method`` as a ``Client`` method giving an iterator;
    the stream is closed when the iterator is (or is left unfinished and collected)."""

    @functools.wraps(method)
    def call(self: Client, /, *args: P.args, **kwargs: P.kwargs) -> Iterator[T]:
        stream = method(self.asynchronous, *args, **kwargs)
        try:
            while batch := self._loop.run(_next(stream)):
                yield from batch
        finally:
            close = getattr(stream, "aclose", None)
            if close is not None and not self._loop.loop.is_closed():
                self._loop.run(close())

    # What help(), inspect and typing.get_type_hints show: an iterator of the same items.
    hints = typing.get_type_hints(method)
    hints["return"] = types.GenericAlias(Iterator, typing.get_args(hints["return"]))
    call.__annotations__ = hints
    vars(call)["__signature__"] = inspect.signature(method).replace(
        return_annotation=hints["return"]
    )
    return call


class Client:
    """A kgmem server at ``base_url``, e.g. ``Client("http://127.0.0.1:7420",
    api_key="kgm_...")``; use it as ``with`` or call ``close()``."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._loop = _Loop()
        # A client left unclosed stops its loop (and thread) when it is collected.
        self._stop = weakref.finalize(self, self._loop.stop)
        make = functools.partial(
            AsyncClient, base_url, api_key=api_key, timeout=timeout, retry=retry,
            transport=transport,
        )  # fmt: skip
        self.asynchronous = self._loop.run(_made(make))
        """The ``AsyncClient`` this client runs (on its own loop: not for other loops)."""

    @property
    def retry(self) -> RetryPolicy:
        """How refused requests are retried."""
        return self.asynchronous.retry

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections and stop the client's loop; closing twice is harmless."""
        if not self._stop.alive:
            return
        try:
            self._loop.run(self.asynchronous.aclose())
        finally:
            self._stop()

    list_namespaces = _waits(AsyncClient.list_namespaces)
    create_namespace = _waits(AsyncClient.create_namespace)
    get_namespace = _waits(AsyncClient.get_namespace)
    namespace_stats = _waits(AsyncClient.namespace_stats)
    delete_namespace = _waits(AsyncClient.delete_namespace)
    upsert_entity = _waits(AsyncClient.upsert_entity)
    get_entity = _waits(AsyncClient.get_entity)
    delete_entity = _waits(AsyncClient.delete_entity)
    add_fact = _waits(AsyncClient.add_fact)
    get_fact = _waits(AsyncClient.get_fact)
    list_facts = _waits(AsyncClient.list_facts)
    close_fact = _waits(AsyncClient.close_fact)
    delete_fact = _waits(AsyncClient.delete_fact)
    write_batch = _waits(AsyncClient.write_batch)
    search = _waits(AsyncClient.search)
    timeline = _waits(AsyncClient.timeline)
    causal_trace = _waits(AsyncClient.causal_trace)
    add_episodes = _waits(AsyncClient.add_episodes)
    check_statement = _waits(AsyncClient.check_statement)
    fact_verification = _waits(AsyncClient.fact_verification)
    cypher = _waits(AsyncClient.cypher)
    run_named = _waits(AsyncClient.run_named)
    delete_episode = _waits(AsyncClient.delete_episode)
    delete_source = _waits(AsyncClient.delete_source)
    build_context = _waits(AsyncClient.build_context)
    health = _waits(AsyncClient.health)
    get_agent_state = _waits(AsyncClient.get_agent_state)
    put_agent_state = _waits(AsyncClient.put_agent_state)
    reset_agent_state = _waits(AsyncClient.reset_agent_state)
    agent_state_history = _waits(AsyncClient.agent_state_history)
    set_scratch = _waits(AsyncClient.set_scratch)
    get_scratch = _waits(AsyncClient.get_scratch)
    scratch_keys = _waits(AsyncClient.scratch_keys)
    delete_scratch = _waits(AsyncClient.delete_scratch)
    create_budget = _waits(AsyncClient.create_budget)
    get_budget = _waits(AsyncClient.get_budget)
    post_transaction = _waits(AsyncClient.post_transaction)
    transactions = _waits(AsyncClient.transactions)
    budget_balance = _waits(AsyncClient.budget_balance)
    record_decision = _waits(AsyncClient.record_decision)
    get_decision = _waits(AsyncClient.get_decision)
    decisions = _waits(AsyncClient.decisions)
    explain_decision = _waits(AsyncClient.explain_decision)
    set_decision_outcome = _waits(AsyncClient.set_decision_outcome)
    get_tier_policy = _waits(AsyncClient.get_tier_policy)
    set_tier_policy = _waits(AsyncClient.set_tier_policy)
    apply_tiers = _waits(AsyncClient.apply_tiers)
    episode_tiers = _waits(AsyncClient.episode_tiers)
    archive_episodes = _waits(AsyncClient.archive_episodes)
    restore_episodes = _waits(AsyncClient.restore_episodes)
    search_archive = _waits(AsyncClient.search_archive)
    distill = _waits(AsyncClient.distill)
    summary_provenance = _waits(AsyncClient.summary_provenance)
    export = _iterates(AsyncClient.export)
    events = _iterates(AsyncClient.events)
