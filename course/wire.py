"""Reading the three wire formats: the tool calls and text a response holds, the tool results a request carries.

One place for what every lesson, metric and grading helper needs to read.  Each function takes a body as the
API sent it (a plain dict) or the SDK object the learner holds (``ChatCompletion``, ``Response``, ``Message``),
and tells the API by the body's own keys: ``choices`` (Chat Completions), ``output`` (Responses), ``content``
(Anthropic Messages); request bodies by ``messages`` / ``input``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .normalise import parse_json

API_OF_PATH = {"/v1/chat/completions": "chat", "/v1/responses": "responses", "/v1/messages": "anthropic"}


def api_of(path: str) -> str:
    """``chat``, ``responses`` or ``anthropic`` for an endpoint path (a base URL prefix is ignored)."""
    if path.endswith("/chat/completions"):
        return "chat"
    if path.endswith("/responses"):
        return "responses"
    return "anthropic"


def field(obj: Any, key: str, default: Any = None) -> Any:
    """``obj[key]`` for a dict, ``obj.key`` for an SDK object."""
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def parse_output(value: Any) -> Any:
    """A tool output as sent: JSON text parsed, Anthropic/Chat text blocks joined first, anything else as is."""
    if isinstance(value, list):
        texts = [b.get("text", "") for b in value if isinstance(b, dict) and b.get("type") == "text"]
        return parse_json("".join(texts)) if texts else value
    return parse_json(value)


def calls_in(body: Any) -> list[dict[str, Any]]:
    """The tool calls a response asks for, in order: ``[{"id", "name", "arguments"}]`` (arguments parsed)."""
    if not body:
        return []
    choices = field(body, "choices")
    if choices is not None:
        message = field((choices or [{}])[0], "message") or {}
        return [{"id": field(tc, "id"), "name": field(field(tc, "function"), "name"),
                 "arguments": parse_json(field(field(tc, "function"), "arguments"))}
                for tc in field(message, "tool_calls") or []]
    output = field(body, "output")
    if output is not None:
        return [{"id": field(it, "call_id"), "name": field(it, "name"), "arguments": parse_json(field(it, "arguments"))}
                for it in output if field(it, "type") == "function_call"]
    return [{"id": field(b, "id"), "name": field(b, "name"), "arguments": field(b, "input")}
            for b in field(body, "content") or [] if field(b, "type") == "tool_use"]


def calls_per_turn(bodies: Any) -> list[int]:
    """How many tool calls each response of a conversation asked for."""
    return [len(calls_in(body)) for body in bodies]


def text_in(body: Any, sep: str = "") -> str:
    """The text a response holds (its message parts joined with ``sep``)."""
    choices = field(body, "choices")
    if choices is not None:
        return field(field((choices or [{}])[0], "message", {}), "content") or ""
    output = field(body, "output")
    if output is not None:
        return sep.join(field(part, "text") or "" for it in output if field(it, "type") == "message"
                        for part in field(it, "content") or [] if field(part, "type") == "output_text")
    return sep.join(field(b, "text") or "" for b in field(body, "content") or [] if field(b, "type") == "text")


@dataclass(frozen=True)
class ToolResult:
    """One tool answer found in a request: the call id it answers, its content as sent, and the item itself."""

    id: Any
    content: Any
    is_error: bool
    raw: Any


def results_in(request: dict[str, Any]) -> list[ToolResult]:
    """Every tool answer a request body carries, in order (``role: tool`` messages, ``function_call_output``
    items, ``tool_result`` blocks of user messages)."""
    out: list[ToolResult] = []
    if isinstance(request.get("input"), list):
        for it in request["input"]:
            if field(it, "type") == "function_call_output":
                out.append(ToolResult(field(it, "call_id"), field(it, "output"), False, it))
        return out
    for m in request.get("messages") or []:
        content = field(m, "content")
        if field(m, "role") == "tool":
            out.append(ToolResult(field(m, "tool_call_id"), content, False, m))
        elif field(m, "role") == "user" and isinstance(content, list):
            out += [ToolResult(field(b, "tool_use_id"), field(b, "content"), bool(field(b, "is_error")), b)
                    for b in content if field(b, "type") == "tool_result"]
    return out
