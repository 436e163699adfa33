"""The simulated clock gives the same virtual timeline for every correct concurrency style."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading

import pytest

from course.clock import HANG, SECOND_LOOK_QUIET_S, Fail, SimClock, ToolError

LAT = {"get_weather": {"Tokyo": 800, "London": 900, "Paris": 700, "Sydney": 1100, "*": 1000},
       "get_stock_price": {"AAPL": 1200, "*": 1000}, "get_exchange_rate": 3000}
CALLS = [("get_weather", {"city": "Tokyo"}), ("get_stock_price", {"ticker": "AAPL"}),
         ("get_weather", {"city": "London"}), ("get_exchange_rate", {"from_currency": "USD", "to_currency": "JPY"}),
         ("get_weather", {"city": "Paris"})]
MAX = 3000.0
SUM = 800 + 1200 + 900 + 3000 + 700


def clock(style=None) -> SimClock:
    """Async styles start every call within one loop turn; worker threads may start late on a loaded machine,
    so thread styles get the grader's second-look window (0.25 s), the window that decides a grade."""
    threaded = style in THREADED
    return SimClock(LAT, quiet_s=SECOND_LOOK_QUIET_S if threaded else 0.01)


async def gather_style(c: SimClock):
    return await asyncio.gather(*(c.acall(n, a) for n, a in CALLS))


async def taskgroup_style(c: SimClock):
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(c.acall(n, a)) for n, a in CALLS]
    return [t.result() for t in tasks]


async def as_completed_style(c: SimClock):
    async def one(i, n, a):
        return i, await c.acall(n, a)
    out = [None] * len(CALLS)
    for fut in asyncio.as_completed([one(i, n, a) for i, (n, a) in enumerate(CALLS)]):
        i, r = await fut
        out[i] = r
    return out


async def to_thread_style(c: SimClock):
    return await asyncio.gather(*(asyncio.to_thread(c.call, n, a) for n, a in CALLS))


async def sync_tools_to_thread_style(c: SimClock):
    tools = c.sync_tools()
    return await asyncio.gather(*(asyncio.to_thread(tools[n], **a) for n, a in CALLS))


def pool_style(c: SimClock):
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
        return list(ex.map(lambda na: c.call(*na), CALLS))


async def serial_async(c: SimClock):
    return [await c.acall(n, a) for n, a in CALLS]


def serial_sync(c: SimClock):
    return [c.call(n, a) for n, a in CALLS]


def run(style, c):
    if asyncio.iscoroutinefunction(style):
        return asyncio.run(style(c))
    return style(c)


THREADED = {to_thread_style, sync_tools_to_thread_style, pool_style}
CONCURRENT = [gather_style, taskgroup_style, as_completed_style, to_thread_style, sync_tools_to_thread_style, pool_style]


@pytest.mark.parametrize("style", CONCURRENT, ids=lambda f: f.__name__)
def test_concurrent_styles_take_the_slowest_call(style):
    c = clock(style)
    results = run(style, c)
    assert c.elapsed == MAX
    assert c.peak_concurrency == len(CALLS)
    assert all(call.start == 0 for call in c.calls)
    assert results[0]["city"] == "Tokyo" and results[1]["ticker"] == "AAPL"
    assert len(c.overlaps()) == 10
    assert not c.blocking_calls()


@pytest.mark.parametrize("style", [serial_async, serial_sync], ids=lambda f: f.__name__)
def test_serial_loop_takes_the_sum(style):
    c = clock()
    run(style, c)
    assert c.elapsed == SUM
    assert c.peak_concurrency == 1
    assert c.overlaps() == []
    assert [call.start for call in c.calls] == [0, 800, 2000, 2900, 5900]


def _timeline(c: SimClock) -> list[tuple]:
    return sorted((x.name, tuple(x.args.values()), x.start, x.finish) for x in c.calls)


@pytest.mark.parametrize("style", CONCURRENT, ids=lambda f: f.__name__)
def test_a_complete_batch_finishes_without_the_quiet_window(style):
    # An hour's quiet window: the calls can only finish because the clock knows the whole batch has started.
    c = SimClock(LAT, quiet_s=3600)
    c.expect(len(CALLS))

    async def bounded():
        if asyncio.iscoroutinefunction(style):
            return await asyncio.wait_for(style(c), 60)
        return await asyncio.wait_for(asyncio.to_thread(style, c), 60)

    asyncio.run(bounded())
    assert c.elapsed == MAX and c.peak_concurrency == len(CALLS)


