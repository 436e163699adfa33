"""``asyncio.run`` called inside a notebook, recognised: a teaching message instead of a bare RuntimeError.

A Jupyter kernel already runs an asyncio event loop, so ``asyncio.run(coro)`` raises
``RuntimeError: asyncio.run() cannot be called from a running event loop`` before it starts ``coro``;
the coroutine is then garbage-collected unawaited and Python prints ``RuntimeWarning: coroutine ... was
never awaited`` to stderr, often in a *later* cell (and a test cell that writes to stderr scores 0).
Python's documentation: "This function cannot be called when another asyncio event loop is running in
the same thread" (`asyncio.run`, https://docs.python.org/3/library/asyncio-runner.html#asyncio.run).

:func:`course.grading.failures.graded` calls :func:`recognise` on every failure of a check:

``recognise(exc)``  an ``AssertionError`` naming the learner's function that called ``asyncio.run`` and
                    pointing to lesson 3, section 4 ("Jupyter's running loop"), when ``exc`` is that
                    RuntimeError or a check's message quoting it; ``None`` otherwise.  Either way every
                    coroutine handed to a refused ``asyncio.run`` (reachable from ``exc``) is closed, so
                    nothing warns "never awaited" later.

>>> import asyncio
>>> async def answer(): return 1
>>> def run_calls(calls):
...     return asyncio.run(answer())
>>> async def in_a_notebook():
...     try:
...         run_calls([])
...     except RuntimeError as exc:
...         return str(recognise(exc)).split(",")[0]
>>> asyncio.run(in_a_notebook())
'run_calls called asyncio.run() inside the notebook'
"""

from __future__ import annotations

import os
from types import TracebackType
from typing import Any, Iterator

REFUSAL = "asyncio.run() cannot be called from a running event loop"
SECTION = "lesson 3, section 4 (\"Jupyter's running loop\")"
_RUNNERS = os.path.join("asyncio", "runners.py")


def _exceptions(exc: BaseException, depth: int = 3) -> Iterator[BaseException]:
    """``exc``, its chain, and exceptions held in the locals of its traceback's frames (a check keeps the
    learner's exception in a variable before raising its own message), a few levels deep."""
    seen: set[int] = set()
    todo: list[tuple[BaseException, int]] = [(exc, 0)]
    while todo:
        e, level = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        if level >= depth:
            continue
        for nxt in (e.__cause__, e.__context__):
            if nxt is not None:
                todo.append((nxt, level + 1))
        for tb in _tracebacks(e.__traceback__):
            for value in list(tb.tb_frame.f_locals.values()):
                if isinstance(value, BaseException):
                    todo.append((value, level + 1))


def _tracebacks(tb: TracebackType | None) -> Iterator[TracebackType]:
    while tb is not None:
        yield tb
        tb = tb.tb_next


def _refusal(exc: BaseException) -> tuple[BaseException, str | None] | None:
    """The asyncio.run refusal reachable from ``exc`` and the function that called asyncio.run."""
    for e in _exceptions(exc):
        if isinstance(e, RuntimeError) and REFUSAL in str(e):
            caller = None
            for tb in _tracebacks(e.__traceback__):
                if tb.tb_frame.f_code.co_filename.endswith(_RUNNERS):
                    break
                caller = tb.tb_frame.f_code.co_name
            return e, caller
    return None


def close_refused(exc: BaseException) -> int:
    """Close every unstarted coroutine handed to a refused ``asyncio.run`` reachable from ``exc``."""
    closed = 0
    for e in _exceptions(exc):
        if not (isinstance(e, RuntimeError) and REFUSAL in str(e)):
            continue
        for tb in _tracebacks(e.__traceback__):
            if tb.tb_frame.f_code.co_filename.endswith(_RUNNERS):
                main: Any = tb.tb_frame.f_locals.get("main")
                if hasattr(main, "close") and getattr(main, "cr_frame", None) is not None:
                    main.close()
                    closed += 1
    return closed


def message(name: str | None) -> str:
    who = name if name and not name.startswith("<") else "your function"
    return (f"{who} called asyncio.run() inside the notebook, where Jupyter's event loop is already running, so "
            "asyncio refused to start a second one (RuntimeError: asyncio.run() cannot be called from a running "
            "event loop). In the notebook, `await` the coroutine instead of passing it to asyncio.run (make "
            f"{who} an `async def` if it is not one): reread {SECTION}.")


def recognise(exc: BaseException) -> AssertionError | None:
    """The teaching failure for an ``asyncio.run`` refused inside the notebook (see the module docstring)."""
    found = _refusal(exc)
    quoted = REFUSAL in str(exc)
    if found is None and not quoted:
        return None
    close_refused(exc)
    return AssertionError(message(found[1] if found else None))
