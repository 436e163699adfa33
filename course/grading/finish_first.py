"""A demo cell that calls an exercise not written yet says which exercise to finish first.

A lesson's demo cells use the learner's own functions (``await run_calls_capped(five, ...)`` draws the
capped timeline). Run before the exercise is written, the stub's bare ``NotImplementedError`` would end
the cell in a traceback; instead the cell ends with

    NotImplementedError: run_calls_capped is not written yet: finish Exercise 3: a concurrency cap first
    (replace `raise NotImplementedError()` in its cell with your code and run that cell), then run this cell again.

``install(shell)``              registers that message for ``NotImplementedError`` in an IPython shell, and short
                                tracebacks for a graded check's ``AssertionError`` (done on
                                ``import course.grading`` inside a kernel; a no-op elsewhere, idempotent);
``exercise_defining(name, nb)`` the heading of the exercise whose nbgrader solution cell defines ``name``;
``finish_first_message(name, exercise)`` the sentence above;
``needs(*functions)``           first line of a demo cell that uses several exercises' results: the same sentence
                                for the first of ``functions`` still a stub, before the cell meets another error.

The exercise is looked up in the notebook the kernel runs (``JPY_SESSION_NAME``, which Jupyter Server sets
for every kernel it starts). When the notebook or the function cannot be found (a script, nbclient, a
``NotImplementedError`` from a library), the usual traceback is shown unchanged. The checks' own message
(``"<name> is not written yet: replace ..."``) comes from ``course.grading.unwritten``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from .unwritten import stub_name

HANDLED = (NotImplementedError, AssertionError)
"""What the handler shows: an unwritten stub's name and exercise, a graded check's failure without the
check's own frames (:func:`course.grading.failures.show_short`); anything else exactly as IPython would."""

_POINTS = re.compile(r"\s*\(\d+ points?\)")
_NUMBERED = re.compile(r"^\d+\.\s*")


def _heading(markdown: str) -> str | None:
    lines = [line for line in markdown.splitlines() if line.startswith("#") and "Exercise" in line]
    if not lines:
        return None
    text = _NUMBERED.sub("", lines[-1].lstrip("#").strip())
    return re.sub(r"\s+:", ":", _POINTS.sub("", text)).strip()


def exercise_defining(name: str, notebook: Path) -> str | None:
    """``"Exercise 3: a concurrency cap"`` for the nbgrader solution cell of ``notebook`` that defines ``name``
    (the last exercise heading above it, without its section number and points); None if there is none."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return None
    defines = re.compile(rf"^\s*(?:async\s+)?def\s+{re.escape(name)}\s*\(", re.M)
    heading = None
    for cell in cells:
        source = "".join(cell.get("source", []))
        if cell.get("cell_type") == "markdown":
            heading = _heading(source) or heading
        elif cell.get("metadata", {}).get("nbgrader", {}).get("solution") and defines.search(source):
            return heading
    return None


def finish_first_message(name: str, exercise: str) -> str:
    return (f"{name} is not written yet: finish {exercise} first (replace `raise NotImplementedError()` in its "
            "cell with your code and run that cell), then run this cell again.")


def is_stub(fn: Any) -> bool:
    """True for a function whose only global is ``NotImplementedError`` (the released stub, still unwritten)."""
    code = getattr(fn, "__code__", None)
    return code is not None and tuple(code.co_names) == ("NotImplementedError",)


def needs(*functions: Any) -> None:
    """First line of a demo cell that uses results of several exercises (``needs(latency_percentiles, recommend)``):
    if one of ``functions`` is still its stub, stop with "<name> is not written yet: finish <exercise> first",
    shown as that one line in a kernel, instead of the error the cell would meet further on."""
    for fn in functions:
        if is_stub(fn):
            name = getattr(fn, "__name__", "an exercise")
            notebook = _kernel_notebook()
            exercise = (exercise_defining(name, notebook) if notebook else None) or f"the exercise that defines {name}"
            err = NotImplementedError(finish_first_message(name, exercise))
            err.finish_first = True  # type: ignore[attr-defined]  # the handler shows the message alone
            raise err


def _kernel_notebook() -> Path | None:
    session = os.environ.get("JPY_SESSION_NAME")
    if not session:
        return None
    path = Path(session)
    return path if path.is_file() else (Path.cwd() / path.name if (Path.cwd() / path.name).is_file() else None)


def _handler(shell: Any, etype: type[BaseException], value: BaseException, tb: Any,
             tb_offset: int | None = None) -> None:
    if not isinstance(value, NotImplementedError):
        from .failures import show_short

        if not show_short(shell, etype, value, tb, tb_offset):
            shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return
    if getattr(value, "finish_first", False):
        shell._showtraceback(etype, value, [f"\x1b[0;31mNotImplementedError\x1b[0m: {value}"])
        return
    name = stub_name(value)
    notebook = _kernel_notebook()
    exercise = exercise_defining(name, notebook) if name and notebook else None
    if exercise is None:
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return
    message = finish_first_message(name, exercise)  # type: ignore[arg-type]
    shell._showtraceback(etype, NotImplementedError(message), [f"\x1b[0;31mNotImplementedError\x1b[0m: {message}"])


def install(shell: Any = None) -> bool:
    """Register the message in ``shell`` (default: the running IPython, if any). True if registered."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    if tuple(getattr(shell, "custom_exceptions", ())) != HANDLED:
        if shell.custom_exceptions:  # someone else's handler: leave it alone
            return False
        shell.set_custom_exc(HANDLED, _handler)
    return True
