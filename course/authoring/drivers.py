"""Reference agent loops: the code the course teaches, used to author (and re-record) scenarios.

Each loop runs until the model stops asking for tools, answers every call id, and turns
tool failures into error results.  Tools are looked up in :mod:`course.tools`.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from .. import tools as toolbox

FORMATS = {"chat": toolbox.chat_tool, "responses": toolbox.responses_tool, "anthropic": toolbox.anthropic_tool}


def tool_specs(api: str, tools: list[Any]) -> list[dict[str, Any]]:
    """Tool names become definitions in ``api``'s format; dicts are passed through unchanged."""
    return [FORMATS[api](t) if isinstance(t, str) else t for t in tools]


def run_tool(name: str, arguments: Any) -> tuple[str, bool]:
    """Call a tool; return its JSON output and whether it failed (a failure is a readable error result)."""
    try:
        args = json.loads(arguments) if isinstance(arguments, str) else dict(arguments)
        return json.dumps(toolbox.call(name, args)), False
    except Exception as e:  # the model should read any failure, never the loop crash
        return json.dumps({"error": f"{type(e).__name__}: {e}"}), True


def _chat_results(msg: Any, outputs: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    return [{"role": "tool", "tool_call_id": tc.id, "content": out} for tc, (out, _) in zip(msg.tool_calls, outputs)]


def _fn_calls(resp: Any) -> list[Any]:
    return [item for item in resp.output if item.type == "function_call"]


def _responses_next(resp: Any, calls: list[Any], outputs: list[tuple[str, bool]], chain: str,
                    history: list[Any]) -> dict[str, Any]:
    results = [{"type": "function_call_output", "call_id": c.call_id, "output": out} for c, (out, _) in zip(calls, outputs)]
    if chain == "previous_response_id":
        return {"input": results, "previous_response_id": resp.id}
    history += [item.model_dump(exclude_none=True) for item in resp.output] + results
    return {"input": list(history)}


def _claude_results(uses: list[Any], outputs: list[tuple[str, bool]]) -> dict[str, Any]:
    blocks = [{"type": "tool_result", "tool_use_id": u.id, "content": out, **({"is_error": True} if err else {})}
              for u, (out, err) in zip(uses, outputs)]
    return {"role": "user", "content": blocks}


def chat_loop(client: Any, *, model: str, messages: list[Any], tools: list[Any], stream: bool = False,
              max_turns: int = 10, **kw: Any) -> Any:
    """Chat Completions until ``finish_reason`` is not ``tool_calls``; returns the last completion."""
    messages, specs = list(messages), tool_specs("chat", tools)
    for _ in range(max_turns):
        if stream:
            with client.chat.completions.stream(model=model, messages=messages, tools=specs, **kw) as s:
                completion = s.get_final_completion()
        else:
            completion = client.chat.completions.create(model=model, messages=messages, tools=specs, **kw)
        msg = completion.choices[0].message
        if not msg.tool_calls:
            return completion
        messages.append(msg.model_dump(exclude_none=True))
        messages += _chat_results(msg, [run_tool(tc.function.name, tc.function.arguments) for tc in msg.tool_calls])
    raise RuntimeError("the model kept asking for tools")


def responses_loop(client: Any, *, model: str, input: Any, tools: list[Any], chain: str = "previous_response_id",
                   stream: bool = False, max_turns: int = 10, **kw: Any) -> Any:
    """Responses API until a response has no ``function_call`` items; returns the last response."""
    specs = tool_specs("responses", tools)
    history = [{"role": "user", "content": input}] if isinstance(input, str) else list(input)
    step: dict[str, Any] = {"input": list(history)}
    for _ in range(max_turns):
        if stream:
            with client.responses.stream(model=model, tools=specs, **step, **kw) as s:
                resp = s.get_final_response()
        else:
            resp = client.responses.create(model=model, tools=specs, **step, **kw)
        calls = _fn_calls(resp)
        if not calls:
            return resp
        step = _responses_next(resp, calls, [run_tool(c.name, c.arguments) for c in calls], chain, history)
    raise RuntimeError("the model kept asking for tools")


def claude_loop(client: Any, *, model: str, messages: list[Any], tools: list[Any], max_tokens: int = 1024,
                stream: bool = False, max_turns: int = 10, **kw: Any) -> Any:
    """Anthropic Messages until ``stop_reason`` is not ``tool_use``; returns the last message."""
    messages, specs = list(messages), tool_specs("anthropic", tools)
    for _ in range(max_turns):
        args = dict(model=model, max_tokens=max_tokens, messages=messages, tools=specs, **kw)
        if stream:
            with client.messages.stream(**args) as s:
                msg = s.get_final_message()
        else:
            msg = client.messages.create(**args)
        uses = [b for b in msg.content if b.type == "tool_use"]
        if msg.stop_reason != "tool_use" or not uses:
            return msg
        messages.append({"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in msg.content]})
        messages.append(_claude_results(uses, [run_tool(u.name, u.input) for u in uses]))
    raise RuntimeError("the model kept asking for tools")


async def _fan_out(pairs: list[tuple[str, Any]]) -> list[tuple[str, bool]]:
    return list(await asyncio.gather(*(asyncio.to_thread(run_tool, n, a) for n, a in pairs)))


async def achat_loop(client: Any, *, model: str, messages: list[Any], tools: list[Any], max_turns: int = 10,
                     **kw: Any) -> Any:
    """The async Chat loop: one turn's tools run concurrently."""
    messages, specs = list(messages), tool_specs("chat", tools)
    for _ in range(max_turns):
        completion = await client.chat.completions.create(model=model, messages=messages, tools=specs, **kw)
        msg = completion.choices[0].message
        if not msg.tool_calls:
            return completion
        messages.append(msg.model_dump(exclude_none=True))
        messages += _chat_results(msg, await _fan_out([(tc.function.name, tc.function.arguments) for tc in msg.tool_calls]))
    raise RuntimeError("the model kept asking for tools")


async def aresponses_loop(client: Any, *, model: str, input: Any, tools: list[Any],
                          chain: str = "previous_response_id", max_turns: int = 10, **kw: Any) -> Any:
    """The async Responses loop: one turn's tools run concurrently."""
    specs = tool_specs("responses", tools)
    history = [{"role": "user", "content": input}] if isinstance(input, str) else list(input)
    step: dict[str, Any] = {"input": list(history)}
    for _ in range(max_turns):
        resp = await client.responses.create(model=model, tools=specs, **step, **kw)
        calls = _fn_calls(resp)
        if not calls:
            return resp
        step = _responses_next(resp, calls, await _fan_out([(c.name, c.arguments) for c in calls]), chain, history)
    raise RuntimeError("the model kept asking for tools")


async def aclaude_loop(client: Any, *, model: str, messages: list[Any], tools: list[Any], max_tokens: int = 1024,
                       max_turns: int = 10, **kw: Any) -> Any:
    """The async Anthropic loop: one turn's tools run concurrently."""
    messages, specs = list(messages), tool_specs("anthropic", tools)
    for _ in range(max_turns):
        msg = await client.messages.create(model=model, max_tokens=max_tokens, messages=messages, tools=specs, **kw)
        uses = [b for b in msg.content if b.type == "tool_use"]
        if msg.stop_reason != "tool_use" or not uses:
            return msg
        messages.append({"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in msg.content]})
        messages.append(_claude_results(uses, await _fan_out([(u.name, u.input) for u in uses])))
    raise RuntimeError("the model kept asking for tools")
