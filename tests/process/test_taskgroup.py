"""kgmem.process.taskgroup: the first failure cancels the rest and is raised as it is; the
caller's cancellation cancels every task and waits for them."""

from __future__ import annotations

import asyncio

import pytest

from kgmem.errors import InvalidInput
from kgmem.process.taskgroup import task_group, together

LIMIT_S = 10.0


async def test_results_come_in_order() -> None:
    async def after(delay: float, value: int) -> int:
        await asyncio.sleep(delay)
        return value

    got = await asyncio.wait_for(together([after(0.02, 1), after(0.0, 2), after(0.01, 3)]), LIMIT_S)
    assert got == [1, 2, 3]


async def test_the_first_failure_cancels_the_rest_and_is_raised_as_is() -> None:
    cancelled: list[str] = []

    async def waits(name: str) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(name)
            raise

    async def fails() -> None:
        await asyncio.sleep(0)
        raise InvalidInput("bad", field="x")

    with pytest.raises(InvalidInput) as caught:
        await asyncio.wait_for(together([waits("a"), fails(), waits("b")]), LIMIT_S)
    assert not isinstance(caught.value, BaseExceptionGroup)
    assert sorted(cancelled) == ["a", "b"]


async def test_a_failure_in_the_body_cancels_the_tasks() -> None:
    ended = asyncio.Event()

    async def waits() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            ended.set()

    async def body() -> None:
        async with task_group() as tg:
            tg.create_task(waits())
            await asyncio.sleep(0)
            raise KeyError("body")

    with pytest.raises(KeyError):
        await asyncio.wait_for(body(), LIMIT_S)
    assert ended.is_set()


async def test_cancelling_the_caller_cancels_and_waits_for_every_task() -> None:
    started, ended = asyncio.Event(), asyncio.Event()

    async def waits() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.sleep(0)  # still awaited after its cancellation
            ended.set()

    async def caller() -> None:
        await together([waits(), waits()])

    task = asyncio.create_task(caller())
    await asyncio.wait_for(started.wait(), LIMIT_S)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, LIMIT_S)
    assert ended.is_set()


async def test_nested_groups_raise_the_innermost_failure() -> None:
    async def inner() -> None:
        await together([asyncio.sleep(0), _raise(ValueError("deep"))])

    with pytest.raises(ValueError, match="deep"):
        await asyncio.wait_for(together([inner(), asyncio.sleep(1)]), LIMIT_S)


async def _raise(exc: BaseException) -> None:
    raise exc
