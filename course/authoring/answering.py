"""Lesson 2 (answering every call id): multi-turn loops for Chat, Responses (``previous_response_id``
and ``store=False`` resend) and Anthropic, some with a tool that fails.

Scenario roles in the lesson (hidden tests must not reuse the visible ones):

* demos: ``answer_responses_chain``, ``answer_responses_resend`` (plus the source documents' examples
  ``chat_weather_parallel`` and ``claude_weather_parallel`` for the missing-id 400s);
* visible self-checks: ``answer_responses_chain``, ``answer_claude_error``,
  ``answer_chat_two_rounds``, ``answer_claude_two_rounds`` (and the tutorial's ``chat_weather_parallel``);
* hidden tests: every ``*_hidden`` scenario.

Where a tool fails (unknown city or ticker), the learner words the error text, so every request
that carries it compares tool outputs with ``match={"tool_output": "any"}``; the hidden tests
check the successful outputs themselves from the log.
"""

from __future__ import annotations

from . import chat, claude, drivers, responses
from .build import Scenario, register

OPENAI_DOCS = "https://platform.openai.com/docs/guides/function-calling"
CONV_STATE = "https://developers.openai.com/api/docs/guides/migrate-to-responses"
ANTHROPIC_DOCS = "https://platform.claude.com/docs/en/agents-and-tools/tool-use/handle-tool-calls"
ANTHROPIC_PARALLEL = "https://platform.claude.com/docs/en/agents-and-tools/tool-use/parallel-tool-use"
OPENAI_SDK = ("authored with openai 3.54: openai/types/chat/chat_completion_tool_message_param.py, "
              "openai/types/responses/response_input_param.py (FunctionCallOutput)")
ANTHROPIC_SDK = "authored with anthropic 2.12: anthropic/types/tool_result_block_param.py (tool_use_id, content, is_error)"
ANY = {"tool_output": "any"}
GPT = "gpt-4o-mini"
CLAUDE = "claude-haiku-4-5-20251001"


def _user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def _chat(name: str, note: str, question: str, tools: list[str], turns: list, match: dict | None = None) -> None:
    register(Scenario(name=name, provider="openai", note=note, sources=[OPENAI_DOCS, OPENAI_SDK], turns=turns,
                      match=match or {},
                      drive=lambda c: drivers.chat_loop(c, model=GPT, messages=_user(question), tools=tools)))


def _resp(name: str, note: str, question: str, tools: list[str], turns: list, chain: str, **kw: object) -> None:
    register(Scenario(name=name, provider="openai", note=note, sources=[OPENAI_DOCS, CONV_STATE, OPENAI_SDK],
                      turns=turns,
                      drive=lambda c: drivers.responses_loop(c, model=GPT, input=_user(question), tools=tools,
                                                             chain=chain, **kw)))


def _claude(name: str, note: str, question: str, tools: list[str], turns: list, match: dict | None = None) -> None:
    register(Scenario(name=name, provider="anthropic", note=note, sources=[ANTHROPIC_DOCS, ANTHROPIC_PARALLEL, ANTHROPIC_SDK],
                      turns=turns, match=match or {},
                      drive=lambda c: drivers.claude_loop(c, model=CLAUDE, messages=_user(question), tools=tools)))


# ----------------------------------------------------------------------------- Chat Completions

_chat("answer_chat_two_rounds",
      "Chat loop, two rounds: two weather calls, then (after their results) an exchange rate and a stock price.",
      "I'm flying Tokyo to Paris. Weather in both? Then tell me USD to EUR and how AAPL is doing.",
      ["get_weather", "get_exchange_rate", "get_stock_price"],
      [chat.calls(("get_weather", {"city": "Tokyo"}), ("get_weather", {"city": "Paris"}),
                  note="Round 1: TWO tool_calls (weather Tokyo, Paris).", latency_ms=800),
       chat.calls(("get_exchange_rate", {"from_currency": "USD", "to_currency": "EUR"}),
                  ("get_stock_price", {"ticker": "AAPL"}),
                  note="Round 2, after both weather results: TWO more tool_calls (USD->EUR, AAPL).", latency_ms=900),
       chat.text("Tokyo is 24°C and sunny, Paris 19°C with light rain. 1 USD is 0.92 EUR, and AAPL trades at $213.50.",
                 note="All four results answered across two rounds; finish_reason 'stop'.", latency_ms=700)])

