"""Every emulated API refusal, through the real SDKs over the replay: the broken request gets exactly the
provider's error (class, status, body, code, param), the correct one is played; and the README table is
the one generated from the rule records."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import anthropic
import openai
import pytest

from course import protocol, recording, tools
from course.clients import anthropic_client, openai_client, sdk_client
from course.errors import ReplayMismatch
from course.protocol import chat
from course.protocol.table import START, END, SectionError, markdown, replace_section, sync
from course.protocol.titles import TITLES
from course.replay import ReplaySession, ReplayTransport, session_of

ROOT = Path(__file__).resolve().parents[1]
CLAUDE_MODEL = "claude-haiku-4-5-20251001"


def _doc(name: str) -> dict:
    return json.loads(recording.scenario_path(name).read_text())


def _client(doc: dict, provider: str = "openai"):
    session = ReplaySession(recording.parse(doc, f"<{doc['scenario']}>"))
    return sdk_client(provider, ReplayTransport(session)), session


def refused(rule_id: str, call, *, values: dict) -> BaseException:
    """``call()`` must raise the SDK's own error for ``rule_id``, with exactly the rule's body."""
    r = protocol.rule(rule_id)
    sdk = openai if r.provider == "openai" else anthropic
    cls = {400: sdk.BadRequestError, 404: sdk.NotFoundError}[r.status]
    with pytest.raises(cls) as err:
        call()
    e = err.value
    assert e.status_code == r.status and e.request_id == "req_replay"
    expected = r.error(values).body
    if r.provider == "openai":
        assert e.body == expected["error"]
        assert (e.code, e.param, e.type) == (r.code, expected["error"]["param"], r.error_type)
    else:
        assert e.body == expected
    assert r.render(values) in str(e)
    return e


# --------------------------------------------------------------------------- Chat Completions

def _chat_doc(model: str, *, with_tools: bool = True) -> dict:
    doc = _doc("chat_weather_parallel")
    doc["scenario"] = f"chat_{model}"
    doc["interactions"] = doc["interactions"][:1]
    req = doc["interactions"][0]["request"]["json"]
    req["model"] = model
    if not with_tools:
        req.pop("tools")
    return doc


@pytest.mark.parametrize("model", ["o1", "o1-2024-12-17", "o3-mini", "o3", "o4-mini", "o4-mini-2025-04-16"])
@pytest.mark.parametrize("value", [True, False])
def test_parallel_tool_calls_on_o_series_chat_models_is_refused(model, value):
    doc = _chat_doc(model)
    client, session = _client(doc)
    req = copy.deepcopy(doc["interactions"][0]["request"]["json"])
    refused("chat_parallel_unsupported", lambda: client.chat.completions.create(**req, parallel_tool_calls=value),
            values={"model": model})
    client.chat.completions.create(**req)
    assert session.kinds() == ["api_error", "played"] and session.log[0].status == 400


@pytest.mark.parametrize("model", ["gpt-4o-mini", "o4-mini-high", "o1-mini-ish", "gpt-4.1"])
def test_parallel_tool_calls_is_accepted_for_other_models(model):
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}], "tools": [tools.chat_tool("get_weather")],
            "parallel_tool_calls": False}
    assert protocol.check("/v1/chat/completions", body) is None


def test_recorded_parallel_tool_calls_false_plays():
    req = _doc("chat_booking_serial")["interactions"][0]["request"]["json"]
    assert req.get("parallel_tool_calls") is False and req.get("tools")
    client = openai_client("chat_booking_serial")
    client.chat.completions.create(**req)
    assert session_of(client).kinds() == ["played"]


def test_parallel_tool_calls_without_tools_is_refused():
    doc = _chat_doc("gpt-4o-mini", with_tools=False)
    client, session = _client(doc)
    req = copy.deepcopy(doc["interactions"][0]["request"]["json"])
    refused("chat_parallel_without_tools", lambda: client.chat.completions.create(**req, parallel_tool_calls=True),
            values={})
    refused("chat_parallel_without_tools",
            lambda: client.chat.completions.create(**req, tools=None, parallel_tool_calls=False), values={})
    client.chat.completions.create(**req)
    assert session.kinds() == ["api_error", "api_error", "played"]


def _chat_first():
    client = openai_client("chat_weather_parallel")
    req = copy.deepcopy(_doc("chat_weather_parallel")["interactions"][0]["request"]["json"])
    msg = client.chat.completions.create(**req).choices[0].message
    results = [{"role": "tool", "tool_call_id": tc.id, "content": json.dumps(tools.call(tc.function.name, json.loads(
        tc.function.arguments)))} for tc in msg.tool_calls]
    return client, req, msg, results


def test_chat_missing_and_orphan_bodies():
    client, req, msg, results = _chat_first()
    msgs = req["messages"] + [msg.model_dump(exclude_none=True)]
    ids = [tc.id for tc in msg.tool_calls]
    refused("chat_missing", lambda: client.chat.completions.create(**{**req, "messages": msgs + results[:1]}),
            values={"index": 3, "ids": ", ".join(ids[1:])})
    # the results sent without the assistant message that holds the calls: the tool messages follow the user's
    n = len(req["messages"])
    assert req["messages"][-1]["role"] == "user"
    refused("chat_orphan", lambda: client.chat.completions.create(**{**req, "messages": req["messages"] + results}),
            values={"index": n})
    client.chat.completions.create(**{**req, "messages": msgs + results[::-1]})
    assert session_of(client).finished


def _chat(messages: list[dict]) -> dict:
    return {"model": "gpt-4o-mini", "messages": messages, "tools": [tools.chat_tool("get_weather")]}


def _assistant(*ids: str) -> dict:
    return {"role": "assistant", "content": None, "tool_calls": [
        {"id": i, "type": "function", "function": {"name": "get_weather", "arguments": "{}"}} for i in ids]}


def _tool(call_id: str) -> dict:
    return {"role": "tool", "tool_call_id": call_id, "content": "{}"}


@pytest.mark.parametrize("messages, index", [
    ([{"role": "user", "content": "q"}, _tool("call_a")], 1),                                     # after a user message
    ([{"role": "system", "content": "s"}, _tool("call_a")], 1),
    ([_tool("call_a"), {"role": "user", "content": "q"}], 0),                                     # first message
    ([{"role": "user", "content": "q"}, {"role": "assistant", "content": "hi"}, _tool("call_a")], 2),  # no tool_calls
    ([{"role": "user", "content": "q"}, _assistant("call_a"), _tool("call_a"),
      {"role": "user", "content": "again"}, _tool("call_a")], 4),                                 # result resent later
])
def test_chat_orphan_is_a_tool_message_with_no_tool_calls_message_before_its_run(messages, index):
    err = protocol.check("/v1/chat/completions", _chat(messages))
    assert err is not None and err.rule == "chat_orphan"
    assert err.body["error"]["param"] == f"messages.[{index}].role"


@pytest.mark.parametrize("messages, stray", [
    # dapr/dapr-agents#145: every earlier result resent after the newest assistant turn
    ([{"role": "user", "content": "q"}, _assistant("call_a"), _tool("call_a"), _assistant("call_b"),
      _tool("call_a"), _tool("call_b")], (4, "call_a")),
    # made-up ids (every call also unanswered): the stray id comes first, so no chat_missing either
    ([{"role": "user", "content": "q"}, _assistant("call_a", "call_b"), _tool("call_x"), _tool("call_y")],
     (2, "call_x")),
    # a stray before a later orphan: the stray is reported first, so no chat_orphan either
    ([{"role": "user", "content": "q"}, _assistant("call_a"), _tool("call_x"), {"role": "user", "content": "u"},
      _tool("call_a")], (2, "call_x")),
])
def test_a_stray_id_after_a_tool_calls_message_gets_no_emulated_text(messages, stray):
    """That refusal's text is reported without its full body: a caveat, so no rule answers it (not chat_orphan's
    text, which a public report contradicts for this shape, nor chat_missing's)."""
    body = _chat(messages)
    assert protocol.check("/v1/chat/completions", body) is None
    assert chat.stray_tool_message(messages) == stray
    note = protocol.unemulated("/v1/chat/completions", body)
    assert f"'tool_call_id' of '{stray[1]}' not found in 'tool_calls' of previous message" in note
    assert any("dapr/dapr-agents/issues/145" in u for c in protocol.NOT_EMULATED for u in c.sources)


