"""The replay layer under the real SDKs: idioms that must match, errors that must teach."""

from __future__ import annotations

import asyncio
import json

import anthropic
import openai
import pytest

from course import tools
from course.clients import anthropic_client, openai_client
from course.errors import ReplayExhausted, ReplayMismatch
from course.recording import load
from course.replay import session_of

CHAT_Q = "What's the weather in Tokyo and London, and what's the USD to JPY rate?"
CHAT_TOOLS = [tools.chat_tool("get_weather"), tools.chat_tool("get_exchange_rate")]
CLAUDE_Q = "Weather in Tokyo and London?"
CLAUDE_MODEL = "claude-haiku-4-5-20251001"


def first_chat_turn(scenario: str = "chat_weather_parallel"):
    client = openai_client(scenario)
    msgs = [{"role": "user", "content": CHAT_Q}]
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=msgs, tools=CHAT_TOOLS)
    return client, msgs, reply.choices[0].message


def results_for(msg, order=1, fmt=json.dumps):
    out = [{"role": "tool", "tool_call_id": tc.id,
            "content": fmt(tools.call(tc.function.name, json.loads(tc.function.arguments)))} for tc in msg.tool_calls]
    return out[::order]


ASSISTANT_IDIOMS = {
    "sdk object": lambda m: m,
    "model_dump()": lambda m: m.model_dump(),
    "model_dump(exclude_none=True)": lambda m: m.model_dump(exclude_none=True),
    "hand-built dict": lambda m: {"role": "assistant", "content": None, "tool_calls": [
        {"id": tc.id, "type": "function",
         "function": {"name": tc.function.name, "arguments": tc.function.arguments}} for tc in m.tool_calls]},
}


@pytest.mark.parametrize("idiom", ASSISTANT_IDIOMS)
@pytest.mark.parametrize("order", [1, -1], ids=["call order", "reversed"])
def test_every_correct_chat_idiom_replays(idiom, order):
    client, msgs, msg = first_chat_turn()
    msgs += [ASSISTANT_IDIOMS[idiom](msg)] + results_for(msg, order, lambda r: json.dumps(r, indent=2, sort_keys=True))
    final = client.chat.completions.create(model="gpt-4o-mini", messages=msgs, tools=CHAT_TOOLS)
    assert final.choices[0].finish_reason == "stop"
    assert session_of(client).kinds() == ["played", "played"] and session_of(client).finished


def test_missing_tool_message_gets_openai_400_and_cursor_stays():
    client, msgs, msg = first_chat_turn()
    partial = msgs + [msg] + results_for(msg)[:1]
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model="gpt-4o-mini", messages=partial, tools=CHAT_TOOLS)
    assert err.value.status_code == 400 and err.value.request_id == "req_replay"
    assert "did not have response messages" in str(err.value)
    assert msg.tool_calls[1].id in str(err.value) and msg.tool_calls[0].id not in str(err.value)
    session = session_of(client)
    assert session.kinds() == ["played", "api_error"] and session.cursor == 1
    client.chat.completions.create(model="gpt-4o-mini", messages=msgs + [msg] + results_for(msg), tools=CHAT_TOOLS)
    assert session.finished


def test_one_id_reused_for_every_result_is_refused():
    client, msgs, msg = first_chat_turn()
    same = [{**r, "tool_call_id": msg.tool_calls[0].id} for r in results_for(msg)]
    with pytest.raises(openai.BadRequestError, match="did not have response messages"):
        client.chat.completions.create(model="gpt-4o-mini", messages=msgs + [msg] + same, tools=CHAT_TOOLS)


def test_orphan_tool_message_is_refused():
    client = openai_client("chat_weather_parallel")
    msgs = [{"role": "user", "content": CHAT_Q}, {"role": "tool", "tool_call_id": "call_x", "content": "{}"}]
    with pytest.raises(openai.BadRequestError, match="preceeding message with 'tool_calls'"):
        client.chat.completions.create(model="gpt-4o-mini", messages=msgs, tools=CHAT_TOOLS)


def _sf_first():
    from course.authoring.seeds import SF_Q, SF_TOOL

    client = openai_client("responses_sf_sanjose")
    inp = [{"role": "system", "content": "You are weatherpal"}, {"role": "user", "content": SF_Q}]
    resp = client.responses.create(model="gpt-4o", input=inp, tools=[SF_TOOL])
    return client, inp, resp, SF_TOOL


