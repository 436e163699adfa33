"""Self-checks and hidden tests for lesson 03 (fan-out with asyncio).

Every check is ``async``: a test cell does ``await check_run_calls(run_calls)``.  The learner's function
runs against tools on a fresh :class:`course.clock.SimClock`, so the verdict comes from the *virtual*
timeline (start/finish of each call, peak concurrency), never from wall-clock time.  A wrong answer raises
``AssertionError`` with a message that says what happened and what to reread; a right one prints one
line to stdout.  Nothing is written to stderr: stray tasks the learner's code left behind are cancelled
and their "exception was never retrieved" reports are swallowed.

Exercise contract: a *call* is ``{"id": ..., "name": ..., "arguments": {...}}`` (lesson 1's normalised
view); the executors return ``{call_id: result}``; a failed or timed-out call's result is a dict with an
``"error"`` key (a string saying what went wrong).
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Callable

from .. import evidence
from .. import tools as toolbox
from ..clients import openai_client
from ..clock import HANG, SECOND_LOOK_QUIET_S, Fail, SimClock, in_second_look, second_look
from ..recording import load
from ..replay import session_of
from ..wire import calls_in
from .failures import graded
from .tasks import contained
from .unwritten import unwritten_error

LATENCIES: dict[str, Any] = {
    "get_weather": {"Tokyo": 800, "London": 900, "Paris": 700, "New York": 1000, "Sydney": 1100,
                    "San Francisco": 600, "San Jose": 650, "Atlantis": Fail(400, "weather service: unknown city 'Atlantis'"),
                    "*": 800},
    "get_stock_price": {"AAPL": 1200, "MSFT": 500, "NVDA": 1500, "GOOGL": 300, "SLOW": HANG, "*": 1200},
    "get_exchange_rate": 3000,   # the blog's rate-limited call
}


_LAST: dict[str, SimClock] = {}


def last_clock() -> SimClock | None:
    """The clock of the most recent check (to plot what your code did)."""
    return _LAST.get("clock")


def make_clock(latencies: dict[str, Any] | None = None, **kw: Any) -> SimClock:
    """A clock with the lesson's latency table (weather 800 ms, AAPL 1200 ms, exchange rate 3000 ms, ...)."""
    kw.setdefault("hang_limit_s", 1.0)
    return SimClock(dict(LATENCIES, **(latencies or {})), **kw)


def first_turn_calls(scenario: str) -> list[dict[str, Any]]:
    """The normalised calls the model asks for on the first turn of a recorded scenario."""
    return calls_in(load(scenario).interactions[0].response.final_body)


def make_calls(*pairs: tuple[str, dict[str, Any]], prefix: str = "call_") -> list[dict[str, Any]]:
    """Calls with made-up ids, for tests: ``make_calls(("get_weather", {"city": "Tokyo"}), ...)``."""
    return [{"id": f"{prefix}{i:02d}{n[4:8]}", "name": n, "arguments": a} for i, (n, a) in enumerate(pairs)]


# --------------------------------------------------------------------------------------------------------------
# running learner code safely
# --------------------------------------------------------------------------------------------------------------

async def _run(fn: Callable[..., Any], *args: Any, what: str, limit_s: float = 15.0) -> tuple[Any, BaseException | None]:
    """``await fn(*args)``; returns (result, exception).  Leaves no stray tasks and no stderr noise."""
    async with contained() as scope:
        try:
            aw = fn(*args)
        except NotImplementedError as e:
            raise unwritten_error(e) from None
        except Exception as e:  # noqa: BLE001 - reported to the learner
            return None, e
        if not inspect.isawaitable(aw):
            raise AssertionError(f"{what} must be an `async def` function (so callers can `await` it); "
                                 f"calling it returned {type(aw).__name__}. See section 5.")
        try:
            result = await asyncio.wait_for(aw, limit_s)
            scope.settled = True
            return result, None
        except NotImplementedError as e:
            raise unwritten_error(e) from None
        except Exception as e:  # noqa: BLE001
            return None, e