def test_the_replay_refuses_a_stray_id_as_a_mismatch_that_names_it():
    client, req, msg, results = _chat_first()
    msgs = req["messages"] + [msg.model_dump(exclude_none=True)]
    stray = {"role": "tool", "tool_call_id": "call_nope", "content": "{}"}
    with pytest.raises(ReplayMismatch) as err:
        client.chat.completions.create(**{**req, "messages": msgs + [stray] + results})
    text = str(err.value)
    assert "'call_nope'" in text and "not found in 'tool_calls' of previous message" in text
    assert protocol.rule("chat_orphan").message not in text and "did not have response messages" not in text
    session = session_of(client)
    assert session.kinds()[-1] == "mismatch" and session.log[-1].rule is None
    client.chat.completions.create(**{**req, "messages": msgs + results})
    assert session.finished


# --------------------------------------------------------------------------- Responses

def _reasoning_doc(*, store: bool | None) -> tuple[dict, dict, list[dict]]:
    """o4-mini (a reasoning model): turn 1 returns [reasoning, function_call, function_call]; turn 2 is the
    correct full resend, recorded.  Returns (doc, turn-1 request, the two function_call_output items)."""
    doc = _doc("rec_responses_turns")
    doc["scenario"] = f"reasoning_resend_store_{store}"
    first, second = doc["interactions"][:2]
    req = first["request"]["json"]
    out = first["response"]["json"]["output"]
    if store is not None:
        req["store"] = store
        first["response"]["json"]["store"] = store
    if store is False:
        req["include"] = ["reasoning.encrypted_content"]
        out[0]["encrypted_content"] = "gAAAAB-replay-encrypted-reasoning"
    outputs = [{"type": "function_call_output", "call_id": o["call_id"], "output": json.dumps({"ok": o["name"]})}
               for o in out if o["type"] == "function_call"]
    resend = {k: v for k, v in req.items() if k != "previous_response_id"}
    resend["input"] = req["input"] + copy.deepcopy(out) + outputs
    second["request"]["json"] = resend
    doc["interactions"] = [first, second]
    return doc, copy.deepcopy(req), outputs


