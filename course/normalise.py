"""Normalise request bodies so every correct learner idiom compares equal to the recording.

The real APIs accept many spellings of the same conversation: the SDK's message object
appended as is, its ``model_dump()``, or a hand-built dict; tool results in any order;
``"content": "text"`` or a list of text parts.  The replay compares what those spellings
*mean*: nulls and empties dropped, JSON arguments parsed, each run of tool results
treated as a set keyed by call id.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

ANY = "<any output>"
ECHO_NOISE = {"refusal", "audio", "function_call", "annotations", "logprobs", "parsed", "citations"}


def normalise(path: str, body: dict[str, Any], tool_output: str = "json", ignore: Iterable[str] = ()) -> dict[str, Any]:
    """Return the comparable form of a request body for one endpoint."""
    b = prune(body)  # prune builds new containers, so the caller's body is never changed
    for key in ignore:
        b.pop(key, None)
    if path.endswith("/chat/completions"):
        b["messages"] = _chat_messages(b.get("messages", []), tool_output)
    elif path.endswith("/responses"):
        b["input"] = _responses_input(b.get("input", []), tool_output)
    elif path.endswith("/messages"):
        b["messages"] = _anthropic_messages(b.get("messages", []), tool_output)
        if isinstance(b.get("system"), list):
            b["system"] = _join_text(b["system"])
    return prune(b)


def prune(x: Any) -> Any:
    """Drop None, empty strings, empty lists and empty dicts from dicts, recursively."""
    if isinstance(x, dict):
        out = {k: prune(v) for k, v in x.items()}
        return {k: v for k, v in out.items() if v not in (None, "", [], {})}
    if isinstance(x, list):
        return [prune(v) for v in x]
    return x


def parse_json(text: Any) -> Any:
    """Parse a JSON string; anything else (or invalid JSON) is returned unchanged."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def output_value(content: Any, mode: str) -> Any:
    """A tool output in comparable form: parsed JSON, the exact text, or a wildcard."""
    if mode == "any":
        return ANY
    if isinstance(content, list):
        content = _join_text(content)
    if mode == "json":
        return parse_json(content.strip() if isinstance(content, str) else content)
    return content


def _join_text(parts: list[Any]) -> Any:
    """``[{"type": "text", "text": "a"}, ...]`` becomes ``"a..."``; other lists are kept."""
    if all(isinstance(p, dict) and p.get("type") in ("text", "input_text", "output_text") for p in parts):
        return "".join(p.get("text", "") for p in parts)
    return parts


def _sorted_runs(items: list[Any], is_result: Any, key: Any) -> list[Any]:
    """Sort each consecutive run of tool results by call id, leaving everything else in place."""
    out: list[Any] = []
    run: list[Any] = []
    for it in items + [None]:
        if it is not None and is_result(it):
            run.append(it)
            continue
        out.extend(sorted(run, key=lambda r: str(key(r))))
        run = []
        if it is not None:
            out.append(it)
    return out


def _chat_messages(messages: list[Any], mode: str) -> list[Any]:
    out = []
    for m in messages:
        if not isinstance(m, dict):
            out.append(m)
            continue
        m = {k: v for k, v in m.items() if k not in ECHO_NOISE}
        if isinstance(m.get("content"), list):
            m["content"] = _join_text(m["content"])
        if m.get("role") == "assistant":
            m["tool_calls"] = [_chat_call(tc) for tc in m.get("tool_calls", [])]
        if m.get("role") == "tool":
            m["content"] = output_value(m.get("content", ""), mode)
        out.append(prune(m))
    return _sorted_runs(out, lambda m: isinstance(m, dict) and m.get("role") == "tool", lambda m: m.get("tool_call_id"))


def _chat_call(tc: Any) -> Any:
    if not isinstance(tc, dict):
        return tc
    tc = {"type": "function", **tc}
    fn = dict(tc.get("function", {}))
    fn["arguments"] = parse_json(fn.get("arguments"))
    tc["function"] = fn
    return tc


def _responses_input(items: Any, mode: str) -> list[Any]:
    if isinstance(items, str):
        items = [{"role": "user", "content": items}]
    out = []
    for it in items:
        if not isinstance(it, dict):
            out.append(it)
            continue
        it = dict(it)
        if "role" in it and "type" not in it:
            it["type"] = "message"
        kind = it.get("type")
        if kind == "message":
            it.pop("id", None)
            it.pop("status", None)
            it["content"] = _responses_content(it.get("role"), it.get("content"))
        elif kind == "function_call":
            it.pop("id", None)
            it.pop("status", None)
            it["arguments"] = parse_json(it.get("arguments"))
        elif kind == "function_call_output":
            it.pop("id", None)
            it.pop("status", None)
            it["output"] = output_value(it.get("output", ""), mode)
        elif kind in ("web_search_call", "file_search_call", "reasoning"):
            it = {"type": kind, "id": it.get("id")}
        out.append(prune(it))
    return _sorted_runs(
        out, lambda i: isinstance(i, dict) and i.get("type") == "function_call_output", lambda i: i.get("call_id")
    )


def _responses_content(role: Any, content: Any) -> Any:
    text_type = "output_text" if role == "assistant" else "input_text"
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [{k: v for k, v in p.items() if k not in ECHO_NOISE} if isinstance(p, dict) else p for p in content]
        if all(isinstance(p, dict) and p.get("type") == text_type for p in parts):
            return "".join(p.get("text", "") for p in parts)
        return parts
    return content


def _anthropic_messages(messages: list[Any], mode: str) -> list[Any]:
    out = []
    for m in messages:
        if not isinstance(m, dict):
            out.append(m)
            continue
        m = dict(m)
        content = m.get("content")
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        if isinstance(content, list):
            blocks = [_anthropic_block(b, mode) for b in content]
            m["content"] = _sorted_runs(
                blocks, lambda b: isinstance(b, dict) and b.get("type") == "tool_result", lambda b: b.get("tool_use_id")
            )
        out.append(prune(m))
    return out


def _anthropic_block(b: Any, mode: str) -> Any:
    if not isinstance(b, dict):
        return b
    b = {k: v for k, v in b.items() if k not in ECHO_NOISE}
    if b.get("type") == "tool_result":
        if b.get("is_error") is False:
            b.pop("is_error")
        b["content"] = output_value(b.get("content", ""), mode)
    return prune(b)
