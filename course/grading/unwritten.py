"""An exercise not written yet: its stub's ``NotImplementedError`` becomes a message that says what to do."""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable


def _message(exc: NotImplementedError) -> AssertionError:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    name = tb.tb_frame.f_code.co_name if tb is not None else "this exercise"
    return AssertionError(f"{name} is not written yet: replace `raise NotImplementedError()` in its cell with your "
                          "code, run that cell, then run this check again.")


def reports_unwritten(check: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a check (sync or async) so an unwritten exercise fails with a message, not a bare stub error."""
    if inspect.iscoroutinefunction(check):
        @functools.wraps(check)
        async def judged_async(*args: Any, **kwargs: Any) -> Any:
            try:
                return await check(*args, **kwargs)
            except NotImplementedError as exc:
                raise _message(exc) from None
        return judged_async

    @functools.wraps(check)
    def judged(*args: Any, **kwargs: Any) -> Any:
        try:
            return check(*args, **kwargs)
        except NotImplementedError as exc:
            raise _message(exc) from None
    return judged