def _turn1(store: bool | None):
    doc, req, outputs = _reasoning_doc(store=store)
    client, session = _client(doc)
    resp = client.responses.create(**req)
    items = [o.model_dump(exclude_none=True) for o in resp.output]
    assert [i["type"] for i in items] == ["reasoning", "function_call", "function_call"]
    return client, session, req, resp, items, outputs


def test_previous_response_id_of_an_unstored_response_is_refused():
    client, session, req, resp, items, outputs = _turn1(store=False)
    follow = {"model": req["model"], "tools": req["tools"], "previous_response_id": resp.id, "input": outputs}
    refused("responses_previous_not_stored", lambda: client.responses.create(**follow), values={"id": resp.id})
    assert session.history.responses[resp.id].store is False


def test_previous_response_id_of_a_stored_response_plays():
    client = openai_client("rec_responses_turns")        # store defaults to true
    first = _doc("rec_responses_turns")["interactions"][:2]
    resp = client.responses.create(**first[0]["request"]["json"])
    client.responses.create(**{**first[1]["request"]["json"], "previous_response_id": resp.id})
    assert session_of(client).kinds() == ["played", "played"]


def test_unstored_reasoning_item_resent_by_id_is_a_404():
    client, session, req, resp, items, outputs = _turn1(store=False)
    bare = [{k: v for k, v in i.items() if k != "encrypted_content"} for i in items]
    e = refused("responses_item_not_stored",
                lambda: client.responses.create(**{**req, "input": req["input"] + bare + outputs}),
                values={"id": items[0]["id"]})
    assert session.log[-1].kind == "api_error" and session.log[-1].status == 404 and e.param == "input"
    client.responses.create(**{**req, "input": req["input"] + items + outputs})   # with encrypted_content
    assert session.kinds() == ["played", "api_error", "played"]


def test_duplicate_items_are_refused():
    client, session, req, resp, items, outputs = _turn1(store=None)
    twice = req["input"] + items + items[1:] + outputs
    refused("responses_duplicate_item", lambda: client.responses.create(**{**req, "input": twice}),
            values={"id": items[1]["id"]})
    client.responses.create(**{**req, "input": req["input"] + items + outputs})
    assert session.kinds() == ["played", "api_error", "played"]


def test_duplicate_items_without_reasoning_are_refused_too():
    doc = _doc("answer_responses_resend")
    good = doc["interactions"][1]["request"]["json"]
    client = openai_client("answer_responses_resend")
    client.responses.create(**doc["interactions"][0]["request"]["json"])
    calls = [i for i in good["input"] if i.get("type") == "function_call"]
    bad = {**good, "input": good["input"][:1] + calls + calls + good["input"][1 + len(calls):]}
    refused("responses_duplicate_item", lambda: client.responses.create(**bad), values={"id": calls[0]["id"]})
    client.responses.create(**good)
    assert session_of(client).kinds() == ["played", "api_error", "played"]