@pytest.mark.parametrize("style", CONCURRENT + [serial_async, serial_sync], ids=lambda f: f.__name__)
def test_expecting_the_batch_keeps_every_timeline(style):
    plain, told = clock(style), clock(style)
    told.expect(len(CALLS))
    run(style, plain)
    run(style, told)
    assert _timeline(told) == _timeline(plain)


def test_an_incomplete_batch_still_waits_for_the_window():
    c = SimClock(LAT, quiet_s=3600)
    c.expect(2)

    async def one_of_two():
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(c.acall("get_weather", {"city": "Tokyo"}), 0.3)

    asyncio.run(one_of_two())
    assert c.calls[0].outcome == "cancelled"


def test_expected_rounds_are_cumulative_counts_and_reset_forgets_them():
    c = SimClock(LAT, quiet_s=3600)
    c.expect(2, 5)

    async def two_rounds():
        await asyncio.gather(*(c.acall(n, a) for n, a in CALLS[:2]))
        await asyncio.gather(*(c.acall(n, a) for n, a in CALLS[2:]))

    asyncio.run(asyncio.wait_for(two_rounds(), 60))
    assert c.elapsed == 1200 + 3000 and c.peak_concurrency == 3
    c.reset()

    async def forgotten():
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(c.acall(n, a) for n, a in CALLS[:2])), 0.3)

    asyncio.run(forgotten())


def test_semaphore_cap_two_over_five_calls():
    c = SimClock({"get_weather": 1000}, quiet_s=0.01)
    cities = ["Tokyo", "London", "Paris", "Sydney", "New York"]

    async def capped():
        sem = asyncio.Semaphore(2)

        async def one(city):
            async with sem:
                return await c.acall("get_weather", {"city": city})
        return await asyncio.gather(*(one(x) for x in cities))

    asyncio.run(capped())
    assert c.peak_concurrency == 2
    assert c.elapsed == 3000  # ceil(5 / 2) rounds of 1000 ms


def test_semaphore_cap_with_unequal_latencies():
    c = clock()

    async def capped():
        sem = asyncio.Semaphore(2)

        async def one(n, a):
            async with sem:
                return await c.acall(n, a)
        return await asyncio.gather(*(one(n, a) for n, a in CALLS))

    asyncio.run(capped())
    # Tokyo 0-800, AAPL 0-1200, London 800-1700, rate 1200-4200, Paris 1700-2400
    assert [(x.start, x.finish) for x in c.calls] == [(0, 800), (0, 1200), (800, 1700), (1200, 4200), (1700, 2400)]
    assert c.peak_concurrency == 2 and c.elapsed == 4200


def test_thread_pool_with_two_workers_is_a_cap():
    c = SimClock({"get_weather": 1000}, quiet_s=SECOND_LOOK_QUIET_S)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        list(ex.map(lambda city: c.call("get_weather", {"city": city}), ["Tokyo", "London", "Paris", "Sydney", "New York"]))
    assert c.peak_concurrency == 2 and c.elapsed == 3000


@pytest.mark.parametrize("style", CONCURRENT + [serial_async], ids=lambda f: f.__name__)
def test_repeatable(style):
    timelines = []
    for _ in range(3):
        c = clock(style)
        run(style, c)
        timelines.append(sorted((x.name, tuple(x.args.values()), x.start, x.finish) for x in c.calls))
    assert timelines[0] == timelines[1] == timelines[2]


def test_failure_is_isolated_and_recorded():
    c = SimClock({"get_weather": {"Atlantis": Fail(300, "no such city"), "*": 800}}, quiet_s=0.01)

    async def go():
        return await asyncio.gather(c.acall("get_weather", {"city": "Tokyo"}),
                                    c.acall("get_weather", {"city": "Atlantis"}), return_exceptions=True)

    ok, err = asyncio.run(go())
    assert ok["city"] == "Tokyo"
    assert isinstance(err, ToolError) and "no such city" in str(err)
    assert [x.outcome for x in c.calls] == ["ok", "error"]
    assert c.elapsed == 800 and c.peak_concurrency == 2


def test_real_tool_errors_propagate():
    c = clock()
    with pytest.raises(ToolError):
        asyncio.run(c.acall("get_weather", {"city": "Atlantis"}))
    assert c.calls[0].outcome == "error"


