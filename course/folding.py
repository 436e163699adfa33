"""Fold a recorded event stream back into the complete body it describes.

A streamed turn arrives as many events; the replay log, the grading helpers and the hints want the one
object the same turn would have returned unstreamed:

- Chat Completions: ``chat.completion.chunk`` deltas -> a ``chat.completion`` (content, tool calls by
  ``index`` with their argument fragments joined, ``finish_reason``, the final chunk's ``usage``);
- Responses: the ``response`` carried by the last event that has one (``response.completed``);
- Anthropic Messages: ``message_start`` + content-block events + ``message_delta`` -> the ``message``
  (text joined, ``input_json_delta`` fragments parsed into ``input``, stop reason and usage applied).

tests/test_replay.py checks the result against the SDKs' own stream accumulators.
"""

from __future__ import annotations

import copy
import json
from typing import Any

Body = dict[str, Any]


def fold(events: list[Any]) -> Body | None:
    """The complete body a list of SSE events (``{"event", "data"}`` dicts) adds up to, or None."""
    data = [ev["data"] for ev in events if isinstance(ev, dict) and isinstance(ev.get("data"), dict)]
    if any(d.get("type") == "message_start" for d in data):
        return fold_anthropic(data)
    if any(d.get("object") == "chat.completion.chunk" for d in data):
        return fold_chat(data)
    final = None
    for d in data:
        final = d.get("response") if isinstance(d.get("response"), dict) else final
    return final


def fold_chat(chunks: list[Body]) -> Body:
    """``chat.completion.chunk`` dicts -> the ``chat.completion`` they add up to (one choice)."""
    msg: Body = {"role": "assistant", "content": None, "refusal": None}
    calls: dict[int, Body] = {}
    finish, usage = None, None
    for ch in chunks:
        usage = ch.get("usage") or usage
        for choice in ch.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                msg["content"] = (msg["content"] or "") + delta["content"]
            for d in delta.get("tool_calls") or []:
                call = calls.setdefault(d["index"], {"id": None, "type": "function",
                                                     "function": {"name": "", "arguments": ""}})
                call["id"] = d.get("id") or call["id"]
                fn = d.get("function") or {}
                call["function"]["name"] += fn.get("name") or ""
                call["function"]["arguments"] += fn.get("arguments") or ""
            finish = choice.get("finish_reason") or finish
    if calls:
        msg["tool_calls"] = [calls[i] for i in sorted(calls)]
    head = chunks[0] if chunks else {}
    body: Body = {"id": head.get("id"), "object": "chat.completion", "created": head.get("created"),
                  "model": head.get("model"),
                  "choices": [{"index": 0, "message": msg, "logprobs": None, "finish_reason": finish}]}
    if head.get("system_fingerprint") is not None:
        body["system_fingerprint"] = head["system_fingerprint"]
    if usage is not None:
        body["usage"] = usage
    return body


def fold_anthropic(events: list[Body]) -> Body:
    """Anthropic stream events -> the ``message`` they add up to (``message_start`` carries empty content)."""
    msg: Body = {}
    blocks: dict[int, Body] = {}
    partial: dict[int, str] = {}
    for ev in events:
        kind = ev.get("type")
        if kind == "message_start":
            msg = copy.deepcopy(ev["message"])
        elif kind == "content_block_start":
            blocks[ev["index"]] = copy.deepcopy(ev["content_block"])
        elif kind == "content_block_delta":
            delta, block = ev["delta"], blocks[ev["index"]]
            if delta.get("type") == "text_delta":
                block["text"] = block.get("text", "") + delta["text"]
            elif delta.get("type") == "input_json_delta":
                partial[ev["index"]] = partial.get(ev["index"], "") + delta["partial_json"]
        elif kind == "content_block_stop" and ev["index"] in partial:
            blocks[ev["index"]]["input"] = json.loads(partial[ev["index"]] or "{}")
        elif kind == "message_delta":
            msg.update({k: v for k, v in (ev.get("delta") or {}).items()})
            usage = {k: v for k, v in (ev.get("usage") or {}).items() if v is not None}
            msg["usage"] = {**(msg.get("usage") or {}), **usage}
    msg["content"] = [blocks[i] for i in sorted(blocks)]
    return msg
