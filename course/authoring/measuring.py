"""Lesson 6 ("Measuring the win"): small conversations of three agents, each recorded twice.

Every conversation exists in two modes, named ``measure_<agent>_<conversation>_<mode>``:

* ``on``:  parallelism allowed (``parallel_tool_calls=True`` / Anthropic's default ``tool_choice``);
  the model asks for independent calls together, and sometimes (the blog's failure) for a dependent
  call it should have waited for, or for a speculative lookup it never uses.
* ``off``: parallelism disabled (``parallel_tool_calls=False`` /
  ``tool_choice={"type": "auto", "disable_parallel_tool_use": True}``): one call per model turn, so
  more model turns.

Agents (one API each, so every ``usage`` shape appears):

* ``lookup``    - Chat Completions, weather / exchange rate / stock lookups (all independent);
* ``portfolio`` - Responses API (history resent with ``store=False``), stocks and exchange rates;
* ``booking``   - Anthropic Messages, the blog's doctor-booking flow (calendar, payment, then book).

Model latencies (``latency_ms``) are authored: tool-call turns take longer when they emit more calls,
final answers ~1 s.  Token counts are the authoring DSL's deterministic estimate (4 characters a
token over the request actually sent), so a turn that resends a longer history costs more input
tokens, as it does on the real APIs.  Tool latencies are NOT in the recordings: lesson 6 lays the
calls on :class:`course.clock.SimClock` with ``course.grading.measuring.TOOL_LATENCIES``.

Turn texts are written so a result the model relies on is quoted (in its text or the next call's
arguments) in the very next turn, which is what the lesson's wasted-call definition looks for.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from . import chat, claude, drivers, responses
from .build import Scenario, register
from .citations import BLOG as _BLOG

BLOG = f"{_BLOG} (latency table, four-metric eval, wasted parallel calls)"
OPENAI_DOCS = "https://platform.openai.com/docs/guides/function-calling#parallel-function-calling"
ANTHROPIC_DOCS = "https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use#parallel-tool-use"
SOURCES = [BLOG, OPENAI_DOCS, ANTHROPIC_DOCS]

TOKYO = ("get_weather", {"city": "Tokyo"})
LONDON = ("get_weather", {"city": "London"})
PARIS = ("get_weather", {"city": "Paris"})
SYDNEY = ("get_weather", {"city": "Sydney"})
NEW_YORK = ("get_weather", {"city": "New York"})
USD_JPY = ("get_exchange_rate", {"from_currency": "USD", "to_currency": "JPY"})
USD_EUR = ("get_exchange_rate", {"from_currency": "USD", "to_currency": "EUR"})
AAPL = ("get_stock_price", {"ticker": "AAPL"})
MSFT = ("get_stock_price", {"ticker": "MSFT"})
GOOGL = ("get_stock_price", {"ticker": "GOOGL"})
NVDA = ("get_stock_price", {"ticker": "NVDA"})

CAL = ("get_doctor_calendar", {"doctor_id": "dr-patel", "date": "2025-06-10"})
CAL_NEXT_DAY = ("get_doctor_calendar", {"doctor_id": "dr-patel", "date": "2025-06-11"})
PAY = ("get_user_payment_method", {"user_id": "user-42"})
BOOK = ("book_appointment", {"slot_id": "slot-1500", "user_id": "user-42", "payment_method_id": "pm-visa-4242"})
BOOK_GUESSED = ("book_appointment", {"slot_id": "slot-tue-1500", "user_id": "user-42",
                                     "payment_method_id": "pm-visa-4242"})


# ------------------------------------------------------------------------------------------ notes on every turn
def _label(calls: tuple[tuple[str, dict[str, Any]], ...]) -> str:
    return ", ".join(f"{n}({', '.join(str(v) for v in a.values())})" for n, a in calls)


def _asks(build: Any, *calls: tuple[str, dict[str, Any]], **kw: Any) -> Any:
    """A tool-call turn with a default note naming its calls (mismatch messages quote it)."""
    kind = "one call" if len(calls) == 1 else f"{len(calls)} calls in one turn"
    kw.setdefault("note", f"The model asks for {kind}: {_label(calls)}.")
    return build(*calls, **kw)


def _answers(build: Any, text: str, **kw: Any) -> Any:
    kw.setdefault("note", "All results are in: the final answer (the loop stops here).")
    return build(text, **kw)


def c_calls(*calls: tuple[str, dict[str, Any]], **kw: Any) -> Any:
    return _asks(chat.calls, *calls, **kw)


def c_text(text: str, **kw: Any) -> Any:
    return _answers(chat.text, text, **kw)


def r_calls(*calls: tuple[str, dict[str, Any]], **kw: Any) -> Any:
    return _asks(responses.calls, *calls, **kw)


def r_text(text: str, **kw: Any) -> Any:
    return _answers(responses.text, text, **kw)


def a_calls(*calls: tuple[str, dict[str, Any]], **kw: Any) -> Any:
    return _asks(claude.calls, *calls, **kw)


def a_reply(text: str, **kw: Any) -> Any:
    return _answers(claude.reply, text, **kw)


# ----------------------------------------------------------------------------------------------- lookup (Chat)
def _pair(agent: str, api: str, provider: str, driver: Callable[[str, bool], Any],
          conv: str, question: str, on: list[Any], off: list[Any], note: str) -> None:
    """Register one conversation both ways: ``measure_<agent>_<conv>_on`` and ``..._off``."""
    for mode, turns in (("on", on), ("off", off)):
        register(Scenario(
            name=f"measure_{agent}_{conv}_{mode}", provider=provider,
            note=f"Lesson 6, {agent} agent ({api}), parallel {mode}: {note}",
            sources=SOURCES, turns=turns,
            drive=driver(question, mode == "on")))


def _chat_driver(question: str, parallel: bool) -> Any:
    return lambda c: drivers.chat_loop(
        c, model="gpt-4o-mini", messages=[{"role": "user", "content": question}],
        tools=["get_weather", "get_exchange_rate", "get_stock_price"], parallel_tool_calls=parallel)


_lookup = functools.partial(_pair, "lookup", "Chat Completions", "openai", _chat_driver)


_lookup(
    "tokyo_london_fx", "What's the weather in Tokyo and London, and the USD to JPY rate?",
    on=[c_calls(TOKYO, LONDON, USD_JPY, latency_ms=950, note="Three independent calls in one message."),
        c_text("Tokyo is 24°C and sunny, London 15°C and overcast, and 1 USD buys 149.5 JPY.", latency_ms=1100)],
    off=[c_calls(TOKYO, latency_ms=700, note="parallel_tool_calls=false: one call per turn."),
         c_calls(LONDON, content="Tokyo: 24°C, sunny.", latency_ms=750),
         c_calls(USD_JPY, content="London: 15°C, overcast.", latency_ms=750),
         c_text("Tokyo is 24°C and sunny, London 15°C and overcast, and 1 USD buys 149.5 JPY.", latency_ms=1100)],
    note="weather in Tokyo and London plus USD->JPY (the tutorial's question).")

_lookup(
    "aapl_msft", "Compare the AAPL and MSFT share prices.",
    on=[c_calls(AAPL, MSFT, latency_ms=800, note="Two independent price lookups."),
        c_text("AAPL trades at 213.5 USD and MSFT at 415.8 USD, so MSFT is about 1.95x AAPL.", latency_ms=900)],
    off=[c_calls(AAPL, latency_ms=650),
         c_calls(MSFT, content="AAPL: 213.5 USD.", latency_ms=700),
         c_text("AAPL trades at 213.5 USD and MSFT at 415.8 USD, so MSFT is about 1.95x AAPL.", latency_ms=900)],
    note="two stock prices.")

_lookup(
    "rate_limited", "Prices of AAPL and NVDA, and the weather in Sydney?",
    on=[c_calls(AAPL, NVDA, SYDNEY, latency_ms=900, note="Three calls; the NVDA quote service is rate-limited "
                   "(3000 ms on the lesson's clock), so it sets the floor."),
        c_text("AAPL is 213.5 USD, NVDA 124.6 USD, and Sydney is 22°C and windy.", latency_ms=1000)],
    off=[c_calls(AAPL, latency_ms=700),
         c_calls(NVDA, content="AAPL: 213.5 USD.", latency_ms=700),
         c_calls(SYDNEY, content="NVDA: 124.6 USD.", latency_ms=700),
         c_text("AAPL is 213.5 USD, NVDA 124.6 USD, and Sydney is 22°C and windy.", latency_ms=1000)],
    note="two prices and a city, one call rate-limited (the blog's fourth row).")

_lookup(
    "paris_eur", "I'm going to Paris: what's the weather there, and how many euros is a dollar?",
    on=[c_calls(PARIS, USD_EUR, latency_ms=850),
        c_text("Paris is 19°C with light rain; 1 USD is 0.92 EUR.", latency_ms=950)],
    off=[c_calls(PARIS, latency_ms=650),
         c_calls(USD_EUR, content="Paris: 19°C, light rain.", latency_ms=700),
         c_text("Paris is 19°C with light rain; 1 USD is 0.92 EUR.", latency_ms=950)],
    note="weather plus an exchange rate.")

_lookup(
    "new_york", "What's the weather in New York?",
    on=[c_calls(NEW_YORK, latency_ms=700, note="A single call: parallelism changes nothing here."),
        c_text("New York is 18°C and clear.", latency_ms=800)],
    off=[c_calls(NEW_YORK, latency_ms=700, note="A single call: parallelism changes nothing here."),
         c_text("New York is 18°C and clear.", latency_ms=800)],
    note="one city, one call (same in both modes).")


# ----------------------------------------------------------------------------------------- portfolio (Responses)
def _responses_driver(question: str, parallel: bool) -> Any:
    return lambda c: drivers.responses_loop(
        c, model="gpt-4.1", input=question, tools=["get_stock_price", "get_exchange_rate"], chain="resend",
        store=False, parallel_tool_calls=parallel)


_portfolio = functools.partial(_pair, "portfolio", "Responses API, history resent with store=false", "openai",
                               _responses_driver)


def _say_then_call(text: str, call: tuple[str, dict[str, Any]], **kw: Any) -> Any:
    kw.setdefault("note", f"A message item, then one function_call: {_label((call,))}.")
    return responses.output(responses.message(text), responses.call(*call), **kw)


_portfolio(
    "aapl_eur", "What is one AAPL share worth in euros?",
    on=[r_calls(AAPL, USD_EUR, latency_ms=850),
        r_text("One AAPL share is 213.5 USD; at 0.92 EUR per USD that is about 196.42 EUR.", latency_ms=900)],
    off=[r_calls(AAPL, latency_ms=650),
         _say_then_call("AAPL is at 213.5 USD.", USD_EUR, latency_ms=700),
         r_text("One AAPL share is 213.5 USD; at 0.92 EUR per USD that is about 196.42 EUR.", latency_ms=900)],
    note="a price and a rate, combined by the model.")

_portfolio(
    "three_stocks", "Quote AAPL, MSFT and GOOGL for me.",
    on=[r_calls(AAPL, MSFT, GOOGL, latency_ms=950),
        r_text("AAPL 213.5 USD, MSFT 415.8 USD, GOOGL 175.2 USD.", latency_ms=1000)],
    off=[r_calls(AAPL, latency_ms=650),
         _say_then_call("AAPL: 213.5 USD.", MSFT, latency_ms=700),
         _say_then_call("MSFT: 415.8 USD.", GOOGL, latency_ms=700),
         r_text("AAPL 213.5 USD, MSFT 415.8 USD, GOOGL 175.2 USD.", latency_ms=1000)],
    note="three quotes.")

_portfolio(
    "nvda_jpy", "How much is one NVDA share in yen?",
    on=[r_calls(NVDA, USD_JPY, latency_ms=850, note="NVDA quotes are rate-limited on the lesson's clock."),
        r_text("NVDA is 124.6 USD; at 149.5 JPY per USD that is about 18,628 JPY.", latency_ms=900)],
    off=[r_calls(NVDA, latency_ms=650),
         _say_then_call("NVDA is at 124.6 USD.", USD_JPY, latency_ms=700),
         r_text("NVDA is 124.6 USD; at 149.5 JPY per USD that is about 18,628 JPY.", latency_ms=900)],
    note="a rate-limited quote and a rate.")


# -------------------------------------------------------------------------------------------- booking (Anthropic)
BOOK_Q = ("I'm user-42. Book me a 30-minute slot with Dr Patel (dr-patel) on 2025-06-10 at 3pm and bill my card "
          "on file.")
BOOKED = ("Done: you're booked with Dr Patel on 2025-06-10 at 15:00 (booking bk-slot-1500-user-42, confirmed), "
          "billed to your visa ending 4242.")


def _claude_driver(question: str, parallel: bool) -> Any:
    kw: dict[str, Any] = {} if parallel else {"tool_choice": {"type": "auto", "disable_parallel_tool_use": True}}
    return lambda c: drivers.claude_loop(
        c, model="claude-sonnet-4-6", messages=[{"role": "user", "content": question}],
        tools=["get_doctor_calendar", "get_user_payment_method", "book_appointment"], **kw)


_booking = functools.partial(_pair, "booking", "Anthropic Messages", "anthropic", _claude_driver)


def _booking_off(first: str, reply: str) -> list[Any]:
    """The serial booking flow: calendar, payment, book, answer (one tool_use per message)."""
    return [a_calls(CAL, preamble=first, latency_ms=700),
            a_calls(PAY, preamble="Dr Patel is free at 15:00 (slot-1500).", latency_ms=750),
            a_calls(BOOK, preamble="Your card on file is the visa ending 4242 (pm-visa-4242).", latency_ms=800),
            a_reply(reply, latency_ms=1000)]


_booking(
    "clean", BOOK_Q,
    on=[a_calls(CAL, PAY, preamble="I'll check Dr Patel's calendar and your payment method.", latency_ms=900,
                     note="Two independent lookups together: the safe parallel batch of the blog's Figure 1."),
        a_calls(BOOK, preamble="The 15:00 slot is free; booking it now.", latency_ms=800,
                     note="The booking waits for the calendar's slot_id: a second turn."),
        a_reply(BOOKED, latency_ms=1000)],
    off=_booking_off("I'll check Dr Patel's calendar first.", BOOKED),
    note="calendar and payment together, then the booking (the blog's 'mixed' row).")

_booking(
    "guessed_slot", BOOK_Q,
    on=[a_calls(CAL, PAY, BOOK_GUESSED, preamble="I'll check the calendar and your card, and book the slot.",
                     latency_ms=1000,
                     note="The blog's failure: book_appointment issued in the same turn as the calendar lookup, with "
                          "a slot_id guessed from '3pm' (slot-tue-1500). It fails and its result is thrown away."),
        a_calls(BOOK, preamble="The calendar lists the 15:00 slot as slot-1500; booking that one.", latency_ms=850,
                     note="Re-issued serially with the slot_id the calendar returned."),
        a_reply(BOOKED, latency_ms=1000)],
    off=_booking_off("Let me look at Dr Patel's calendar.", BOOKED),
    note="the model guesses slot_id and books in parallel with the calendar lookup (a wasted call).")

_booking(
    "slots_and_card", "I'm user-42. Which slots does Dr Patel (dr-patel) have on 2025-06-10, and which card do you "
                      "have on file for me?",
    on=[a_calls(CAL, PAY, preamble="Checking both.", latency_ms=850),
        a_reply("Dr Patel has 09:30 (slot-0930) and 15:00 (slot-1500) free; your card on file is the visa "
                     "ending 4242.", latency_ms=1000)],
    off=[a_calls(CAL, preamble="Checking the calendar first.", latency_ms=700),
         a_calls(PAY, preamble="Dr Patel has 09:30 and 15:00 free.", latency_ms=750),
         a_reply("Dr Patel has 09:30 (slot-0930) and 15:00 (slot-1500) free; your card on file is the visa "
                      "ending 4242.", latency_ms=1000)],
    note="two read-only lookups, no booking.")

_booking(
    "speculative_dates", "I'm user-42. Book Dr Patel (dr-patel) next Tuesday at 3pm, it's 2025-06-10 I think, and "
                         "use my card on file.",
    on=[a_calls(CAL, CAL_NEXT_DAY, PAY, preamble="I'll check both possible dates and your card.",
                     latency_ms=1000,
                     note="A speculative lookup of 2025-06-11 beside the real one: its (empty) result is never used."),
        a_calls(BOOK, preamble="2025-06-10 has the 15:00 slot (slot-1500); booking it.", latency_ms=800),
        a_reply(BOOKED, latency_ms=1000)],
    off=_booking_off("I'll check Dr Patel's calendar for 2025-06-10.", BOOKED),
    note="a speculative second calendar lookup that nothing uses (a wasted call).")