def test_hang_is_cancelled_cleanly_by_wait_for(capfd):
    c = SimClock({"get_stock_price": {"SLOW": HANG, "*": 1200}, "get_weather": 800}, quiet_s=0.01)

    async def go():
        async def guarded(n, a):
            try:
                return await asyncio.wait_for(c.acall(n, a), timeout=0.1)
            except TimeoutError:
                return "timeout"
        return await asyncio.gather(guarded("get_weather", {"city": "Tokyo"}),
                                    guarded("get_stock_price", {"ticker": "SLOW"}))

    res = asyncio.run(go())
    assert res[1] == "timeout" and res[0]["city"] == "Tokyo"
    assert [x.outcome for x in c.calls] == ["ok", "cancelled"]
    assert c.calls[1].finish == 800 and c.elapsed == 800
    out, err = capfd.readouterr()
    assert err == ""


def test_hang_with_asyncio_timeout():
    c = SimClock({"get_weather": HANG}, quiet_s=0.01)

    async def go():
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.05):
                await c.acall("get_weather", {"city": "Tokyo"})

    asyncio.run(go())
    assert c.calls[0].outcome == "cancelled"


def test_hang_without_timeout_fails_fast_with_a_lesson():
    c = SimClock({"get_weather": HANG}, quiet_s=0.01, hang_limit_s=0.1)
    with pytest.raises(ToolError, match="wait_for"):
        asyncio.run(c.acall("get_weather", {"city": "Tokyo"}))


def test_blocking_call_inside_a_coroutine_is_flagged_and_serial():
    c = clock()
    tools = c.sync_tools()

    async def wrong():
        async def one(n, a):
            return tools[n](**a)          # blocks the loop
        return await asyncio.gather(*(one(n, a) for n, a in CALLS))

    async def go():
        loop = asyncio.get_running_loop()
        await wrong()
        return loop

    loop_holder = []

    async def main():
        loop_holder.append(await go())
    asyncio.run(main())
    assert c.elapsed == SUM and c.peak_concurrency == 1
    assert len(c.blocking_calls()) == 5
    assert all(x.loop_id == id(loop_holder[0]) for x in c.blocking_calls())


def test_sync_tools_in_a_plain_thread_are_not_flagged():
    c = clock()
    t = threading.Thread(target=lambda: c.call("get_weather", {"city": "Tokyo"}))
    t.start(); t.join()
    assert c.calls[0].kind == "sync" and not c.calls[0].blocked_loop and c.calls[0].loop_id is None


def test_mixed_async_and_blocking_call_does_not_deadlock():
    c = clock()

    async def go():
        t = asyncio.create_task(c.acall("get_weather", {"city": "Tokyo"}))   # 800
        await asyncio.sleep(0)
        c.call("get_stock_price", {"ticker": "AAPL"})                        # 1200, blocks the loop
        return await t

    assert asyncio.run(go())["city"] == "Tokyo"
    assert c.elapsed == 1200 and c.peak_concurrency == 2


def test_positional_args_latency_table_and_reset():
    c = clock()
    w = c.async_tool("get_weather")
    assert w.__name__ == "get_weather"
    asyncio.run(w("Sydney"))
    assert c.calls[0].args == {"city": "Sydney"} and c.elapsed == 1100
    assert c.latency_of("get_weather", {"city": "Nowhere"}) == 1000
    assert c.serial_ms(CALLS) == SUM
    c.reset()
    assert c.calls == [] and c.elapsed == 0 and c.peak_concurrency == 0 and c.now == 0
    assert "elapsed 0 ms" in c.summary()


def test_register_custom_tool_and_callable_spec():
    c = SimClock({"slow_echo": lambda args: 10 * len(args["text"])}, quiet_s=0.01)
    c.register("slow_echo", lambda text: {"echo": text})
    assert asyncio.run(c.acall("slow_echo", {"text": "hello"})) == {"echo": "hello"}
    assert c.elapsed == 50


def test_time_scale_really_waits_a_little():
    import time
    c = SimClock({"get_weather": 100}, quiet_s=0.005, time_scale=1.0)
    t0 = time.monotonic()
    asyncio.run(c.acall("get_weather", {"city": "Tokyo"}))
    assert time.monotonic() - t0 >= 0.1 and c.elapsed == 100


