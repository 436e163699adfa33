"""Warm the SDKs' lazy work in the grading fork server, so no submission's kernel pays for it.

The ``openai`` and ``anthropic`` SDKs defer much of their set-up to the first call: a resource module
(``openai.resources.responses`` alone takes ~0.3 s to import), the pydantic validators of the response
models and the ``TypeAdapter`` of each field type met while parsing (``defer_build``), the request-side
type hints.  Every grading kernel is a fresh fork, so without this each submission paid ~0.2-0.6 s for it.

:func:`rehearse` plays one 200 answer of each shape in the course's recordings through the real SDK clients
(sync and async) over an in-memory ``httpx2.MockTransport``, before the server forks any kernel.  Nothing of the
``course`` package is imported (this module is loaded by path, stdlib and SDKs only): the recordings are
read as data.  Nothing reaches the network; no key is used; no thread is left running; warnings raised
meanwhile are swallowed and their "once" registries reset, so a kernel still shows each warning itself.

>>> import json, pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "hello.json").write_text(json.dumps({"interactions": [{
...     "request": {"method": "POST", "path": "/v1/chat/completions",
...                 "json": {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}},
...     "response": {"status": 200, "headers": {}, "json": {
...         "id": "c1", "object": "chat.completion", "created": 0, "model": "gpt-4o",
...         "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
...                      "message": {"role": "assistant", "content": "hello"}}]}}}]}))
>>> rehearse(folder)
2
"""

from __future__ import annotations

import asyncio
import json
import threading
import warnings
from pathlib import Path
from typing import Any, Callable

ENDPOINTS = {"/v1/chat/completions": ("openai", ("chat", "completions", "create")),
             "/v1/responses": ("openai", ("responses", "create")),
             "/v1/messages": ("anthropic", ("messages", "create"))}


def _body(response: dict[str, Any]) -> tuple[bytes, str]:
    """The recorded answer as wire bytes and its content type (SSE as ``course.sse.encode_event`` writes it;
    this module cannot import the course package)."""
    if "sse" in response:
        out = []
        for ev in response["sse"]:
            data = ev["data"] if isinstance(ev["data"], str) else json.dumps(ev["data"], separators=(",", ":"))
            out.append((f"event: {ev['event']}\n" if ev.get("event") else "") + f"data: {data}\n\n")
        return "".join(out).encode(), "text/event-stream"
    return json.dumps(response.get("json")).encode(), "application/json"


def _kinds(value: Any, out: set[str], keys: bool = True) -> set[str]:
    """The ``"type"`` values inside ``value`` (and every key, with ``keys``): what decides which SDK models and
    type adapters handle it."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "type" and isinstance(item, str):
                out.add(f"type={item}")
            elif keys:
                out.add(key)
            _kinds(item, out, keys)
    elif isinstance(value, list):
        for item in value:
            _kinds(item, out, keys)
    return out


def _exchanges(folder: Path) -> list[tuple[str, dict[str, Any], bytes, str]]:
    """``(path, request body, answer bytes, content type)`` of the 200 answers in the recordings, one per
    *shape* (endpoint, the request's fields and types, the answer's keys and types): a second call of a shape already played
    warms nothing new, it only costs its ~4 ms of steady work."""
    out, seen = [], set()
    for file in sorted(folder.glob("*.json")):
        try:
            interactions = json.loads(file.read_text())["interactions"]
            for it in interactions:
                req, resp = it["request"], it["response"]
                if req.get("path") not in ENDPOINTS or resp.get("status") != 200 or not isinstance(req.get("json"), dict):
                    continue
                shape = (req["path"], frozenset(_kinds(req["json"], set(req["json"]), keys=False)),
                         frozenset(_kinds(resp.get("sse", resp.get("json")), {"sse" if "sse" in resp else "json"})))
                if shape not in seen:
                    seen.add(shape)
                    out.append((req["path"], req["json"], *_body(resp)))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue  # a recording the course itself would refuse: nothing to warm
    return out


def _method(client: Any, path: str) -> Callable[..., Any]:
    target = client
    for name in ENDPOINTS[path][1]:
        target = getattr(target, name)
    return target


def _client(provider: str, async_: bool, answer: list[tuple[bytes, str]]) -> Any:
    """An SDK client whose transport answers every request with ``answer[0]``."""
    import anthropic
    import httpx2
    import openai

    def handler(request: Any) -> Any:
        data, kind = answer[0]
        return httpx2.Response(200, content=data, headers={"content-type": kind})

    cls = {"openai": (openai.OpenAI, openai.AsyncOpenAI),
           "anthropic": (anthropic.Anthropic, anthropic.AsyncAnthropic)}[provider][async_]
    http = (httpx2.AsyncClient if async_ else httpx2.Client)(transport=httpx2.MockTransport(handler))
    return cls(api_key="rehearsal", base_url="http://rehearsal.invalid", max_retries=0, http_client=http)


def rehearse(folder: Path) -> int:
    """Play every 200 answer recorded under ``folder`` through the SDK clients, sync then async; returns how
    many calls completed (a failed call is skipped: the rehearsal only warms caches, it checks nothing)."""
    exchanges = _exchanges(folder)
    answer: list[tuple[bytes, str]] = [(b"", "")]
    done = 0
    with warnings.catch_warnings():  # leaving it resets every "once" registry (warnings._filters_mutated)
        warnings.simplefilter("ignore")
        sync = {p: _client(p, False, answer) for p in ("openai", "anthropic")}
        for path, body, data, kind in exchanges:
            answer[0] = (data, kind)
            try:
                result = _method(sync[ENDPOINTS[path][0]], path)(**body)
                for _ in result if body.get("stream") else ():
                    pass
                done += 1
            except Exception:  # noqa: BLE001 - see the docstring
                pass
        for client in sync.values():
            client.close()

        async def play_async() -> int:
            clients = {p: _client(p, True, answer) for p in ("openai", "anthropic")}
            n = 0
            for path, body, data, kind in exchanges:
                answer[0] = (data, kind)
                try:
                    result = await _method(clients[ENDPOINTS[path][0]], path)(**body)
                    if body.get("stream"):
                        async for _ in result:
                            pass
                    n += 1
                except Exception:  # noqa: BLE001
                    pass
            for client in clients.values():
                await client.close()
            return n

        done += asyncio.run(play_async())
    for thread in threading.enumerate():  # a fork server must not fork with helper threads alive
        if thread is not threading.current_thread():
            thread.join(timeout=2)
    return done
