"""Self-checks and hidden tests for lesson 06 (measuring the win).

The exercises are pure functions over plain data (lists of numbers, ``usage`` dicts, traces from
:mod:`course.metrics`), so every check calls the learner's function on cases whose right answer is
computed here, and compares.  When the answer is wrong, the check recomputes the answer each common
mistake would give; if the learner's answer matches one, the message names that mistake.  Messages go
in the ``AssertionError``; a passing case prints one ``ok`` line to stdout, never anything to stderr.

Exercise contracts (stated in the notebook too):

* ``latency_percentiles(latencies_ms) -> {"p50": float, "p95": float}`` with *linear interpolation
  between closest ranks*: sort, position ``(n - 1) * q / 100``, interpolate between the two neighbours.
  That is ``numpy.percentile``'s default (``method="linear"``) and
  ``statistics.quantiles(data, n=100, method="inclusive")``; both are accepted, as is any loop that
  computes the same thing.  At least two values are passed.
* ``task_cost(usages, prices) -> float``: dollars for one task, ``usages`` = the ``usage`` dict of every
  model turn (Chat ``prompt_tokens``/``completion_tokens``; Responses and Anthropic
  ``input_tokens``/``output_tokens``), ``prices = {"input": $ per 1M tokens, "output": $ per 1M tokens}``.
* ``wasted_calls(trace) -> list of call ids`` (any order, any iterable) and
  ``wasted_rate(traces) -> float`` (a fraction, pooled: wasted calls / all calls; 0.0 without calls).
  A call is *used* when one of ``course.metrics.result_values(call)`` occurs in the text of the NEXT model
  turn or in ``str(value)`` of one of the arguments of that turn's calls.
* ``recommend(on, off, thresholds) -> (decision, reasons)``: ``"on"`` only when the parallel run passes
  every check, else ``"off"``; ``reasons`` (a string or a list of strings) names every failed check by
  its keyword ``p50``, ``p95``, ``cost`` or ``wasted``.
"""

from __future__ import annotations

import copy
import math
from functools import lru_cache
from typing import Any, Callable, Iterable

from ..clock import SEED_LATENCIES
from ..metrics import load_traces, result_values
from .unwritten import reports_unwritten

# --------------------------------------------------------------------------------------------- lesson data
TOOL_LATENCIES: dict[str, Any] = {
    **SEED_LATENCIES,                                        # weather 700-1100 ms, exchange rate 600 ms
    "get_stock_price": {"NVDA": 3000, "*": 1200},            # the NVDA quote service is rate-limited
    "get_doctor_calendar": 800, "get_user_payment_method": 800, "book_appointment": 800,   # the blog's 800 ms
}
"""The lesson's tool latencies (virtual ms) for :class:`course.clock.SimClock`."""

PRICES: dict[str, dict[str, float]] = {
    # Illustrative dollars per 1M tokens for the arithmetic; check each provider's pricing page for today's.
    "lookup": {"input": 0.15, "output": 0.60},      # gpt-4o-mini
    "portfolio": {"input": 2.00, "output": 8.00},   # gpt-4.1
    "booking": {"input": 3.00, "output": 15.00},    # claude-sonnet-4-6
}

BLOG_THRESHOLDS = {"p50_ms": 1400, "p95_ms": 4000, "max_cost_increase": 0.05, "wasted_rate": 0.01}
"""The blog's pass thresholds: p50 <= 1.4 s, p95 <= 4.0 s, cost <= baseline + 5%, wasted <= 1.0%."""

LESSON_THRESHOLDS = {"p50_ms": 4500, "p95_ms": 6000, "max_cost_increase": 0.05, "wasted_rate": 0.01}
"""The same shape with a latency budget that fits this lesson's multi-turn agents."""

AGENTS = ("lookup", "portfolio", "booking")
KEYWORDS = ("p50", "p95", "cost", "wasted")


@lru_cache(maxsize=1)
def _traces() -> tuple[dict[str, Any], ...]:
    return tuple(load_traces(latencies=TOOL_LATENCIES))


def lesson_traces(agent: str | None = None, mode: str | None = None) -> list[dict[str, Any]]:
    """The lesson's recorded conversations as traces (copies), optionally one agent and/or mode."""
    return [copy.deepcopy(t) for t in _traces()
            if (agent is None or t["agent"] == agent) and (mode is None or t["mode"] == mode)]


