"""A simulated clock for tool calls: virtual time, deterministic concurrency, almost no real sleeping.

The concurrency lessons ask "did these tool calls overlap, and how long did the turn take?".  Wall-clock
answers are flaky on a shared grader, so the course's tools run on a :class:`SimClock` instead.  Every
call gets a *virtual* start and finish computed only from the order of events:

* a call **starts** at the clock's virtual ``now`` (the latest virtual finish seen so far);
* it **finishes** at ``start + latency``, where the latency comes from the clock's table (per tool,
  optionally per argument value);
* a call may only finish when it is the in-flight call with the earliest virtual finish (ties: the call
  that started first), and only after a short *quiescence* window (``quiet_s``, default 20 ms of real
  time) in which no call started or finished, so every call launched together is registered first.
  While the clock has only seen ``async`` calls, the window is a quarter of that (5 ms): coroutines
  launched together all start within one turn of the event loop, whereas worker threads need the GIL
  handed round (its switch interval is 5 ms), so the first blocking call restores the full window.
  An async call that finds the window quiet first yields two turns of its event loop and finishes only if
  no call started meanwhile: a process paused by a busy machine looks quiet in real time, but every
  coroutine that was ready to start its call runs before the clock moves.

So ``asyncio.gather``, ``TaskGroup``, ``as_completed``, ``asyncio.to_thread`` and thread pools all give
the same virtual timeline, and a plain ``for`` loop gives the sum of the latencies, every run.

Quick tour::

    from course.clock import SimClock, HANG, Fail

    clock = SimClock({"get_weather": {"Tokyo": 800, "*": 1000},     # per argument value, "*" = default
                      "get_stock_price": 1200,                       # one latency for every call
                      "get_exchange_rate": Fail(300, "rate service down")})   # raises ToolError
    tools = clock.async_tools()            # {"get_weather": async fn, ...} wrapping course.tools
    await asyncio.gather(tools["get_weather"](city="Tokyo"), tools["get_stock_price"](ticker="AAPL"))
    clock.elapsed              # 1200.0  (virtual ms: the slowest call sets the floor)
    clock.peak_concurrency     # 2
    clock.calls                # [ToolCall(index=0, name='get_weather', args={'city': 'Tokyo'}, start=0, finish=800, ...), ...]
    clock.reset()              # forget calls, virtual now back to 0 (latency table kept)

API
---
``SimClock(latencies=None, *, default_ms=1000, quiet_s=None, poll_s=0.001, time_scale=0.0, hang_limit_s=2.0)``
    ``latencies`` maps a tool name to a *spec*: a number of ms; ``HANG`` (never finishes until cancelled);
    ``Fail(ms, message)`` (raises :class:`course.tools.ToolError` after ``ms``); or a dict from an argument
    value (``"Tokyo"``, ``"AAPL"``; matched against each argument's value, in order; ``"*"`` = default)
    to one of those; or a callable ``spec(args: dict) -> spec``.  ``time_scale > 0`` additionally makes each
    call really take ``latency * time_scale`` (for demos that should *feel* slow); 0 = virtual only.
``clock.acall(name, arguments)`` / ``clock.call(name, arguments)``
    run a ``course.tools`` tool by name on the clock (async / blocking), like ``course.tools.call``.
``clock.async_tool(name)`` / ``clock.sync_tool(name)``, ``clock.async_tools()`` / ``clock.sync_tools()``
    clocked versions of the tools (keyword or positional arguments, like the originals).
``clock.register(name, fn)`` adds a tool of your own (plain function) to the clock's registry.
``clock.expect(*counts)``   a check that knows its batch says how many calls it holds (cumulative counts for
                           several rounds, e.g. ``expect(2, 4)``): once the clock has seen exactly that many
                           calls start, every call of the batch is registered, so it finishes calls without
                           waiting for the quiescence window.  A serial loop never has them all in flight, so
                           it is timed exactly as before; :meth:`reset` forgets the counts.
``clock.set_latency(name, spec)`` changes one entry of the table.
``clock.calls``            list of :class:`ToolCall` in start order: ``index, name, args, start, finish,
                           latency, outcome`` (``"ok" | "error" | "cancelled" | "running"``), ``result``,
                           ``error``, ``kind`` (``"async" | "sync"``), ``thread`` (thread name),
                           ``loop_id`` (``id`` of the event loop running in the calling thread, or None),
                           ``blocked_loop`` (a *sync* tool called on a thread whose event loop was running:
                           the "blocking call inside a coroutine" mistake), ``real_start/real_finish``.
``clock.elapsed``          virtual ms from the first start to the last finish (0 if no calls).
``clock.peak_concurrency`` most calls in flight at one virtual instant.
``clock.overlaps()``       pairs ``(i, j)`` of call indexes whose virtual intervals overlap.
``clock.concurrency_at(t)`` calls in flight at virtual time ``t``.
``clock.blocking_calls(loop=None)`` sync calls made on an event loop thread (optionally: on that loop).
``clock.summary()``        a short text table (for teaching messages).
``clock.serial_ms(names_args)``/``clock.latency_of(name, args)``: what a call would cost.
``@second_look``            on an async grading check: a failed verdict is judged again on one fresh run with
                           a 0.25 s quiescence window (``QUIET_S``), so a thread scheduled late is never
                           mistaken for a serial call.

Hanging calls (``HANG``): the async tool waits until it is cancelled (``asyncio.wait_for`` /
``asyncio.timeout`` with a small *real* timeout, e.g. 0.05 s) and then re-raises ``CancelledError``
cleanly, recorded with ``outcome="cancelled"`` and ``finish`` = the virtual ``now`` at cancellation.
If nobody cancels it within ``hang_limit_s`` real seconds it raises ``ToolError`` explaining that the
call needed a timeout (so a missing timeout fails fast instead of hitting nbgrader's cell timeout).
A sync hanging tool (threads cannot be cancelled) blocks for ``hang_limit_s`` and raises the same way.

The clock is thread-safe; one clock can serve several event loops and threads at once.  Every
:class:`ToolCall` it makes is registered with :mod:`course.evidence`, so a call appended by anything else
is "foreign" (``evidence.require(clock)`` fails a check that would read it).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from . import evidence
from . import tools as _tools

__all__ = ["SimClock", "ToolCall", "HANG", "Fail", "ToolError", "SEED_LATENCIES"]

ToolError = _tools.ToolError


class _Hang:
    def __repr__(self) -> str:
        return "HANG"


HANG = _Hang()
"""Latency spec: the call never finishes on its own; only cancellation (a timeout) ends it."""


@dataclass(frozen=True)
class Fail:
    """Latency spec: after ``ms`` virtual milliseconds the call raises ``ToolError(message)``."""

    ms: float = 0.0
    message: str = "service unavailable"


# The blog seed's numbers (weather 800 ms, AAPL 1200 ms, a rate-limited call 3000 ms) and defaults.
SEED_LATENCIES: dict[str, Any] = {
    "get_weather": {"Tokyo": 800, "London": 900, "Paris": 700, "New York": 1000, "Sydney": 1100, "*": 800},
    "get_stock_price": {"AAPL": 1200, "*": 1200},
    "get_exchange_rate": 600,
}


@dataclass
class ToolCall:
    """One tool call as the clock saw it (times in virtual milliseconds)."""

    index: int
    name: str
    args: dict[str, Any]
    start: float
    latency: float
    kind: str
    thread: str
    loop_id: int | None
    blocked_loop: bool
    finish: float | None = None
    outcome: str = "running"
    result: Any = None
    error: BaseException | None = field(default=None, repr=False)
    real_start: float = field(default=0.0, repr=False)
    real_finish: float | None = field(default=None, repr=False)
    fail_message: str | None = field(default=None, repr=False)

    @property
    def hang(self) -> bool:
        return math.isinf(self.latency)

    @property
    def label(self) -> str:
        vals = ", ".join(str(v) for v in self.args.values())
        return f"{self.name}({vals})"


QUIET_S: contextvars.ContextVar[float] = contextvars.ContextVar("quiet_s", default=0.02)
SECOND_LOOK_QUIET_S = 0.25
ASYNC_QUIET_SHARE = 0.25  # while only async calls were seen: coroutines start within one loop turn
CONFIRM_TURNS = 2         # event-loop turns an async call waits, once the window is quiet, before it finishes
# The mutation run (tests/mutants/run.py) turns the second look off: its wrong answers fail deterministically, and a
# second look can only turn a failure into a pass. Grading never changes it.
SECOND_LOOK = True


def _seal(call: Any) -> tuple[Any, ...]:
    """The fields of a clock event that never change once the clock made it (course.evidence)."""
    return (call.index, call.name, id(call.args), call.start, call.latency, call.kind, call.thread,
            call.loop_id, call.blocked_loop)


def _audit(clock: Any) -> list[str]:
    """Why ``clock.calls`` cannot be trusted; [] when the clock made every call in it."""
    if all(evidence.genuine(c, _seal) for c in list(getattr(clock, "calls", None) or ())):
        return []
    return ["the simulated clock holds calls the clock did not make (forged evidence)"]


def second_look(check: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate an ``async`` grading check: if it fails, judge one fresh run with a 0.25 s quiescence window.

    The clock finishes a call once no call has started for ``quiet_s`` (20 ms) of real time.  On a loaded
    grader a worker thread could start its call later than that and look serial.  A wrong answer fails the
    second run the same way; only a submission whose first run failed pays for the second.

    The second look may only *confirm* a failure or turn it into a pass: when the second run fails too, the
    first run's message is the one raised (it was measured with the normal window, so it is the accurate one).
    A check whose real-time parameters must outlast the window (a timeout) reads :func:`in_second_look`.
    """
    @functools.wraps(check)
    async def judged(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # noqa: F841 - IPython leaves this frame out of tracebacks
        try:
            return await check(*args, **kwargs)
        except AssertionError as first:
            if not SECOND_LOOK:
                raise
            token = QUIET_S.set(SECOND_LOOK_QUIET_S)
            try:
                return await check(*args, **kwargs)
            except AssertionError:
                raise first from None
            finally:
                QUIET_S.reset(token)
    return judged


def in_second_look() -> bool:
    """True while :func:`second_look` re-runs a check with the wide quiescence window."""
    return QUIET_S.get() >= SECOND_LOOK_QUIET_S


class SimClock:
    """Virtual time for tool calls; see the module docstring."""

    def __init__(self, latencies: dict[str, Any] | None = None, *, default_ms: float = 1000.0,
                 quiet_s: float | None = None, poll_s: float = 0.001, time_scale: float = 0.0,
                 hang_limit_s: float = 2.0, registry: dict[str, Callable[..., Any]] | None = None) -> None:
        self.latencies: dict[str, Any] = dict(latencies or {})
        self.default_ms = float(default_ms)
        self.quiet_s = float(QUIET_S.get() if quiet_s is None else quiet_s)
        self.poll_s = float(poll_s)
        self.time_scale = float(time_scale)
        self.hang_limit_s = float(hang_limit_s)
        self.registry: dict[str, Callable[..., Any]] = dict(registry or _tools.REGISTRY)
        self._cond = threading.Condition(threading.RLock())
        self.reset()
        evidence.track(self, _audit)

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Forget every call; virtual now back to 0.  The latency table is kept."""
        with self._cond:
            self.calls: list[ToolCall] = []
            self.now = 0.0
            self._inflight: list[ToolCall] = []
            self._threads_seen = False
            self._last_event = time.monotonic()
            self._events = 0          # starts, finishes and cancellations so far (async finishes confirm on it)
            self._complete: frozenset[int] = frozenset()   # call counts at which a batch is all registered
            self._cond.notify_all()

    def expect(self, *counts: int) -> None:
        """The batch is complete once exactly one of ``counts`` calls have started: stop waiting for stragglers."""
        with self._cond:
            self._complete = frozenset(int(n) for n in counts if int(n) > 0)
            self._cond.notify_all()

    def set_latency(self, name: str, spec: Any) -> None:
        self.latencies[name] = spec

    def register(self, name: str, fn: Callable[..., Any]) -> None:
        """Add (or replace) a plain function as a tool this clock can run."""
        self.registry[name] = fn

    # ------------------------------------------------------------------ latency table
    def _spec_for(self, name: str, args: dict[str, Any]) -> Any:
        spec = self.latencies.get(name, self.default_ms)
        if callable(spec) and not isinstance(spec, (Fail, _Hang)):
            spec = spec(args)
        if isinstance(spec, dict):
            for value in args.values():
                try:
                    if value in spec:
                        return spec[value]
                except TypeError:  # unhashable argument value
                    continue
                if str(value) in spec:
                    return spec[str(value)]
            return spec.get("*", self.default_ms)
        return spec

    def latency_of(self, name: str, args: dict[str, Any] | None = None) -> float:
        """Virtual ms a call would take (``inf`` for ``HANG``)."""
        spec = self._spec_for(name, dict(args or {}))
        if isinstance(spec, _Hang):
            return math.inf
        if isinstance(spec, Fail):
            return float(spec.ms)
        return float(spec)

    def serial_ms(self, calls: Iterable[tuple[str, dict[str, Any]]]) -> float:
        """What running these calls one after another costs."""
        return sum(self.latency_of(n, a) for n, a in calls)

    # ------------------------------------------------------------------ core
    def _bind(self, name: str, a: tuple, kw: dict) -> dict[str, Any]:
        fn = self.registry.get(name)
        if fn is None:
            raise KeyError(f"unknown tool {name!r}; known: {sorted(self.registry)}")
        try:
            return dict(inspect.signature(fn).bind(*a, **kw).arguments)
        except TypeError:
            if a:
                raise
            return dict(kw)

    def _start(self, name: str, args: dict[str, Any], kind: str) -> ToolCall:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        spec = self._spec_for(name, args)
        with self._cond:
            call = ToolCall(index=len(self.calls), name=name, args=dict(args), start=self.now,
                            latency=self.latency_of(name, args), kind=kind,
                            thread=threading.current_thread().name,
                            loop_id=id(loop) if loop is not None else None,
                            blocked_loop=(kind == "sync" and loop is not None and loop.is_running()),
                            real_start=time.monotonic(),
                            fail_message=spec.message if isinstance(spec, Fail) else None)
            self.calls.append(evidence.issue(call, _seal(call)))
            self._inflight.append(call)
            self._threads_seen = self._threads_seen or kind == "sync"
            self._last_event = call.real_start
            self._events += 1
            self._cond.notify_all()
            return call

    def _quiet(self, t: float) -> bool:
        """No call started or finished for the quiescence window, or the expected batch is all in (lock held)."""
        if len(self.calls) in self._complete:
            return True
        return t - self._last_event >= (self.quiet_s if self._threads_seen else self.quiet_s * ASYNC_QUIET_SHARE)

    def _advance(self) -> None:
        """Finish the earliest in-flight call if the clock has been quiet long enough (lock held)."""
        t = time.monotonic()
        if not self._quiet(t):
            return
        finite = [c for c in self._inflight if not c.hang]
        if not finite:
            return
        first = min(finite, key=lambda c: (c.start + c.latency, c.index))
        if self.time_scale > 0 and t - first.real_start < first.latency / 1000.0 * self.time_scale:
            return
        first.finish = first.start + first.latency
        self.now = max(self.now, first.finish)
        self._inflight.remove(first)
        self._last_event = t
        self._events += 1
        self._cond.notify_all()

    def _done(self, call: ToolCall) -> bool:
        with self._cond:
            if call.finish is None:
                self._advance()
            return call.finish is not None

    def _run(self, call: ToolCall) -> Any:
        """The finished call's result (runs the real tool), recording the outcome."""
        call.real_finish = time.monotonic()
        try:
            if call.fail_message is not None:
                raise ToolError(call.fail_message)
            result = self.registry[call.name](**call.args)
        except BaseException as exc:
            call.outcome, call.error = "error", exc
            raise
        call.outcome, call.result = "ok", result
        return result

    def _cancel(self, call: ToolCall, outcome: str = "cancelled") -> None:
        with self._cond:
            if call in self._inflight:
                self._inflight.remove(call)
            if call.finish is None:
                call.finish = max(self.now, call.start)
            call.outcome = outcome
            call.real_finish = time.monotonic()
            self._last_event = call.real_finish
            self._events += 1
            self._cond.notify_all()

    def _hang_error(self, call: ToolCall) -> ToolError:
        return ToolError(f"{call.label} never answered: it hung for {self.hang_limit_s:g} s and nobody "
                         "cancelled it. Wrap each call in asyncio.wait_for(..., timeout) or asyncio.timeout().")

    async def acall(self, name: str, arguments: dict[str, Any] | None = None) -> Any:
        """Run tool ``name`` with ``arguments`` on the clock, without blocking the event loop."""
        call = self._start(name, dict(arguments or {}), "async")
        try:
            while True:
                with self._cond:
                    if call.finish is not None:
                        break
                    seen = self._events if self._quiet(time.monotonic()) else None
                if seen is not None:
                    # Quiet in real time, but a paused process is quiet too: first let every coroutine that is
                    # ready run (it would start its call now), then finish a call only if none did.
                    for _ in range(CONFIRM_TURNS):
                        await asyncio.sleep(0)
                    with self._cond:
                        if self._events == seen and call.finish is None:
                            self._advance()
                        if call.finish is not None:
                            break
                if call.hang and time.monotonic() - call.real_start > self.hang_limit_s:
                    self._cancel(call, "error")
                    call.error = self._hang_error(call)
                    raise call.error
                await asyncio.sleep(self.poll_s)
        except asyncio.CancelledError:
            self._cancel(call)
            raise
        return self._run(call)

    def call(self, name: str, arguments: dict[str, Any] | None = None) -> Any:
        """Run tool ``name`` on the clock, blocking the calling thread (use from threads)."""
        call = self._start(name, dict(arguments or {}), "sync")
        with self._cond:
            while not self._done(call):
                if call.hang and time.monotonic() - call.real_start > self.hang_limit_s:
                    self._cancel(call, "error")
                    call.error = self._hang_error(call)
                    raise call.error
                self._cond.wait(self.poll_s)
        return self._run(call)

    # ------------------------------------------------------------------ factories
    def async_tool(self, name: str) -> Callable[..., Any]:
        """An ``async def`` version of tool ``name`` on this clock."""
        fn = self.registry[name]

        @functools.wraps(fn)
        async def tool(*a: Any, **kw: Any) -> Any:
            return await self.acall(name, self._bind(name, a, kw))

        tool.__qualname__ = tool.__name__ = name
        return tool

    def sync_tool(self, name: str) -> Callable[..., Any]:
        """A blocking version of tool ``name`` on this clock (what a requests-based tool looks like)."""
        fn = self.registry[name]

        @functools.wraps(fn)
        def tool(*a: Any, **kw: Any) -> Any:
            return self.call(name, self._bind(name, a, kw))

        tool.__qualname__ = tool.__name__ = name
        return tool

    def async_tools(self, names: Iterable[str] | None = None) -> dict[str, Callable[..., Any]]:
        return {n: self.async_tool(n) for n in (names or self.registry)}

    def sync_tools(self, names: Iterable[str] | None = None) -> dict[str, Callable[..., Any]]:
        return {n: self.sync_tool(n) for n in (names or self.registry)}

    # ------------------------------------------------------------------ measurements
    def _intervals(self) -> list[tuple[float, float, int]]:
        with self._cond:
            out = []
            for c in self.calls:
                fin = c.finish if c.finish is not None else (self.now if c.hang else c.start + c.latency)
                out.append((c.start, fin, c.index))
            return out

    @property
    def elapsed(self) -> float:
        """Virtual ms from the first start to the last finish."""
        iv = self._intervals()
        if not iv:
            return 0.0
        return max(f for _, f, _ in iv) - min(s for s, _, _ in iv)

    @property
    def peak_concurrency(self) -> int:
        """The most calls in flight at one virtual instant (a finish at t ends before a start at t)."""
        events = []
        for s, f, _ in self._intervals():
            events += [(s, 1), (max(f, s + 1e-9), -1)]  # a zero-length call still counts once
        peak = cur = 0
        for _, d in sorted(events):  # at equal times, finishes (-1) sort before starts (+1)
            cur += d
            peak = max(peak, cur)
        return peak

    def concurrency_at(self, t: float) -> int:
        return sum(1 for s, f, _ in self._intervals() if s <= t < f)

    def overlaps(self) -> list[tuple[int, int]]:
        iv = self._intervals()
        return [(a[2], b[2]) for i, a in enumerate(iv) for b in iv[i + 1:] if a[0] < b[1] and b[0] < a[1]]

    def blocking_calls(self, loop: asyncio.AbstractEventLoop | None = None) -> list[ToolCall]:
        """Sync tool calls made on a thread whose event loop was running (optionally: that loop)."""
        return [c for c in self.calls if c.blocked_loop and (loop is None or c.loop_id == id(loop))]

    def summary(self) -> str:
        lines = [f"{'#':>2} {'call':<32} {'start':>7} {'finish':>7}  outcome"]
        for c in self.calls:
            fin = "-" if c.finish is None else f"{c.finish:.0f}"
            lines.append(f"{c.index:>2} {c.label[:32]:<32} {c.start:>7.0f} {fin:>7}  {c.outcome}"
                         + ("  (blocked the event loop)" if c.blocked_loop else ""))
        lines.append(f"elapsed {self.elapsed:.0f} ms, peak concurrency {self.peak_concurrency}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<SimClock calls={len(self.calls)} elapsed={self.elapsed:.0f}ms peak={self.peak_concurrency}>"
