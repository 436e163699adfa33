"""Which replay-log entries and clock events the course's own code produced ("genuine evidence").

Grading checks judge what learner code *did* from two records: the replay log
(``session.log``, :mod:`course.replay`) and the simulated clock's calls (``clock.calls``,
:mod:`course.clock`).  Learner code shares the process, so it could append entries of its own
(a forged log that "played" every call, a clock event that "overlapped").  This module makes such
entries visible, not impossible:

* :func:`issue` registers an object the course just created (called by ``course.replay`` and
  ``course.clock`` only), with a *seal*: the identity of the fields that must not change afterwards;
* :func:`genuine` is True only for a registered object whose sealed fields are unchanged;
* :func:`track` registers a record keeper (a replay session, a clock) and :func:`foreign` lists, for
  every live keeper, a short reason when its record holds anything not :func:`genuine`.

Tour::

    from course import evidence
    evidence.genuine(session.log[0])     # True: the replay wrote it
    evidence.foreign()                   # [] or ["the replay log holds entries the replay did not write"]

The grading checks call :func:`require` on the session or clock they read (a failed check), and the grader's in-kernel
guard (:mod:`course.instructor.kernel_guard`) calls :func:`foreign` before and after every test cell.
"""

from __future__ import annotations

import weakref
from typing import Any, Callable

_ISSUED: dict[int, tuple[weakref.ref, tuple[Any, ...]]] = {}
_KEEPERS: list[tuple[weakref.ref, Callable[[Any], list[str]]]] = []


def _forget(key: int) -> Callable[[Any], None]:
    return lambda _ref: _ISSUED.pop(key, None)


def issue(obj: Any, seal: tuple[Any, ...] = ()) -> Any:
    """Register ``obj`` as produced by the course, with the field identities in ``seal``; return it."""
    key = id(obj)
    _ISSUED[key] = (weakref.ref(obj, _forget(key)), seal)
    return obj


def genuine(obj: Any, seal: Callable[[Any], tuple[Any, ...]] = lambda _: ()) -> bool:
    """True if the course issued ``obj`` and ``seal(obj)`` still matches the seal it was issued with."""
    entry = _ISSUED.get(id(obj))
    if entry is None or entry[0]() is not obj:
        return False
    try:
        return entry[1] == seal(obj)
    except Exception:  # noqa: BLE001 - an object that cannot even be sealed is not genuine
        return False


def track(keeper: Any, audit: Callable[[Any], list[str]]) -> None:
    """Remember ``keeper`` (weakly); :func:`foreign` runs ``audit(keeper)`` while it lives."""
    _KEEPERS[:] = [(r, a) for r, a in _KEEPERS if r() is not None]
    _KEEPERS.append((weakref.ref(keeper), audit))


def foreign_in(keeper: Any) -> list[str]:
    """Reasons ``keeper``'s record holds foreign entries (``[]`` if all genuine or not tracked)."""
    for ref, audit in _KEEPERS:
        if ref() is keeper:
            return audit(keeper)
    return []


def require(keeper: Any) -> Any:
    """Return ``keeper``; raise ``AssertionError`` (a failed check) if its record holds foreign entries."""
    reasons = foreign_in(keeper)
    if reasons:
        raise AssertionError(f"{reasons[0]}: this check only trusts what the course itself recorded.")
    return keeper


def foreign() -> list[str]:
    """Deduplicated reasons over every live tracked keeper."""
    out: list[str] = []
    for ref, audit in list(_KEEPERS):
        keeper = ref()
        if keeper is not None:
            out += [r for r in audit(keeper) if r not in out]
    return out
