"""Authored Responses API turns: ``response`` objects and their typed event streams."""

from __future__ import annotations

import json
from typing import Any, Callable

from .turns import CREATED, Ids, Turn, fragments, snapshot, tokens, weave

Item = Callable[[Ids], dict[str, Any]]


def call(name: str, args: dict[str, Any]) -> Item:
    """A ``function_call`` output item."""
    return lambda ids: {"id": ids.new("fc_", 48), "type": "function_call", "status": "completed",
                        "arguments": json.dumps(args), "call_id": ids.new("call_"), "name": name}


def message(text: str) -> Item:
    """An assistant ``message`` output item with one ``output_text`` part."""
    return lambda ids: {"id": ids.new("msg_", 48), "type": "message", "status": "completed", "role": "assistant",
                        "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]}


def web_search(query: str) -> Item:
    """A hosted ``web_search_call`` item, as the API reports a search it ran itself."""
    return lambda ids: {"id": ids.new("ws_", 48), "type": "web_search_call", "status": "completed",
                        "action": {"type": "search", "query": query}}


def file_search(*queries: str) -> Item:
    """A hosted ``file_search_call`` item."""
    return lambda ids: {"id": ids.new("fs_", 48), "type": "file_search_call", "status": "completed",
                        "queries": list(queries), "results": None}


def reasoning() -> Item:
    """An (encrypted-away) ``reasoning`` item with an empty summary."""
    return lambda ids: {"id": ids.new("rs_", 48), "type": "reasoning", "summary": []}


def output(*items: Item, **opts: Any) -> Turn:
    """A response whose ``output`` holds these items, in order."""
    def build(req: dict[str, Any], ids: Ids) -> dict[str, Any]:
        return _response(req, ids, [make(ids) for make in items], turn)
    turn = Turn(build, _stream, **opts)
    return turn


def calls(*calls: tuple[str, dict[str, Any]], **opts: Any) -> Turn:
    """A response with one ``function_call`` item per call."""
    return output(*(call(n, a) for n, a in calls), **opts)


def text(text: str, **opts: Any) -> Turn:
    """A final answer: one ``message`` item."""
    return output(message(text), **opts)


def _response(req: dict[str, Any], ids: Ids, out: list[dict[str, Any]], turn: Turn) -> dict[str, Any]:
    prompt, completion = turn.usage or (tokens(req.get("input")) + tokens(req.get("tools", [])), tokens(out))
    return {
        "id": ids.new("resp_", 48), "object": "response", "created_at": CREATED, "status": "completed",
        "background": False, "error": None, "incomplete_details": None,
        "instructions": req.get("instructions"), "max_output_tokens": req.get("max_output_tokens"),
        "max_tool_calls": req.get("max_tool_calls"), "model": snapshot(req["model"]), "output": out,
        "parallel_tool_calls": req.get("parallel_tool_calls", True),
        "previous_response_id": req.get("previous_response_id"),
        "reasoning": {"effort": None, "summary": None}, "service_tier": "default",
        "store": req.get("store", True), "temperature": req.get("temperature", 1.0),
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": req.get("tool_choice", "auto"), "tools": [_echo_tool(t) for t in req.get("tools", [])],
        "top_logprobs": 0, "top_p": req.get("top_p", 1.0), "truncation": "disabled",
        "usage": {"input_tokens": prompt, "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                  "output_tokens": completion, "output_tokens_details": {"reasoning_tokens": 0},
                  "total_tokens": prompt + completion},
        "metadata": req.get("metadata", {}),
        **({"user": req["user"]} if req.get("user") else {}),
    }


def _echo_tool(tool: dict[str, Any]) -> dict[str, Any]:
    """Tools as the API echoes them: function tools gain their defaults."""
    if tool.get("type") == "function":
        return {"type": "function", "name": tool.get("name"), "description": tool.get("description"),
                "parameters": tool.get("parameters"), "strict": tool.get("strict", True)}
    if tool.get("type", "").startswith("web_search"):
        return {"search_context_size": "medium", "user_location": None, **tool}
    return dict(tool)


def _stream(req: dict[str, Any], body: dict[str, Any], turn: Turn) -> list[dict[str, Any]]:
    """``response.created`` … per-item events … ``response.completed``, numbered by ``sequence_number``."""
    pending = {k: v for k, v in body.items() if k != "usage"} | {"status": "in_progress", "output": []}
    events: list[dict[str, Any]] = [{"type": "response.created", "response": pending},
                                    {"type": "response.in_progress", "response": pending}]
    events += weave([_item_events(i, it) for i, it in enumerate(body["output"])], turn.interleave)
    events.append({"type": "response.completed", "response": body})
    for n, ev in enumerate(events):
        ev["sequence_number"] = n
    return [{"event": ev["type"], "data": ev, "dt_ms": turn.dt_ms} for ev in events]


def _item_events(i: int, item: dict[str, Any]) -> list[dict[str, Any]]:
    base = {"output_index": i, "item_id": item["id"]}
    kind = item["type"]
    if kind == "function_call":
        started = {**item, "status": "in_progress", "arguments": ""}
        return ([{"type": "response.output_item.added", "output_index": i, "item": started}]
                + [{"type": "response.function_call_arguments.delta", **base, "delta": f}
                   for f in fragments(item["arguments"], 3)]
                + [{"type": "response.function_call_arguments.done", **base, "name": item["name"],
                    "arguments": item["arguments"]},
                   {"type": "response.output_item.done", "output_index": i, "item": item}])
    if kind == "message":
        part = item["content"][0]
        empty = {**part, "text": ""}
        return ([{"type": "response.output_item.added", "output_index": i, "item": {**item, "status": "in_progress", "content": []}},
                 {"type": "response.content_part.added", **base, "content_index": 0, "part": empty}]
                + [{"type": "response.output_text.delta", **base, "content_index": 0, "delta": f, "logprobs": []}
                   for f in fragments(part["text"], 3)]
                + [{"type": "response.output_text.done", **base, "content_index": 0, "text": part["text"], "logprobs": []},
                   {"type": "response.content_part.done", **base, "content_index": 0, "part": part},
                   {"type": "response.output_item.done", "output_index": i, "item": item}])
    if kind in ("web_search_call", "file_search_call"):
        started = {**item, "status": "in_progress"}
        if kind == "file_search_call":
            started["results"] = None
        else:
            started.pop("action", None)
            started["action"] = {"type": "search", "query": item["action"]["query"]}
        steps = ["in_progress", "searching", "completed"]
        return ([{"type": "response.output_item.added", "output_index": i, "item": started}]
                + [{"type": f"response.{kind}.{s}", **base} for s in steps]
                + [{"type": "response.output_item.done", "output_index": i, "item": item}])
    return [{"type": "response.output_item.added", "output_index": i, "item": item},
            {"type": "response.output_item.done", "output_index": i, "item": item}]