_chat("answer_chat_stocks_hidden",
      "Chat, one round of THREE stock lookups, then the answer (hidden test of one turn's tool messages).",
      "Quote AAPL, MSFT and NVDA for me.", ["get_stock_price"],
      [chat.calls(("get_stock_price", {"ticker": "AAPL"}), ("get_stock_price", {"ticker": "MSFT"}),
                  ("get_stock_price", {"ticker": "NVDA"}), note="THREE tool_calls of the same tool.", latency_ms=700),
       chat.text("AAPL $213.50, MSFT $415.80, NVDA $124.60.", note="All three results sent.", latency_ms=500)])

_chat("answer_chat_three_rounds_hidden",
      "Chat loop, three rounds: ONE call, then TWO calls, then the answer (len(tool_calls) == 1 and > 1).",
      "What's the weather in New York? If it's clear, also compare GBP to USD and EUR to USD.",
      ["get_weather", "get_exchange_rate"],
      [chat.calls(("get_weather", {"city": "New York"}), note="Round 1: a single tool_call.", latency_ms=600),
       chat.calls(("get_exchange_rate", {"from_currency": "GBP", "to_currency": "USD"}),
                  ("get_exchange_rate", {"from_currency": "EUR", "to_currency": "USD"}),
                  note="Round 2: TWO tool_calls.", latency_ms=700),
       chat.text("New York is 18°C and clear. 1 GBP is 1.27 USD and 1 EUR is 1.09 USD.", note="Done.", latency_ms=500)])

_chat("answer_chat_error_hidden",
      "Chat loop where one of two calls fails (unknown city 'Atlantis'); the error result is worded by the learner.",
      "Weather in London and in Atlantis?", ["get_weather"],
      [chat.calls(("get_weather", {"city": "London"}), ("get_weather", {"city": "Atlantis"}),
                  note="TWO tool_calls; get_weather raises ToolError for Atlantis.", latency_ms=700),
       chat.text("London is 15°C and overcast. I couldn't find weather for Atlantis.",
                 note="Both answered (one as an error result, any wording).", latency_ms=500, match=ANY)])

# ----------------------------------------------------------------------------- Responses

_resp("answer_responses_chain",
      "Responses loop chained with previous_response_id: two weather calls, then only their outputs are sent.",
      "Is it warmer in New York or in Sydney right now?", ["get_weather"],
      [responses.calls(("get_weather", {"city": "New York"}), ("get_weather", {"city": "Sydney"}),
                       note="TWO function_call items.", latency_ms=900),
       responses.text("Sydney is warmer: 22°C (windy) against 18°C (clear) in New York.",
                      note="Request 2 sends previous_response_id and ONLY the two function_call_output items.",
                      latency_ms=600)],
      chain="previous_response_id")

_resp("answer_responses_resend",
      "Responses loop with store=False: nothing is kept server-side, so each request resends the whole history "
      "(user message, the function_call items, their outputs).",
      "Is it warmer in New York or in Sydney right now?", ["get_weather"],
      [responses.calls(("get_weather", {"city": "New York"}), ("get_weather", {"city": "Sydney"}),
                       note="TWO function_call items (store=False).", latency_ms=900),
       responses.text("Sydney is warmer: 22°C (windy) against 18°C (clear) in New York.",
                      note="Request 2 resends the user message and both function_call items, then the outputs.",
                      latency_ms=600)],
      chain="resend", store=False)

_resp("answer_responses_stocks_hidden",
      "Responses, previous_response_id: a message item before THREE function_call items (hidden test).",
      "Quote MSFT, GOOGL and NVDA.", ["get_stock_price"],
      [responses.output(responses.message("Fetching three quotes."),
                        responses.call("get_stock_price", {"ticker": "MSFT"}),
                        responses.call("get_stock_price", {"ticker": "GOOGL"}),
                        responses.call("get_stock_price", {"ticker": "NVDA"}),
                        note="output[0] is a message; then THREE function_call items.", latency_ms=900),
       responses.text("MSFT $415.80, GOOGL $175.20, NVDA $124.60.", note="Three outputs sent.", latency_ms=500)],
      chain="previous_response_id")

_resp("answer_responses_resend_hidden",
      "Responses, store=False resend: weather plus an exchange rate (hidden test).",
      "Weather in Paris, and how many JPY per USD?", ["get_weather", "get_exchange_rate"],
      [responses.calls(("get_weather", {"city": "Paris"}),
                       ("get_exchange_rate", {"from_currency": "USD", "to_currency": "JPY"}),
                       note="TWO function_call items (store=False).", latency_ms=800),
       responses.text("Paris is 19°C with light rain; 1 USD is 149.5 JPY.",
                      note="History resent with both outputs.", latency_ms=500)],
      chain="resend", store=False)

