"""The real OpenAI Agents SDK (``openai-agents``, imported as ``agents``) run offline, on the replay.

Lesson 4 reads the SDK's signatures; this module lets it *run* the SDK's ``Runner`` with no key and no
network, so the learner sees the framework's own concurrency and its one local knob:

    from agents import Agent, OpenAIResponsesModel, RunConfig, Runner, ToolExecutionConfig
    from course import agents_offline as offline

    client = offline.offline(openai_client("agents_booking", async_=True))   # see below
    clock = offline.run_clock(client)          # SimClock: tool latencies + the recorded model latencies
    agent = Agent(name="booking_agent", instructions=offline.INSTRUCTIONS,
                  model=OpenAIResponsesModel(model="gpt-4.1", openai_client=client), tools=offline.BOOKING_TOOLS)
    await Runner.run(agent, ASK, context=clock, hooks=offline.ModelCallsOnClock(),
                     run_config=RunConfig(tool_execution=ToolExecutionConfig(max_function_tool_concurrency=1)))
    compare(offline.bars(clock_a), offline.bars(clock_b))        # course.timeline; then offline.legend(fig)

How it stays offline:

* :func:`offline` calls ``agents.set_default_openai_client(client, use_for_tracing=False)``, so the course's
  replay client is the one the SDK's default provider uses for model calls (and its placeholder key is not
  used to upload traces), and ``agents.set_tracing_disabled(True)``, so no trace is recorded or exported
  (the exporter would POST to ``api.openai.com/v1/traces/ingest``).
* The model is :class:`agents.OpenAIResponsesModel` on that client: the class the SDK's default provider
  resolves a bare model name such as ``"gpt-4.1"`` to (the Responses API; ``agents.models._openai_shared``:
  ``_use_responses_by_default = True``; ``set_default_openai_api("chat_completions")`` would switch it).
  Built explicitly, it keeps its client however the ``RunConfig`` is reused (a ``RunConfig``'s default
  provider resolves the default client once, at its first model call, and keeps it).
* The replay answers only the recorded requests: any other request the SDK makes raises
  :class:`course.errors.ReplayMismatch` (or "exhausted"), out of ``Runner.run``, so a new SDK version that
  changes its requests fails loudly instead of reaching the network.
* With an official OpenAI client (the replay's base URL is OpenAI's), the SDK adds a ``prompt_cache_key`` to each
  request unless ``ModelSettings.extra_args``/``extra_body`` already carries one: per run
  (``agents-sdk:run:<uuid4>``) when there is no conversation id, session or ``group_id``, else a hash of that id
  (``agents/run_internal/prompt_cache_key.py``, ``run_grouping.py``).  The replay ignores that field when
  matching (``course.recording.DEFAULT_IGNORE``), so no normaliser change was needed.

The tools are ``@function_tool`` functions that take the run context (``RunContextWrapper[SimClock]``): they
run ``course.tools`` on the simulated clock (``await clock.acall(...)``, as in lesson 3), so the timelines are
virtual and deterministic.  A tool failure becomes an error result (``{"error": ...}``, lesson 2), so the SDK
never logs a traceback.  :class:`ModelCallsOnClock` (an ``agents.RunHooks``) puts each model call on the same
clock, with the latency the recording kept, just before the SDK sends it.
"""

from __future__ import annotations

import json
from typing import Any

import agents
from agents import RunContextWrapper, RunHooks, function_tool
from matplotlib.patches import Patch

from . import tools as toolbox
from .clients import openai_client
from .clock import SimClock
from .normalise import normalise
from .recording import DEFAULT_IGNORE
from .replay import session_of
from .timeline import COLOURS

__all__ = ["BOOKING_TOOLS", "INSTRUCTIONS", "MODEL", "MODEL_CALL", "ModelCallsOnClock", "TOOL_LATENCIES",
           "bars", "booking_agent", "legend", "offline", "replay_client", "responses_model", "run_clock",
           "same_requests", "tool_starts"]

MODEL = "gpt-4.1"
INSTRUCTIONS = "You book doctor appointments. Use the tools; never invent ids."
MODEL_CALL = "model call"
# The same latencies as the lesson's policy executor (course.grading.disabling.POLICY_LATENCIES), in ms.
TOOL_LATENCIES: dict[str, Any] = {"get_doctor_calendar": 700, "get_user_payment_method": 400, "book_appointment": 500}


def offline(client: Any) -> Any:
    """Make ``client`` the Agents SDK's default OpenAI client and turn tracing off; returns ``client``."""
    agents.set_default_openai_client(client, use_for_tracing=False)
    agents.set_tracing_disabled(True)
    return client


def replay_client(scenario: str) -> Any:
    """An ``AsyncOpenAI`` client on a scenario's replay, set up with :func:`offline`."""
    return offline(openai_client(scenario, async_=True))


