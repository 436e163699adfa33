"""Every recording: current with its authoring module, valid to the wire, replayable by its driver."""

from __future__ import annotations

import asyncio
import functools
import json

import pytest
from anthropic.types import Message, RawMessageStreamEvent
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import TypeAdapter

from course import recording
from course.authoring import REGISTRY, catalog  # noqa: F401
from course.authoring.build import stale
from course.authoring.openapi_subset import ERROR_SCHEMA, VALIDATED
from course.clients import anthropic_client, openai_client
from course.replay import session_of

NAMES = recording.list_scenarios()
OPENAPI_RESPONSE = {path: (roles["response"], roles["event"]) for path, roles in VALIDATED.items()}
OPENAPI_REQUEST = {path: roles["request"] for path, roles in VALIDATED.items()}
SDK_RESPONSE = {"/v1/chat/completions": (ChatCompletion, ChatCompletionChunk), "/v1/responses": (Response, ResponseStreamEvent),
                "/v1/messages": (Message, RawMessageStreamEvent)}


def test_there_are_scenarios_and_each_is_registered():
    assert len(NAMES) >= 6
    assert set(NAMES) == set(REGISTRY), "every file has an authoring module and every module has a file"


def test_recordings_are_current_with_their_authoring_modules():
    assert stale() == [], "run `make scenarios` and commit the result"


@pytest.mark.parametrize("name", NAMES)
def test_recording_is_honest_about_provenance(name):
    rec = recording.load(name)
    prov = rec.provenance
    assert prov["kind"] in ("captured", "authored")
    if prov["kind"] == "authored":
        assert prov["sources"] and "Authored, not captured" in prov["basis"]
    assert all(it.note for it in rec.interactions), "every model call needs a note for mismatch messages"


@pytest.mark.parametrize("name", NAMES)
def test_reference_driver_replays_with_strict_sdk_validation(name):
    sc = REGISTRY[name]
    factory = openai_client if sc.provider == "openai" else anthropic_client
    client = factory(name, async_=sc.async_, strict=True)
    asyncio.run(sc.drive(client)) if sc.async_ else sc.drive(client)
    session = session_of(client)
    assert session.finished and set(session.kinds()) <= {"played", "api_error"}


@pytest.mark.parametrize("name", NAMES)
def test_every_response_body_and_event_parses_strictly_in_the_sdk(name):
    for it in recording.load(name).interactions:
        if it.response.status != 200:
            continue
        whole, event = SDK_RESPONSE[it.path]
        if it.response.sse is None:
            TypeAdapter(whole).validate_python(it.response.json, strict=False)
            whole.model_validate(it.response.json)
        else:
            for ev in it.response.sse:
                if ev["data"] != "[DONE]":
                    TypeAdapter(event).validate_python(ev["data"])


def _nullable_to_31(node):
    """OpenAI's spec says 3.1 but still marks many fields with 3.0's ``nullable: true``: make those 3.1."""
    if isinstance(node, list):
        return [_nullable_to_31(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _nullable_to_31(v) for k, v in node.items()}
    if node.pop("nullable", False):
        if "enum" in node and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
        if isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        elif "type" not in node:
            return {"anyOf": [node, {"type": "null"}]}
    return node


@functools.cache
def _components(spec_json: str):
    return _nullable_to_31(json.loads(spec_json)["components"])


@functools.cache
def _validator(spec_id: int, name: str, spec_json: str):
    from openapi_schema_validator import OAS31Validator

    return OAS31Validator({"$ref": f"#/components/schemas/{name}", "components": _components(spec_json)})


@pytest.mark.parametrize("name", [n for n in NAMES if recording.load(n).provider == "openai"])
def test_openai_bodies_validate_against_the_openapi_spec(name, openapi_spec, request):
    spec_json = request.config.cache_spec if hasattr(request.config, "cache_spec") else None
    if spec_json is None:
        spec_json = json.dumps(openapi_spec)
        request.config.cache_spec = spec_json
    problems = []
    for it in recording.load(name).interactions:
        checks = [(OPENAPI_REQUEST[it.path], it.request)]
        whole, event = OPENAPI_RESPONSE[it.path]
        if it.response.status != 200:
            checks = [(ERROR_SCHEMA, it.response.json)]  # the request is the one the API refused
        elif it.response.sse is None:
            checks.append((whole, it.response.json))
        else:
            checks += [(event, ev["data"]) for ev in it.response.sse if ev["data"] != "[DONE]"]
        for schema, body in checks:
            for err in _validator(0, schema, spec_json).iter_errors(body):
                problems.append(f"interaction {it.index} {schema}: {err.json_path}: {err.message[:200]}")
    assert not problems, "\n".join(problems[:10])


@pytest.mark.parametrize("name", [n for n in NAMES if recording.load(n).provider == "anthropic"])
def test_anthropic_scenarios_use_no_deprecated_model(name):
    from anthropic.resources.messages.messages import DEPRECATED_MODELS

    models = {it.request.get("model") for it in recording.load(name).interactions}
    assert not models & set(DEPRECATED_MODELS), (
        f"{models & set(DEPRECATED_MODELS)} is deprecated: the SDK warns on stderr, which zeroes nbgrader test cells")
