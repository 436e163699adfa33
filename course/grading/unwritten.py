"""An exercise not written yet: its stub's ``NotImplementedError`` becomes a message that says what to do."""

from __future__ import annotations

from typing import Any, Callable


def _message(exc: NotImplementedError) -> AssertionError:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    name = tb.tb_frame.f_code.co_name if tb is not None else "this exercise"
    return AssertionError(f"{name} is not written yet: replace `raise NotImplementedError()` in its cell with your "
                          "code, run that cell, then run this check again.")


def reports_unwritten(check: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a check (sync or async) so an unwritten exercise fails with a message, not a bare stub error.

    It is :func:`course.grading.failures.graded`, which also tags every failure for the class report."""
    from .failures import graded

    return graded(check)
