"""Failures that say, machine-readably, which check caught which mistake (and which API rule it broke).

Every learner-facing check goes through :func:`graded` (``reports_unwritten`` is the same decorator).
When the check fails, the learner sees exactly what they saw before: ``AssertionError: <teaching
message>``.  In addition the exception carries a :class:`Failure` (``exc.failure``) and, inside a Jupyter
kernel, the decorator emits one ``display_data`` output of MIME type :data:`MIME` holding only ids::

    {"check": "answering.check_loop", "mistake": "api_refused", "rule": "chat_missing"}

JupyterLab, the classic notebook and nbconvert's HTML have no renderer for that type, so learners see
nothing new; the grader reads it from the test cell of the autograded notebook
(:mod:`course.instructor.report` builds the class report from it; feedback drops it).  A suffix on ``ename``/``evalue``
was the alternative, but it would change the first line learners read.

Quick tour::

    from course.grading.failures import fail, graded, failure_of

    @graded                                   # sync or async; also turns a stub's NotImplementedError
    def check_double(fn):                     # into "double is not written yet" (mistake "unwritten")
        if fn(2) != 4:
            fail("wrong_product", "double(2) should be 4")     # mistake id, teaching message
        ...

    failure_of(exc)       # Failure(check=..., mistake=..., rule=...) or None

Short tracebacks: the check the cell called re-raises a failure's ``AssertionError`` without the check's
frames and without chained exceptions (``raise ... from None``), and every wrapper frame sets
``__tracebackhide__`` (IPython leaves such frames out), so a failed check shows the cell's line and the
teaching message once, in about ten lines, in the notebook and in nbgrader's feedback.  An error that is
not an ``AssertionError`` (a crash in the code under test) keeps its traceback.  ``asyncio.run`` called in
the notebook's running loop is recognised (:mod:`course.grading.running_loop`, mistake
``asyncio_run_in_loop``).

A plain ``raise AssertionError(msg)`` (or ``assert``) inside a check still gets a tag: its mistake id is
the name of the innermost course.grading function (or function of the check's own module) that raised
it, leading underscores dropped.  ``rule`` is the protocol rule id
(:data:`course.protocol.RULES`) given to :func:`fail`, or else that of the last request the replay refused
in a session passed to the check (``Exchange.rule`` in ``session.log``).  The check id is the outermost
graded function (the one the test cell called), without its ``course.grading.`` prefix.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import re
from dataclasses import asdict, dataclass, replace
from typing import Any, Callable, NoReturn

MIME = "application/vnd.course.failure+json"
ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,120}$")

_depth: contextvars.ContextVar[int] = contextvars.ContextVar("course_graded_depth", default=0)


@dataclass(frozen=True)
class Failure:
    """Which check failed, the mistake it caught, and the protocol rule broken (if any)."""

    check: str
    mistake: str
    rule: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)

    @classmethod
    def parse(cls, data: Any) -> "Failure | None":
        """A tag read back from a notebook (untrusted): ``None`` unless every field is a plain id."""
        if not isinstance(data, dict):
            return None
        check, mistake, rule = data.get("check"), data.get("mistake"), data.get("rule")
        if not all(isinstance(v, str) and ID_RE.match(v) for v in (check, mistake)):
            return None
        if rule is not None and not (isinstance(rule, str) and ID_RE.match(rule)):
            return None
        return cls(check, mistake, rule)


def fail(mistake: str, message: str, rule: str | None = None) -> NoReturn:
    """Raise ``AssertionError(message)`` tagged with ``mistake`` (a short id) and the protocol ``rule``."""
    exc = AssertionError(message)
    exc.failure = Failure("", mistake, rule)  # type: ignore[attr-defined]  # check filled in by @graded
    raise exc


def failure_of(exc: BaseException) -> Failure | None:
    """The tag a graded check attached to ``exc``, if any."""
    tag = getattr(exc, "failure", None)
    return tag if isinstance(tag, Failure) else None


def _slug(name: str) -> str:
    return name.lstrip("_") or "failed"


def _raiser(exc: BaseException, home: str) -> str:
    """The innermost function of course.grading or of the check's module ``home`` (not a ``fail`` helper)
    in the traceback."""
    name = ""
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        if (module.startswith("course.grading") or module == home) and module != __name__ and code.co_name != "fail":
            name = code.co_name
        tb = tb.tb_next
    return name


def _refused_rule(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
    """The rule id of the last request the replay refused in any session passed to the check."""
    from ..replay import session_of

    rule = None
    for value in (*args, *kwargs.values()):
        try:
            session = session_of(value)
        except (TypeError, AttributeError):
            continue
        refused = [e.rule for e in session.log if e.kind == "api_error" and e.rule]
        rule = refused[-1] if refused else rule
    return rule


def _tag(exc: BaseException, check: str, home: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Failure:
    """The exception's tag, now naming ``check`` (an outer check replaces an inner one's name)."""
    known = failure_of(exc)
    if known is None:
        mistake = "raised-" + type(exc).__name__ if not isinstance(exc, AssertionError) else _slug(_raiser(exc, home))
        known = Failure(check, mistake, None)
    if known.rule is None:
        known = replace(known, rule=_refused_rule(args, kwargs))
    return replace(known, check=check)


def emit(tag: Failure) -> None:
    """Send ``tag`` as an invisible display output, when running inside a Jupyter kernel."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return
    from IPython.display import display

    display({MIME: tag.as_dict()}, raw=True)