@pytest.mark.parametrize("store", [None, True, False])
def test_calls_resent_without_their_reasoning_item_are_refused(store):
    client, session, req, resp, items, outputs = _turn1(store=store)
    refused("responses_without_reasoning",
            lambda: client.responses.create(**{**req, "input": req["input"] + items[1:] + outputs}),
            values={"id": items[1]["id"], "type": "function_call", "reasoning": items[0]["id"]})
    client.responses.create(**{**req, "input": req["input"] + items + outputs})
    assert session.kinds() == ["played", "api_error", "played"]


def test_reasoning_item_without_its_following_item_is_refused():
    client, session, req, resp, items, outputs = _turn1(store=None)
    by_hand = [{"type": "function_call", "call_id": i["call_id"], "name": i["name"], "arguments": i["arguments"]}
               for i in items[1:]]
    refused("responses_reasoning_unfollowed",
            lambda: client.responses.create(**{**req, "input": req["input"] + items[:1] + by_hand + outputs}),
            values={"id": items[0]["id"]})
    refused("responses_reasoning_unfollowed",
            lambda: client.responses.create(**{**req, "input": req["input"] + items[:1] + outputs}),
            values={"id": items[0]["id"]})
    client.responses.create(**{**req, "input": req["input"] + items + outputs})
    assert session.kinds() == ["played", "api_error", "api_error", "played"]


def test_reasoning_rules_leave_non_reasoning_models_alone():
    from course.authoring.seeds import SF_Q, SF_TOOL
    client = openai_client("responses_sf_sanjose")
    resp = client.responses.create(model="gpt-4o", input=[{"role": "system", "content": "You are weatherpal"},
                                                          {"role": "user", "content": SF_Q}], tools=[SF_TOOL])
    h = session_of(client).history
    assert all(h.reasoning_for(o.id) is None for o in resp.output)


def test_responses_unknown_and_missing_bodies():
    client, session, req, resp, items, outputs = _turn1(store=None)
    follow = {"model": req["model"], "tools": req["tools"], "previous_response_id": resp.id}
    refused("responses_missing", lambda: client.responses.create(**follow, input=outputs[:1]),
            values={"call_id": outputs[1]["call_id"]})
    stray = {"type": "function_call_output", "call_id": "call_nope", "output": "{}"}
    refused("responses_unknown", lambda: client.responses.create(**follow, input=outputs + [stray]),
            values={"call_id": "call_nope"})


def test_the_pairing_rules_cite_the_thread_that_shows_their_text():
    assert protocol.rule("responses_unknown").sources[0] == "https://github.com/continuedev/continue/issues/10092"
    assert protocol.rule("responses_missing").sources[0] == "https://github.com/tjardoo/openai-client/pull/124"


# --------------------------------------------------------------------------- Anthropic Messages

def _claude_first():
    client = anthropic_client("claude_weather_parallel")
    req = copy.deepcopy(_doc("claude_weather_parallel")["interactions"][0]["request"]["json"])
    msg = client.messages.create(**req)
    uses = [b for b in msg.content if b.type == "tool_use"]
    results = [{"type": "tool_result", "tool_use_id": u.id, "content": json.dumps(tools.call(u.name, u.input))}
               for u in uses]
    return client, req, msg, uses, results


def test_duplicate_tool_use_ids_are_refused():
    client, req, msg, uses, results = _claude_first()
    turn = {"role": "assistant", "content": [b.model_dump() for b in msg.content]}
    twice = req["messages"] + [turn, turn, {"role": "user", "content": results}]
    refused("anthropic_duplicate_tool_use", lambda: client.messages.create(**{**req, "messages": twice}),
            values={"index": 2, "block": 1})
    client.messages.create(**{**req, "messages": req["messages"] + [turn, {"role": "user", "content": results}]})
    assert session_of(client).kinds() == ["played", "api_error", "played"]


def test_text_before_tool_results_is_refused():
    client, req, msg, uses, results = _claude_first()
    turn = {"role": "assistant", "content": msg.content}
    note = {"type": "text", "text": "Here are the results."}
    refused("anthropic_results_not_first",
            lambda: client.messages.create(**{**req, "messages": req["messages"] + [turn, {"role": "user", "content": [
                note] + results}]}),
            values={"index": 1, "ids": ", ".join(u.id for u in uses)})
    refused("anthropic_results_not_first",
            lambda: client.messages.create(**{**req, "messages": req["messages"] + [turn, {"role": "user", "content": [
                results[0], note, results[1]]}]}),
            values={"index": 1, "ids": uses[1].id})
    after = req["messages"] + [turn, {"role": "user", "content": results + [note]}]
    body = {"model": CLAUDE_MODEL, "messages": json.loads(json.dumps(after, default=lambda b: b.model_dump()))}
    assert protocol.check("/v1/messages", body) is None
    client.messages.create(**{**req, "messages": req["messages"] + [turn, {"role": "user", "content": results}]})
    assert session_of(client).kinds() == ["played", "api_error", "api_error", "played"]


