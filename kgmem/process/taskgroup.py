"""``asyncio.TaskGroup`` whose first failure is raised as it is.

A task group cancels the other tasks when one fails and raises an ``ExceptionGroup``;
kgmem's callers map a ``KgmemError`` to its stable code (an HTTP problem, an MCP error),
so the group is unwrapped to the first failure. Cancellation of the caller still cancels
every task and waits for them, as ``TaskGroup`` does.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def first(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first failure of ``group``, looking into nested groups."""
    exc: BaseException = group
    while isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    return exc


@contextlib.asynccontextmanager
async def task_group() -> AsyncIterator[asyncio.TaskGroup]:
    """An ``asyncio.TaskGroup`` that raises its first failure, not a group of them."""
    try:
        async with asyncio.TaskGroup() as tg:
            yield tg
    except BaseExceptionGroup as group:
        raise first(group) from None


async def together(work: Sequence[Coroutine[Any, Any, T]]) -> list[T]:
    """The results of ``work`` run at once, in order; the first failure cancels the
    rest and is raised as it is."""
    if len(work) == 1:
        return [await work[0]]
    async with task_group() as tg:
        tasks = [tg.create_task(w) for w in work]
    return [t.result() for t in tasks]
