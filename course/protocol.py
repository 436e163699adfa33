"""The tool-call protocol rules the real APIs enforce, answered with their own 400 bodies.

Each check returns ``None`` when the request is well formed, or an :class:`ApiError`
holding the status and JSON body the provider sends back, so the SDK raises its real
``BadRequestError``.  Only rules with publicly reported error texts are emulated
(sources: ``SOURCES`` below); nothing stricter than the API is invented.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

SOURCES = {
    "chat_missing": "https://github.com/sdcb/chats/pull/132",
    "chat_orphan": "https://github.com/miurla/morphic/issues/136",
    "responses_missing": "https://github.com/continuedev/continue/issues/10092",
    "responses_unknown": "https://github.com/RooCodeInc/Roo-Code/issues/12248",
    "anthropic_missing": "https://github.com/anthropics/claude-code/issues/3512",
    "anthropic_unknown": "https://github.com/anthropics/claude-code/issues/13460",
}


@dataclass(frozen=True)
class ApiError:
    """An HTTP error answer as the provider would send it."""

    status: int
    body: dict[str, Any]
    rule: str

    @property
    def message(self) -> str:
        return str(self.body.get("error", {}).get("message", ""))


def openai_error(message: str, param: str | None, rule: str) -> ApiError:
    body = {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": None}}
    return ApiError(400, body, rule)


def anthropic_error(message: str, rule: str) -> ApiError:
    body = {"type": "error", "error": {"type": "invalid_request_error", "message": message}, "request_id": "req_replay"}
    return ApiError(400, body, rule)


def check(path: str, body: dict[str, Any], earlier_calls: Callable[[str], list[str] | None]) -> ApiError | None:
    """Validate one request. ``earlier_calls(response_id)`` returns that response's function-call ids."""
    if path.endswith("/chat/completions"):
        return check_chat(body.get("messages") or [])
    if path.endswith("/responses"):
        return check_responses(body.get("input") or [], body.get("previous_response_id"), earlier_calls)
    if path.endswith("/messages"):
        return check_anthropic(body.get("messages") or [])
    return None


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else None


def check_chat(messages: list[Any]) -> ApiError | None:
    """Every ``tool_calls`` id needs a ``role: tool`` answer right after; no orphan tool messages."""
    i = 0
    while i < len(messages):
        m = messages[i]
        calls = _get(m, "tool_calls") if _get(m, "role") == "assistant" else None
        if _get(m, "role") == "tool":
            msg = "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'."
            return openai_error(msg, f"messages.[{i}].role", "chat_orphan")
        if not calls:
            i += 1
            continue
        ids = [_get(c, "id") for c in calls]
        j = i + 1
        answered: set[str] = set()
        while j < len(messages) and _get(messages[j], "role") == "tool":
            tid = _get(messages[j], "tool_call_id")
            if tid not in ids:
                msg = "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'."
                return openai_error(msg, f"messages.[{j}].role", "chat_orphan")
            answered.add(tid)
            j += 1
        missing = [c for c in ids if c not in answered]
        if missing:
            msg = (
                "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
                f"'tool_call_id'. The following tool_call_ids did not have response messages: {', '.join(missing)}"
            )
            return openai_error(msg, f"messages.[{j}].role", "chat_missing")
        i = j
    return None


def check_responses(
    items: Any, previous_response_id: str | None, earlier_calls: Callable[[str], list[str] | None]
) -> ApiError | None:
    """Every ``function_call`` needs a ``function_call_output``; every output needs its call."""
    if isinstance(items, str):
        return None
    calls: list[str] = []
    if previous_response_id:
        calls.extend(earlier_calls(previous_response_id) or [])
    outputs: list[str] = []
    for it in items:
        if _get(it, "type") == "function_call":
            calls.append(_get(it, "call_id"))
        elif _get(it, "type") == "function_call_output":
            outputs.append(_get(it, "call_id"))
    for cid in outputs:
        if cid not in calls:
            return openai_error(f"No tool call found for function call output with call_id {cid}.", "input", "responses_unknown")
    for cid in calls:
        if cid not in outputs:
            return openai_error(f"No tool output found for function call {cid}.", "input", "responses_missing")
    return None


def check_anthropic(messages: list[Any]) -> ApiError | None:
    """``tool_use`` blocks need ``tool_result`` blocks in the very next (user) message, and vice versa."""
    for i, m in enumerate(messages):
        content = _get(m, "content")
        if not isinstance(content, list):
            continue
        if _get(m, "role") == "user":
            prev = messages[i - 1] if i > 0 else None
            known = set(_ids(_get(prev, "content"), "tool_use", "id")) if _get(prev, "role") == "assistant" else set()
            for k, b in enumerate(content):
                if _get(b, "type") == "tool_result" and _get(b, "tool_use_id") not in known:
                    msg = (
                        f"messages.{i}.content.{k}: unexpected `tool_use_id` found in `tool_result` blocks: "
                        f"{_get(b, 'tool_use_id')}. Each `tool_result` block must have a corresponding `tool_use` "
                        "block in the previous message."
                    )
                    return anthropic_error(msg, "anthropic_unknown")
        if _get(m, "role") != "assistant":
            continue
        uses = list(_ids(content, "tool_use", "id"))
        if not uses:
            continue
        nxt = messages[i + 1] if i + 1 < len(messages) else None
        got = set(_ids(_get(nxt, "content"), "tool_result", "tool_use_id")) if _get(nxt, "role") == "user" else set()
        missing = [u for u in uses if u not in got]
        if missing:
            msg = (
                f"messages.{i}: `tool_use` ids were found without `tool_result` blocks immediately after: "
                f"{', '.join(missing)}. Each `tool_use` block must have a corresponding `tool_result` block in the "
                "next message."
            )
            return anthropic_error(msg, "anthropic_missing")
    return None


def _ids(content: Any, kind: str, key: str) -> Iterable[str]:
    if isinstance(content, list):
        for b in content:
            if _get(b, "type") == kind:
                yield _get(b, key)