def test_anthropic_missing_and_unknown_bodies():
    client, req, msg, uses, results = _claude_first()
    turn = {"role": "assistant", "content": msg.content}
    refused("anthropic_missing",
            lambda: client.messages.create(**{**req, "messages": req["messages"] + [turn, {"role": "user",
                                                                                          "content": results[:1]}]}),
            values={"index": 1, "ids": uses[1].id})
    stray = {"type": "tool_result", "tool_use_id": "toolu_nope", "content": "{}"}
    refused("anthropic_unknown",
            lambda: client.messages.create(**{**req, "messages": req["messages"] + [turn, {"role": "user",
                                                                                          "content": results + [stray]}]}),
            values={"index": 2, "block": 2, "id": "toolu_nope"})


def test_every_rule_is_tested_here():
    tested = set(re.findall(r'refused\("(\w+)"', Path(__file__).read_text(encoding="utf-8")))
    assert tested == {r.id for r in protocol.RULES}, "each emulated rule needs a refused(...) test above"


# --------------------------------------------------------------------------- records and the table

def test_rules_are_complete_records():
    ids = [r.id for r in protocol.RULES]
    assert len(ids) == len(set(ids))
    for r in protocol.RULES:
        assert r.status in (400, 404) and r.error_type == "invalid_request_error" and r.trigger
        assert r.sources and all(u.startswith("https://") for u in r.sources)
    assert protocol.NOT_EMULATED and all(c.why for c in protocol.NOT_EMULATED)
    with pytest.raises(KeyError, match="responses_missing"):
        protocol.rule("no_such_rule")


def test_readme_table_is_generated_from_the_rules():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert replace_section(text, markdown()) == text, "README's rules table is stale: run `make rules-table`"
    block = text.split(START)[1].split(END)[0]
    for r in protocol.RULES:
        assert f"`{r.id}`" in block and r.sources[0] in block
    for c in protocol.NOT_EMULATED:
        assert c.why in block and all(u in block for u in c.sources)


def test_every_source_is_cited_by_title_and_url():
    urls = {u for r in protocol.RULES for u in r.sources} | {u for c in protocol.NOT_EMULATED for u in c.sources}
    untitled = sorted(urls - set(TITLES))
    assert not untitled, f"add a title and date to course/protocol/titles.py for {untitled}"
    block = markdown()
    for u in urls:
        assert TITLES[u].title.replace("|", "\\|") in block and TITLES[u].date in block, u


def test_sync_rewrites_and_checks_a_section(tmp_path):
    p = tmp_path / "doc.md"
    p.write_text(f"intro\n{START}\nold\n{END}\nend\n")
    assert sync(p, check=True) is False and "old" in p.read_text()
    assert sync(p) is False and sync(p, check=True) is True
    assert p.read_text().startswith(f"intro\n{START}\n| Rule |") and p.read_text().endswith(f"{END}\nend\n")
    p.write_text("no markers here\n")
    with pytest.raises(SectionError, match="doc.md.*rules:start"):
        sync(p)


def test_sync_fills_a_notebook_markdown_cell(tmp_path):
    import nbformat
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
                                         nbformat.v4.new_markdown_cell(f"## Refusals\n{START}\n{END}\nAfter.")])
    p = tmp_path / "07-lesson.ipynb"
    nbformat.write(nb, p)
    assert sync(p) is False and sync(p, check=True) is True
    cells = nbformat.read(p, as_version=4).cells
    assert cells[0].source == "x = 1"
    assert cells[1].source == f"## Refusals\n{START}\n{markdown()}\n{END}\nAfter."
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("none")]), p)
    with pytest.raises(SectionError, match="07-lesson.ipynb.*found 0"):
        sync(p)


def test_cli_prints_the_table_and_checks_readme(tmp_path):
    out = subprocess.run([sys.executable, "-m", "course.protocol", "table"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == markdown()
    stale = tmp_path / "README.md"
    stale.write_text(f"{START}\n{END}\n")
    r = subprocess.run([sys.executable, "-m", "course.protocol", "readme", "--check", str(stale)],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "make rules-table" in r.stderr
    r = subprocess.run([sys.executable, "-m", "course.protocol", "readme", str(tmp_path / "missing.md")],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "missing.md" in r.stderr
