"""Authored Chat Completions turns: ``chat.completion`` bodies and their chunk streams."""

from __future__ import annotations

import json
from typing import Any

from .turns import CREATED, Ids, Turn, fragments, snapshot, tokens, weave


def calls(*calls: tuple[str, dict[str, Any]], content: str | None = None, **opts: Any) -> Turn:
    """An assistant message asking for one or more tools (``finish_reason: tool_calls``)."""
    def build(req: dict[str, Any], ids: Ids) -> dict[str, Any]:
        tcs = [{"id": ids.new("call_"), "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)}} for name, args in calls]
        return _completion(req, ids, {"role": "assistant", "content": content, "refusal": None, "annotations": [],
                                      "tool_calls": tcs}, "tool_calls", turn)
    turn = Turn(build, _stream, **opts)
    return turn


def text(text: str, **opts: Any) -> Turn:
    """A final assistant answer (``finish_reason: stop``)."""
    def build(req: dict[str, Any], ids: Ids) -> dict[str, Any]:
        return _completion(req, ids, {"role": "assistant", "content": text, "refusal": None, "annotations": []},
                           "stop", turn)
    turn = Turn(build, _stream, **opts)
    return turn


def _completion(req: dict[str, Any], ids: Ids, message: dict[str, Any], finish: str, turn: Turn) -> dict[str, Any]:
    prompt, completion = turn.usage or (tokens(req.get("messages")) + tokens(req.get("tools", [])), tokens(message))
    return {
        "id": ids.new("chatcmpl-", 29), "object": "chat.completion", "created": CREATED, "model": snapshot(req["model"]),
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
                  "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                  "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                                "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}},
        "service_tier": "default", "system_fingerprint": "fp_replay01",
    }


def _stream(req: dict[str, Any], body: dict[str, Any], turn: Turn) -> list[dict[str, Any]]:
    """The ``chat.completion.chunk`` events a streamed request receives, ending with ``[DONE]``."""
    choice = body["choices"][0]
    msg = choice["message"]
    head = {k: body[k] for k in ("id", "created", "model", "service_tier", "system_fingerprint")}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**head, "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}

    events = [chunk({"role": "assistant", "content": "" if msg.get("content") is not None else None, "refusal": None})]
    for piece in fragments(msg.get("content") or "", 3) if msg.get("content") else []:
        events.append(chunk({"content": piece}))
    groups = []
    for i, tc in enumerate(msg.get("tool_calls") or []):
        first = {"index": i, "id": tc["id"], "type": "function", "function": {"name": tc["function"]["name"], "arguments": ""}}
        group = [chunk({"tool_calls": [first]})]
        group += [chunk({"tool_calls": [{"index": i, "function": {"arguments": f}}]})
                  for f in fragments(tc["function"]["arguments"], 3)]
        groups.append(group)
    events += weave(groups, turn.interleave)
    events.append(chunk({}, choice["finish_reason"]))
    if (req.get("stream_options") or {}).get("include_usage"):
        events.append({**head, "object": "chat.completion.chunk", "choices": [], "usage": body["usage"]})
    out = [{"data": e, "dt_ms": turn.dt_ms} for e in events]
    return out + [{"data": "[DONE]", "dt_ms": 0}]
