"""Per-tool policy data and conversation traces for lesson 04 (disabling parallelism).

Nothing here is an exercise answer: it is the data the exercises work on.

* :data:`READ_ONLY` / :data:`MUTATING` (from :mod:`course.tools`): which tools only read, and which change
  the world (a booking).  A policy executor runs reads together and writes alone, in order.
* :data:`DEPENDENT_ARGUMENTS`: arguments whose value must come from an *earlier* tool result
  (``book_appointment.slot_id`` comes from ``get_doctor_calendar``; ``payment_method_id`` from
  ``get_user_payment_method``).  A value the model wrote without that result is a guess.
* :func:`turns_of`: the tool calls and results of a conversation, turn by turn, from the request body
  a loop sent last (any of the three APIs): ``session_of(client).requests()[-1]`` after a run on a course
  client, or the last request of a recording, which its reference loop sent.

>>> from course.recording import load
>>> body = load("chat_booking_serial").interactions[-1].request   # the last request holds the whole conversation
>>> for turn in turns_of(body): print([c["name"] for c in turn])
['get_doctor_calendar']
['get_user_payment_method']
['book_appointment']
"""

from __future__ import annotations

from typing import Any, Mapping

from .tools import MUTATING, READ_ONLY
from .wire import calls_in, calls_per_turn, parse_output

__all__ = ["READ_ONLY", "MUTATING", "DEPENDENT_ARGUMENTS", "turns_of", "calls_per_turn"]

DEPENDENT_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "book_appointment": ("slot_id", "payment_method_id"),
}


def _dump(obj: Any) -> Any:
    return obj.model_dump(exclude_none=True) if hasattr(obj, "model_dump") else obj


def turns_of(body: Mapping[str, Any]) -> list[list[dict[str, Any]]]:
    """Every model turn that asked for tools, in order: ``[[{"id", "name", "arguments", "result"}, ...], ...]``.

    ``result`` is the tool output the loop sent back, parsed from JSON when it is JSON (``None`` if the
    conversation ends before the result was sent).  Works on Chat (``messages``), Responses sent with the full
    history (``input``) and Anthropic (``messages`` with ``tool_use``/``tool_result`` blocks).
    """
    turns: list[list[dict[str, Any]]] = []
    by_id: dict[str, dict[str, Any]] = {}
    if "input" in body and isinstance(body["input"], list):
        current: list[dict[str, Any]] | None = None
        for item in map(_dump, body["input"]):
            kind = item.get("type")
            if kind == "function_call":
                if current is None:
                    current = []
                    turns.append(current)
                call = {"id": item["call_id"], "name": item["name"], "arguments": parse_output(item.get("arguments")),
                        "result": None}
                current.append(call)
                by_id[call["id"]] = call
            else:
                if kind == "function_call_output" and item.get("call_id") in by_id:
                    by_id[item["call_id"]]["result"] = parse_output(item.get("output"))
                if kind != "function_call_output":
                    current = None
        return turns
    for msg in map(_dump, body.get("messages", [])):
        if msg.get("role") == "assistant" and msg.get("tool_calls"):
            turn = [{"id": tc["id"], "name": tc["function"]["name"], "arguments": parse_output(tc["function"]["arguments"]),
                     "result": None} for tc in map(_dump, msg["tool_calls"])]
            turns.append(turn)
            by_id.update({c["id"]: c for c in turn})
        elif msg.get("role") == "tool" and msg.get("tool_call_id") in by_id:
            by_id[msg["tool_call_id"]]["result"] = parse_output(msg.get("content"))
        elif isinstance(msg.get("content"), list):
            blocks = [_dump(b) for b in msg["content"]]
            uses = [{"id": b["id"], "name": b["name"], "arguments": b.get("input", {}), "result": None}
                    for b in blocks if b.get("type") == "tool_use"]
            if uses:
                turns.append(uses)
                by_id.update({c["id"]: c for c in uses})
            for b in blocks:
                if b.get("type") == "tool_result" and b.get("tool_use_id") in by_id:
                    by_id[b["tool_use_id"]]["result"] = parse_output(b.get("content"))
    return turns


def conversation_bars(scenario: str, tool_latencies: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """A whole recorded conversation as timeline bars: each model call (its recorded latency), then that turn's
    tool calls run together (latencies from a :class:`course.clock.SimClock` table).  For ``course.timeline``."""
    from . import tools as toolbox
    from .clock import SimClock
    from .recording import load

    clock = SimClock(tool_latencies or {})
    bars: list[dict[str, Any]] = []
    t = 0.0
    for k, it in enumerate(load(scenario).interactions, 1):
        bars.append({"label": f"model call {k}", "start": t, "finish": t + it.latency_ms, "outcome": "model"})
        t += it.latency_ms
        body = it.response.final_body or {}
        calls = [(c["name"], c["arguments"]) for c in calls_in(body)]
        longest = 0.0
        for name, args in calls:
            ms = clock.latency_of(name, args)
            try:
                toolbox.call(name, args)
                outcome = "ok"
            except toolbox.ToolError:
                outcome = "error"
            label = f"{name}({', '.join(str(v) for v in args.values())})"
            bars.append({"label": label, "start": t, "finish": t + ms, "outcome": outcome})
            longest = max(longest, ms)
        t += longest
    return bars
