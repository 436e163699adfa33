"""The source documents' examples: weather and exchange rate (Chat, from the tutorial), San Francisco vs San Jose
(Responses, from the forum thread), Tokyo and London (Claude, from the tutorial), each non-streamed and streamed.

The San Francisco / San Jose turn puts a ``message`` item before the two calls. That item is the course's
addition, not the thread's (there, ``output[0]`` is the San Francisco ``function_call``): it is there so
that code reading ``output[0]`` fails."""

from __future__ import annotations

from . import chat, claude, drivers, responses
from .build import Scenario, register
from .citations import FORUM, TUTORIAL

OPENAI_DOCS = "https://platform.openai.com/docs/guides/function-calling"
ANTHROPIC_DOCS = "https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use"
OPENAI_SDK = "authored with openai 3.54; types: openai/types/chat/chat_completion*.py, openai/types/responses/response*.py"
ANTHROPIC_SDK = "authored with anthropic 2.12; types: anthropic/types/message.py, tool_use_block.py, raw_message_stream_event.py"

CHAT_Q = "What's the weather in Tokyo and London, and what's the USD to JPY rate?"
CHAT_ANSWER = "Tokyo is 24°C and sunny, London is 15°C and overcast, and 1 USD buys 149.5 JPY."
SF_Q = "What's the temperature difference between SFO and San Jose?"
SF_ANSWER = "San Jose is 23°C and San Francisco 17°C, so San Jose is 6°C warmer."
CLAUDE_Q = "Weather in Tokyo and London?"
CLAUDE_ANSWER = "Tokyo: 24°C and sunny. London: 15°C and overcast."
SF_TOOL = {"type": "function", "name": "weather_conditions",
           "description": "current weather. Supports parallel call by placing in multi_tool_use", "strict": False,
           "parameters": {"type": "object", "required": ["location_city"],
                          "properties": {"location_city": {"type": "string"}}, "additionalProperties": False}}


def _chat(stream: bool) -> Scenario:
    turns = [
        chat.calls(("get_weather", {"city": "Tokyo"}), ("get_weather", {"city": "London"}),
                   ("get_exchange_rate", {"from_currency": "USD", "to_currency": "JPY"}),
                   note="One assistant message with THREE tool_calls: two weather lookups and one exchange rate.",
                   latency_ms=900),
        chat.text(CHAT_ANSWER, note="All three tool results were sent; the model answers (finish_reason 'stop').",
                  latency_ms=700),
    ]
    kw = {"stream_options": {"include_usage": True}} if stream else {}
    return Scenario(
        name="chat_weather_parallel" + ("_stream" if stream else ""), provider="openai",
        note="Tutorial example: weather in Tokyo and London plus USD->JPY, three parallel tool_calls in one message"
             + (", streamed as chat.completion.chunk deltas keyed by index." if stream else "."),
        sources=[TUTORIAL, OPENAI_DOCS, OPENAI_SDK], turns=turns,
        drive=lambda c: drivers.chat_loop(c, model="gpt-4o-mini", messages=[{"role": "user", "content": CHAT_Q}],
                                          tools=["get_weather", "get_exchange_rate"], stream=stream, **kw))


def _responses(stream: bool) -> Scenario:
    turns = [
        responses.output(responses.message("I'll look up both cities."),
                         responses.call("weather_conditions", {"location_city": "San Francisco"}),
                         responses.call("weather_conditions", {"location_city": "San Jose"}),
                         note="A message item first (added by the course), then TWO function_call items: output[0] is not a call.",
                         latency_ms=1100),
        responses.text(SF_ANSWER, note="Both function_call_output items were sent; a message item ends the loop.",
                       latency_ms=800),
    ]
    return Scenario(
        name="responses_sf_sanjose" + ("_stream" if stream else ""), provider="openai",
        note="Forum thread's example: San Francisco vs San Jose temperature via the Responses API, two parallel "
             "function_call items; the message item before them is the course's addition (in the thread output[0] is "
             "the San Francisco call), put there so that reading output[0] fails"
             + (", streamed as typed response.* events." if stream else "."),
        sources=[FORUM, OPENAI_DOCS, OPENAI_SDK], turns=turns,
        drive=lambda c: drivers.responses_loop(
            c, model="gpt-4o", input=[{"role": "system", "content": "You are weatherpal"},
                                      {"role": "user", "content": SF_Q}],
            tools=[SF_TOOL], stream=stream))


def _claude(stream: bool) -> Scenario:
    turns = [
        claude.calls(("get_weather", {"city": "Tokyo"}), ("get_weather", {"city": "London"}),
                     preamble="I'll check the weather in both cities.",
                     note="A text block, then TWO tool_use blocks (stop_reason 'tool_use').", latency_ms=1000),
        claude.reply(CLAUDE_ANSWER, note="Both tool_result blocks came back in one user message.", latency_ms=700),
    ]
    return Scenario(
        name="claude_weather_parallel" + ("_stream" if stream else ""), provider="anthropic",
        note="Tutorial example: Claude asks for Tokyo and London weather as two tool_use blocks"
             + (", streamed as content_block_* events with input_json_delta fragments." if stream else "."),
        sources=[TUTORIAL, ANTHROPIC_DOCS, ANTHROPIC_SDK], turns=turns,
        drive=lambda c: drivers.claude_loop(c, model="claude-haiku-4-5-20251001",
                                            messages=[{"role": "user", "content": CLAUDE_Q}],
                                            tools=["get_weather"], stream=stream))


for _stream in (False, True):
    register(_chat(_stream))
    register(_responses(_stream))
    register(_claude(_stream))
