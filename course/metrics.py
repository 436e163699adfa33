"""Traces for measuring parallel tool calls: what each model turn and tool call cost, on virtual time.

A *trace* is one recorded conversation turned into plain data (dicts and lists, so learners can
print it, build their own and compute on it with any style)::

    {"name": "measure_lookup_aapl_msft_on", "agent": "lookup", "mode": "on", "api": "chat",
     "end_to_end_ms": 2900.0,
     "turns": [{"index": 0, "latency_ms": 800.0, "start_ms": 0.0, "end_ms": 800.0,
                "text": "", "usage": {"prompt_tokens": 231, "completion_tokens": 38, ...},
                "calls": [{"id": "call_...", "name": "get_stock_price", "arguments": {"ticker": "AAPL"},
                           "result": {"ticker": "AAPL", "price": 213.5, "currency": "USD"},
                           "is_error": False, "start_ms": 800.0, "end_ms": 2000.0}, ...]},
               {"index": 1, ..., "text": "AAPL trades at 213.5 USD ...", "calls": []}]}

* ``latency_ms`` of a model turn is the recorded (authored or captured) latency of that API call;
* ``usage`` is the response's own ``usage`` object, unchanged (field names differ per API);
* tool calls are laid out on :class:`course.clock.SimClock`: the calls of one turn start together when
  the model turn ends (the executor fans them out, as ``asyncio.gather`` on the clock does) and each
  lasts ``clock.latency_of(name, arguments)``; the next model turn starts when the last one finished;
* ``result`` is what the loop sent back (parsed JSON when it is JSON), read from the next request.

So ``end_to_end_ms`` = sum of model latencies + for every turn the slowest of its tool calls.
It is virtual time: deterministic, and blind to real overheads (network, serialisation, scheduling).
"""

from __future__ import annotations

from typing import Any, Iterable

from .clock import SimClock
from .recording import Recording, list_scenarios, load
from .wire import API_OF_PATH, calls_in, parse_output, results_in, text_in

MIN_TEXT = 4  # result strings shorter than this (ids like "ok", "USD") are too common to count as evidence

__all__ = ["trace", "load_traces", "scenario_names", "result_values", "end_to_end_ms", "plot_timeline",
           "plot_latency_distributions", "MIN_TEXT"]


# ------------------------------------------------------------------------------------------ reading recordings
def _results_in(request: dict[str, Any]) -> dict[Any, tuple[Any, bool]]:
    """Tool results a request carries: ``{call id: (parsed result, is_error)}``."""
    return {r.id: (parse_output(r.content), r.is_error) for r in results_in(request)}


def _looks_failed(result: Any) -> bool:
    return isinstance(result, dict) and set(result) == {"error"}


def trace(scenario: str | Recording, clock: SimClock | None = None) -> dict[str, Any]:
    """One recorded conversation as a trace (see the module docstring); tools timed on ``clock``."""
    rec = scenario if isinstance(scenario, Recording) else load(scenario)
    clock = clock or SimClock()
    inters = rec.interactions
    api = API_OF_PATH[inters[0].path]
    parts = rec.name.split("_")
    t = 0.0
    turns = []
    for i, it in enumerate(inters):
        body = it.response.final_body or {}
        text, calls = text_in(body, sep="\n"), calls_in(body)
        results = _results_in(inters[i + 1].request) if i + 1 < len(inters) else {}
        start, end = t, t + float(it.latency_ms)
        for c in calls:
            result, err = results.get(c["id"], (None, False))
            c["result"], c["is_error"] = result, err or _looks_failed(result)
            c["start_ms"] = end
            c["end_ms"] = end + clock.latency_of(c["name"], c["arguments"] if isinstance(c["arguments"], dict) else {})
        turns.append({"index": i, "latency_ms": float(it.latency_ms), "start_ms": start, "end_ms": end,
                      "text": text, "usage": body.get("usage"), "calls": calls})
        t = max([end] + [c["end_ms"] for c in calls])
    return {"name": rec.name, "agent": parts[1] if len(parts) > 2 and parts[0] == "measure" else rec.name,
            "mode": parts[-1] if parts[-1] in ("on", "off") else None, "api": api,
            "end_to_end_ms": t, "turns": turns}


def scenario_names(prefix: str = "measure_") -> list[str]:
    """Recorded scenarios whose name starts with ``prefix``."""
    return [n for n in list_scenarios() if n.startswith(prefix)]


def load_traces(names: Iterable[str] | None = None, latencies: dict[str, Any] | None = None,
                prefix: str = "measure_") -> list[dict[str, Any]]:
    """Traces of the named scenarios (default: every ``measure_*`` one), tools timed with ``latencies``."""
    clock = SimClock(latencies)
    return [trace(n, clock) for n in (scenario_names(prefix) if names is None else names)]


def end_to_end_ms(tr: dict[str, Any]) -> float:
    """User message to final answer on virtual time: model latencies plus each turn's slowest tool call."""
    total = 0.0
    for turn in tr["turns"]:
        total += turn["latency_ms"]
        spans = [c["end_ms"] - c["start_ms"] for c in turn["calls"]]
        total += max(spans, default=0.0)
    return total


