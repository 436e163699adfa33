"""Authored Anthropic Messages turns: ``message`` bodies and their event streams."""

from __future__ import annotations

import json
from typing import Any

from .turns import Ids, Turn, fragments, tokens, weave


def calls(*calls: tuple[str, dict[str, Any]], preamble: str | None = None, **opts: Any) -> Turn:
    """A message with an optional text block, then one ``tool_use`` block per call (``stop_reason: tool_use``)."""
    def build(req: dict[str, Any], ids: Ids) -> dict[str, Any]:
        blocks: list[dict[str, Any]] = [{"type": "text", "text": preamble}] if preamble else []
        blocks += [{"type": "tool_use", "id": ids.new("toolu_01"), "name": n, "input": a} for n, a in calls]
        return _message(req, ids, blocks, "tool_use", turn)
    turn = Turn(build, _stream, **opts)
    return turn


def reply(text: str, *more: str, **opts: Any) -> Turn:
    """A final text answer (``stop_reason: end_turn``): one text block per string."""
    def build(req: dict[str, Any], ids: Ids) -> dict[str, Any]:
        return _message(req, ids, [{"type": "text", "text": t} for t in (text, *more)], "end_turn", turn)
    turn = Turn(build, _stream, **opts)
    return turn


def _message(req: dict[str, Any], ids: Ids, content: list[dict[str, Any]], stop: str, turn: Turn) -> dict[str, Any]:
    prompt, completion = turn.usage or (tokens(req.get("messages")) + tokens(req.get("tools", [])), tokens(content))
    return {"id": ids.new("msg_01"), "type": "message", "role": "assistant", "model": req["model"], "content": content,
            "stop_reason": stop, "stop_sequence": None,
            "usage": {"input_tokens": prompt, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                      "output_tokens": completion, "service_tier": "standard"}}


def _stream(req: dict[str, Any], body: dict[str, Any], turn: Turn) -> list[dict[str, Any]]:
    """``message_start``, ``content_block_*`` per block, ``message_delta``, ``message_stop``."""
    start = {**body, "content": [], "stop_reason": None, "usage": {**body["usage"], "output_tokens": 1}}
    events: list[dict[str, Any]] = [{"type": "message_start", "message": start}]
    groups = []
    for i, block in enumerate(body["content"]):
        if block["type"] == "text":
            open_ = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": f} for f in fragments(block["text"], 3)]
        else:
            open_ = {**block, "input": {}}
            deltas = [{"type": "input_json_delta", "partial_json": f} for f in fragments(json.dumps(block["input"]), 3)]
        groups.append([{"type": "content_block_start", "index": i, "content_block": open_}]
                      + [{"type": "content_block_delta", "index": i, "delta": d} for d in deltas]
                      + [{"type": "content_block_stop", "index": i}])
    events += weave(groups, turn.interleave)
    events += [{"type": "message_delta", "delta": {"stop_reason": body["stop_reason"], "stop_sequence": None},
                "usage": {"output_tokens": body["usage"]["output_tokens"]}},
               {"type": "message_stop"}]
    return [{"event": ev["type"], "data": ev, "dt_ms": turn.dt_ms} for ev in events]
