"""The title and date of every public source a rule or caveat cites, so the generated tables cite each one by
title and public URL.

A GitHub issue or pull request is cited by its title as the thread shows it; ``date`` is the day its
description (the report) was posted, or only its year when the day is not known.  Every URL in a
:class:`~course.protocol.base.Rule`'s or :class:`~course.protocol.base.Caveat`'s ``sources`` needs an entry
here (``tests/test_protocol.py`` checks it); :func:`cite` renders one as markdown.

>>> from course.protocol.titles import cite
>>> print(cite("https://github.com/openai/swarm/issues/30"))
[openai/swarm#30](https://github.com/openai/swarm/issues/30), “Error: 'parallel_tool_calls' is only allowed
when 'tools' are specified.” (2024-07-12)
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Title(NamedTuple):
    title: str
    date: str   # YYYY-MM-DD, or only the year when the day of the report is not known


TITLES: dict[str, Title] = {
    # --- Chat Completions: parallel_tool_calls
    "https://github.com/UKGovernmentBEIS/inspect_ai/issues/1023":
        Title("O1 api doesn't expect the `parallel_tool_calls` parameter", "2024-12-19"),
    "https://github.com/browser-use/web-ui/issues/648":
        Title("openai o3-mini + MCP issue", "2025-06-21"),
    "https://github.com/evalstate/fast-agent/issues/279":
        Title("o4-mini throws \"Unsupported parameter: 'parallel_tool_calls'\"", "2025-07-14"),
    "https://github.com/langchain-ai/langgraph-supervisor-py/pull/125":
        Title("add o3 and o4-mini to models that don't support parallel_tool_calls", "2025-04-18"),
    "https://community.openai.com/t/what-models-support-parallel-tool-calls-and-when-to-use-it/1310788":
        Title("What models support parallel tool calls and when to use it?", "2025"),
    "https://github.com/openai/swarm/issues/30":
        Title("Error: 'parallel_tool_calls' is only allowed when 'tools' are specified.", "2024-07-12"),
    "https://github.com/openai/openai-openapi/pull/287":
        Title("feat: Make ParalleToolCalls nullable", "2024-07-10"),
    # --- Chat Completions: tool messages
    "https://github.com/miurla/morphic/issues/136":
        Title("messages with role 'tool' must be a response to a preceeding message with 'tool_calls'", "2024-05-11"),
    "https://github.com/sdcb/chats/pull/132":
        Title("fix: tool_calls error", "2026-04-23"),
    "https://github.com/dapr/dapr-agents/issues/145":
        Title("Invalid parameter: 'tool_call_id' of 'call_XXXXXXXXX' not found in 'tool_calls' of previous message.",
              "2025-06-30"),
    # --- Responses
    "https://github.com/bigduu/Bamboo-agent/pull/513":
        Title("fix: previous_response_not_found — stop chaining previous_response_id onto store=false Responses "
              "turns", "2026-07-16"),
    "https://github.com/maximhq/bifrost/issues/2441":
        Title("[Bug]: Previous response with id <> not found", "2026-03-31"),
    "https://github.com/vercel/ai/issues/7543":
        Title("Item with id 'rs_...' not found. Items are not persisted when `store` is set to false", "2025-07-25"),
    "https://github.com/continuedev/continue/issues/9101":
        Title("Items are not persisted when `store` is set to false GPT-5.1-Codex", "2025-12-10"),
    "https://github.com/can1357/oh-my-pi/issues/41":
        Title("bug: Error: 404 Item with id (id) not found. Items are not persisted when `store` is set to false.",
              "2026-02-12"),
    "https://github.com/continuedev/continue/issues/10200":
        Title("Error: GPT-5 Codex - 400", "2026-02-04"),
    "https://github.com/cline/cline/issues/12242":
        Title("GPT 5.5 not working - 'function_call' was provided without its required 'reasoning' item",
              "2026-07-12"),
    "https://github.com/continuedev/continue/issues/10018":
        Title("Error: gpt-5 - 400", "2026-01-29"),
    "https://github.com/vercel/ai/issues/7099":
        Title("Item 'rs_...' of type 'reasoning' was provided without its required following item", "2025"),
    "https://github.com/vercel/ai/issues/8379":
        Title("OpenAI provider: Item of type 'reasoning' was provided without its required following item", "2025"),
    "https://github.com/continuedev/continue/issues/8933":
        Title("'reasoning' was provided without its required following item", "2025"),
    "https://github.com/openai/openai-agents-python/issues/1611":
        Title("Bad Request 400 : Reasoning model issue while store is True", "2025-08-29"),
    "https://github.com/continuedev/continue/issues/10092":
        Title("Error: my gpt-5 - 400", "2026-02-01"),
    "https://github.com/tjardoo/openai-client/pull/124":
        Title("FunctionToolCallOutput's id is optional", "2025-04-28"),
    "https://github.com/openai/codex/issues/394":
        Title("bug: interrupting model run breaks session with `No tool output found for function call`",
              "2025-04-19"),
    "https://github.com/runvendo/vendo/pull/1071":
        Title("fix(vendo): send store:false on the openai rung", "2026-08-10"),
    # --- Anthropic Messages
    "https://github.com/anthropics/claude-code/issues/20901":
        Title("API Error: tool_use ids must be unique after tool execution", "2026-01-26"),
    "https://github.com/anthropics/claude-code/issues/21083":
        Title("API Error 400: tool_use ids must be unique in version 2.1.19", "2026-01-26"),
    "https://github.com/anthropics/claude-code/issues/5989":
        Title("Missing Tool Result Block for Tool Use IDs", "2025-08-17"),
    "https://github.com/anthropics/claude-code/issues/6575":
        Title("[Bug] Anthropic API Error: Missing Tool Result Block", "2025-08-26"),
    "https://github.com/QwenLM/qwen-code/issues/8161":
        Title("Anthropic converter: tool_result blocks not guaranteed first in mixed-content user messages",
              "2026-07-30"),
    "https://github.com/QwenLM/qwen-code/pull/8165":
        Title("fix(anthropic): move tool_result blocks first in mixed-content user messages", "2026-07-30"),
    "https://github.com/anthropics/claude-code/issues/13460":
        Title("[Bug] Anthropic API Error: Missing corresponding tool_use block for tool_result", "2025-12-09"),
    "https://github.com/anthropics/claude-code/issues/37":
        Title("Missing Tool Result Block in API Request", "2025-02-24"),
    "https://github.com/apify/tester-mcp-client/issues/12":
        Title("Error with tool results", "2025-03-07"),
}


def label(url: str) -> str:
    """``owner/repo#N`` for GitHub issues and pull requests, ``host: title-slug`` for a forum thread."""
    m = re.match(r"https://github\.com/([^/]+/[^/]+)/(issues|pull)/(\d+)", url)
    if m:
        return f"{m.group(1)}#{m.group(3)}"
    m = re.match(r"https://([^/]+)/t/([^/]+)", url)
    return f"{m.group(1)}: {m.group(2).replace('-', ' ')}" if m else url


def cite(url: str) -> str:
    """A source by title and public URL (KeyError if untitled): ``[owner/repo#N](url), “title” (date)`` for a
    GitHub issue or pull request, ``[“title”](url) (host, date)`` for any other page."""
    t = TITLES[url]
    if url.startswith("https://github.com/"):
        return f"[{label(url)}]({url}), “{t.title}” ({t.date})"
    host = re.match(r"https://([^/]+)", url)
    return f"[“{t.title}”]({url}) ({host.group(1) if host else url}, {t.date})"
