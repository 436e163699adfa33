"""The real OpenAI Agents SDK Runner, offline on the replay (course/agents_offline.py, lesson 4).

Proves what lesson 4 shows: by default the Runner starts a turn's three function calls together; with
``ToolExecutionConfig(max_function_tool_concurrency=1)`` it runs them one at a time in the model's order; both
runs send the same requests (the knob is local); a request off the recording stops the run; and nothing,
tracing export included, tries the network.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

agents = pytest.importorskip("agents")

from course import agents_offline as offline  # noqa: E402
from course.errors import ReplayMismatch  # noqa: E402
from course.replay import session_of  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ASK = ("Book a 30-minute slot with Dr Patel (doctor id dr-patel) on Tuesday 2025-06-10 at 3pm and bill "
       "my card on file. My user id is user-42.")


def capped_config() -> agents.RunConfig:
    return agents.RunConfig(tool_execution=agents.ToolExecutionConfig(max_function_tool_concurrency=1))


def _run(run_config: agents.RunConfig, instructions: str = offline.INSTRUCTIONS) -> tuple:
    client = offline.replay_client("agents_booking")
    agent = agents.Agent(name="booking_agent", instructions=instructions, model=offline.responses_model(client),
                         tools=offline.BOOKING_TOOLS)
    clock = offline.run_clock(client, quiet_s=0.05)   # a loaded test machine: register every start first

    async def go():
        return await agents.Runner.run(agent, ASK, context=clock,
                                       hooks=offline.ModelCallsOnClock(), run_config=run_config)
    return asyncio.run(go()), session_of(client), clock


def test_default_runner_starts_a_turns_calls_together_and_the_cap_serialises_them() -> None:
    result, session, clock = _run(agents.RunConfig())
    assert session.finished and session.kinds() == ["played"] * 3
    assert "slot-1500" in result.final_output
    first_turn = offline.tool_starts(clock)[:3]
    assert [n for n, _, _ in first_turn] == ["get_doctor_calendar", "get_user_payment_method", "book_appointment"]
    assert {s for _, s, _ in first_turn} == {900.0}, first_turn          # after model call 1 (900 ms), all at once

    _, capped, capped_clock = _run(capped_config())
    assert capped.finished
    starts = offline.tool_starts(capped_clock)[:3]
    assert [n for n, _, _ in starts] == ["get_doctor_calendar", "get_user_payment_method", "book_appointment"]
    assert [s for _, s, _ in starts] == [900.0, 1600.0, 2000.0]           # each starts when the previous ends
    assert capped_clock.elapsed > clock.elapsed
    assert [c.outcome for c in capped_clock.calls if c.name == "book_appointment"] == ["error", "ok"]

    assert offline.same_requests(session, capped), "the cap is local: the requests must not change"
    keys = {json.dumps(b.get("prompt_cache_key")) for b in session.requests() + capped.requests()}
    assert len(keys) == 2, "the SDK sends one prompt_cache_key per run (the replay ignores it)"


def test_the_timeline_figure_has_a_legend_and_whole_labels() -> None:
    from course.timeline import compare

    _, _, a = _run(agents.RunConfig())
    _, _, b = _run(capped_config())
    fig = offline.legend(compare(offline.bars(a), offline.bars(b), floor=False))
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["model call (recorded latency)", "tool call",
                                                          "tool call that failed"]
    labels = [t.get_text().replace("\n", "") for t in fig.axes[0].get_yticklabels()]  # long labels wrap, never cut
    assert "book_appointment(slot-1500-guess)" in labels and "model call 1" in labels


def test_a_request_off_the_recording_stops_the_run() -> None:
    with pytest.raises(ReplayMismatch, match="instructions"):
        _run(agents.RunConfig(), instructions="Something else.")


@pytest.mark.parametrize("tracing", ["off", "control: on"])
def test_nothing_tries_the_network_not_even_the_trace_exporter_at_exit(tracing: str) -> None:
    # Every socket connect and DNS lookup is recorded (and refused) from before `import agents` to after
    # the interpreter's exit handlers (the SDK's trace provider flushes at exit).  The control run leaves
    # tracing on with the client's key, as set_default_openai_client does by default: the exporter must
    # then be caught trying to upload, or this test proves nothing.
    control = tracing != "off"
    script = textwrap.dedent(f"""
        import atexit, socket, sys
        attempts = []
        def refuse(*args, **kwargs):
            attempts.append(repr(args[:2]))
            raise OSError("network refused in this test")
        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse
        socket.getaddrinfo = refuse
        atexit.register(lambda: print("ATTEMPTS", attempts, flush=True))   # registered first: runs last
        sys.path.insert(0, {str(ROOT / "tests")!r})
        import test_agents_offline as t
        import agents
        if {control!r}:
            t.offline.offline = lambda client: (agents.set_default_openai_client(client), client)[1]
        t._run(agents.RunConfig())
        t._run(t.capped_config())
        print("RAN", flush=True)
    """)
    env = {**os.environ, "COURSE_REPLAY_TIME_SCALE": "0"}
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_AGENTS_DISABLE_TRACING", None)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert "RAN" in out.stdout, out.stderr[-2000:]
    assert "ATTEMPTS" in out.stdout, out.stdout + out.stderr[-2000:]
    assert ("ATTEMPTS []" in out.stdout) != control, out.stdout + out.stderr[-2000:]
