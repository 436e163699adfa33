"""Lesson 01 scenarios (recognising parallel tool calls): the hidden tests' conversations.

The source documents' examples (chat_weather_parallel, responses_sf_sanjose, claude_weather_parallel and
their ``_stream`` twins) live in :mod:`.seeds`; the lesson's demos and visible self-checks use those.
The conversations here are the ones the hidden tests use: every provider with a turn of exactly one
call, a turn of several calls, and a text-only last turn; the non-function item or text block sits
*before* the calls so ``[0]`` is wrong; and streamed turns *authored* with their call fragments interleaved
across indexes (``interleave=True``).  Neither provider documents whether fragments of different calls can
arrive interleaved; these streams exist to enforce the course's defensive rule (key every fragment by its
index), and only code that follows it assembles them.

All are authored (no live capture): the shapes follow the SDK types and the documentation below.
"""

from __future__ import annotations

from . import chat, citations, claude, drivers, register, responses
from .build import Scenario

MODULE = __name__
CHAT_DOCS = "https://platform.openai.com/docs/guides/function-calling#parallel-function-calling"
CHAT_STREAM_DOCS = "https://platform.openai.com/docs/guides/function-calling#streaming"
RESP_DOCS = "https://platform.openai.com/docs/api-reference/responses/object"
RESP_STREAM_DOCS = "https://platform.openai.com/docs/api-reference/responses-streaming"
CLAUDE_DOCS = "https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use#parallel-tool-use"
CLAUDE_STREAM_DOCS = "https://docs.anthropic.com/en/docs/build-with-claude/streaming#streaming-request-with-tool-use"
TUTORIAL = f"{citations.TUTORIAL} (handle one call and several calls per turn)"
FORUM = f"{citations.FORUM} (iterate the output list instead of reading output[0])"

register(Scenario(
    name="rec_chat_turns", provider="openai", module=MODULE,
    note="Chat Completions, three turns: one call, then two parallel calls, then a text answer (tool_calls absent).",
    sources=[CHAT_DOCS, TUTORIAL, "openai/types/chat/chat_completion_message_function_tool_call.py"],
    turns=[
        chat.calls(("get_weather", {"city": "Paris"}), note="Exactly one tool call.", latency_ms=700),
        chat.calls(("get_stock_price", {"ticker": "AAPL"}), ("get_stock_price", {"ticker": "MSFT"}),
                   note="Two parallel tool calls in one assistant message.", latency_ms=900),
        chat.text("Paris is 19°C with light rain. AAPL trades at $213.50 and MSFT at $415.80, so MSFT is the "
                  "pricier share by $202.30.", note="Text only: message.tool_calls is None.", latency_ms=1100),
    ],
    drive=lambda c: drivers.chat_loop(
        c, model="gpt-4o-mini", tools=["get_weather", "get_stock_price"],
        messages=[{"role": "user", "content": "What's the weather in Paris? After that, compare the AAPL and MSFT "
                                              "share prices."}]),
))

register(Scenario(
    name="rec_responses_turns", provider="openai", module=MODULE,
    note="Responses, four turns: [reasoning, 2 function_calls], [message, 1 function_call], [1 function_call], "
         "then text only.",
    sources=[RESP_DOCS, FORUM, "openai/types/responses/response_function_tool_call.py",
             "openai/types/responses/response_reasoning_item.py"],
    turns=[
        responses.output(responses.reasoning(), responses.call("get_weather", {"city": "New York"}),
                         responses.call("get_stock_price", {"ticker": "NVDA"}),
                         note="A reasoning item first, then two function_call items: output[0] is not a call.",
                         latency_ms=1200),
        responses.output(responses.message("NVDA is at $124.60 USD; I'll convert that to euros."),
                         responses.call("get_exchange_rate", {"from_currency": "USD", "to_currency": "EUR"}),
                         note="A message item, then exactly one function_call.", latency_ms=900),
        responses.calls(("get_exchange_rate", {"from_currency": "USD", "to_currency": "JPY"}),
                        note="Exactly one function_call and nothing else: here output[0] happens to be right.",
                        latency_ms=800),
        responses.text("New York is 18°C and clear. NVDA trades at $124.60, about €114.63 at 0.92 EUR per USD, "
                       "or ¥18,627.70 at 149.5 JPY per USD.", note="Text only: no function_call items.",
                       latency_ms=1000),
    ],
    drive=lambda c: drivers.responses_loop(
        c, model="o4-mini", tools=["get_weather", "get_stock_price", "get_exchange_rate"],
        input="Check the weather in New York and the NVDA share price, then tell me that price in euros and in yen."),
))