def _unwritten(exc: NotImplementedError) -> AssertionError:
    from .unwritten import unwritten_error

    return unwritten_error(exc)


def _verdict(exc: Exception, check: str, home: str, args: tuple[Any, ...], kwargs: dict[str, Any],
             outer: bool) -> BaseException:
    """The exception a failed check raises: tagged; an unwritten stub's or a refused ``asyncio.run``'s turned
    into its teaching ``AssertionError``; and, for the check the cell called, a teaching message stripped of
    the check's own frames and of chained exceptions (short tracebacks: the message, once)."""
    new: BaseException = exc
    if isinstance(exc, NotImplementedError):
        new = _unwritten(exc)
    else:
        try:
            from .running_loop import recognise

            new = recognise(exc) or exc
        except Exception:  # noqa: BLE001 - recognising must never change what the learner sees otherwise
            new = exc
        if new is not exc:
            new.failure = Failure("", "asyncio_run_in_loop")  # type: ignore[attr-defined]
    _judge(new, check, home, args, kwargs, outer)
    if isinstance(new, AssertionError) and (new is not exc or (outer and _raised_by_course(new))):
        new.__traceback__ = None
        new.__cause__ = new.__context__ = None
        new.__suppress_context__ = True
        new.course_message = True  # type: ignore[attr-defined]  # show_short may cut the check's frames
    return new


def _raised_by_course(exc: BaseException) -> bool:
    """The innermost frame is the course's (a check's message), not the learner's own ``assert``."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is None or str(tb.tb_frame.f_globals.get("__name__", "")).startswith("course.")


def _judge(exc: BaseException, check: str, home: str, args: tuple[Any, ...], kwargs: dict[str, Any],
           outer: bool) -> None:
    try:
        exc.failure = _tag(exc, check, home, args, kwargs)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - tagging must never change what the learner sees
        return
    if outer:
        try:
            emit(exc.failure)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001
            pass


def show_short(shell: Any, etype: type[BaseException], value: BaseException, tb: Any,
               tb_offset: int | None = None) -> bool:
    """Show a graded check's failure in ``shell`` (IPython) as the learner's own frames and the message: the
    traceback is cut at the first course frame that sets ``__tracebackhide__`` (a check's wrapper). False, showing
    nothing, when ``value`` is not a check's own message (an ``assert`` of the learner's code keeps its traceback)."""
    if not isinstance(value, AssertionError) or not getattr(value, "course_message", False):
        return False
    def ours(frame: Any) -> bool:
        return bool(frame.f_locals.get("__tracebackhide__")) and str(frame.f_globals.get("__name__")).startswith("course.")

    entry, previous = tb, None
    while entry is not None and not ours(entry.tb_frame):
        entry, previous = entry.tb_next, entry
    if entry is None or previous is None:
        return False
    previous.tb_next = None
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
    return True


def graded(check: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a check (sync or async): unwritten stubs get a message, every failure gets a tag."""
    home = check.__module__
    name = f"{home}.{check.__qualname__}".removeprefix("course.grading.")

    if inspect.iscoroutinefunction(check):
        @functools.wraps(check)
        async def judged_async(*args: Any, **kwargs: Any) -> Any:
            __tracebackhide__ = True  # noqa: F841 - IPython leaves this frame out of tracebacks
            token = _depth.set(_depth.get() + 1)
            outer = token.old_value in (0, contextvars.Token.MISSING)
            try:
                return await check(*args, **kwargs)
            except Exception as exc:
                new = _verdict(exc, name, home, args, kwargs, outer)
            finally:
                _depth.reset(token)
            if not isinstance(new, AssertionError):
                raise new  # an error in the code under test: its own traceback follows
            raise new from None  # the check failed: its message is the last line below
        return judged_async

    @functools.wraps(check)
    def judged(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # noqa: F841 - IPython leaves this frame out of tracebacks
        token = _depth.set(_depth.get() + 1)
        outer = token.old_value in (0, contextvars.Token.MISSING)
        try:
            return check(*args, **kwargs)
        except Exception as exc:
            new = _verdict(exc, name, home, args, kwargs, outer)
        finally:
            _depth.reset(token)
        if not isinstance(new, AssertionError):
            raise new  # an error in the code under test: its own traceback follows
        raise new from None  # the check failed: its message is the last line below
    return judged
