"""Lesson 3 (fan-out with asyncio): the tutorial's weather + AAPL example and a five-call fan-out,
authored with the async reference loops (AsyncOpenAI / AsyncAnthropic, one turn's tools run concurrently)."""

from __future__ import annotations

from . import chat, claude, drivers
from .build import Scenario, register
from .citations import TUTORIAL as _TUTORIAL

TUTORIAL = f"{_TUTORIAL} (section 'Real parallelism with asyncio')"
OPENAI_DOCS = "https://platform.openai.com/docs/guides/function-calling"
ANTHROPIC_DOCS = "https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use"
OPENAI_SDK = "authored with openai 3.54: openai/_client.py (AsyncOpenAI), openai/types/chat/chat_completion_message_tool_call.py"
ANTHROPIC_SDK = "authored with anthropic 2.12: anthropic/_client.py (AsyncAnthropic), anthropic/types/tool_use_block.py"

STOCK_Q = "What's the weather in Tokyo and what's the AAPL stock price?"
STOCK_ANSWER = "Tokyo is 24°C and sunny, and Apple (AAPL) trades at $213.50."
FIVE = ["Tokyo", "London", "Paris", "New York", "Sydney"]
FIVE_Q = "Compare the weather right now in Tokyo, London, Paris, New York and Sydney."
FIVE_ANSWER = ("Warmest is Tokyo at 24°C (sunny), then Sydney 22°C (windy), Paris 19°C (light rain), "
               "New York 18°C (clear) and London 15°C (overcast).")


def _stock() -> Scenario:
    return Scenario(
        name="fanout_weather_stock", provider="openai",
        note="Tutorial example (asyncio section): weather in Tokyo + AAPL stock price, two parallel tool_calls "
             "answered by an AsyncOpenAI loop that runs both tools concurrently.",
        sources=[TUTORIAL, OPENAI_DOCS, OPENAI_SDK],
        turns=[
            chat.calls(("get_weather", {"city": "Tokyo"}), ("get_stock_price", {"ticker": "AAPL"}),
                       note="One assistant message with TWO tool_calls: weather (Tokyo) and stock price (AAPL).",
                       latency_ms=700),
            chat.text(STOCK_ANSWER, note="Both tool results were sent (any order); the model answers.", latency_ms=600),
        ],
        drive=lambda c: drivers.achat_loop(c, model="gpt-4o-mini", messages=[{"role": "user", "content": STOCK_Q}],
                                           tools=["get_weather", "get_stock_price"]),
        async_=True)


def _five() -> Scenario:
    return Scenario(
        name="fanout_five_cities", provider="openai",
        note="A five-call fan-out: one assistant message asks for the weather in five cities at once; "
             "an AsyncOpenAI loop runs the five lookups concurrently.",
        sources=[TUTORIAL, OPENAI_DOCS, OPENAI_SDK],
        turns=[
            chat.calls(*(("get_weather", {"city": c}) for c in FIVE),
                       note="One assistant message with FIVE get_weather tool_calls.", latency_ms=900),
            chat.text(FIVE_ANSWER, note="All five tool results were sent (any order); the model answers.",
                      latency_ms=800),
        ],
        drive=lambda c: drivers.achat_loop(c, model="gpt-4o-mini", messages=[{"role": "user", "content": FIVE_Q}],
                                           tools=["get_weather"]),
        async_=True)


def _claude_stock() -> Scenario:
    return Scenario(
        name="claude_fanout_weather_stock", provider="anthropic",
        note="The tutorial's weather + AAPL question asked of Claude: two tool_use blocks answered by an "
             "AsyncAnthropic loop that runs both tools concurrently and returns both tool_result blocks in one message.",
        sources=[TUTORIAL, ANTHROPIC_DOCS, ANTHROPIC_SDK],
        turns=[
            claude.calls(("get_weather", {"city": "Tokyo"}), ("get_stock_price", {"ticker": "AAPL"}),
                         preamble="I'll look up both at once.",
                         note="A text block, then TWO tool_use blocks (stop_reason 'tool_use').", latency_ms=900),
            claude.reply(STOCK_ANSWER, note="Both tool_result blocks came back in one user message.", latency_ms=700),
        ],
        drive=lambda c: drivers.aclaude_loop(c, model="claude-haiku-4-5-20251001",
                                             messages=[{"role": "user", "content": STOCK_Q}],
                                             tools=["get_weather", "get_stock_price"]),
        async_=True)


ROUNDS_Q = "Weather in Paris and London? Then the EUR to USD rate and the AAPL price."
ROUNDS_ANSWER = "Paris is 19°C with light rain, London 15°C and overcast; 1 EUR buys $1.09 and AAPL trades at $213.50."
THREE_Q = "Weather in Sydney; then MSFT and NVDA prices; then the USD to JPY rate."
THREE_ANSWER = "Sydney is 22°C and windy. MSFT trades at $415.80, NVDA at $124.60, and 1 USD buys 149.5 JPY."


def _rounds(name: str, question: str, rounds: list[list[tuple[str, dict]]], answer: str, note: str) -> Scenario:
    tools = sorted({n for r in rounds for n, _ in r})
    return Scenario(
        name=name, provider="openai", note=note, sources=[TUTORIAL, OPENAI_DOCS, OPENAI_SDK],
        turns=[*(chat.calls(*r, note=f"Round {i}: {len(r)} tool_call(s), run concurrently by the loop.", latency_ms=700)
                 for i, r in enumerate(rounds, 1)),
               chat.text(answer, note="Every round answered; the model answers in text.", latency_ms=600)],
        drive=lambda c: drivers.achat_loop(c, model="gpt-4o-mini", messages=[{"role": "user", "content": question}],
                                           tools=tools),
        async_=True)


_TWO = _rounds("fanout_two_rounds", ROUNDS_Q,
               [[("get_weather", {"city": "Paris"}), ("get_weather", {"city": "London"})],
                [("get_exchange_rate", {"from_currency": "EUR", "to_currency": "USD"}),
                 ("get_stock_price", {"ticker": "AAPL"})]], ROUNDS_ANSWER,
               "Two rounds of two tool_calls, then text: an async loop must go round again after the first round "
               "(authored; the self-check of Exercise 5).")
_THREE = _rounds("fanout_three_rounds_hidden", THREE_Q,
                 [[("get_weather", {"city": "Sydney"})],
                  [("get_stock_price", {"ticker": "MSFT"}), ("get_stock_price", {"ticker": "NVDA"})],
                  [("get_exchange_rate", {"from_currency": "USD", "to_currency": "JPY"})]], THREE_ANSWER,
                 "Three rounds of one, two and one tool_calls, then text (authored; the hidden test of Exercise 5).")

for _sc in (_stock(), _five(), _claude_stock(), _TWO, _THREE):
    register(_sc)