# --------------------------------------------------------------------------------------------- references
def percentile(values: Iterable[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    vs = sorted(float(v) for v in values)
    pos = (len(vs) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(vs) - 1)
    return vs[lo] + (vs[hi] - vs[lo]) * (pos - lo)


def _unsorted_percentile(values: list[float], q: float) -> float:
    vs = [float(v) for v in values]
    pos = (len(vs) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(vs) - 1)
    return vs[lo] + (vs[hi] - vs[lo]) * (pos - lo)


def _nearest_rank(values: list[float], q: float) -> float:
    vs = sorted(values)
    return float(vs[max(1, math.ceil(q / 100 * len(vs))) - 1])


def _exclusive(values: list[float], q: int) -> float:
    import statistics
    return float(statistics.quantiles(values, n=100, method="exclusive")[q - 1])


def tokens_of(usage: dict[str, Any]) -> tuple[int, int]:
    """(input, output) tokens of one usage dict, whichever API it came from."""
    if "prompt_tokens" in usage:
        return int(usage["prompt_tokens"]), int(usage["completion_tokens"])
    return int(usage["input_tokens"]), int(usage["output_tokens"])


def cost(usages: list[dict[str, Any]], prices: dict[str, float]) -> float:
    tin = sum(tokens_of(u)[0] for u in usages)
    tout = sum(tokens_of(u)[1] for u in usages)
    return tin * prices["input"] / 1_000_000 + tout * prices["output"] / 1_000_000


def _evidence(turn: dict[str, Any] | None) -> str:
    if turn is None:
        return ""
    parts = [turn.get("text") or ""]
    parts += [str(v) for c in turn["calls"] for v in (c.get("arguments") or {}).values()]
    return "\n".join(parts)


def wasted(trace: dict[str, Any], *, window: str = "next") -> set[str]:
    """Reference wasted-call ids.  ``window`` other than "next" gives the common mistakes' answers."""
    turns = trace["turns"]
    out = set()
    for i, turn in enumerate(turns):
        if window == "next":
            ev = _evidence(turns[i + 1] if i + 1 < len(turns) else None)
        elif window == "later":
            ev = "\n".join(_evidence(t) for t in turns[i + 1:])
        elif window == "all":
            ev = "\n".join(_evidence(t) for t in turns)
        elif window == "text_only":
            ev = turns[i + 1]["text"] if i + 1 < len(turns) else ""
        elif window == "args_only":
            ev = _evidence({"text": "", "calls": turns[i + 1]["calls"]}) if i + 1 < len(turns) else ""
        else:
            raise ValueError(window)
        for c in turn["calls"]:
            if not any(v in ev for v in result_values(c)):
                out.add(c["id"])
    return out


def _used_evidence(trace: dict[str, Any], ids: list[str], names: dict[str, str]) -> str:
    """Why calls a learner counted as wasted are not: which of their result values the next turn holds."""
    turns = trace["turns"]
    parts = []
    for i, turn in enumerate(turns):
        ev = _evidence(turns[i + 1] if i + 1 < len(turns) else None)
        for c in turn["calls"]:
            if c["id"] in ids:
                used = [v for v in result_values(c) if v in ev]
                if used:
                    parts.append(f"{names.get(c['id'], c['id'])} is used: its result value {used[0]!r} appears in "
                                 f"turn {i + 2}'s text or call arguments")
    if not parts:
        return "You counted calls the next turn did use."
    return ("Not wasted: " + "; ".join(parts[:3]) + ". A call is wasted only when none of "
            "metrics.result_values(call) appears in the next turn.")


def _wasted_raw_values(trace: dict[str, Any]) -> set[str]:
    """The mistake of looking for every value of the result, echoes of the call's own arguments included."""
    turns = trace["turns"]
    out = set()
    for i, turn in enumerate(turns):
        ev = _evidence(turns[i + 1] if i + 1 < len(turns) else None)
        for c in turn["calls"]:
            vals = result_values({"result": c["result"], "arguments": {}})
            if not any(v in ev for v in vals):
                out.add(c["id"])
    return out


def rate(traces: list[dict[str, Any]]) -> float:
    total = sum(len(t["calls"]) for tr in traces for t in tr["turns"])
    return (sum(len(wasted(tr)) for tr in traces) / total) if total else 0.0


def recommendation(on: dict[str, float], off: dict[str, float], th: dict[str, float]) -> tuple[str, list[str]]:
    failed = []
    if on["p50_ms"] > th["p50_ms"]:
        failed.append(f"p50 {on['p50_ms']:.0f} ms > {th['p50_ms']:.0f} ms")
    if on["p95_ms"] > th["p95_ms"]:
        failed.append(f"p95 {on['p95_ms']:.0f} ms > {th['p95_ms']:.0f} ms")
    if on["cost_per_task"] > off["cost_per_task"] * (1 + th["max_cost_increase"]):
        failed.append(f"cost ${on['cost_per_task']:.6f} > baseline ${off['cost_per_task']:.6f} "
                      f"+ {th['max_cost_increase']:.0%}")
    if on["wasted_rate"] > th["wasted_rate"]:
        failed.append(f"wasted calls {on['wasted_rate']:.1%} > {th['wasted_rate']:.1%}")
    return ("off", failed) if failed else ("on", ["all four checks pass"])


# --------------------------------------------------------------------------------------------- helpers
def _close(a: Any, b: float) -> bool:
    try:
        return math.isclose(float(a), b, rel_tol=1e-9, abs_tol=1e-6)
    except (TypeError, ValueError):
        return False


def _call(fn: Callable[..., Any], *args: Any, what: str, hint: str = "") -> Any:
    try:
        return fn(*args)
    except NotImplementedError:
        raise
    except AssertionError:
        raise
    except Exception as e:  # a crash is a teaching moment, not a traceback into the grader
        raise AssertionError(f"{what} raised {type(e).__name__}: {e}. {hint}".rstrip(". ") + ".") from None


# --------------------------------------------------------------------------------------------- 1. percentiles
VISIBLE_LATENCIES = [
    [2950.0, 2900.0, 4900.0, 2500.0, 2500.0],                # lookup agent, parallel on (unsorted, as loaded)
    [5600.0, 4650.0, 8400.0, 3600.0, 2500.0],                # lookup agent, parallel off
]
HIDDEN_LATENCIES = [
    [900.0, 5000.0, 1200.0, 1100.0, 800.0, 1000.0, 950.0, 1300.0, 700.0, 1150.0],   # one slow outlier, unsorted
    [3100.0, 1800.0, 2600.0, 2200.0],                        # even count: the median lies between two values
    [4000.0, 1000.0, 3000.0, 2000.0, 12000.0, 1500.0, 2500.0],
    [1234.5, 987.25],                                        # two values
    [float(800 + (i * 37) % 23 * 40) for i in range(24)] + [9000.0],   # 25 values: nearest rank != max
]


@reports_unwritten
def check_percentiles(fn: Callable[[list[float]], Any], *, hidden: bool = False) -> None:
    """``latency_percentiles`` against the linear-interpolation definition, with named mistakes."""
    for data in (HIDDEN_LATENCIES if hidden else VISIBLE_LATENCIES):
        arg = list(data)
        got = _call(fn, arg, what=f"latency_percentiles({data})")
        if arg != data:
            raise AssertionError("latency_percentiles changed the list it was given (it sorted it in place?). Sort a "
                                 "copy: sorted(latencies) returns a new list and leaves the caller's data alone.")
        if not isinstance(got, dict) or not {"p50", "p95"} <= set(got):
            raise AssertionError(f"latency_percentiles should return a dict with keys 'p50' and 'p95'; got {got!r}")
        want = {"p50": percentile(data, 50), "p95": percentile(data, 95)}
        for key, q in (("p50", 50), ("p95", 95)):
            g = got[key]
            if _close(g, want[key]):
                continue
            msg = (f"{key} of {data} should be {want[key]:.2f} (linear interpolation between closest ranks, "
                   f"numpy.percentile's default), got {g!r}.")
            hints = []
            if key == "p95" and _close(g, max(data)):
                hints.append("That is max(latencies): the maximum is p100, and one outlier would then set your "
                             "p95. p95 sits at position (n - 1) * 0.95 of the SORTED list, between two neighbours.")
            if key == "p50" and _close(g, sum(data) / len(data)):
                hints.append("That is the mean: one slow conversation drags the mean up, the median does not "
                             "move. Reread 'Why percentiles, not the mean'.")
            if _close(g, _unsorted_percentile(data, q)):
                hints.append("That is the value at the interpolated position of the UNSORTED list: a percentile "
                             "is a position in the sorted data. Sort first (sorted(latencies)).")
            if _close(g, _nearest_rank(data, q)):
                hints.append("That is (also) the nearest-rank percentile. It is a valid definition, but this lesson "
                             "uses linear interpolation so answers agree with numpy.percentile: reread 'Two "
                             "definitions'.")
            if len(data) > 2 and _close(g, _exclusive(data, q)):
                hints.append("That is statistics.quantiles' default method='exclusive'. Pass method='inclusive' "
                             "to get the linear-interpolation definition this lesson uses.")
            msg = " ".join([msg] + hints)
            raise AssertionError(msg)
        print(f"ok  p50={want['p50']:.1f} p95={want['p95']:.1f} for {len(data)} latencies")


# --------------------------------------------------------------------------------------------- 2. cost
def _chat_u(i: int, o: int) -> dict[str, Any]:
    return {"prompt_tokens": i, "completion_tokens": o, "total_tokens": i + o,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}


def _resp_u(i: int, o: int) -> dict[str, Any]:
    return {"input_tokens": i, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": o,
            "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": i + o}


def _claude_u(i: int, o: int) -> dict[str, Any]:
    return {"input_tokens": i, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
            "output_tokens": o, "service_tier": "standard"}


def _visible_cost_cases() -> list[tuple[str, list[dict[str, Any]], dict[str, float]]]:
    out = []
    for agent in AGENTS:
        tr = lesson_traces(agent, "off")[0]
        out.append((tr["name"], [t["usage"] for t in tr["turns"]], PRICES[agent]))
    return out


HIDDEN_COST_CASES = [
    ("Chat, three turns", [_chat_u(412, 61), _chat_u(540, 22), _chat_u(655, 48)], {"input": 2.5, "output": 10.0}),
    ("Responses, four turns", [_resp_u(300, 90), _resp_u(420, 35), _resp_u(515, 40), _resp_u(610, 120)],
     {"input": 2.0, "output": 8.0}),
    ("Anthropic, two turns", [_claude_u(1500, 200), _claude_u(1820, 75)], {"input": 3.0, "output": 15.0}),
    ("Chat, output pricier", [_chat_u(100, 900), _chat_u(1100, 10)], {"input": 0.4, "output": 1.6}),
]


@reports_unwritten
def check_task_cost(fn: Callable[[list[dict[str, Any]], dict[str, float]], Any], *, hidden: bool = False) -> None:
    """``task_cost`` against the sum over every turn, with named mistakes."""
    cases = HIDDEN_COST_CASES if hidden else _visible_cost_cases()
    for label, usages, prices in cases:
        got = _call(fn, copy.deepcopy(usages), dict(prices), what=f"task_cost on {label}",
                    hint="Chat usage has prompt_tokens/completion_tokens; Responses and Anthropic usage have "
                         "input_tokens/output_tokens: handle both shapes (look at which keys the dict has)")
        want = cost(usages, prices)
        if _close(got, want) and math.isclose(float(got), want, rel_tol=1e-6):
            print(f"ok  {label}: ${want:.6f} over {len(usages)} turns")
            continue
        msg = f"{label}: the task cost should be ${want:.6f}, got {got!r}."
        tin = sum(tokens_of(u)[0] for u in usages)
        tout = sum(tokens_of(u)[1] for u in usages)
        try:
            g = float(got)
        except (TypeError, ValueError):
            raise AssertionError(msg + " Return a number of dollars (a float).") from None
        if math.isclose(g, cost(usages[-1:], prices), rel_tol=1e-6):
            msg += (" That is the cost of the LAST turn only. Every model turn is billed: a task's cost is the sum "
                    "over all its turns' usage (and each later turn resends the growing history).")
        elif math.isclose(g, cost(usages[:1], prices), rel_tol=1e-6):
            msg += " That is the cost of the first turn only: sum the usage of every turn."
        elif math.isclose(g, want * 1000, rel_tol=1e-6):
            msg += " That is 1000x too much: prices are dollars per MILLION tokens (divide by 1_000_000)."
        elif math.isclose(g, want / 1000, rel_tol=1e-6):
            msg += " That is 1000x too little: prices are per million tokens, not per billion."
        elif math.isclose(g, (tin + tout) * prices["input"] / 1e6, rel_tol=1e-6):
            msg += " You priced every token at the input price: output tokens have their own, higher price."
        elif math.isclose(g, tin * prices["input"] / 1e6, rel_tol=1e-6):
            msg += " You counted input tokens only: output (completion) tokens are billed too."
        elif math.isclose(g, tout * prices["output"] / 1e6, rel_tol=1e-6):
            msg += " You counted output tokens only: input (prompt) tokens are billed too."
        elif math.isclose(g, tin * prices["output"] / 1e6 + tout * prices["input"] / 1e6, rel_tol=1e-6):
            msg += " Input and output prices are swapped."
        else:
            msg += (" Chat usage has prompt_tokens/completion_tokens; Responses and Anthropic usage have "
                    "input_tokens/output_tokens. Reread 'Token cost from usage'.")
        raise AssertionError(msg)


# --------------------------------------------------------------------------------------------- 3. wasted calls
def _call_dict(cid: str, name: str, args: dict[str, Any], result: Any, err: bool = False) -> dict[str, Any]:
    return {"id": cid, "name": name, "arguments": args, "result": result, "is_error": err,
            "start_ms": 0.0, "end_ms": 0.0}


def _turn(i: int, text: str, calls: list[dict[str, Any]]) -> dict[str, Any]:
    return {"index": i, "latency_ms": 500.0, "start_ms": 0.0, "end_ms": 0.0, "text": text,
            "usage": _chat_u(100, 10), "calls": calls}


def _trace(name: str, turns: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "agent": "hidden", "mode": "on", "api": "chat", "end_to_end_ms": 0.0, "turns": turns}


def visible_wasted_traces() -> list[dict[str, Any]]:
    """Hand-made traces for the self-check (other values than the grader's): a result used two turns later only."""
    fx = {"from_currency": "USD", "to_currency": "JPY", "rate": 149.5}
    return [_trace("used_two_turns_later", [
        _turn(0, "", [_call_dict("v1", "get_exchange_rate", {"from_currency": "USD", "to_currency": "JPY"}, fx),
                      _call_dict("v2", "get_weather", {"city": "Tokyo"},
                                 {"city": "Tokyo", "temperature": 24, "condition": "sunny"})]),
        _turn(1, "Tokyo is sunny today.", [_call_dict("v3", "get_stock_price", {"ticker": "NVDA"},
                                                      {"ticker": "NVDA", "price": 124.6, "currency": "USD"})]),
        _turn(2, "NVDA is $124.60, about 18,627 yen at 149.5.", []),
    ]), _trace("argument_echo_only", [
        _turn(0, "", [_call_dict("w1", "get_weather", {"city": "London"},
                                 {"city": "London", "temperature": 15, "condition": "overcast"}),
                      _call_dict("w2", "get_weather", {"city": "Paris"},
                                 {"city": "Paris", "temperature": 19, "condition": "light rain"})]),
        _turn(1, "Paris is 19 degrees with light rain; London I could not check.", []),
    ])]


def hidden_wasted_traces() -> list[dict[str, Any]]:
    """Hand-made traces, each built to separate the right definition from one mistake."""
    cal = {"doctor_id": "dr-khan", "date": "2025-07-01", "free_slots": [{"slot_id": "slot-1100", "start": "11:00"}]}
    pay = {"user_id": "user-7", "payment_method_id": "pm-amex-1005", "brand": "amex", "last4": "1005"}
    return [
        # A value used two turns later but not in the next turn: wasted by the next-turn rule.
        _trace("later_only", [
            _turn(0, "", [_call_dict("c1", "get_doctor_calendar", {"doctor_id": "dr-khan", "date": "2025-07-01"}, cal),
                          _call_dict("c2", "get_user_payment_method", {"user_id": "user-7"}, pay)]),
            _turn(1, "Your card is an amex.", [_call_dict("c3", "get_weather", {"city": "Paris"},
                                                         {"city": "Paris", "temperature": 19, "condition": "light rain"})]),
            _turn(2, "Booked slot-1100 at 11:00; it will be 19 degrees with light rain.", []),
        ]),
        # The issuing turn's own text quotes a value of the result (a guess); the next turn does not: wasted.
        _trace("same_turn_only", [
            _turn(0, "Dr Khan usually opens at 11:00; let me check.", [
                _call_dict("d1", "book_appointment", {"slot_id": "slot-0800", "user_id": "user-7",
                                                      "payment_method_id": "pm-amex-1005"},
                           {"error": "ToolError: slot slot-0800 does not exist"}, True),
                _call_dict("d2", "get_doctor_calendar", {"doctor_id": "dr-khan", "date": "2025-07-01"}, cal)]),
            _turn(1, "", [_call_dict("d3", "get_user_payment_method", {"user_id": "user-7"}, pay)]),
            _turn(2, "Your card on file is the amex ending 1005.", []),
        ]),
        # Use shows only in the next call's arguments (no text at all): used.
        _trace("arguments_only", [
            _turn(0, "", [_call_dict("e1", "get_user_payment_method", {"user_id": "user-7"}, pay)]),
            _turn(1, "", [_call_dict("e2", "book_appointment", {"slot_id": "slot-1100", "user_id": "user-7",
                                                                 "payment_method_id": "pm-amex-1005"},
                                     {"booking_id": "bk-slot-1100-user-7", "slot_id": "slot-1100",
                                      "status": "confirmed"})]),
            _turn(2, "Your booking bk-slot-1100-user-7 is confirmed.", []),
        ]),
        # Only an echo of the call's own argument shows up next: no evidence, wasted.
        _trace("echo_only", [
            _turn(0, "", [_call_dict("f1", "get_weather", {"city": "Sydney"},
                                     {"city": "Sydney", "temperature": 22, "condition": "windy"}),
                          _call_dict("f2", "get_weather", {"city": "Tokyo"},
                                     {"city": "Tokyo", "temperature": 24, "condition": "sunny"})]),
            _turn(1, "Tokyo is 24 degrees and sunny. I could not say much about Sydney.", []),
        ]),
        # Nothing wasted, several calls: the rate's denominator must count them all.
        _trace("all_used", [
            _turn(0, "", [_call_dict("g1", "get_stock_price", {"ticker": "MSFT"},
                                     {"ticker": "MSFT", "price": 415.8, "currency": "USD"}),
                          _call_dict("g2", "get_stock_price", {"ticker": "GOOGL"},
                                     {"ticker": "GOOGL", "price": 175.2, "currency": "USD"}),
                          _call_dict("g3", "get_exchange_rate", {"from_currency": "USD", "to_currency": "EUR"},
                                     {"from": "USD", "to": "EUR", "rate": 0.92})]),
            _turn(1, "MSFT 415.8, GOOGL 175.2, and 1 USD is 0.92 EUR.", []),
        ]),
    ]


def _ids(got: Any, what: str) -> set[str]:
    try:
        if isinstance(got, (str, bytes)) or got is None:
            raise TypeError
        return {str(x) for x in got}
    except TypeError:
        raise AssertionError(f"{what} should return a list (or set) of call ids; got {got!r}") from None


@reports_unwritten
def check_wasted(wasted_calls: Callable[[dict[str, Any]], Any], wasted_rate: Callable[[list[dict[str, Any]]], Any],
                 *, hidden: bool = False) -> None:
    """``wasted_calls`` per trace and ``wasted_rate`` over a set, with named mistakes."""
    traces = hidden_wasted_traces() if hidden else lesson_traces("booking") + visible_wasted_traces()
    for tr in traces:
        got = _ids(_call(wasted_calls, copy.deepcopy(tr), what=f"wasted_calls on {tr['name']}"), "wasted_calls")
        want = wasted(tr)
        if got == want:
            print(f"ok  {tr['name']}: {len(want)} wasted of {sum(len(t['calls']) for t in tr['turns'])} calls")
            continue
        names = {c["id"]: f"{c['name']}({', '.join(map(str, c['arguments'].values()))})"
                 for t in tr["turns"] for c in t["calls"]}
        msg = (f"{tr['name']}: wasted calls should be {sorted(names[i] for i in want) or 'none'}, got "
               f"{sorted(names.get(i, i) for i in got) or 'none'}.")
        if got == wasted(tr, window="later") or got == wasted(tr, window="all"):
            msg += (" You looked for the values in every later turn (or every turn). The metric asks whether the "
                    "NEXT model turn used the result: only turns[i + 1] counts for the calls of turns[i]. Looking "
                    "at the turn that issued the call counts a guess as a use.")
        elif got == wasted(tr, window="text_only"):
            msg += (" You only searched the next turn's text. A result is also used when its value shows up in the "
                    "arguments of the next turn's calls (slot_id, payment_method_id).")
        elif got == wasted(tr, window="args_only"):
            msg += " You only searched the next turn's call arguments: its text counts too."
        elif got == _wasted_raw_values(tr):
            msg += (" You searched for every value of the result, including echoes of the call's own arguments "
                    "('Sydney' in get_weather's result). Use course.metrics.result_values(call).")
        elif got < want:
            msg += (" Some calls with no evidence of use were not counted. A failed call (an error result) or an "
                    "empty result is wasted too when nothing from it appears in the next turn.")
        if got - want:
            msg += " " + _used_evidence(tr, sorted(got - want), names)
        msg += " Reread section 5 (the wasted-call rate) for the definition."
        raise AssertionError(msg)
    no_calls = [{**t, "turns": [{**x, "calls": []} for x in t["turns"]]} for t in lesson_traces("lookup", "off")[:1]]
    sets = ([hidden_wasted_traces(), hidden_wasted_traces()[1:], hidden_wasted_traces()[4:], []] if hidden
            else [lesson_traces("booking", "on"), lesson_traces("booking", "off"), lesson_traces("lookup", "on"),
                  no_calls])
    for ts in sets:
        got = _call(wasted_rate, copy.deepcopy(ts), what=f"wasted_rate over {len(ts)} trace(s)",
                    hint="With no tool calls at all (no traces, or turns without calls) the rate is 0.0, not a "
                         "division by zero: Exercise 3 says so")
        want = rate(ts)
        if _close(got, want):
            print(f"ok  wasted_rate over {len(ts)} traces = {want:.3f}")
            continue
        msg = f"wasted_rate over {[t['name'] for t in ts]} should be {want:.4f} (a fraction), got {got!r}."
        per = [len(wasted(t)) / max(1, sum(len(x['calls']) for x in t['turns'])) for t in ts]
        if _close(got, want * 100):
            msg += " That is a percentage: return the fraction (0.071, not 7.1); format it with :.1% to print."
        elif _close(got, sum(per) / len(per)):
            msg += (" That is the mean of each trace's rate. Pool instead: all wasted calls divided by all calls, "
                    "so a conversation with 6 calls weighs more than one with 1.")
        elif _close(got, sum(len(wasted(t)) for t in ts)):
            msg += " That is the number of wasted calls: divide by the number of all tool calls."
        raise AssertionError(msg)


# --------------------------------------------------------------------------------------------- 4. recommend
def _m(p50: float, p95: float, cost_: float, w: float) -> dict[str, float]:
    return {"p50_ms": p50, "p95_ms": p95, "cost_per_task": cost_, "wasted_rate": w}


VISIBLE_RECOMMEND = [
    ("everything passes", _m(1200, 3100, 0.0040, 0.003), _m(2100, 4800, 0.0042, 0.0), BLOG_THRESHOLDS),
    ("p95 over budget", _m(1300, 4700, 0.0040, 0.0), _m(2000, 6100, 0.0041, 0.0), BLOG_THRESHOLDS),
    ("exactly on the p50 budget (<= passes)", _m(1400, 3000, 0.0030, 0.0), _m(1900, 4200, 0.0030, 0.0),
     BLOG_THRESHOLDS),
    ("only the wasted-call rate fails (2%)", _m(1000, 3000, 0.0030, 0.02), _m(1500, 3800, 0.0030, 0.0),
     BLOG_THRESHOLDS),
    ("only cost fails: +10% over the baseline", _m(900, 2400, 0.0033, 0.0), _m(1400, 3300, 0.0030, 0.0),
     BLOG_THRESHOLDS),
    ("p50 and the wasted-call rate fail", _m(1600, 3500, 0.0030, 0.05), _m(2000, 4200, 0.0030, 0.0),
     BLOG_THRESHOLDS),
    ("other thresholds: a 3 s p50 budget", _m(2800, 3900, 0.0040, 0.0), _m(3500, 5000, 0.0040, 0.0),
     {"p50_ms": 3000, "p95_ms": 5000, "max_cost_increase": 0.10, "wasted_rate": 0.02}),
]
HIDDEN_RECOMMEND = [
    ("only the wasted-call rate fails (the blog's 0.3% -> 7.1%)", _m(1100, 3200, 0.0050, 0.071),
     _m(1350, 3900, 0.0050, 0.003), BLOG_THRESHOLDS),
    ("only cost fails: +20% on a tiny absolute amount", _m(1000, 2500, 0.0024, 0.0), _m(1500, 3500, 0.0020, 0.0),
     BLOG_THRESHOLDS),
    ("cost +4%, within the 5% allowance", _m(1000, 2500, 0.00208, 0.0), _m(1500, 3500, 0.0020, 0.0), BLOG_THRESHOLDS),
    ("exactly on the thresholds (<= passes)", _m(1400, 4000, 0.0020, 0.01), _m(2000, 5000, 0.0020, 0.0),
     BLOG_THRESHOLDS),
    ("only p50 fails", _m(1500, 3000, 0.0020, 0.0), _m(2200, 3900, 0.0021, 0.0), BLOG_THRESHOLDS),
    ("other thresholds: a 4.5 s budget", _m(4350, 4440, 0.0098, 0.0), _m(5650, 5650, 0.0131, 0.0),
     LESSON_THRESHOLDS),
    ("other thresholds: a stricter wasted budget", _m(1000, 2000, 0.0010, 0.004), _m(1500, 2500, 0.0010, 0.0),
     {"p50_ms": 1400, "p95_ms": 4000, "max_cost_increase": 0.05, "wasted_rate": 0.002}),
    ("everything fails", _m(5000, 9000, 0.0100, 0.2), _m(4000, 8000, 0.0050, 0.0), BLOG_THRESHOLDS),
]


@reports_unwritten
def check_recommend(fn: Callable[..., Any], *, hidden: bool = False) -> None:
    """``recommend`` against the four checks, with named mistakes."""
    for label, on, off, th in (HIDDEN_RECOMMEND if hidden else VISIBLE_RECOMMEND):
        got = _call(fn, dict(on), dict(off), dict(th), what=f"recommend ({label})")
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            raise AssertionError(f"recommend should return (decision, reasons); got {got!r}")
        decision, reasons = got
        text = (" ".join(map(str, reasons)) if isinstance(reasons, (list, tuple)) else str(reasons)).lower()
        want, failed = recommendation(on, off, th)
        failing = [k for k in KEYWORDS if any(f.startswith(k) for f in failed)]
        where = f"Case '{label}': parallel run {on}, baseline {off}, thresholds {th}."
        if decision != want:
            msg = f"{where} The decision should be {want!r}, got {decision!r}."
            if failing == ["wasted"]:
                msg += (" Only the wasted-call check fails, and it alone is enough to keep parallelism off: the "
                        "latency win is paid for with calls whose results are thrown away.")
            elif failing == ["cost"]:
                msg += (" The cost check is relative: parallel cost must be <= baseline cost * (1 + "
                        "max_cost_increase), not baseline + 0.05 dollars.")
            elif want == "on" and label.startswith("exactly"):
                msg += " The thresholds are inclusive: p95 <= 4000 and wasted <= 1.0% pass."
            elif want == "on" and "4%" in label:
                msg += " +4% is within a 5% allowance: compare with baseline * (1 + max_cost_increase)."
            elif "other thresholds" in label:
                msg += " Use the thresholds passed in, not the blog's numbers written into your code."
            elif failing:
                msg += f" Failing: {', '.join(failing)}."
            if decision not in ("on", "off"):
                msg += " Return exactly 'on' or 'off'."
            raise AssertionError(msg)
        missing = [k for k in failing if k not in text]
        if missing:
            raise AssertionError(f"{where} Right decision ({want!r}), but the reasons {reasons!r} do not name "
                                 f"every failed check: missing {missing}. Name each one by its keyword "
                                 "(p50, p95, cost, wasted) so whoever reads the report knows what to fix.")
        print(f"ok  {label}: {want}" + (f" ({', '.join(failing)})" if failing else ""))