# ----------------------------------------------------------------------------- Anthropic

_claude("answer_claude_error",
        "Claude asks for Tokyo and 'Atlantis' weather; the second tool raises, so its tool_result has is_error.",
        "Weather in Tokyo and Atlantis?", ["get_weather"],
        [claude.calls(("get_weather", {"city": "Tokyo"}), ("get_weather", {"city": "Atlantis"}),
                      preamble="I'll look up both.", note="TWO tool_use blocks; Atlantis is unknown.", latency_ms=900),
         claude.reply("Tokyo is 24°C and sunny. I couldn't get weather for Atlantis: it isn't a city I know.",
                      note="One user message: an ok tool_result and an is_error one.", latency_ms=600)],
        match=ANY)

_claude("answer_claude_error_hidden",
        "Claude asks for three tools; the stock lookup for 'ZZZZ' raises (hidden test of error results).",
        "Paris weather, GBP to USD, and the ZZZZ share price?", ["get_weather", "get_exchange_rate", "get_stock_price"],
        [claude.calls(("get_weather", {"city": "Paris"}),
                      ("get_exchange_rate", {"from_currency": "GBP", "to_currency": "USD"}),
                      ("get_stock_price", {"ticker": "ZZZZ"}),
                      note="THREE tool_use blocks, no preamble; ZZZZ is unknown.", latency_ms=900),
         claude.reply("Paris is 19°C with light rain and 1 GBP is 1.27 USD; I found no ticker ZZZZ.",
                      note="Three tool_result blocks in one user message.", latency_ms=600)],
        match=ANY)

_claude("answer_claude_two_rounds",
        "Claude loop, two rounds: two weather calls, then an exchange rate and a stock price.",
        "Weather in Tokyo and Sydney, then USD to JPY and the NVDA price.",
        ["get_weather", "get_exchange_rate", "get_stock_price"],
        [claude.calls(("get_weather", {"city": "Tokyo"}), ("get_weather", {"city": "Sydney"}),
                      preamble="First the weather.", note="Round 1: TWO tool_use blocks.", latency_ms=900),
         claude.calls(("get_exchange_rate", {"from_currency": "USD", "to_currency": "JPY"}),
                      ("get_stock_price", {"ticker": "NVDA"}),
                      preamble="Now the markets.", note="Round 2: TWO tool_use blocks.", latency_ms=900),
         claude.reply("Tokyo 24°C sunny, Sydney 22°C windy.", " 1 USD = 149.5 JPY; NVDA is at $124.60.",
                      note="end_turn after both rounds, the answer in TWO text blocks (content is a list of blocks; "
                           "the split is authored, to test joining every text block).", latency_ms=600)])

_claude("answer_claude_loop_error_hidden",
        "Claude loop, two rounds, the first with a failing call (ticker 'ZZZZ'), the second with one call.",
        "Compare AAPL with ZZZZ, then tell me the weather in San Jose.", ["get_stock_price", "get_weather"],
        [claude.calls(("get_stock_price", {"ticker": "AAPL"}), ("get_stock_price", {"ticker": "ZZZZ"}),
                      preamble="Checking both tickers.", note="Round 1: TWO tool_use blocks; ZZZZ fails.",
                      latency_ms=800),
         claude.calls(("get_weather", {"city": "San Jose"}), note="Round 2: ONE tool_use block.", latency_ms=700),
         claude.reply("AAPL trades at $213.50; ZZZZ isn't a ticker I can find. San Jose is 23°C and sunny.",
                      note="end_turn.", latency_ms=500)],
        match=ANY)

_claude("answer_claude_three_rounds_hidden",
        "Claude loop, three rounds of one, three and zero calls (hidden test).",
        "Weather in London; then quotes for AAPL and MSFT and the EUR to USD rate.",
        ["get_weather", "get_stock_price", "get_exchange_rate"],
        [claude.calls(("get_weather", {"city": "London"}), note="Round 1: ONE tool_use block.", latency_ms=700),
         claude.calls(("get_stock_price", {"ticker": "AAPL"}), ("get_stock_price", {"ticker": "MSFT"}),
                      ("get_exchange_rate", {"from_currency": "EUR", "to_currency": "USD"}),
                      preamble="Now the quotes.", note="Round 2: THREE tool_use blocks.", latency_ms=900),
         claude.reply("London is 15°C and overcast.", " AAPL $213.50, MSFT $415.80; 1 EUR = 1.09 USD.",
                      note="end_turn, the answer in TWO text blocks (authored split, to test joining every text "
                           "block).", latency_ms=500)])
