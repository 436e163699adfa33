"""Lesson 04 scenarios: the doctor-booking flow with and without parallel tool calls.

The CallSphere blog post (``citations.BLOG``) reports the failure: with parallel calls on, the model emits ``get_doctor_calendar`` and
``book_appointment`` in the same turn and passes a ``slot_id`` it guessed from "3pm" instead of waiting for
the calendar.  The ``*_parallel`` scenarios reproduce that shape; the ``*_serial`` ones are the same request
sent with parallelism disabled (``parallel_tool_calls=False`` / ``disable_parallel_tool_use``), where the model
asks for one tool per turn.  The ``*_weather_serial`` and ``claude_booking_any_serial`` scenarios are used only
by the hidden tests (other messages, another ``tool_choice`` type); ``claude_stock_any_serial`` gives Exercise 2's
self-check its own request with ``tool_choice`` type ``any``.
"""

from __future__ import annotations

import json
from typing import Any

from . import Scenario, chat, claude, drivers, register, responses
from .. import policy
from . import citations

BLOG = f"{citations.BLOG} (the booking flow, a slot_id guessed from the user's '3pm')"
TUTORIAL = f"{citations.TUTORIAL} (section 'Disabling parallel calls': parallel_tool_calls=False)"
OPENAI_CHAT = "https://platform.openai.com/docs/api-reference/chat/create#chat-create-parallel_tool_calls"
OPENAI_RESP = "https://platform.openai.com/docs/api-reference/responses/create#responses-create-parallel_tool_calls"
OPENAI_GUIDE = "https://platform.openai.com/docs/guides/function-calling#parallel-function-calling"
CLAUDE_DOC = "https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use#parallel-tool-use"
SDK_OPENAI = "authored with openai 3.54; source: openai/resources/chat/completions/completions.py, responses/responses.py (parallel_tool_calls)"
SDK_ANTHROPIC = "authored with anthropic 2.12; source: anthropic/types/tool_choice_auto_param.py (disable_parallel_tool_use)"

GPT = "gpt-4.1"
CLAUDE = "claude-haiku-4-5-20251001"
BOOKING_TOOLS = ["get_doctor_calendar", "get_user_payment_method", "book_appointment"]
BOOKING_ASK = ("Book a 30-minute slot with Dr Patel (doctor id dr-patel) on Tuesday 2025-06-10 at 3pm and bill "
               "my card on file. My user id is user-42.")
CAL = ("get_doctor_calendar", {"doctor_id": "dr-patel", "date": "2025-06-10"})
PAY = ("get_user_payment_method", {"user_id": "user-42"})
GUESS = ("book_appointment", {"slot_id": "slot-1500-guess", "user_id": "user-42", "payment_method_id": "pm-card-on-file"})
BOOK = ("book_appointment", {"slot_id": "slot-1500", "user_id": "user-42", "payment_method_id": "pm-visa-4242"})
DONE = ("Booked: Dr Patel, Tuesday 2025-06-10 at 15:00 (slot-1500), billed to your Visa ending 4242. "
        "Booking id bk-slot-1500-user-42.")
WEATHER_ASK = "What's the weather in Tokyo and London right now?"
SF_ASK = "Is it warmer in San Francisco or San Jose today?"
SERIAL_TC = {"type": "auto", "disable_parallel_tool_use": True}
LAT = {"calls": 900, "text": 700}