def _expected(call: dict[str, Any]) -> Any:
    try:
        return toolbox.call(call["name"], call["arguments"])
    except Exception as e:  # noqa: BLE001
        return e


def _label(call: dict[str, Any]) -> str:
    return f"{call['name']}({', '.join(map(str, call['arguments'].values()))})"


def _check_mapping(got: Any, calls: list[dict[str, Any]], what: str, errors: set[str] = frozenset()) -> None:
    """``got`` must map every call id to the right result (error dicts for ids in ``errors``)."""
    ids = [c["id"] for c in calls]
    if isinstance(got, list) and len(got) == len(calls):
        raise AssertionError(f"{what} returned a list; return a dict {{call_id: result}} so every result stays "
                             "attached to the id the model gave it, whatever order the calls finish in.")
    assert isinstance(got, dict), f"{what} must return a dict {{call_id: result}}, got {type(got).__name__}."
    missing = [i for i in ids if i not in got]
    extra = [k for k in got if k not in ids]
    assert not missing and not extra, (
        f"{what}: the dict's keys must be exactly the call ids. Missing: {missing}; unexpected: {extra}. "
        "Every id the model sent needs an answer, even when its tool failed.")
    wanted = {c["id"]: _expected(c) for c in calls}
    wrong = [c for c in calls if c["id"] not in errors and got[c["id"]] != wanted[c["id"]]]
    if wrong:
        if sorted(map(repr, got.values())) == sorted(repr(v) for v in wanted.values()):
            raise AssertionError(
                f"{what}: the results are right but attached to the wrong ids (e.g. {wrong[0]['id']} = "
                f"{_label(wrong[0])} got {got[wrong[0]['id']]!r}). Calls finish in any order (as_completed yields "
                "them fastest first): keep each result with its call, e.g. gather in call order, or return "
                "(id, result) from each task.")
        c = wrong[0]
        if isinstance(got[c["id"]], dict) and "error" in got[c["id"]]:
            ok_ids = [i for i in ids if i not in errors]
            together = len(ok_ids) > 1 and all(isinstance(got[i], dict) and "error" in got[i] for i in ok_ids)
            raise AssertionError(
                f"{what}: {c['id']} = {_label(c)} succeeds, but its result is the error {got[c['id']]!r}. " + (
                    "Every call that succeeds got an error: one timeout around the whole batch (the gather) "
                    "cancels them all when one call hangs. Give each call its own timeout, inside its task: "
                    "`await asyncio.wait_for(tool(**args), timeout)`." if together else
                    "Only a call whose tool fails or hangs becomes an error result."))
        raise AssertionError(f"{what}: {c['id']} = {_label(c)} should be {wanted[c['id']]!r}, got {got[c['id']]!r}. "
                             "Await the tool's coroutine and keep its return value as is.")
    for i in errors:
        v = got[i]
        assert isinstance(v, dict) and isinstance(v.get("error"), str) and v["error"], (
            f"{what}: call {i} failed, so its result should be a dict like {{'error': 'ToolError: ...'}} that "
            f"the model can read; got {v!r}.")