# ------------------------------------------------------------------------------------ evidence of "use"
def result_values(call: dict[str, Any]) -> list[str]:
    """The strings to look for when asking "did the next turn use this call's result?".

    Every scalar *value* in the result (keys are ignored), as ``str(value)``: numbers (not booleans)
    and strings of at least ``MIN_TEXT`` characters, minus anything equal to one of the call's own
    argument values (a result that echoes ``"city": "Tokyo"`` back is no evidence of use: the model
    wrote "Tokyo" itself).  An empty result gives an empty list: no evidence, so never "used".
    """
    args = call.get("arguments") or {}
    own = {str(v) for v in (args.values() if isinstance(args, dict) else [])}
    found: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)
        elif isinstance(v, bool) or v is None:
            return
        elif isinstance(v, (int, float)):
            s = str(v)
            if s not in own and s not in found:
                found.append(s)
        elif isinstance(v, str) and len(v) >= MIN_TEXT and v not in own and v not in found:
            found.append(v)

    walk(call.get("result"))
    return found


# ----------------------------------------------------------------------------------------------- plots
TIMELINE_COLOURS = {"model turn": "tab:blue", "tool call": "tab:orange", "tool call failed": "tab:red"}
"""What each colour of :func:`plot_timeline` means (its legend)."""


def describe(tr: dict[str, Any]) -> str:
    """A trace's name in words: ``"booking agent, parallel on (measure_booking_guessed_slot_on)"``."""
    mode = {"on": "parallel calls on", "off": "parallel calls off"}.get(tr.get("mode") or "", "")
    agent = tr.get("agent") or tr["name"]
    return f"{agent} agent, {mode}" if mode and agent != tr["name"] else tr["name"]


def plot_timeline(tr: dict[str, Any], ax: Any = None, title: str | None = None) -> Any:
    """Model turns and tool calls of one trace on the virtual time axis (one row each), with a colour legend.

    Draws on ``ax``, or on a new figure that shows itself in Jupyter, which is returned.  Labels are never
    cut: a long call is written on two lines (tool name, then its arguments)."""
    from .timeline import wrap_label

    fig = None
    rows: list[tuple[str, float, float, str]] = []
    for turn in tr["turns"]:
        rows.append((f"model turn {turn['index'] + 1}", turn["start_ms"], turn["end_ms"], "model turn"))
        for c in turn["calls"]:
            vals = ", ".join(str(v) for v in (c["arguments"] or {}).values())
            rows.append((wrap_label(f"{c['name']}({vals})"), c["start_ms"], c["end_ms"],
                         "tool call failed" if c["is_error"] else "tool call"))
    if ax is None:
        fig = _figure((9, 0.5 * sum(1.5 if "\n" in r[0] else 1 for r in rows) + 1.4))
        ax = fig.subplots()
    for y, (label, s, e, kind) in enumerate(rows):
        ax.barh(y, e - s, left=s, color=TIMELINE_COLOURS[kind])
    ax.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("virtual ms")
    ax.set_title(title or f"{describe(tr)}: {tr['end_to_end_ms']:.0f} ms end to end", fontsize=9)
    from matplotlib.patches import Patch

    used = [k for k in TIMELINE_COLOURS if any(r[3] == k for r in rows)]
    # upper right: a trace is a waterfall (each row starts when the one above ended), so that corner is empty
    ax.legend(handles=[Patch(color=TIMELINE_COLOURS[k], label=k) for k in used], loc="upper right", fontsize=7)
    ax.set_xlim(0, max((r[2] for r in rows), default=0) * 1.02 + 1)
    if fig is not None:
        fig.tight_layout()
    return fig if fig is not None else ax


def plot_latency_distributions(groups: dict[str, list[float]], marks: dict[str, float] | None = None,
                               ax: Any = None) -> Any:
    """One strip of points per group (e.g. ``{"lookup on": [...], "lookup off": [...]}``), p50 and p95 marks.

    Draws on ``ax``, or on a new figure that shows itself in Jupyter, which is returned."""
    fig = None
    if ax is None:
        fig = _figure((9, 0.6 * len(groups) + 1.2))
        ax = fig.subplots()
    for y, (label, values) in enumerate(groups.items()):
        ax.scatter(values, [y] * len(values), alpha=0.7)
        vs = sorted(values)
        if vs:
            for q, style in ((50, "|"), (95, "x")):
                pos = (len(vs) - 1) * q / 100
                lo = int(pos)
                hi = min(lo + 1, len(vs) - 1)
                ax.scatter([vs[lo] + (vs[hi] - vs[lo]) * (pos - lo)], [y], marker=style, s=300, color="black")
    for label, x in (marks or {}).items():
        ax.axvline(x, linestyle="--", color="gray")
        ax.text(x, len(groups) - 0.5, f" {label}", color="gray")
    ax.set_yticks(range(len(groups)), list(groups))
    ax.set_xlabel("end-to-end latency (virtual ms)   | = p50, x = p95")
    if fig is not None:
        fig.tight_layout()
    return fig if fig is not None else ax


def _figure(size: tuple[float, float]) -> Any:
    """A figure that renders itself as PNG in Jupyter without pyplot's global state."""
    try:
        from .timeline import TimelineFigure
    except ImportError:  # pragma: no cover - the timeline module ships with the course
        from matplotlib.figure import Figure as TimelineFigure
    return TimelineFigure(figsize=size)