def test_responses_output_lists_a_message_before_the_calls():
    _, _, resp, _ = _sf_first()
    assert [o.type for o in resp.output] == ["message", "function_call", "function_call"]


def test_responses_missing_and_unknown_outputs_get_400s():
    client, inp, resp, tool = _sf_first()
    calls = [o for o in resp.output if o.type == "function_call"]
    one = [{"type": "function_call_output", "call_id": calls[0].call_id, "output": "{}"}]
    with pytest.raises(openai.BadRequestError, match=f"No tool output found for function call {calls[1].call_id}"):
        client.responses.create(model="gpt-4o", input=one, previous_response_id=resp.id, tools=[tool])
    bogus = one + [{"type": "function_call_output", "call_id": "call_nope", "output": "{}"}]
    with pytest.raises(openai.BadRequestError, match="No tool call found for function call output with call_id call_nope"):
        client.responses.create(model="gpt-4o", input=bogus, previous_response_id=resp.id, tools=[tool])
    outs = [{"type": "function_call_output", "call_id": c.call_id,
             "output": json.dumps(tools.call(c.name, json.loads(c.arguments)))} for c in reversed(calls)]
    final = client.responses.create(model="gpt-4o", input=outs, previous_response_id=resp.id, tools=[tool])
    assert final.output_text.startswith("San Jose")
    assert session_of(client).kinds() == ["played", "api_error", "api_error", "played"]


def test_chat_format_messages_sent_to_responses_are_refused():
    client, inp, resp, tool = _sf_first()
    wrong = [{"role": "tool", "tool_call_id": c.call_id, "content": "{}"} for c in resp.output if c.type == "function_call"]
    with pytest.raises(openai.BadRequestError, match="No tool output found for function call"):
        client.responses.create(model="gpt-4o", input=wrong, previous_response_id=resp.id, tools=[tool])
    resend = inp + [o.model_dump() for o in resp.output] + wrong
    with pytest.raises(openai.BadRequestError, match="No tool output found for function call"):
        client.responses.create(model="gpt-4o", input=resend, tools=[tool])


def _claude_first(async_: bool = False):
    return anthropic_client("claude_weather_parallel", async_=async_)


def test_anthropic_missing_result_gets_its_400_unretried():
    client = _claude_first()
    msgs = [{"role": "user", "content": CLAUDE_Q}]
    msg = client.messages.create(model=CLAUDE_MODEL, max_tokens=1024, messages=msgs, tools=[tools.anthropic_tool("get_weather")])
    uses = [b for b in msg.content if b.type == "tool_use"]
    msgs += [{"role": "assistant", "content": msg.content},
             {"role": "user", "content": [{"type": "tool_result", "tool_use_id": uses[0].id, "content": "{}"}]}]
    with pytest.raises(anthropic.BadRequestError) as err:
        client.messages.create(model=CLAUDE_MODEL, max_tokens=1024, messages=msgs, tools=[tools.anthropic_tool("get_weather")])
    assert "`tool_use` ids were found without `tool_result` blocks immediately after: " + uses[1].id in str(err.value)
    assert err.value.request_id == "req_replay"  # the SDK reads Anthropic's `request-id` header
    assert session_of(client).kinds() == ["played", "api_error"]


