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