def _timing(clock: SimClock, calls: list[dict[str, Any]], what: str, cap: int | None = None) -> None:
    n = len(calls)
    evidence.require(clock)
    assert len(clock.calls) == n, (
        f"{what} made {len(clock.calls)} tool call(s) for {n} requested call(s). Call each tool exactly once per call id.")
    latencies = [clock.latency_of(c["name"], c["arguments"]) for c in calls]
    finite = [x for x in latencies if x != float("inf")]
    if clock.blocking_calls():
        raise AssertionError(
            f"{what} called a blocking tool directly inside a coroutine: it froze the event loop, so nothing else "
            f"ran meanwhile (virtual time {clock.elapsed:.0f} ms = the sum). Run blocking functions with "
            "`await asyncio.to_thread(fn, **args)` (section 8).")
    if clock.peak_concurrency == 1 and n > 1 and cap is None:
        raise AssertionError(
            f"{what} ran the calls one after another (peak concurrency 1, {clock.elapsed:.0f} ms of virtual time = the "
            f"sum of the latencies). Awaiting each call in turn inside a loop is serial: start them all, then await "
            f"them together (asyncio.gather or a TaskGroup), so the turn takes only the slowest call, "
            f"{max(finite):.0f} ms.")
    if cap is None:
        assert clock.peak_concurrency == n, (
            f"{what}: only {clock.peak_concurrency} of {n} calls were in flight at once. Start every call before "
            "awaiting any of them.")
        assert clock.elapsed == max(finite), (
            f"{what} took {clock.elapsed:.0f} ms of virtual time; run concurrently it takes the slowest call, "
            f"{max(finite):.0f} ms.")


# --------------------------------------------------------------------------------------------------------------
# the checks
# --------------------------------------------------------------------------------------------------------------

DEFAULT_RUN = [("get_stock_price", {"ticker": "AAPL"}), ("get_weather", {"city": "Tokyo"}),
               ("get_weather", {"city": "London"})]


@graded
@second_look
async def check_run_calls(fn: Callable[..., Any], scenario: str | None = None, *,
                          pairs: list[tuple[str, dict[str, Any]]] | None = None, verbose: bool = True) -> None:
    """Exercise 1: ``await fn(calls, tools)`` returns ``{id: result}`` and runs the calls concurrently."""
    calls = first_turn_calls(scenario) if scenario else make_calls(*(pairs or DEFAULT_RUN))
    clock = _LAST["clock"] = make_clock()
    clock.expect(len(calls))
    what = getattr(fn, "__name__", "your function")
    got, err = await _run(fn, calls, clock.async_tools(), what=what)
    if err is not None:
        raise AssertionError(f"{what} raised {type(err).__name__}: {err}") from None
    _check_mapping(got, calls, what)
    _timing(clock, calls, what)
    if verbose:
        print(f"ok: {len(calls)} calls, {clock.elapsed:.0f} ms virtual (serial would be "
              f"{clock.serial_ms((c['name'], c['arguments']) for c in calls):.0f} ms), peak {clock.peak_concurrency}")


SAFE_DEFAULT = [("get_weather", {"city": "Tokyo"}), ("get_weather", {"city": "Atlantis"}),
                ("get_stock_price", {"ticker": "SLOW"}), ("get_stock_price", {"ticker": "AAPL"})]


@graded
@second_look
async def check_safe(fn: Callable[..., Any], *, pairs: list[tuple[str, dict[str, Any]]] | None = None,
                     timeout: float = 0.05, verbose: bool = True) -> None:
    """Exercise 2: ``await fn(calls, tools, timeout)``: failures and timeouts become error results, the rest survive."""
    calls = make_calls(*(pairs or SAFE_DEFAULT))
    hang_limit = None
    if in_second_look():
        # Calls finish one at a time, each after the wide quiet window: the timeout must outlast them all (or
        # the official solution would time every call out), and the hang limit must outlast the timeout.
        timeout = max(timeout, (len(calls) + 1) * SECOND_LOOK_QUIET_S)
        hang_limit = 2 * timeout
    clock = _LAST["clock"] = make_clock(**({"hang_limit_s": hang_limit} if hang_limit else {}))
    clock.expect(len(calls))
    what = getattr(fn, "__name__", "your function")
    got, err = await _run(fn, calls, clock.async_tools(), timeout, what=what)
    if err is not None:
        raise AssertionError(
            f"{what} raised {type(err).__name__}: {err}. One failing call must not sink the others: with plain "
            "asyncio.gather the first exception propagates and every other result is lost. Catch per call "
            "(try/except inside each task) or use gather(..., return_exceptions=True) and turn each exception "
            "into {'error': ...}.") from None
    hung = [c for c in clock.calls if c.hang]
    failing = {c["id"] for c in calls if isinstance(_expected(c), Exception) or
               clock.latency_of(c["name"], c["arguments"]) == float("inf") or
               isinstance(clock._spec_for(c["name"], c["arguments"]), Fail)}
    _check_mapping(got, calls, what, errors=failing)
    for h in hung:
        assert h.outcome == "cancelled", (
            f"{what}: {h.label} hangs and was never cancelled; it only stopped because the lesson's tool gives up "
            f"after {clock.hang_limit_s:g} s. Give every call its own timeout: "
            "`await asyncio.wait_for(tool(**args), timeout)` or `async with asyncio.timeout(timeout):`.")
    _timing(clock, calls, what)
    if verbose:
        print(f"ok: {len(calls) - len(failing)} results, {len(failing)} error result(s), "
              f"{clock.elapsed:.0f} ms virtual, peak {clock.peak_concurrency}")