def _chat_msgs(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


# ----------------------------------------------------------------------------------------- the booking flow

register(Scenario(
    name="chat_booking_parallel", provider="openai",
    note=("The blog's booking flow with parallel calls on (the default): turn 1 asks for the calendar, the "
          "payment method AND book_appointment with a slot_id guessed from '3pm' (slot-1500-guess). The booking "
          "fails, the model books the real slot next turn: 3 model calls, 1 wasted tool call."),
    sources=[BLOG, OPENAI_GUIDE, SDK_OPENAI],
    turns=[
        chat.calls(CAL, PAY, GUESS, note="Three calls in one turn; book_appointment guessed its slot_id and "
                                         "payment_method_id instead of waiting for the lookups.",
                   latency_ms=LAT["calls"]),
        chat.calls(BOOK, note="After the error result, the model books the slot the calendar offered.",
                   latency_ms=LAT["calls"]),
        chat.text(DONE, note="Final answer.", latency_ms=LAT["text"]),
    ],
    drive=lambda c: drivers.chat_loop(c, model=GPT, messages=_chat_msgs(BOOKING_ASK), tools=BOOKING_TOOLS),
))

register(Scenario(
    name="chat_booking_serial", provider="openai",
    note=("The same booking request sent with parallel_tool_calls=False: at most one tool call per turn, so the "
          "model sees the calendar before it books. 4 model calls, no wasted tool call."),
    sources=[BLOG, TUTORIAL, OPENAI_CHAT, SDK_OPENAI],
    turns=[
        chat.calls(CAL, note="One call: the calendar.", latency_ms=LAT["calls"]),
        chat.calls(PAY, note="One call: the payment method.", latency_ms=LAT["calls"]),
        chat.calls(BOOK, note="One call: book the slot the calendar returned.", latency_ms=LAT["calls"]),
        chat.text(DONE, note="Final answer.", latency_ms=LAT["text"]),
    ],
    drive=lambda c: drivers.chat_loop(c, model=GPT, messages=_chat_msgs(BOOKING_ASK), tools=BOOKING_TOOLS,
                                      parallel_tool_calls=False),
))

register(Scenario(
    name="responses_booking_serial", provider="openai",
    note="The booking request on the Responses API with parallel_tool_calls=False: one function_call per response.",
    sources=[BLOG, OPENAI_RESP, SDK_OPENAI],
    turns=[
        responses.calls(CAL, note="One function_call: the calendar.", latency_ms=LAT["calls"]),
        responses.calls(PAY, note="One function_call: the payment method.", latency_ms=LAT["calls"]),
        responses.calls(BOOK, note="One function_call: book the offered slot.", latency_ms=LAT["calls"]),
        responses.text(DONE, note="Final answer.", latency_ms=LAT["text"]),
    ],
    drive=lambda c: drivers.responses_loop(c, model=GPT, input=BOOKING_ASK, tools=BOOKING_TOOLS,
                                           parallel_tool_calls=False),
))

register(Scenario(
    name="claude_booking_parallel", provider="anthropic",
    note=("The booking flow on Claude with parallel tool use allowed (the default): three tool_use blocks in one "
          "message, book_appointment with a guessed slot_id; it fails and Claude books the real slot next turn."),
    sources=[BLOG, CLAUDE_DOC],
    turns=[
        claude.calls(CAL, PAY, GUESS, preamble="I'll check the calendar and your card, and book the 3pm slot.",
                     note="Three tool_use blocks; the booking guessed its slot_id.", latency_ms=LAT["calls"]),
        claude.calls(BOOK, preamble="That slot id was wrong; booking the 15:00 slot from the calendar.",
                     note="One tool_use: the real slot.", latency_ms=LAT["calls"]),
        claude.reply(DONE, note="Final answer.", latency_ms=LAT["text"]),
    ],
    drive=lambda c: drivers.claude_loop(c, model=CLAUDE, messages=_chat_msgs(BOOKING_ASK), tools=BOOKING_TOOLS),
))

register(Scenario(
    name="claude_booking_serial", provider="anthropic",
    note=("The booking flow on Claude with tool_choice={'type': 'auto', 'disable_parallel_tool_use': True}: at "
          "most one tool_use block per message."),
    sources=[BLOG, CLAUDE_DOC, SDK_ANTHROPIC],
    turns=[
        claude.calls(CAL, preamble="First, Dr Patel's calendar.", note="One tool_use: the calendar.",
                     latency_ms=LAT["calls"]),
        claude.calls(PAY, note="One tool_use: the payment method.", latency_ms=LAT["calls"]),
        claude.calls(BOOK, note="One tool_use: book the offered 15:00 slot.", latency_ms=LAT["calls"]),
        claude.reply(DONE, note="Final answer.", latency_ms=LAT["text"]),
    ],
    drive=lambda c: drivers.claude_loop(c, model=CLAUDE, messages=_chat_msgs(BOOKING_ASK), tools=BOOKING_TOOLS,
                                        tool_choice=SERIAL_TC),
))


# ----------------------------------------------------------------------------------------- the guard

def _leaves(obj: Any) -> set[Any]:
    if isinstance(obj, dict):
        return set().union(*(_leaves(v) for v in obj.values())) if obj else set()
    if isinstance(obj, list):
        return set().union(*(_leaves(v) for v in obj)) if obj else set()
    return {obj} if isinstance(obj, (str, int, float)) else set()


def guard_message(name: str, guessed: list[str]) -> str:
    """The error result a guarded executor sends instead of running a call with guessed arguments."""
    return json.dumps({"error": f"{name} was not run: {', '.join(guessed)} did not come from an earlier tool result. "
                                "Call the lookup first and use the value it returns."})


def guarded_chat_loop(client: Any, *, model: str, messages: list[Any], tools: list[str]) -> Any:
    """The Chat loop with a guard: a dependent argument no earlier turn's result supplied is refused."""
    messages, specs, seen = list(messages), drivers.tool_specs("chat", tools), set()
    for _ in range(10):
        completion = client.chat.completions.create(model=model, messages=messages, tools=specs)
        msg = completion.choices[0].message
        if not msg.tool_calls:
            return completion
        messages.append(msg.model_dump(exclude_none=True))
        outputs = []
        for tc in msg.tool_calls:
            args = json.loads(tc.function.arguments)
            bad = [a for a in policy.DEPENDENT_ARGUMENTS.get(tc.function.name, ()) if args.get(a) not in seen]
            outputs.append(guard_message(tc.function.name, bad) if bad else drivers.run_tool(tc.function.name, args)[0])
        for out in outputs:
            seen |= _leaves(json.loads(out))
        messages += [{"role": "tool", "tool_call_id": tc.id, "content": out} for tc, out in zip(msg.tool_calls, outputs)]
    raise RuntimeError("the model kept asking for tools")


register(Scenario(
    name="chat_booking_guarded", provider="openai",
    note=("The parallel booking turn answered by a guarded executor: the reads run, the booking with a guessed "
          "slot_id is refused with an error result (it never reaches the booking service), and the model books "
          "the real slot next turn. Tool outputs match loosely (learners word the refusal themselves)."),
    sources=[BLOG, OPENAI_GUIDE],
    turns=[
        chat.calls(CAL, PAY, GUESS, note="Three calls; the booking guessed its slot_id.", latency_ms=LAT["calls"]),
        chat.calls(BOOK, note="After the refusal, the model books the slot the calendar offered.",
                   latency_ms=LAT["calls"]),
        chat.text(DONE, note="Final answer.", latency_ms=LAT["text"]),
    ],
    drive=lambda c: guarded_chat_loop(c, model=GPT, messages=_chat_msgs(BOOKING_ASK), tools=BOOKING_TOOLS),
    match={"tool_output": "any"},
))


# ----------------------------------------------------------------------------------------- visible-check scenarios

SDK_ANTHROPIC_ANY = ("authored with anthropic 2.12; source: anthropic/types/tool_choice_any_param.py "
                     "(type 'any' with disable_parallel_tool_use: exactly one tool use)")
STOCK_ASK = "What is NVDA trading at right now, in euros?"


def _one_stock_any_request(c: Any) -> Any:
    return c.messages.create(model=CLAUDE, max_tokens=1024, messages=_chat_msgs(STOCK_ASK),
                             tools=drivers.tool_specs("anthropic", ["get_stock_price", "get_exchange_rate"]),
                             tool_choice={"type": "any", "disable_parallel_tool_use": True})


register(Scenario(
    name="claude_stock_any_serial", provider="anthropic",
    note=("Exercise 2's self-check: one request whose tool_choice was already {'type': 'any'} (a tool call is "
          "required); disabling parallel use keeps type 'any' and adds disable_parallel_tool_use, so the model "
          "asks for the stock price alone, not the price and the USD->EUR rate together."),
    sources=[CLAUDE_DOC, SDK_ANTHROPIC_ANY],
    turns=[claude.calls(("get_stock_price", {"ticker": "NVDA"}),
                        note="Exactly one tool_use, as tool_choice any + disable_parallel_tool_use asks.",
                        latency_ms=800)],
    drive=_one_stock_any_request,
))


# ----------------------------------------------------------------------------------------- hidden-test scenarios

register(Scenario(
    name="chat_weather_serial", provider="openai",
    note="Hidden tests: weather in Tokyo and London with parallel_tool_calls=False: one get_weather per turn.",
    sources=[TUTORIAL, OPENAI_CHAT],
    turns=[
        chat.calls(("get_weather", {"city": "Tokyo"}), note="One call: Tokyo.", latency_ms=700),
        chat.calls(("get_weather", {"city": "London"}), note="One call: London.", latency_ms=700),
        chat.text("Tokyo is 24°C and sunny; London is 15°C and overcast.", note="Final answer.", latency_ms=600),
    ],
    drive=lambda c: drivers.chat_loop(c, model="gpt-4o-mini", messages=_chat_msgs(WEATHER_ASK),
                                      tools=["get_weather"], parallel_tool_calls=False),
))

register(Scenario(
    name="responses_weather_serial", provider="openai",
    note="Hidden tests: San Francisco vs San Jose on the Responses API with parallel_tool_calls=False.",
    sources=[TUTORIAL, OPENAI_RESP],
    turns=[
        responses.calls(("get_weather", {"city": "San Francisco"}), note="One call: San Francisco.", latency_ms=700),
        responses.calls(("get_weather", {"city": "San Jose"}), note="One call: San Jose.", latency_ms=700),
        responses.text("San Jose is warmer: 23°C and sunny, against 17°C and foggy in San Francisco.",
                       note="Final answer.", latency_ms=600),
    ],
    drive=lambda c: drivers.responses_loop(c, model="gpt-4.1-mini", input=SF_ASK, tools=["get_weather"],
                                           parallel_tool_calls=False),
))

register(Scenario(
    name="claude_weather_serial", provider="anthropic",
    note="Hidden tests: Claude, weather in Tokyo and London with disable_parallel_tool_use: one tool_use per turn.",
    sources=[CLAUDE_DOC, SDK_ANTHROPIC],
    turns=[
        claude.calls(("get_weather", {"city": "Tokyo"}), preamble="Tokyo first.", note="One tool_use: Tokyo.",
                     latency_ms=700),
        claude.calls(("get_weather", {"city": "London"}), note="One tool_use: London.", latency_ms=700),
        claude.reply("Tokyo is 24°C and sunny; London is 15°C and overcast.", note="Final answer.", latency_ms=600),
    ],
    drive=lambda c: drivers.claude_loop(c, model=CLAUDE, messages=_chat_msgs(WEATHER_ASK), tools=["get_weather"],
                                        tool_choice=SERIAL_TC),
))


def _one_any_request(c: Any) -> Any:
    return c.messages.create(model=CLAUDE, max_tokens=1024, messages=_chat_msgs(BOOKING_ASK),
                             tools=drivers.tool_specs("anthropic", BOOKING_TOOLS),
                             tool_choice={"type": "any", "disable_parallel_tool_use": True})


register(Scenario(
    name="claude_booking_any_serial", provider="anthropic",
    note=("Hidden tests: one request whose tool_choice was already {'type': 'any'} (a tool call is required); "
          "disabling parallel use keeps type 'any' and adds disable_parallel_tool_use: exactly one tool_use."),
    sources=[CLAUDE_DOC, SDK_ANTHROPIC],
    turns=[claude.calls(CAL, note="Exactly one tool_use, as tool_choice any + disable_parallel_tool_use asks.",
                        latency_ms=800)],
    drive=_one_any_request,
))


# ----------------------------------------------------------------------------------------- the Agents SDK, run

AGENTS_SDK = ("openai-agents 0.24 (authored with): agents/run_config.py (ToolExecutionConfig."
              "max_function_tool_concurrency), agents/run_internal/tool_execution.py, agents/models/openai_responses.py; "
              "https://github.com/openai/openai-agents-python")


async def _agents_booking(client: Any) -> Any:
    """The lesson's booking agent run by the real ``agents.Runner`` (default RunConfig) on ``client``."""
    import agents

    from .. import agents_offline as offline
    offline.offline(client)
    # The SDK sends a prompt_cache_key on every request: from a fresh uuid4 per run, unless the run has a
    # group_id (agents/run_internal/prompt_cache_key.py). A fixed group_id keeps this file reproducible; the
    # replay ignores the key (course.recording.DEFAULT_IGNORE), so the lesson's runs (no group_id) match.
    return await agents.Runner.run(offline.booking_agent(client), BOOKING_ASK, context=offline.run_clock(client),
                                   hooks=offline.ModelCallsOnClock(),
                                   run_config=agents.RunConfig(group_id="course-authoring-agents_booking"))


register(Scenario(
    name="agents_booking", provider="openai",
    note=("The booking flow run by the OpenAI Agents SDK's Runner (its default model class, OpenAIResponsesModel, "
          "on the Responses API): turn 1 holds three function_call items, the booking with a guessed slot_id; the "
          "SDK runs them locally, the booking fails, the model books the real slot next turn. The requests are "
          "the SDK's own; max_function_tool_concurrency changes only local execution, so the same recording "
          "replays both runs."),
    sources=[BLOG, OPENAI_RESP, AGENTS_SDK],
    turns=[
        responses.calls(CAL, PAY, GUESS, note="Three function_call items in one response; the booking guessed its "
                                              "slot_id and payment_method_id.", latency_ms=LAT["calls"]),
        responses.calls(BOOK, note="After the error result, the model books the slot the calendar offered.",
                        latency_ms=LAT["calls"]),
        responses.text(DONE, note="Final answer.", latency_ms=LAT["text"]),
    ],
    drive=_agents_booking, async_=True,
))
