"""Chat Completions (``POST /v1/chat/completions``): the refusals a parallel tool loop runs into.

Parameters are checked first (``parallel_tool_calls`` on o-series models, or without ``tools``), then the
messages in order: every assistant ``tool_calls`` id needs a ``role: "tool"`` answer right after it, and a run
of ``tool`` messages must come right after an assistant message carrying ``tool_calls``.

A ``tool`` message that does follow such a message but names an id it did not call is refused by the real API
with a different text (reported: "Invalid parameter: 'tool_call_id' of '<id>' not found in 'tool_calls' of
previous message."), whose full body (param, code) no public report found shows.  That refusal is not emulated
(:data:`course.protocol.caveats.NOT_EMULATED`): neither rule here answers for it, so the request goes on to
the recording, and :func:`unemulated` gives the replay's mismatch message a sentence naming the stray id.
"""

from __future__ import annotations

import re
from typing import Any

from .base import Hit, Rule, get, items
from .history import History

API, PATH = "Chat Completions", "/chat/completions"
ORPHAN = "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'."
NO_PARALLEL_MODELS = ("o1", "o3-mini", "o3", "o4-mini")
_NO_PARALLEL = re.compile(r"^(?:%s)(?:-\d{4}-\d{2}-\d{2})?$" % "|".join(map(re.escape, NO_PARALLEL_MODELS)))


def _blocks(messages: list[Any]) -> list[tuple[int, list[Any], int]]:
    """(assistant index, its tool_call ids, index of the first message after its run of tool messages)."""
    out = []
    for i, m in enumerate(messages):
        calls = get(m, "tool_calls") if get(m, "role") == "assistant" else None
        if calls:
            j = i + 1
            while j < len(messages) and get(messages[j], "role") == "tool":
                j += 1
            out.append((i, [get(c, "id") for c in items(calls)], j))
    return out


def parallel_unsupported(body: dict[str, Any], history: History) -> Hit | None:
    model, value = body.get("model"), body.get("parallel_tool_calls")
    if isinstance(value, bool) and isinstance(model, str) and _NO_PARALLEL.match(model):
        return Hit({"model": model})
    return None


def parallel_without_tools(body: dict[str, Any], history: History) -> Hit | None:
    if isinstance(body.get("parallel_tool_calls"), bool) and body.get("tools") is None:
        return Hit({})
    return None


def _answering(messages: list[Any]) -> dict[int, list[Any]]:
    """Index of each ``tool`` message that follows an assistant ``tool_calls`` message -> that message's ids."""
    answering: dict[int, list[Any]] = {}
    for i, ids, end in _blocks(messages):
        for j in range(i + 1, end):
            answering[j] = ids
    return answering


def stray_tool_message(messages: list[Any],
                       answering: dict[int, list[Any]] | None = None) -> tuple[int, Any] | None:
    """(index, tool_call_id) of the first ``tool`` message in the run right after an assistant ``tool_calls``
    message that names an id this message did not call: a refusal the replay does not emulate."""
    for j, ids in sorted((_answering(messages) if answering is None else answering).items()):
        if get(messages[j], "tool_call_id") not in ids:
            return j, get(messages[j], "tool_call_id")
    return None


def orphan(body: dict[str, Any], history: History) -> Hit | None:
    """A ``tool`` message whose run does not follow an assistant message with ``tool_calls`` (e.g. it comes
    right after a user message, or the assistant turn was never appended)."""
    messages = items(body.get("messages"))
    answering = _answering(messages)
    stray = stray_tool_message(messages, answering)
    for j, m in enumerate(messages):
        if get(m, "role") == "tool" and j not in answering:
            if stray is not None and stray[0] < j:
                return None          # the API reports the earlier stray id first, with a text not emulated
            return Hit({"index": j}, (j,))
    return None


def missing(body: dict[str, Any], history: History) -> Hit | None:
    messages = items(body.get("messages"))
    for i, ids, end in _blocks(messages):
        if any(get(messages[j], "tool_call_id") not in ids for j in range(i + 1, end)):
            return None              # a stray id in this run comes first; its refusal is not emulated
        answered = {get(messages[j], "tool_call_id") for j in range(i + 1, end)}
        lost = [c for c in ids if c not in answered]
        if lost:
            return Hit({"index": end, "ids": ", ".join(map(str, lost))}, (end,))
    return None


RULES = (
    Rule(
        id="chat_parallel_unsupported", api=API, path=PATH, status=400, error_type="invalid_request_error",
        code="unsupported_parameter", param="parallel_tool_calls", stage=0,
        message="Unsupported parameter: 'parallel_tool_calls' is not supported with this model.",
        trigger="`parallel_tool_calls` (true or false) sent with model o1, o3-mini, o3 or o4-mini "
                "(or a dated snapshot of one)",
        sources=("https://github.com/UKGovernmentBEIS/inspect_ai/issues/1023",
                 "https://github.com/browser-use/web-ui/issues/648",
                 "https://github.com/evalstate/fast-agent/issues/279",
                 "https://github.com/langchain-ai/langgraph-supervisor-py/pull/125",
                 "https://community.openai.com/t/what-models-support-parallel-tool-calls-and-when-to-use-it/1310788"),
        check=parallel_unsupported),
    Rule(
        id="chat_parallel_without_tools", api=API, path=PATH, status=400, error_type="invalid_request_error",
        param="parallel_tool_calls", stage=0,
        message="Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' "
                "are specified.",
        trigger="`parallel_tool_calls` sent without `tools` (absent or null)",
        sources=("https://github.com/openai/swarm/issues/30", "https://github.com/openai/openai-openapi/pull/287"),
        check=parallel_without_tools),
    Rule(
        id="chat_orphan", api=API, path=PATH, status=400, error_type="invalid_request_error",
        param="messages.[{index}].role", stage=1, message=ORPHAN,
        trigger="a `role: \"tool\"` message whose run of tool messages does not come right after an assistant "
                "message with `tool_calls` (e.g. a tool message after a user message, or the assistant turn never "
                "appended)",
        sources=("https://github.com/miurla/morphic/issues/136",),
        check=orphan),
    Rule(
        id="chat_missing", api=API, path=PATH, status=400, error_type="invalid_request_error",
        param="messages.[{index}].role", stage=1,
        message="An assistant message with 'tool_calls' must be followed by tool messages responding to each "
                "'tool_call_id'. The following tool_call_ids did not have response messages: {ids}",
        trigger="an assistant `tool_calls` id with no `role: \"tool\"` message answering it right after (and no "
                "tool message of that run naming an id the assistant message did not call)",
        sources=("https://github.com/sdcb/chats/pull/132",),
        check=missing),
)


def unemulated(body: dict[str, Any]) -> str | None:
    """A sentence for the replay's mismatch message when ``body`` holds a refusal that is not emulated."""
    stray = stray_tool_message(items(body.get("messages")))
    if stray is None:
        return None
    j, call_id = stray
    return (f"Note: messages[{j}] is a tool message for {call_id!r}, which the assistant message right before its "
            "run of tool messages did not call. The real API refuses such a request (reported in June 2025: "
            f"\"Invalid parameter: 'tool_call_id' of '{call_id}' not found in 'tool_calls' of previous message.\"); "
            "the replay does not emulate that error, because no public report found shows its full body. Answer only "
            "the ids of the assistant message right before the results.")
