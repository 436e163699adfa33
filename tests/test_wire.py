"""course.wire reads the same calls, text and results from raw bodies and from the SDKs' own objects."""

from __future__ import annotations

import anthropic.types
import openai.types.chat
import openai.types.responses
import pytest

from course import wire
from course.recording import load

MODEL = {"chat": openai.types.chat.ChatCompletion, "responses": openai.types.responses.Response,
         "anthropic": anthropic.types.Message}


@pytest.mark.parametrize("name", ["chat_weather_parallel", "responses_sf_sanjose", "claude_weather_parallel",
                                  "chat_weather_parallel_stream", "rec_responses_turns", "rec_claude_turns"])
def test_calls_and_text_read_alike_from_dicts_and_sdk_objects(name):
    for it in load(name).interactions:
        body = it.response.final_body
        obj = MODEL[wire.api_of(it.path)].model_validate(body)
        assert wire.calls_in(obj) == wire.calls_in(body)
        assert wire.text_in(obj) == wire.text_in(body)
        assert all(isinstance(c["arguments"], dict) for c in wire.calls_in(body))


def test_three_calls_in_the_seed_chat_turn():
    body = load("chat_weather_parallel").interactions[0].response.final_body
    assert [c["name"] for c in wire.calls_in(body)] == ["get_weather", "get_weather", "get_exchange_rate"]
    assert wire.calls_per_turn([body, {}]) == [3, 0]


@pytest.mark.parametrize("name", ["chat_weather_parallel", "responses_sf_sanjose", "claude_weather_parallel"])
def test_every_call_is_answered_in_the_next_request(name):
    first, second = load(name).interactions[:2]
    ids = [c["id"] for c in wire.calls_in(first.response.final_body)]
    results = wire.results_in(second.request)
    assert sorted(r.id for r in results) == sorted(ids)
    assert all(isinstance(wire.parse_output(r.content), (dict, list, str)) for r in results)


def test_parse_output_reads_json_text_and_text_blocks():
    assert wire.parse_output('{"a": 1}') == {"a": 1}
    assert wire.parse_output([{"type": "text", "text": '{"a": '}, {"type": "text", "text": "1}"}]) == {"a": 1}
    assert wire.parse_output("not json") == "not json"
    assert wire.parse_output([{"type": "image"}]) == [{"type": "image"}]