async def _run(ctx: RunContextWrapper[SimClock], name: str, **arguments: Any) -> str:
    try:
        return json.dumps(await ctx.context.acall(name, arguments))
    except toolbox.ToolError as exc:   # an error result the model can read (lesson 2)
        return json.dumps({"error": str(exc)})


@function_tool
async def get_doctor_calendar(ctx: RunContextWrapper[SimClock], doctor_id: str, date: str) -> str:
    """Free slots for a doctor on a date."""
    return await _run(ctx, "get_doctor_calendar", doctor_id=doctor_id, date=date)


@function_tool
async def get_user_payment_method(ctx: RunContextWrapper[SimClock], user_id: str) -> str:
    """The user's default payment method."""
    return await _run(ctx, "get_user_payment_method", user_id=user_id)


@function_tool
async def book_appointment(ctx: RunContextWrapper[SimClock], slot_id: str, user_id: str, payment_method_id: str) -> str:
    """Book a slot (mutating). Fails for a slot the calendar never offered."""
    return await _run(ctx, "book_appointment", slot_id=slot_id, user_id=user_id, payment_method_id=payment_method_id)


BOOKING_TOOLS = [get_doctor_calendar, get_user_payment_method, book_appointment]


def responses_model(client: Any, model: str = MODEL) -> agents.OpenAIResponsesModel:
    """The SDK's default model class (the Responses API) on ``client``: what a bare model name resolves to."""
    return agents.OpenAIResponsesModel(model=model, openai_client=client)


def booking_agent(client: Any) -> agents.Agent[SimClock]:
    """The lesson's booking agent on ``client`` (what the recording was authored with)."""
    return agents.Agent(name="booking_agent", instructions=INSTRUCTIONS, model=responses_model(client),
                        tools=BOOKING_TOOLS)


class ModelCallsOnClock(RunHooks[SimClock]):
    """Run hooks that put every model call on the run's clock (``context``), before the SDK sends it."""

    def __init__(self) -> None:
        self.calls = 0

    async def on_llm_start(self, context: RunContextWrapper[SimClock], agent: Any, system_prompt: str | None,
                           input_items: list[Any]) -> None:
        self.calls += 1
        await context.context.acall(MODEL_CALL, {"call": self.calls})


def run_clock(client: Any, tool_latencies: dict[str, Any] | None = None, **clock_options: Any) -> SimClock:
    """A clock for one run: the tools' latencies, and each model call's latency from the client's recording
    (``clock_options`` go to :class:`SimClock`, e.g. a longer ``quiet_s`` on a loaded machine)."""
    try:
        recorded = [it.latency_ms for it in session_of(client).recording.interactions]
    except TypeError:  # not a replay client (authoring): model calls take no virtual time
        recorded = [0.0]
    clock = SimClock({**(tool_latencies or TOOL_LATENCIES),
                      MODEL_CALL: lambda args: recorded[min(args["call"], len(recorded)) - 1]}, **clock_options)
    clock.register(MODEL_CALL, lambda call: {"model_call": call})
    return clock


def bars(clock: SimClock) -> list[dict[str, Any]]:
    """The run's bars for :mod:`course.timeline`: model calls orange, tool calls blue, failed ones red."""
    out = []
    for c in clock.calls:
        if c.name == MODEL_CALL:
            out.append({"label": f"model call {c.args['call']}", "start": c.start, "finish": c.finish,
                        "outcome": "running"})
        else:
            first = next(iter(c.args.values()), "")
            out.append({"label": f"{c.name}({first})", "start": c.start, "finish": c.finish,
                        "outcome": "error" if c.outcome == "error" else "ok"})
    return out


def tool_starts(clock: SimClock) -> list[tuple[str, float, float]]:
    """``(tool, start, finish)`` in virtual ms for every tool call (model calls left out)."""
    return [(c.name, c.start, c.finish) for c in clock.calls if c.name != MODEL_CALL]


def same_requests(a: Any, b: Any) -> bool:
    """Did two replay sessions send the same requests (compared as the replay compares them, so the SDK's
    per-run ``prompt_cache_key`` aside)?"""
    ignore = DEFAULT_IGNORE
    sent = [[normalise(e.path, e.body, ignore=ignore) for e in session_of(s).log] for s in (a, b)]
    return sent[0] == sent[1]


def legend(fig: Any) -> Any:
    """Add the colour legend (model call, tool call, failed tool call) under a timeline figure; every bar
    gets the same thin edge (here no single call is "the slowest" that matters)."""
    handles = [Patch(color=COLOURS["running"], label="model call (recorded latency)"),
               Patch(color=COLOURS["ok"], label="tool call"),
               Patch(color=COLOURS["error"], label="tool call that failed")]
    for ax in fig.axes:
        for bar in ax.patches:
            bar.set_linewidth(0.5)
        if ax.get_legend() is not None:  # compare()'s generic legend: this one names the colours of this figure
            ax.get_legend().remove()
    for old in list(fig.legends):
        old.remove()
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=9, frameon=False)
    return fig
