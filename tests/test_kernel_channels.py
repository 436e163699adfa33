"""Waits for kernel messages are short repeated polls (course.kernel_channels): a message that is already
queued is picked up within one step, the caller's overall timeout still holds, and every executor the course
uses (nbgrader's, through GuardedExecute; the notebook runners) waits that way."""

from __future__ import annotations

import asyncio
import time
from queue import Empty

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from course import kernel_channels
from course.instructor.preprocessors import GuardedExecute


class SleepyChannel:
    """Like a zmq poll that missed its wake-up: the message is queued at ``ready_at`` but a poll only sees
    it when the poll's own timeout ends (so one long poll oversleeps)."""

    def __init__(self, ready_at: float) -> None:
        self.ready_at = ready_at
        self.polls: list[float | None] = []

    async def get_msg(self, timeout: float | None = None) -> dict:
        self.polls.append(timeout)
        await asyncio.sleep(timeout if timeout is not None else 30)  # "forever", bounded by _run
        if time.monotonic() >= self.ready_at:
            return {"msg_type": "execute_reply"}
        raise Empty


def _run(aw: object) -> dict:
    """Await with a 5 s bound, so a wait that oversleeps fails the test instead of hanging it."""
    return asyncio.run(asyncio.wait_for(aw, 5))  # type: ignore[arg-type]


class Client:
    def __init__(self, ready_in: float) -> None:
        self.shell_channel = SleepyChannel(time.monotonic() + ready_in)
        self.iopub_channel = SleepyChannel(time.monotonic() + ready_in)


def test_a_queued_message_is_seen_within_one_step_not_at_the_timeout() -> None:
    kc = kernel_channels.poll_in_steps(Client(ready_in=0.05))
    assert _run(kc.shell_channel.get_msg(timeout=20))["msg_type"] == "execute_reply"
    assert kc.shell_channel.polls and all(p is not None and p <= kernel_channels.STEP_S for p in kc.shell_channel.polls)


def test_no_timeout_means_wait_in_steps_until_the_message_comes() -> None:
    kc = kernel_channels.poll_in_steps(Client(ready_in=0.25))
    assert _run(kc.iopub_channel.get_msg(timeout=None))["msg_type"] == "execute_reply"
    assert len(kc.iopub_channel.polls) >= 2 and None not in kc.iopub_channel.polls


def test_the_overall_timeout_still_raises_empty() -> None:
    kc = kernel_channels.poll_in_steps(Client(ready_in=3600))
    with pytest.raises(Empty):
        _run(kc.shell_channel.get_msg(timeout=0.3))
    assert sum(p or 0 for p in kc.shell_channel.polls) == pytest.approx(0.3, abs=kernel_channels.STEP_S)


def test_wrapping_twice_is_wrapping_once() -> None:
    kc = kernel_channels.poll_in_steps(Client(ready_in=0))
    first = kc.shell_channel.get_msg
    assert kernel_channels.poll_in_steps(kc).shell_channel.get_msg is first


def _notebook() -> nbformat.NotebookNode:
    nb = new_notebook(cells=[new_code_cell("print(6 * 7)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _stepped(client: object) -> bool:
    kc = client.kc  # type: ignore[attr-defined]
    return all(getattr(ch.get_msg, kernel_channels._MARK, False) for ch in (kc.shell_channel, kc.iopub_channel))


def test_the_notebook_runners_wait_in_steps(tmp_path) -> None:
    nb, seen = _notebook(), []
    client = kernel_channels.SteadyNotebookClient(nb, timeout=60, kernel_name="python3",
                                                  resources={"metadata": {"path": str(tmp_path)}})
    client.on_cell_execute = lambda cell, cell_index: seen.append(_stepped(client))
    client.execute()
    assert seen == [True] and nb.cells[0].outputs[0]["text"] == "42\n"


def test_nbgraders_executor_waits_in_steps(tmp_path) -> None:
    nb, seen = _notebook(), []
    ex = GuardedExecute(timeout=60, kernel_name="python3", guard=False)
    ex.on_cell_execute = lambda cell, cell_index: seen.append(_stepped(ex))
    nb, _ = ex.preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    assert seen == [True] and nb.cells[0].outputs[0]["text"] == "42\n"
