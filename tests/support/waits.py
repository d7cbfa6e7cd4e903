"""Waiting until something holds: ``poll`` calls a (sync or async) probe until it is done."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def poll(
    probe: Callable[[], T | Awaitable[T]], done: Callable[[T], bool], within: float = 15
) -> T:
    """Call ``probe`` (sync or async) until ``done`` accepts its value; fail after ``within`` s."""
    async with asyncio.timeout(within):
        while True:
            value = probe()
            if inspect.isawaitable(value):
                value = await value
            if done(value):  # type: ignore[arg-type]
                return value  # type: ignore[return-value]
            await asyncio.sleep(0.05)
