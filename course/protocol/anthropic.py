"""Anthropic Messages (``POST /v1/messages``): the refusals a parallel tool loop runs into.

``tool_use`` ids must be unique across the request; each assistant message's ``tool_use`` blocks need
``tool_result`` blocks at the *start* of the very next (user) message; and a ``tool_result`` must answer a
``tool_use`` of the message just before it.
"""

from __future__ import annotations

from typing import Any

from .base import Hit, Rule, get, items
from .history import History

API, PATH = "Messages", "/messages"
MISSING = ("messages.{index}: `tool_use` ids were found without `tool_result` blocks immediately after: {ids}. "
           "Each `tool_use` block must have a corresponding `tool_result` block in the next message.")


def _ids(content: Any, kind: str, key: str) -> list[Any]:
    return [get(b, key) for b in items(content) if get(b, "type") == kind]


def _leading_results(content: Any) -> list[Any]:
    """``tool_use_id`` of the tool_result blocks that open a message (before any other block)."""
    out = []
    for b in items(content):
        if get(b, "type") != "tool_result":
            break
        out.append(get(b, "tool_use_id"))
    return out


def _answers(messages: list[Any]) -> list[tuple[int, list[Any], list[Any], list[Any]]]:
    """(assistant index, its tool_use ids, every tool_result id of the next user message, the leading ones)."""
    out = []
    for i, m in enumerate(messages):
        uses = _ids(get(m, "content"), "tool_use", "id") if get(m, "role") == "assistant" else []
        if uses:
            nxt = messages[i + 1] if i + 1 < len(messages) else None
            content = get(nxt, "content") if get(nxt, "role") == "user" else None
            out.append((i, uses, _ids(content, "tool_result", "tool_use_id"), _leading_results(content)))
    return out


def duplicate_use(body: dict[str, Any], history: History) -> Hit | None:
    seen: set[Any] = set()
    for i, m in enumerate(items(body.get("messages"))):
        if get(m, "role") != "assistant":
            continue
        for k, b in enumerate(items(get(m, "content"))):
            if get(b, "type") == "tool_use":
                if get(b, "id") in seen:
                    return Hit({"index": i, "block": k}, (i, k))
                seen.add(get(b, "id"))
    return None


def missing(body: dict[str, Any], history: History) -> Hit | None:
    for i, uses, results, leading in _answers(items(body.get("messages"))):
        if any(u not in results for u in uses):
            return Hit({"index": i, "ids": ", ".join(str(u) for u in uses if u not in leading)}, (i,))
    return None


def not_first(body: dict[str, Any], history: History) -> Hit | None:
    for i, uses, results, leading in _answers(items(body.get("messages"))):
        late = [u for u in uses if u not in leading]
        if late and all(u in results for u in uses):
            return Hit({"index": i, "ids": ", ".join(map(str, late))}, (i,))
    return None


def unknown(body: dict[str, Any], history: History) -> Hit | None:
    messages = items(body.get("messages"))
    for i, m in enumerate(messages):
        if get(m, "role") != "user":
            continue
        prev = messages[i - 1] if i > 0 else None
        known = set(_ids(get(prev, "content"), "tool_use", "id")) if get(prev, "role") == "assistant" else set()
        for k, b in enumerate(items(get(m, "content"))):
            if get(b, "type") == "tool_result" and get(b, "tool_use_id") not in known:
                return Hit({"index": i, "block": k, "id": get(b, "tool_use_id")}, (i, k))
    return None


RULES = (
    Rule(
        id="anthropic_duplicate_tool_use", api=API, path=PATH, status=400, error_type="invalid_request_error",
        stage=0, message="messages.{index}.content.{block}: `tool_use` ids must be unique",
        trigger="the same `tool_use` id twice in the request (e.g. the assistant turn appended once per call)",
        sources=("https://github.com/anthropics/claude-code/issues/20901",
                 "https://github.com/anthropics/claude-code/issues/21083"),
        check=duplicate_use),
    Rule(
        id="anthropic_missing", api=API, path=PATH, status=400, error_type="invalid_request_error",
        stage=1, message=MISSING,
        trigger="a `tool_use` id with no `tool_result` block in the next (user) message",
        sources=("https://github.com/anthropics/claude-code/issues/6575",
                 "https://github.com/anthropics/claude-code/issues/5989"),
        check=missing),
    Rule(
        id="anthropic_results_not_first", api=API, path=PATH, status=400, error_type="invalid_request_error",
        stage=1, message=MISSING,
        trigger="every `tool_result` is in the next user message, but not first: another block (e.g. text) "
                "comes before some of them",
        sources=("https://github.com/QwenLM/qwen-code/issues/8161", "https://github.com/QwenLM/qwen-code/pull/8165"),
        check=not_first),
    Rule(
        id="anthropic_unknown", api=API, path=PATH, status=400, error_type="invalid_request_error",
        stage=1,
        message="messages.{index}.content.{block}: unexpected `tool_use_id` found in `tool_result` blocks: {id}. "
                "Each `tool_result` block must have a corresponding `tool_use` block in the previous message.",
        trigger="a `tool_result` whose `tool_use_id` is not a `tool_use` of the message just before",
        sources=("https://github.com/anthropics/claude-code/issues/13460",),
        check=unknown),
)