def test_second_look_rejudges_a_failure_with_a_wider_quiet_window():
    from course.clock import QUIET_S, SECOND_LOOK_QUIET_S, second_look

    seen = []

    @second_look
    async def check(fail_first: bool) -> str:
        seen.append(SimClock().quiet_s)
        if fail_first and len(seen) == 1:
            raise AssertionError("looked serial")
        return "ok"

    assert asyncio.run(check(False)) == "ok" and seen == [QUIET_S.get()]
    seen.clear()
    assert asyncio.run(check(True)) == "ok" and seen == [QUIET_S.get(), SECOND_LOOK_QUIET_S]
    assert SimClock().quiet_s == QUIET_S.get() == 0.02


def test_second_look_still_fails_a_serial_executor():
    from course.grading.fanout import check_run_calls

    async def serial(calls, tools):
        return {c["id"]: await tools[c["name"]](**c["arguments"]) for c in calls}

    with pytest.raises(AssertionError, match="one after another"):
        asyncio.run(check_run_calls(serial, verbose=False))


def test_a_thread_started_late_is_not_judged_serial():
    """One worker starts its call 60 ms after the others (a loaded grader): judged concurrent on the second look."""
    import time as _time

    from course.grading.fanout import check_threads

    late = threading.Event()

    async def threads_one_late(calls, tools):
        def work(i, c):
            if i == 1 and not late.is_set():  # late on the first run only
                late.set()
                _time.sleep(0.06)
            return tools[c["name"]](**c["arguments"])
        results = await asyncio.gather(*(asyncio.to_thread(work, i, c) for i, c in enumerate(calls)))
        return {c["id"]: r for c, r in zip(calls, results)}

    asyncio.run(check_threads(threads_one_late, verbose=False))
    assert late.is_set()


class _FakeTime:
    """Stands in for ``time.monotonic`` inside course.clock, so the quiescence window is tested exactly."""

    def __init__(self) -> None:
        self.t = 1000.0

    def monotonic(self) -> float:
        return self.t


@pytest.mark.parametrize("kind, finished_after_ms", [("async", 5), ("sync", 20)])
def test_quiescence_window_is_shorter_while_only_coroutines_called(monkeypatch, kind, finished_after_ms):
    """Coroutines launched together start within one loop turn, so an async-only clock waits 5 ms of quiet
    before finishing a call; once a blocking (thread) call is seen it waits the full 20 ms."""
    import course.clock as clock_module

    fake = _FakeTime()
    monkeypatch.setattr(clock_module, "time", fake)
    clock = SimClock({"get_weather": 100})
    call = clock._start("get_weather", {"city": "Tokyo"}, kind)
    fake.t += (finished_after_ms - 1) / 1000
    assert not clock._done(call), f"a {kind} call finished before {finished_after_ms} ms of quiet"
    fake.t += 2 / 1000
    assert clock._done(call) and call.finish == 100


def test_one_thread_call_restores_the_full_window_until_reset(monkeypatch):
    import course.clock as clock_module

    fake = _FakeTime()
    monkeypatch.setattr(clock_module, "time", fake)
    clock = SimClock({"get_weather": 100})
    clock._start("get_weather", {"city": "Oslo"}, "sync")
    fake.t += 0.021
    clock._done(clock.calls[0])
    later = clock._start("get_weather", {"city": "Lima"}, "async")
    fake.t += 0.006
    assert not clock._done(later), "after a thread call, an async call must wait the full window too"
    clock.reset()
    again = clock._start("get_weather", {"city": "Rome"}, "async")
    fake.t += 0.006
    assert clock._done(again), "reset forgets the thread call"


class _PausedMachine(_FakeTime):
    """Every reading is a second after the last: to the clock, the process was paused between any two events,
    so the real-time window is always quiet; only the event-loop turns can tell who was about to start."""

    def monotonic(self) -> float:
        self.t += 1.0
        return self.t


@pytest.mark.parametrize("style", [gather_style, taskgroup_style, as_completed_style], ids=lambda f: f.__name__)
def test_a_paused_process_does_not_serialise_coroutines_launched_together(monkeypatch, style):
    import course.clock as clock_module

    monkeypatch.setattr(clock_module, "time", _PausedMachine())
    c = SimClock(LAT, quiet_s=0.01)
    run(style, c)
    assert [call.start for call in c.calls] == [0] * len(CALLS), c.summary()
    assert c.elapsed == MAX


def test_a_paused_process_still_sees_a_serial_loop_as_serial(monkeypatch):
    import course.clock as clock_module

    monkeypatch.setattr(clock_module, "time", _PausedMachine())
    c = SimClock(LAT, quiet_s=0.01)
    run(serial_async, c)
    assert c.elapsed == SUM and c.peak_concurrency == 1
