"""Kernel channels that never sleep through a message that has already arrived.

nbclient waits for a cell's ``execute_reply`` with one ``shell_channel.get_msg(timeout=<the cell's timeout>)``
and for its outputs with ``iopub_channel.get_msg(timeout=None)``. Each is a single ``zmq.asyncio`` poll, and
such a poll can miss the wake-up of a message that is already queued, returning it only when the timeout ends
(the behaviour reported in pyzmq issue 1558, "Starting zmq.asyncio.Poller with socket initialized outside of
running loop hangs": https://github.com/zeromq/pyzmq/issues/1558). Seen in this course's grading: about one
lesson-3 submission in five waited exactly 20 s (``Execute.timeout``) after a cell whose reply the kernel had
sent within 0.3 s; on the output channel, with no timeout, the same miss would last until the iopub timeout
failed the cell.

``poll_in_steps(kc)``
    Wrap ``kc``'s shell and iopub ``get_msg`` so every wait is a series of short polls (:data:`STEP_S`): a
    missed wake-up costs at most one step. The overall timeout, the ``Empty`` it raises and the order of
    messages are unchanged (one socket, one reader). Applied once per client; returns ``kc``.

``SteadyNotebookClient``
    ``nbclient.NotebookClient`` whose kernel client is wrapped this way (the course's executors use it;
    ``course.instructor.preprocessors.GuardedExecute`` applies the same wrapper under nbgrader).

>>> class Channel:                      # a stand-in channel: a message is ready on the third poll
...     polls = []
...     async def get_msg(self, timeout=None):
...         self.polls.append(timeout)
...         if len(self.polls) < 3:
...             raise Empty
...         return {"msg_type": "execute_reply"}
>>> class Client:
...     shell_channel, iopub_channel = Channel(), Channel()
>>> import asyncio
>>> kc = poll_in_steps(Client())
>>> asyncio.run(kc.shell_channel.get_msg(timeout=20))["msg_type"]
'execute_reply'
>>> Channel.polls
[0.1, 0.1, 0.1]
"""

from __future__ import annotations

import functools
import time
from queue import Empty
from typing import Any, Awaitable, Callable

from jupyter_core.utils import run_sync
from nbclient import NotebookClient

STEP_S = 0.1
_MARK = "_course_steps"


def _stepped(get_msg: Callable[..., Awaitable[dict[str, Any]]]) -> Callable[..., Awaitable[dict[str, Any]]]:
    @functools.wraps(get_msg)
    async def get_msg_in_steps(timeout: float | None = None) -> dict[str, Any]:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = STEP_S if deadline is None else max(0.0, min(STEP_S, deadline - time.monotonic()))
            try:
                return await get_msg(timeout=left)
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise
    setattr(get_msg_in_steps, _MARK, True)
    return get_msg_in_steps


def poll_in_steps(kc: Any) -> Any:
    """Make ``kc``'s shell and iopub waits short repeated polls (idempotent); returns ``kc``."""
    for channel in (kc.shell_channel, kc.iopub_channel):
        if not getattr(channel.get_msg, _MARK, False):
            channel.get_msg = _stepped(channel.get_msg)
    return kc


class SteadyNotebookClient(NotebookClient):
    """``NotebookClient`` whose waits for kernel messages cannot oversleep (see the module docstring)."""

    async def async_start_new_kernel_client(self) -> Any:
        return poll_in_steps(await super().async_start_new_kernel_client())

    start_new_kernel_client = run_sync(async_start_new_kernel_client)