register(Scenario(
    name="rec_claude_turns", provider="anthropic", module=MODULE,
    note="Anthropic, three turns: [text, 1 tool_use], then [tool_use, tool_use] with no text, then a text reply.",
    sources=[CLAUDE_DOCS, TUTORIAL, "anthropic/types/tool_use_block.py"],
    turns=[
        claude.calls(("get_weather", {"city": "Sydney"}), preamble="Let me check Sydney's weather first.",
                     note="A text block, then exactly one tool_use block.", latency_ms=800),
        claude.calls(("get_exchange_rate", {"from_currency": "GBP", "to_currency": "USD"}),
                     ("get_stock_price", {"ticker": "GOOGL"}),
                     note="Two parallel tool_use blocks and no text block.", latency_ms=900),
        claude.reply("Sydney is 22°C and windy. One pound buys $1.27, and GOOGL trades at $175.20.",
                     note="Text only: stop_reason end_turn.", latency_ms=1000),
    ],
    drive=lambda c: drivers.claude_loop(
        c, model="claude-haiku-4-5-20251001", tools=["get_weather", "get_exchange_rate", "get_stock_price"],
        messages=[{"role": "user", "content": "First check the weather in Sydney. Then get the GBP to USD rate and "
                                              "the GOOGL share price."}]),
))

register(Scenario(
    name="rec_chat_stream_turns", provider="openai", module=MODULE,
    note="Chat Completions streamed (include_usage): three calls whose fragments are authored interleaved by index, then one "
         "call, then text. The usage chunk at the end has choices == [].",
    sources=[CHAT_STREAM_DOCS, "openai/types/chat/chat_completion_chunk.py (ChoiceDeltaToolCall.index)"],
    turns=[
        chat.calls(("get_weather", {"city": "Tokyo"}), ("get_weather", {"city": "London"}),
                   ("get_weather", {"city": "Sydney"}), interleave=True,
                   note="Three tool_calls streamed round-robin (authored that way to test index keying): deltas of index 0, 1, 2 alternate.", latency_ms=900),
        chat.calls(("get_exchange_rate", {"from_currency": "USD", "to_currency": "JPY"}),
                   note="Exactly one streamed tool call.", latency_ms=700),
        chat.text("Tokyo is 24°C and sunny, London 15°C and overcast, Sydney 22°C and windy. One US dollar buys "
                  "149.5 yen.", note="Text only: content deltas, no tool_calls.", latency_ms=900),
    ],
    drive=lambda c: drivers.chat_loop(
        c, model="gpt-4o-mini", tools=["get_weather", "get_exchange_rate"], stream=True,
        stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "Weather in Tokyo, London and Sydney? Then the USD to JPY rate."}]),
))

register(Scenario(
    name="rec_claude_stream_turns", provider="anthropic", module=MODULE,
    note="Anthropic streamed: [text, tool_use, tool_use] with input_json_delta events authored interleaved by index, then "
         "one tool_use with no text, then a text reply.",
    sources=[CLAUDE_STREAM_DOCS, "anthropic/types/raw_content_block_delta_event.py", "anthropic/types/input_json_delta.py"],
    turns=[
        claude.calls(("get_weather", {"city": "Paris"}), ("get_stock_price", {"ticker": "MSFT"}),
                     preamble="I'll fetch both at once.", interleave=True,
                     note="Text block 0, tool_use blocks 1 and 2; their fragments alternate (authored that way to test index keying).", latency_ms=900),
        claude.calls(("get_exchange_rate", {"from_currency": "EUR", "to_currency": "USD"}),
                     note="Exactly one tool_use block, at index 0.", latency_ms=700),
        claude.reply("Paris is 19°C with light rain. MSFT is at $415.80, and one euro buys $1.09.",
                     note="Text only.", latency_ms=900),
    ],
    drive=lambda c: drivers.claude_loop(
        c, model="claude-haiku-4-5-20251001", tools=["get_weather", "get_stock_price", "get_exchange_rate"],
        stream=True,
        messages=[{"role": "user", "content": "Weather in Paris and the MSFT price, please. Then the EUR to USD rate."}]),
))

