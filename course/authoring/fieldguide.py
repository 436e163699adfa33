"""Lesson 7 (the field guide): the conversations the broken loops are debugged against.

Each scenario is what a *fixed* loop sends; a broken loop run against it is refused by the replay with the
emulated 400 of its bug (``course/protocol/``), or, for the silent bugs, accepted and judged on the log and
the simulated clock.  Five groups, one per exercise; the visible self-check uses the first scenario of a
group, the hidden tests the ``*_hidden`` ones:

* ``field_chat_dropped*``: Chat, sync; one call of a turn fails (an unknown city or ticker), and the broken
  loop drops its result (``chat_missing``).  The learner words the error result, so those requests compare
  tool outputs with ``match={"tool_output": "any"}``.
* ``field_reasoning_stateless*``: Responses with a reasoning model (``o4-mini``), ``store=False``: each
  response holds a ``reasoning`` item and, right after it, parallel ``function_call`` items.  The broken loop
  chains with ``previous_response_id`` (``responses_previous_not_stored``); the fix resends the history with
  the reasoning items (and their ``encrypted_content``, populated by default per the installed SDK's
  ``response_reasoning_item.py``).
* ``field_claude_first*``: Anthropic, async; the broken loop puts a text block before the ``tool_result``
  blocks (``anthropic_results_not_first``).
* ``field_async_serial*``: Chat, async; the broken loop awaits each tool in turn (silent: judged on the
  simulated clock).
* ``field_stream_merge*``: Chat, streamed; fragments of the calls are authored *interleaved* (round robin),
  so a loop that appends each fragment to the last call it saw merges neighbours (silent until the next
  request).  Neither provider documents interleaving: the recordings are authored that way to exercise the
  course's defensive rule, key fragments by ``index``.
"""

from __future__ import annotations

from typing import Any

from . import chat, claude, drivers, responses
from .build import Scenario, register
from .citations import authored_with
from .turns import Ids, Turn

OPENAI_DOCS = "OpenAI function calling guide https://platform.openai.com/docs/guides/function-calling"
CONV_STATE = "OpenAI conversation state guide https://platform.openai.com/docs/guides/conversation-state"
REASONING = "OpenAI reasoning models guide https://platform.openai.com/docs/guides/reasoning"
NOT_STORED = ("bigduu/Bamboo-agent#513 'previous_response_not_found' with store: false "
              "https://github.com/bigduu/Bamboo-agent/pull/513")
WITHOUT_RS = ("cline/cline#12242 function_call provided without its required reasoning item "
              "https://github.com/cline/cline/issues/12242")
CHAT_MISSING = "sdcb/chats#132 tool_call_ids did not have response messages https://github.com/sdcb/chats/pull/132"
ANTHROPIC_PARALLEL = ("Anthropic parallel tool use guide "
                      "https://platform.claude.com/docs/en/agents-and-tools/tool-use/parallel-tool-use")
NOT_FIRST = ("QwenLM/qwen-code#8165 tool_result blocks must come first "
             "https://github.com/QwenLM/qwen-code/pull/8165")
STREAMING = "OpenAI streaming responses guide https://platform.openai.com/docs/guides/streaming-responses"
OPENAI_SDK = authored_with("openai", "3.57", "openai/types/responses/response_reasoning_item.py, "
                           "openai/types/chat/chat_completion_chunk.py (ChoiceDeltaToolCall.index)")
ANTHROPIC_SDK = authored_with("anthropic", "2.15", "anthropic/types/tool_result_block_param.py")
ANY = {"tool_output": "any"}
GPT, REASONER, CLAUDE = "gpt-4o-mini", "o4-mini", "claude-haiku-4-5-20251001"
REASONER_SNAPSHOT = "o4-mini-2025-04-16"


def _user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


# ----------------------------------------------------------------------------- reasoning-model turns

def reasoning_item() -> responses.Item:
    """A ``reasoning`` item as the installed SDK types it: ``rs_`` id, empty ``summary``, ``encrypted_content``."""
    return lambda ids: {"id": ids.new("rs_", 48), "type": "reasoning", "summary": [],
                        "encrypted_content": "gAAAAAB" + "".join(ids.new("", 40) for _ in range(4))}


