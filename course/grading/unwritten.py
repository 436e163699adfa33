"""An exercise not written yet: its stub's ``NotImplementedError`` becomes a message that says what to do.

Every lesson's checks say it the same way, ``"<name> is not written yet: replace ..."``:

``@reports_unwritten``        on a check (sync or async) that calls the learner's function directly;
``unwritten_error(exc)``      the same ``AssertionError``, for checks that catch the learner's exceptions
                              themselves (``raise unwritten_error(exc) from None``).

A demo cell that calls a stub says which exercise to finish first: see ``course.grading.finish_first``.

>>> def extract_calls(response):
...     raise NotImplementedError()
>>> try:
...     extract_calls(None)
... except NotImplementedError as exc:
...     str(unwritten_error(exc)).split(":")[0]
'extract_calls is not written yet'
"""

from __future__ import annotations

from typing import Any, Callable


def stub_name(exc: BaseException) -> str | None:
    """The innermost function the exception was raised in (the stub's name), if it has a traceback."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_name if tb is not None else None


def unwritten_error(exc: NotImplementedError) -> AssertionError:
    """The check's failure for a stub that still raises: names the innermost function that raised."""
    from .failures import Failure

    name = stub_name(exc) or "this exercise"
    err = AssertionError(f"{name} is not written yet: replace `raise NotImplementedError()` in its cell with your "
                         "code, run that cell, then run this check again.")
    err.failure = Failure("", "unwritten")  # type: ignore[attr-defined]  # the class report's tag
    return err


def reports_unwritten(check: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a check (sync or async) so an unwritten exercise fails with a message, not a bare stub error.

    It is :func:`course.grading.failures.graded`, which also tags every failure for the class report."""
    from .failures import graded

    return graded(check)
