"""Run a scenario's reference driver against its scripted turns and write the recording.

The driver talks to a real SDK client whose transport is :class:`ScriptedUpstream`: each
request is answered with the next authored turn (as JSON, or as SSE when the request
asked to stream).  The recording therefore holds exactly the bytes the SDK sent.
``record`` runs the same driver against the live API instead (instructors, with keys).
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import httpx2

from .. import recording, settings, sse
from ..clients import BASE_URLS, sdk_client
from ..errors import LiveModeError
from ..live import LiveSession, LiveTransport
from ..record import Recorder, save
from .turns import Ids, Turn

AUTHORED_ON = "2026-11-23"
BASIS = ("Authored, not captured: response bodies follow the documented wire formats checked against the "
         "installed SDKs and OpenAI's OpenAPI spec; request bodies are exactly what the SDK sent when the reference "
         "driver ran. Re-record live with: COURSE_MODE=record python -m course.authoring record {name}")


@dataclass
class Scenario:
    """A reference driver plus the model turns that answer it."""

    name: str
    provider: str
    note: str
    sources: list[str]
    turns: list[Turn]
    drive: Callable[[Any], Any]
    async_: bool = False
    match: dict[str, Any] = field(default_factory=dict)
    order: str = "strict"
    module: str = ""


REGISTRY: dict[str, Scenario] = {}


class AuthoringError(RuntimeError):
    """A scenario's driver and turns disagree."""


def register(sc: Scenario) -> Scenario:
    """Add a scenario to the catalogue (names are unique)."""
    if sc.name in REGISTRY:
        raise AuthoringError(f"scenario {sc.name!r} is registered twice")
    sc.module = sc.module or sc.drive.__module__
    REGISTRY[sc.name] = sc
    return sc


class ScriptedUpstream(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """Answers requests with a scenario's turns, in order, keeping each exchange."""

    def __init__(self, sc: Scenario) -> None:
        self.sc, self.ids, self.interactions = sc, Ids(sc.name), []

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        return self._answer(request)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await request.aread()
        return self._answer(request)

    def _answer(self, request: httpx2.Request) -> httpx2.Response:
        n = len(self.interactions)
        if n >= len(self.sc.turns):
            raise AuthoringError(f"{self.sc.name}: the driver sent request #{n + 1} but only {len(self.sc.turns)} turns exist")
        turn, body = self.sc.turns[n], json.loads(request.content)
        final = turn.build(body, self.ids)
        headers = {"x-request-id" if self.sc.provider == "openai" else "request-id": self.ids.new("req_", 24)}
        resp: dict[str, Any] = {"status": turn.status, "headers": headers}
        if body.get("stream") and turn.status == 200:
            resp["headers"]["content-type"] = "text/event-stream; charset=utf-8"
            resp["sse"] = turn.stream(body, final, turn)
            content = b"".join(sse.encode_event(ev) for ev in resp["sse"])
        else:
            resp["headers"]["content-type"] = "application/json"
            resp["json"] = final
            content = json.dumps(final).encode()
        item: dict[str, Any] = {"note": turn.note,
                                "request": {"method": request.method, "path": request.url.path, "json": body},
                                "response": resp, "latency_ms": turn.latency_ms}
        if turn.match:
            item["match"] = turn.match
        self.interactions.append(item)
        return httpx2.Response(turn.status, headers=resp["headers"], content=content, request=request)


def make_client(provider: str, transport: Any, async_: bool, key: str = "authoring-no-key",
                base_url: str | None = None) -> Any:
    """A real SDK client over ``transport`` (retries off), at the provider's URL unless told otherwise."""
    return sdk_client(provider, transport, async_, key=key, base_url=base_url or BASE_URLS[provider])


def _run(sc: Scenario, client: Any) -> None:
    if sc.async_:
        asyncio.run(sc.drive(client))
    else:
        sc.drive(client)


def build(sc: Scenario) -> dict[str, Any]:
    """The recording document of an authored scenario."""
    upstream = ScriptedUpstream(sc)
    _run(sc, make_client(sc.provider, upstream, sc.async_))
    if len(upstream.interactions) != len(sc.turns):
        raise AuthoringError(f"{sc.name}: the driver used {len(upstream.interactions)} of {len(sc.turns)} turns")
    doc: dict[str, Any] = {
        "format": recording.FORMAT, "scenario": sc.name, "provider": sc.provider, "note": sc.note,
        "provenance": {"kind": "authored", "authored_on": AUTHORED_ON, "by": sc.module,
                       "basis": BASIS.format(name=sc.name), "sources": sc.sources},
    }
    if sc.order != "strict":
        doc["order"] = sc.order
    if sc.match:
        doc["defaults"] = sc.match
    doc["interactions"] = upstream.interactions
    return doc


def text_of(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write(sc: Scenario, folder: Path = recording.SCENARIO_DIR) -> Path:
    """Build and save one scenario (secret scan and format check included)."""
    return save(folder / f"{sc.name}.json", build(sc))


def stale(names: list[str] | None = None) -> list[str]:
    """Scenarios whose file differs from what building them now produces."""
    out = []
    for name in names or sorted(REGISTRY):
        path = recording.SCENARIO_DIR / f"{name}.json"
        if not path.exists() or path.read_text(encoding="utf-8") != text_of(build(REGISTRY[name])):
            out.append(name)
    return out


def record_live(sc: Scenario, folder: Path = recording.SCENARIO_DIR, base_url: str | None = None) -> Path:
    """Run the driver against the real API (``COURSE_MODE=record`` and a key) and save what came back.

    ``base_url`` (default: the provider's, or ``OPENAI_BASE_URL``/``ANTHROPIC_BASE_URL``) lets an
    instructor record through a proxy, and the tests record from a stand-in server on loopback.
    """
    key = settings.api_key(sc.provider)
    if settings.mode() != "record" or not key:
        raise LiveModeError(f"recording needs COURSE_MODE=record and {settings.KEY_ENV[sc.provider]} set")
    session = LiveSession(sc.name, sc.provider, recorder=Recorder(sc.name, sc.provider))
    transport = LiveTransport(session, async_=sc.async_)
    env_base = os.environ.get("OPENAI_BASE_URL" if sc.provider == "openai" else "ANTHROPIC_BASE_URL")
    _run(sc, make_client(sc.provider, transport, sc.async_, key=key, base_url=base_url or env_base))
    rec = session.recorder
    assert rec is not None
    for item, turn in zip(rec.interactions, sc.turns):
        item["note"] = turn.note
        if turn.match:
            item["match"] = turn.match
    extra: dict[str, Any] = {"defaults": sc.match} if sc.match else {}
    if sc.order != "strict":
        extra["order"] = sc.order
    doc = rec.document(sc.note, **extra)
    doc["provenance"]["sources"] = sc.sources
    return save(folder / f"{sc.name}.json", doc)
