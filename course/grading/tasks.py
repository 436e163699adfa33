"""Learner coroutines run by a check leave nothing behind: no stray task, no exception printed later.

A check that awaits the learner's ``async def`` shares the kernel's event loop with everything after it.
If that code started tasks and returned (or failed) without awaiting them, they would keep running into the
next cell, and an abandoned task's exception would reach stderr when it is garbage-collected, where it scores
the *next* test cell 0.  Both checks that await learner coroutines (lessons 3 and 7) wrap the call in
:func:`contained`:

``async with contained() as scope:``
    Tasks that exist on entry are left alone.  On exit, every task created inside and still pending is
    cancelled and awaited; while inside, the loop's exception handler is silent.  Abandoned-task exceptions
    are flushed to that silent handler (``gc.collect()`` then one loop turn) when a task was cancelled or
    ``scope.settled`` is still False; a caller that got a clean result sets ``scope.settled = True`` to skip
    the collection (it costs a few milliseconds in a kernel holding many objects).

>>> import asyncio
>>> async def leaves_a_task():
...     asyncio.get_running_loop().create_task(asyncio.sleep(60))
...     return "done"
>>> async def check():
...     async with contained() as scope:
...         result = await leaves_a_task()
...         scope.settled = True
...     return result, [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
>>> asyncio.run(check())
('done', [])
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from dataclasses import dataclass
from typing import AsyncIterator


@dataclass
class Scope:
    """Set ``settled`` when the learner's coroutine returned cleanly (see the module docstring)."""

    settled: bool = False


@contextlib.asynccontextmanager
async def contained() -> AsyncIterator[Scope]:
    """Cancel and await every task started inside; keep the loop's exception handler silent meanwhile."""
    loop = asyncio.get_running_loop()
    before = asyncio.all_tasks()
    old = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, _ctx: None)
    scope = Scope()
    try:
        yield scope
    finally:
        me = asyncio.current_task()
        stray = [t for t in asyncio.all_tasks() - before if t is not me and not t.done()]
        for t in stray:
            t.cancel()
        if stray:
            await asyncio.gather(*stray, return_exceptions=True)
        if stray or not scope.settled:
            gc.collect()  # report abandoned task exceptions now, to the silent handler, not later to stderr
            await asyncio.sleep(0)
        loop.set_exception_handler(old)