CAP_DEFAULT = [("get_weather", {"city": c}) for c in ["Tokyo", "London", "Paris", "New York", "Sydney"]]


@graded
@second_look
async def check_capped(fn: Callable[..., Any], *, limit: int = 2, pairs: list[tuple[str, dict[str, Any]]] | None = None,
                       verbose: bool = True) -> None:
    """Exercise 3: ``await fn(calls, tools, limit)``: never more than ``limit`` calls in flight, but that many."""
    calls = make_calls(*(pairs or CAP_DEFAULT))
    clock = _LAST["clock"] = make_clock()
    clock.expect(len(calls))
    what = getattr(fn, "__name__", "your function")
    got, err = await _run(fn, calls, clock.async_tools(), limit, what=what)
    if err is not None:
        raise AssertionError(f"{what} raised {type(err).__name__}: {err}") from None
    _check_mapping(got, calls, what)
    _timing(clock, calls, what, cap=limit)
    peak = clock.peak_concurrency
    assert peak <= limit, (
        f"{what}: {peak} calls were in flight at once but the limit was {limit}: the cap was ignored. Create ONE "
        "asyncio.Semaphore(limit) shared by all the calls and hold it around each tool call (`async with sem:`); "
        "a new semaphore per call limits nothing.")
    assert peak == min(limit, len(calls)), (
        f"{what}: at most {peak} call(s) ran at once, but the limit {limit} allows {min(limit, len(calls))} "
        f"({clock.elapsed:.0f} ms of virtual time). The cap is a ceiling, not a queue of one: use "
        "asyncio.Semaphore(limit) and start every call, letting the semaphore hold back the extras.")
    serial = clock.serial_ms((c["name"], c["arguments"]) for c in calls)
    assert clock.elapsed < serial
    if verbose:
        print(f"ok: peak {peak} (limit {limit}), {clock.elapsed:.0f} ms virtual (serial {serial:.0f} ms)")


@graded
@second_look
async def check_threads(fn: Callable[..., Any], *, pairs: list[tuple[str, dict[str, Any]]] | None = None,
                        verbose: bool = True) -> None:
    """Exercise 4: ``await fn(calls, sync_tools)`` runs *blocking* tools concurrently without blocking the loop."""
    calls = make_calls(*(pairs or DEFAULT_RUN))
    clock = _LAST["clock"] = make_clock()
    clock.expect(len(calls))
    what = getattr(fn, "__name__", "your function")
    got, err = await _run(fn, calls, clock.sync_tools(), what=what)
    if err is not None:
        raise AssertionError(f"{what} raised {type(err).__name__}: {err}") from None
    _check_mapping(got, calls, what)
    _timing(clock, calls, what)
    if verbose:
        print(f"ok: {len(calls)} blocking calls on worker threads, {clock.elapsed:.0f} ms virtual, "
              f"peak {clock.peak_concurrency}, event loop never blocked")