def test_anthropic_unknown_tool_use_id_gets_its_400():
    client = _claude_first()
    msgs = [{"role": "user", "content": CLAUDE_Q}, {"role": "assistant", "content": "hi"},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_x", "content": "{}"}]}]
    with pytest.raises(anthropic.BadRequestError, match="unexpected `tool_use_id`"):
        client.messages.create(model=CLAUDE_MODEL, max_tokens=1024, messages=msgs, tools=[tools.anthropic_tool("get_weather")])


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
@pytest.mark.parametrize("async_", [False, True], ids=["sync", "async"])
def test_mismatch_reaches_the_learner_unwrapped_with_a_diff(provider, async_):
    if provider == "openai":
        client = openai_client("chat_weather_parallel", async_=async_)
        call = lambda: client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Weather in Rome?"}])
    else:
        client = _claude_first(async_)
        call = lambda: client.messages.create(model=CLAUDE_MODEL, max_tokens=5, messages=[{"role": "user", "content": "Rome?"}])
    with pytest.raises(ReplayMismatch) as err:
        asyncio.run(call()) if async_ else call()
    text = str(err.value)
    assert "scenario" in text and "model call #1" in text and "This call:" in text
    assert "--- recording expects" in text and "+++ your request" in text
    assert session_of(client).kinds() == ["mismatch"], "one request only: the SDK must not retry"


def test_exhausted_recording_says_the_loop_should_have_stopped():
    client, msgs, msg = first_chat_turn()
    msgs += [msg] + results_for(msg)
    client.chat.completions.create(model="gpt-4o-mini", messages=msgs, tools=CHAT_TOOLS)
    with pytest.raises(ReplayExhausted, match="finish_reason='stop'"):
        client.chat.completions.create(model="gpt-4o-mini", messages=msgs, tools=CHAT_TOOLS)
    assert session_of(client).kinds()[-1] == "exhausted"


def test_log_keeps_what_was_sent_even_when_the_learner_swallows_errors():
    client = openai_client("chat_weather_parallel")
    try:
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}])
    except Exception:
        pass
    entry = session_of(client).log[0]
    assert entry.kind == "mismatch" and entry.body["messages"][0]["content"] == "x"


def test_streams_replay_through_every_sdk_entry_point():
    from course.authoring.seeds import SF_Q, SF_TOOL

    chat = openai_client("chat_weather_parallel_stream")
    events = list(chat.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": CHAT_Q}],
                                               tools=CHAT_TOOLS, stream=True, stream_options={"include_usage": True}))
    idx = {tc.index for ev in events if ev.choices for tc in (ev.choices[0].delta.tool_calls or [])}
    assert idx == {0, 1, 2}

    resp = openai_client("responses_sf_sanjose_stream")
    inp = [{"role": "system", "content": "You are weatherpal"}, {"role": "user", "content": SF_Q}]
    with resp.responses.stream(model="gpt-4o", input=inp, tools=[SF_TOOL]) as s:
        final = s.get_final_response()
    assert [o.type for o in final.output].count("function_call") == 2

    claude = anthropic_client("claude_weather_parallel_stream")
    with claude.messages.stream(model=CLAUDE_MODEL, max_tokens=1024, messages=[{"role": "user", "content": CLAUDE_Q}],
                                tools=[tools.anthropic_tool("get_weather")]) as s:
        msg = s.get_final_message()
    assert [b.input for b in msg.content if b.type == "tool_use"] == [{"city": "Tokyo"}, {"city": "London"}]


def test_async_stream_with_create_stream_true():
    async def run():
        client = anthropic_client("claude_weather_parallel_stream", async_=True)
        stream = await client.messages.create(model=CLAUDE_MODEL, max_tokens=1024, stream=True,
                                              messages=[{"role": "user", "content": CLAUDE_Q}],
                                              tools=[tools.anthropic_tool("get_weather")])
        return [ev.type async for ev in stream]
    kinds = asyncio.run(run())
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop" and kinds.count("content_block_start") == 3


def test_pacing_follows_recorded_times_times_the_scale(monkeypatch):
    import course.replay as replay

    slept: list[float] = []
    monkeypatch.setattr(replay.time, "sleep", slept.append)
    client = anthropic_client("claude_weather_parallel_stream", time_scale=0.5)
    with client.messages.stream(model=CLAUDE_MODEL, max_tokens=1024, messages=[{"role": "user", "content": CLAUDE_Q}],
                                tools=[tools.anthropic_tool("get_weather")]) as s:
        s.get_final_message()
    it = session_of(client).recording.interactions[0]
    expected = [it.latency_ms / 1000 * 0.5] + [ev["dt_ms"] / 1000 * 0.5 for ev in it.response.sse if ev.get("dt_ms")]
    assert slept == pytest.approx(expected)

    slept.clear()
    zero = anthropic_client("claude_weather_parallel_stream", time_scale=0)
    with zero.messages.stream(model=CLAUDE_MODEL, max_tokens=1024, messages=[{"role": "user", "content": CLAUDE_Q}],
                              tools=[tools.anthropic_tool("get_weather")]) as s:
        s.get_final_message()
    assert slept == []


def test_wrong_provider_factory_is_named():
    with pytest.raises(ValueError, match="use anthropic_client"):
        openai_client("claude_weather_parallel")