register(Scenario(
    name="rec_responses_stream_turns", provider="openai", module=MODULE,
    note="Responses streamed: [message, function_call, function_call] with argument deltas authored interleaved by "
         "output_index, then text.",
    sources=[RESP_STREAM_DOCS, "openai/types/responses/response_function_call_arguments_delta_event.py",
             "openai/types/responses/response_output_item_added_event.py"],
    turns=[
        responses.output(responses.message("Checking both cities."),
                         responses.call("get_weather", {"city": "San Francisco"}),
                         responses.call("get_weather", {"city": "San Jose"}), interleave=True,
                         note="A message item at output_index 0, two calls at 1 and 2; their deltas alternate (authored that way to test index keying).",
                         latency_ms=900),
        responses.text("San Francisco is 17°C and foggy; San Jose is 23°C and sunny, 6°C warmer.",
                       note="Text only.", latency_ms=900),
    ],
    drive=lambda c: drivers.responses_loop(
        c, model="gpt-4o", tools=["get_weather"], stream=True,
        input="What's the temperature difference between San Francisco and San Jose?"),
))

# The visible self-checks' interleaved streams: the tutorial's questions again (seeds.CHAT_Q, seeds.CLAUDE_Q), with
# the fragments of different calls authored round-robin, so that "append to the latest call" fails the self-check
# too and not only the grader.  Authored to test the course's defensive rule; neither provider documents this order.
INTERLEAVED = ("Authored interleaved to test the course's defensive rule (key every fragment by its index); neither "
               "provider documents whether fragments of different calls can interleave. Not a capture of a live API.")

register(Scenario(
    name="chat_weather_interleaved_stream", provider="openai", module=MODULE,
    note="The tutorial's question streamed (include_usage), its three tool_calls' argument deltas authored interleaved "
         "by index, then text. " + INTERLEAVED,
    sources=[CHAT_STREAM_DOCS, citations.TUTORIAL, "openai/types/chat/chat_completion_chunk.py (ChoiceDeltaToolCall.index)"],
    turns=[
        chat.calls(("get_weather", {"city": "Tokyo"}), ("get_weather", {"city": "London"}),
                   ("get_exchange_rate", {"from_currency": "USD", "to_currency": "JPY"}), interleave=True,
                   note="Three tool_calls streamed round-robin: deltas of index 0, 1, 2 alternate (authored).",
                   latency_ms=900),
        chat.text("Tokyo is 24°C and sunny, London is 15°C and overcast, and 1 USD buys 149.5 JPY.",
                  note="Text only: content deltas, no tool_calls.", latency_ms=700),
    ],
    drive=lambda c: drivers.chat_loop(
        c, model="gpt-4o-mini", tools=["get_weather", "get_exchange_rate"], stream=True,
        stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "What's the weather in Tokyo and London, and what's the USD to JPY rate?"}]),
))

register(Scenario(
    name="claude_weather_interleaved_stream", provider="anthropic", module=MODULE,
    note="The tutorial's Claude question streamed: [text, tool_use, tool_use] with the two blocks' input_json_delta "
         "events authored interleaved by index, then a text reply. " + INTERLEAVED,
    sources=[CLAUDE_STREAM_DOCS, citations.TUTORIAL, "anthropic/types/raw_content_block_delta_event.py"],
    turns=[
        claude.calls(("get_weather", {"city": "Tokyo"}), ("get_weather", {"city": "London"}),
                     preamble="I'll check both cities at once.", interleave=True,
                     note="Text block 0, tool_use blocks 1 and 2; their fragments alternate (authored).", latency_ms=900),
        claude.reply("Tokyo: 24°C and sunny. London: 15°C and overcast.", note="Text only.", latency_ms=700),
    ],
    drive=lambda c: drivers.claude_loop(
        c, model="claude-haiku-4-5-20251001", tools=["get_weather"], stream=True,
        messages=[{"role": "user", "content": "Weather in Tokyo and London?"}]),
))