AGENT_TOOLS = {"fanout_weather_stock": ["get_weather", "get_stock_price"], "fanout_five_cities": ["get_weather"],
               "fanout_two_rounds": ["get_exchange_rate", "get_stock_price", "get_weather"],
               "fanout_three_rounds_hidden": ["get_exchange_rate", "get_stock_price", "get_weather"]}
AGENT_QUESTIONS = {
    "fanout_weather_stock": "What's the weather in Tokyo and what's the AAPL stock price?",
    "fanout_five_cities": "Compare the weather right now in Tokyo, London, Paris, New York and Sydney.",
    "fanout_two_rounds": "Weather in Paris and London? Then the EUR to USD rate and the AAPL price.",
    "fanout_three_rounds_hidden": "Weather in Sydney; then MSFT and NVDA prices; then the USD to JPY rate.",
}


def _rounds_timing(clock: SimClock, rounds: list[list[dict[str, Any]]], what: str) -> None:
    """Several rounds: each round's calls concurrent, the rounds one after another (the next needs the results)."""
    evidence.require(clock)
    n = sum(len(r) for r in rounds)
    assert len(clock.calls) == n, (
        f"{what} made {len(clock.calls)} tool call(s) for {n} requested call(s) over {len(rounds)} rounds. Call each "
        "tool exactly once per call id.")
    widest = max(len(r) for r in rounds)
    want = sum(max(clock.latency_of(c["name"], c["arguments"]) for c in r) for r in rounds)
    if clock.peak_concurrency < widest or clock.elapsed != want:
        raise AssertionError(
            f"{what}: {clock.elapsed:.0f} ms of virtual time and peak concurrency {clock.peak_concurrency}; run each "
            f"round's calls together (asyncio.gather) and a round takes its slowest call: {want:.0f} ms in all, "
            f"peak {widest}. Reread section 9, step 3.")


@graded
@second_look
async def check_agent(fn: Callable[..., Any], scenario: str = "fanout_weather_stock", *, verbose: bool = True) -> None:
    """Exercise 5: ``await fn(client, question, tools)`` runs the whole async loop; each turn's tools concurrently."""
    client = openai_client(scenario, async_=True, time_scale=0)
    clock = _LAST["clock"] = make_clock()
    tools = {n: clock.async_tool(n) for n in AGENT_TOOLS[scenario]}
    what = getattr(fn, "__name__", "your agent")
    rec = load(scenario)
    rounds = [c for c in (calls_in(it.response.final_body) for it in rec.interactions) if c]
    clock.expect(*(sum(len(r) for r in rounds[:k + 1]) for k in range(len(rounds))))
    got, err = await _run(fn, client, AGENT_QUESTIONS[scenario], tools, what=what)
    log = session_of(client).log
    if err is not None:
        raise AssertionError(f"{what} raised {type(err).__name__}: {err}") from None
    bad = [e for e in log if e.kind != "played"]
    assert not bad, f"{what}: the replay answered {bad[0].kind}: {bad[0].message}"
    assert session_of(client).finished, (
        f"{what} stopped after {len(log)} of {len(rec.interactions)} model call(s), but this conversation has "
        f"{len(rounds)} round(s) of tool calls. After answering a round, ask the model again, and keep looping until "
        "a reply has no tool_calls (section 9, step 3: 'go round again').")
    final = rec.interactions[-1].response.final_body["choices"][0]["message"]["content"]
    assert got == final, f"{what} should return the final answer text {final!r}, got {got!r}."
    calls = [c for r in rounds for c in r]
    if len(rounds) == 1:
        _timing(clock, calls, what)
    else:
        _rounds_timing(clock, rounds, what)
    if verbose:
        print(f"ok: {len(log)} model calls replayed; {len(calls)} tools in {clock.elapsed:.0f} ms virtual, "
              f"peak {clock.peak_concurrency}")