def reasoned(*items: responses.Item, reasoning_tokens: int = 192, **opts: Any) -> Turn:
    """A reasoning model's response: a ``reasoning`` item, then ``items``; the body says which effort it used."""
    turn = responses.output(reasoning_item(), *items, **opts)
    plain = turn.build

    def build(req: dict[str, Any], ids: Ids) -> dict[str, Any]:
        body = plain(req, ids)
        body["model"] = REASONER_SNAPSHOT
        body["reasoning"] = {"effort": "medium", "summary": None}
        usage = body["usage"]
        usage["output_tokens"] += reasoning_tokens
        usage["output_tokens_details"] = {"reasoning_tokens": reasoning_tokens}
        usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"]
        return body
    turn.build = build
    return turn


# ----------------------------------------------------------------------------- drivers

def stream_chat_loop(client: Any, *, model: str, messages: list[Any], tools: list[str], max_turns: int = 10) -> str:
    """A streamed Chat loop that rebuilds each call from its fragments keyed by ``index`` (the course's rule)."""
    messages, specs = list(messages), drivers.tool_specs("chat", tools)
    for _ in range(max_turns):
        text, calls = "", {}
        for chunk in client.chat.completions.create(model=model, messages=messages, tools=specs, stream=True):
            delta = chunk.choices[0].delta if chunk.choices else None
            if delta is None:
                continue
            text += delta.content or ""
            for tc in delta.tool_calls or []:
                call = calls.setdefault(tc.index, {"id": "", "name": "", "arguments": ""})
                call["id"] = tc.id or call["id"]
                if tc.function:
                    call["name"] = tc.function.name or call["name"]
                    call["arguments"] += tc.function.arguments or ""
        if not calls:
            return text
        ordered = [calls[i] for i in sorted(calls)]
        messages.append({"role": "assistant", "content": text or None, "tool_calls": [
            {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
            for c in ordered]})
        messages += [{"role": "tool", "tool_call_id": c["id"], "content": drivers.run_tool(c["name"], c["arguments"])[0]}
                     for c in ordered]
    raise RuntimeError("the model kept asking for tools")


def _chat(name: str, note: str, question: str, tools: list[str], turns: list, match: dict | None = None,
          sources: tuple[str, ...] = (CHAT_MISSING,)) -> None:
    register(Scenario(name=name, provider="openai", note=note, sources=[OPENAI_DOCS, *sources, OPENAI_SDK],
                      turns=turns, match=match or {},
                      drive=lambda c: drivers.chat_loop(c, model=GPT, messages=_user(question), tools=tools)))


def _achat(name: str, note: str, question: str, tools: list[str], turns: list) -> None:
    register(Scenario(name=name, provider="openai", note=note, sources=[OPENAI_DOCS, OPENAI_SDK], turns=turns,
                      async_=True,
                      drive=lambda c: drivers.achat_loop(c, model=GPT, messages=_user(question), tools=tools)))


def _stream(name: str, note: str, question: str, tools: list[str], turns: list) -> None:
    register(Scenario(name=name, provider="openai", note=note, sources=[OPENAI_DOCS, STREAMING, OPENAI_SDK],
                      turns=turns,
                      drive=lambda c: stream_chat_loop(c, model=GPT, messages=_user(question), tools=tools)))


def _reasoner(name: str, note: str, question: str, tools: list[str], turns: list) -> None:
    register(Scenario(name=name, provider="openai", note=note,
                      sources=[CONV_STATE, REASONING, NOT_STORED, WITHOUT_RS, OPENAI_SDK], turns=turns,
                      drive=lambda c: drivers.responses_loop(c, model=REASONER, input=_user(question), tools=tools,
                                                             chain="resend", store=False)))


def _claude(name: str, note: str, question: str, tools: list[str], turns: list) -> None:
    register(Scenario(name=name, provider="anthropic", note=note, sources=[ANTHROPIC_PARALLEL, NOT_FIRST, ANTHROPIC_SDK],
                      turns=turns, async_=True,
                      drive=lambda c: drivers.aclaude_loop(c, model=CLAUDE, messages=_user(question), tools=tools)))


# ----------------------------------------------------------------------------- 1. Chat: a failed call's result dropped

_chat("field_chat_dropped",
      "Chat, sync: weather for London and 'Atlantis'; the Atlantis call fails and must still be answered.",
      "Weather in London and in Atlantis?", ["get_weather"],
      [chat.calls(("get_weather", {"city": "London"}), ("get_weather", {"city": "Atlantis"}),
                  note="TWO tool_calls; get_weather raises ToolError for Atlantis.", latency_ms=700),
       chat.text("London is 15°C and overcast. I couldn't find any weather for Atlantis.",
                 note="Both ids answered, Atlantis with an error result (any wording).", latency_ms=500, match=ANY)])

_chat("field_chat_dropped_hidden",
      "Chat, sync, two rounds: AAPL and the unknown ticker ZZZZ (fails), then the weather in Paris.",
      "Compare AAPL with ZZZZ, then tell me the weather in Paris.", ["get_stock_price", "get_weather"],
      [chat.calls(("get_stock_price", {"ticker": "AAPL"}), ("get_stock_price", {"ticker": "ZZZZ"}),
                  note="Round 1: TWO tool_calls; ZZZZ is unknown.", latency_ms=700),
       chat.calls(("get_weather", {"city": "Paris"}), note="Round 2: ONE tool_call.", latency_ms=600, match=ANY),
       chat.text("AAPL trades at $213.50; I found no ticker ZZZZ. Paris is 19°C with light rain.",
                 note="Done.", latency_ms=500, match=ANY)])

# ----------------------------------------------------------------------------- 2. Responses, reasoning model, store=False

_reasoner("field_reasoning_stateless",
          "Responses with a reasoning model and store=False: a reasoning item, then TWO parallel function_call "
          "items; the next request resends the whole history, reasoning item included.",
          "Is it warmer in Tokyo or in Sydney right now?", ["get_weather"],
          [reasoned(responses.call("get_weather", {"city": "Tokyo"}), responses.call("get_weather", {"city": "Sydney"}),
                    note="output: reasoning, function_call Tokyo, function_call Sydney.", latency_ms=1400),
           reasoned(responses.message("Tokyo is warmer: 24°C and sunny, against 22°C and windy in Sydney."),
                    reasoning_tokens=64, note="Request 2 resends input, the three output items and two outputs.",
                    latency_ms=900)])

_reasoner("field_reasoning_stateless_hidden",
          "Responses, reasoning model, store=False, two rounds: two stock calls, then one exchange rate.",
          "Quote AAPL and MSFT, then tell me how many EUR a dollar buys.", ["get_stock_price", "get_exchange_rate"],
          [reasoned(responses.call("get_stock_price", {"ticker": "AAPL"}),
                    responses.call("get_stock_price", {"ticker": "MSFT"}),
                    note="Round 1: reasoning + TWO function_call items.", latency_ms=1500),
           reasoned(responses.call("get_exchange_rate", {"from_currency": "USD", "to_currency": "EUR"}),
                    note="Round 2: reasoning + ONE function_call; the history holds both rounds.", latency_ms=1100),
           reasoned(responses.message("AAPL $213.50 and MSFT $415.80; 1 USD buys 0.92 EUR."), reasoning_tokens=64,
                    note="Done.", latency_ms=800)])

# ----------------------------------------------------------------------------- 3. Anthropic, async: results first

_claude("field_claude_first",
        "Anthropic, async: TWO tool_use blocks; the results message must start with the tool_result blocks.",
        "Weather in Tokyo and in Paris?", ["get_weather"],
        [claude.calls(("get_weather", {"city": "Tokyo"}), ("get_weather", {"city": "Paris"}),
                      preamble="I'll check both cities.", note="TWO tool_use blocks after a text block.",
                      latency_ms=900),
         claude.reply("Tokyo is 24°C and sunny; Paris is 19°C with light rain.",
                      note="One user message of two tool_result blocks, nothing before them.", latency_ms=600)])

_claude("field_claude_first_hidden",
        "Anthropic, async, two rounds: a stock and an exchange rate, then the weather in New York.",
        "How is NVDA doing, what's GBP to USD, and then the weather in New York?",
        ["get_stock_price", "get_exchange_rate", "get_weather"],
        [claude.calls(("get_stock_price", {"ticker": "NVDA"}),
                      ("get_exchange_rate", {"from_currency": "GBP", "to_currency": "USD"}),
                      note="Round 1: TWO tool_use blocks, no preamble.", latency_ms=900),
         claude.calls(("get_weather", {"city": "New York"}), preamble="Now the weather.",
                      note="Round 2: ONE tool_use block.", latency_ms=700),
         claude.reply("NVDA is at $124.60 and 1 GBP is 1.27 USD. New York is 18°C and clear.",
                      note="end_turn.", latency_ms=500)])

# ----------------------------------------------------------------------------- 4. Chat, async: serial tools (silent)

_achat("field_async_serial",
       "Chat, async: THREE tool_calls in one turn (weather, stock, rate); judged on the simulated clock.",
       "Weather in Tokyo, the AAPL price and the USD to JPY rate?",
       ["get_weather", "get_stock_price", "get_exchange_rate"],
       [chat.calls(("get_weather", {"city": "Tokyo"}), ("get_stock_price", {"ticker": "AAPL"}),
                   ("get_exchange_rate", {"from_currency": "USD", "to_currency": "JPY"}),
                   note="THREE tool_calls.", latency_ms=800),
        chat.text("Tokyo is 24°C and sunny, AAPL trades at $213.50 and 1 USD is 149.5 JPY.",
                  note="Done.", latency_ms=500)])

_achat("field_async_serial_hidden",
       "Chat, async, two rounds: THREE weather calls, then TWO stock calls.",
       "Weather in London, Paris and New York, then quotes for MSFT and NVDA.",
       ["get_weather", "get_stock_price"],
       [chat.calls(("get_weather", {"city": "London"}), ("get_weather", {"city": "Paris"}),
                   ("get_weather", {"city": "New York"}), note="Round 1: THREE tool_calls.", latency_ms=800),
        chat.calls(("get_stock_price", {"ticker": "MSFT"}), ("get_stock_price", {"ticker": "NVDA"}),
                   note="Round 2: TWO tool_calls.", latency_ms=700),
        chat.text("London 15°C overcast, Paris 19°C light rain, New York 18°C clear. MSFT $415.80, NVDA $124.60.",
                  note="Done.", latency_ms=500)])

# ----------------------------------------------------------------------------- 5. Chat, streamed: fragments by index

_stream("field_stream_merge",
        "Chat, streamed: TWO tool_calls whose argument fragments are authored interleaved (round robin), so "
        "fragments must be keyed by index.",
        "Weather in Tokyo and in London?", ["get_weather"],
        [chat.calls(("get_weather", {"city": "Tokyo"}), ("get_weather", {"city": "London"}), interleave=True,
                    note="Streamed; fragments of the two calls interleaved (authored so).", latency_ms=800),
         chat.text("Tokyo is 24°C and sunny; London is 15°C and overcast.", note="Streamed text.", latency_ms=500)])

_stream("field_stream_merge_hidden",
        "Chat, streamed: THREE tool_calls of different tools, fragments interleaved (authored so).",
        "The AAPL price, the weather in Sydney and EUR to USD?",
        ["get_stock_price", "get_weather", "get_exchange_rate"],
        [chat.calls(("get_stock_price", {"ticker": "AAPL"}), ("get_weather", {"city": "Sydney"}),
                    ("get_exchange_rate", {"from_currency": "EUR", "to_currency": "USD"}), interleave=True,
                    note="Streamed; THREE calls' fragments interleaved (authored so).", latency_ms=900),
         chat.text("AAPL trades at $213.50, Sydney is 22°C and windy, and 1 EUR is 1.09 USD.",
                   note="Streamed text.", latency_ms=500)])