@pytest.mark.parametrize("name", ["chat_weather_parallel_stream", "rec_chat_stream_turns"])
def test_folded_chat_stream_is_what_the_sdk_accumulates(name):
    from openai.lib.streaming.chat import ChatCompletionStreamState
    from openai.types.chat import ChatCompletion, ChatCompletionChunk

    for it in load(name).interactions:
        state = ChatCompletionStreamState()
        for ev in it.response.sse:
            if isinstance(ev.get("data"), dict):
                state.handle_chunk(ChatCompletionChunk.model_validate(ev["data"]))
        sdk = state.get_final_completion()
        folded = ChatCompletion.model_validate(it.response.final_body)
        assert folded.choices[0].message.content == sdk.choices[0].message.content
        assert [(c.id, c.function.name, c.function.arguments) for c in folded.choices[0].message.tool_calls or []] == \
               [(c.id, c.function.name, c.function.arguments) for c in sdk.choices[0].message.tool_calls or []]
        assert folded.choices[0].finish_reason == sdk.choices[0].finish_reason
        assert folded.usage == sdk.usage and folded.id == sdk.id


@pytest.mark.parametrize("name", ["claude_weather_parallel_stream", "rec_claude_stream_turns"])
def test_folded_anthropic_stream_is_what_the_sdk_accumulates(name):
    from anthropic.lib.streaming._messages import accumulate_event
    from anthropic.types import Message, RawMessageStreamEvent
    from pydantic import TypeAdapter

    parse = TypeAdapter(RawMessageStreamEvent).validate_python
    for it in load(name).interactions:
        snapshot, bufs = None, {}
        for ev in it.response.sse:
            if isinstance(ev.get("data"), dict) and ev["data"].get("type") != "ping":
                snapshot = accumulate_event(event=parse(ev["data"]), current_snapshot=snapshot, json_bufs=bufs)
        folded = Message.model_validate(it.response.final_body)
        assert folded.model_dump() == Message.model_validate(snapshot.model_dump()).model_dump()


def test_replay_log_holds_the_folded_stream():
    client = openai_client("chat_weather_parallel_stream")
    request = dict(load("chat_weather_parallel_stream").interactions[0].request)
    for _ in client.chat.completions.create(**request):
        pass
    [entry] = session_of(client).log
    calls = entry.response["choices"][0]["message"]["tool_calls"]
    assert len(calls) == 3 and all(json.loads(c["function"]["arguments"]) for c in calls)


def test_mismatch_message_stays_short_for_a_20_mb_request():
    client = openai_client("chat_weather_parallel")
    huge = "x" * 20_000_000
    with pytest.raises(ReplayMismatch) as err:
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": huge}],
                                       tools=CHAT_TOOLS, metadata={"note": "y" * 1000})
    text = str(err.value)
    assert len(text) < 4096, f"{len(text)} characters"
    assert "scenario 'chat_weather_parallel'" in text.splitlines()[0]
    head = text.split("--- recording expects")[0]
    assert "messages[0].content: text differs at character 0 (recording 71 chars, yours 20000000)" in head
    assert session_of(client).log[-1].message == text


def test_mismatch_message_stays_short_for_a_huge_conversation():
    client = openai_client("chat_weather_parallel")
    msgs = [{"role": "user", "content": f"{i} " + "z" * 200} for i in range(2_000)]   # the SDK, not the replay, is slow on more
    with pytest.raises(ReplayMismatch) as err:
        client.chat.completions.create(model="gpt-4o-mini", messages=msgs, tools=CHAT_TOOLS)
    text = str(err.value)
    assert len(text) < 4096 and "messages: the recording has 1 item(s), your request 2000" in text


def test_key_diff_names_each_differing_path_briefly():
    from course.errors import key_diff

    want = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "tools": [1], "n": 1}
    sent = {"model": "m", "messages": [{"role": "user", "content": "ho"}], "temperature": 0, "n": "1"}
    assert key_diff(want, sent) == [
        "messages[0].content: text differs at character 1 (recording 2 chars, yours 2)",
        'n: the recording has 1, your request "1"',
        "temperature: not in the recording",
        "tools: missing from your request",
    ]
    long = "q" * 5_000_000
    assert key_diff({"c": long + "a"}, {"c": long + "b"}) == [
        "c: text differs at character 5000000 (recording 5000001 chars, yours 5000001)"]
    many = key_diff({f"k{i}": i for i in range(100)}, {})
    assert len(many) == 9 and many[-1] == "... (more keys differ)"
