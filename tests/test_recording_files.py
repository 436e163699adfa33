"""Malformed or unknown recordings: the error names the file and the field."""

from __future__ import annotations

import json

import pytest

from course import recording
from course.recording import RecordingError


def _good() -> dict:
    return json.loads(recording.scenario_path("chat_weather_parallel").read_text())


def _write(tmp_path, doc, name="broken.json"):
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return str(path)


def test_unknown_scenario_lists_the_known_ones():
    with pytest.raises(RecordingError, match="no such scenario. Known scenarios: .*chat_weather_parallel"):
        recording.load("no_such_scenario")


def test_invalid_json_names_file_and_line(tmp_path):
    path = _write(tmp_path, '{"format": ')
    with pytest.raises(RecordingError) as err:
        recording.load(path)
    assert "broken.json" in str(err.value) and "not valid JSON" in str(err.value) and "line 1" in str(err.value)


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d.pop("provider"), "provider"),
    (lambda d: d.update(format="vcr/1"), "format"),
    (lambda d: d["provenance"].update(kind="guessed"), "provenance.kind"),
    (lambda d: d["provenance"].update(sources=[]), "provenance.sources"),
    (lambda d: d.update(interactions=[]), "interactions"),
    (lambda d: d["interactions"][1]["request"].update(path="/v1/completions"), "interactions[1].request.path"),
    (lambda d: d["interactions"][0]["response"].pop("json"), "interactions[0].response"),
    (lambda d: d["interactions"][0]["response"].update(status="200"), "interactions[0].response.status"),
    (lambda d: d["interactions"][0].update(latency_ms=-5), "interactions[0].latency_ms"),
    (lambda d: d["interactions"][0].update(match={"tool_output": "fuzzy"}), "interactions[0].match.tool_output"),
])
def test_bad_field_is_named(tmp_path, mutate, field):
    doc = _good()
    mutate(doc)
    with pytest.raises(RecordingError) as err:
        recording.load(_write(tmp_path, doc))
    assert err.value.field == field and "broken.json" in str(err.value)


def test_bad_sse_event_is_named(tmp_path):
    doc = json.loads(recording.scenario_path("claude_weather_parallel_stream").read_text())
    del doc["interactions"][0]["response"]["sse"][3]["data"]
    with pytest.raises(RecordingError, match=r"interactions\[0\]\.response\.sse\[3\]\.data"):
        recording.load(_write(tmp_path, doc))


@pytest.mark.parametrize("body, found", [([1, 2], "array"), ("ok", "string"), (None, "null"), (3, "number"),
                                         (True, "boolean")])
def test_response_body_that_is_not_an_object_is_named(tmp_path, body, found):
    doc = _good()
    doc["interactions"][1]["response"]["json"] = body
    path = _write(tmp_path, doc)
    with pytest.raises(RecordingError) as err:
        recording.load(path)
    assert err.value.field == "interactions[1].response.json" and "broken.json" in str(err.value)
    assert f"expected a JSON object, found {found}" in str(err.value)


def test_non_object_body_stops_the_client_not_the_replay(tmp_path):
    from course.clients import openai_client

    doc = _good()
    doc["interactions"][1]["response"]["json"] = ["not", "an", "object"]
    with pytest.raises(RecordingError, match=r"interactions\[1\]\.response\.json"):
        openai_client(_write(tmp_path, doc))


@pytest.mark.parametrize("mutate, field, says", [
    (lambda d: d["interactions"][0]["response"].update(json={}), "interactions[0].response.json", "is empty"),
    (lambda d: d["interactions"][0]["response"].update(sse=[]), "interactions[0].response.sse", "is empty"),
    (lambda d: d["interactions"][0]["response"]["sse"].__setitem__(slice(None), [{"data": "[DONE]"}]),
     "interactions[0].response.sse", "no response object"),
    (lambda d: d["interactions"][0]["response"]["sse"][1].update(data=7), "interactions[0].response.sse[1].data",
     "expected object or string"),
])
def test_empty_or_shapeless_bodies_are_refused(tmp_path, mutate, field, says):
    name = "chat_weather_parallel" if "json" in field else "claude_weather_parallel_stream"
    doc = json.loads(recording.scenario_path(name).read_text())
    mutate(doc)
    with pytest.raises(RecordingError) as err:
        recording.load(_write(tmp_path, doc))
    assert err.value.field == field and says in str(err.value)
