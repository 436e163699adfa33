"""Replay recorded model calls under the real SDKs, as an ``httpx2`` transport.

The course's client factories pass ``httpx2.Client(transport=ReplayTransport(session))``
to ``OpenAI``/``Anthropic`` as ``http_client``.  For every request the session:

1. checks the tool-call protocol and, if the real API would refuse, answers with its
   error body (the cursor stays, so the learner can fix and retry);
2. compares the normalised request with the next recorded one (strict order), and
   raises :class:`~course.errors.ReplayMismatch` with a diff if it differs (and, when the
   real API is reported to refuse the request in a way not emulated, a sentence saying so:
   :func:`course.protocol.unemulated`);
3. plays the recorded response: JSON after ``latency_ms``, or SSE events paced by
   their ``dt_ms``, both times ``time_scale`` (0 when grading).

Every outcome is appended to ``session.log`` with the request as sent, so hidden tests
can grade what a loop *did* even when learner code swallowed the exception.  Entries the
replay writes are registered with :mod:`course.evidence`; others are "foreign".
A refused request's entry keeps the id of the protocol rule it broke (``Exchange.rule``).
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Iterator, Literal

import httpx2

from . import evidence, protocol, sse
from .errors import body_diff, bounded, key_diff, mismatch_class
from .normalise import normalise
from .recording import Interaction, Recording

Kind = Literal["played", "api_error", "mismatch", "exhausted", "live"]


@dataclass
class Exchange:
    """One request the learner's code sent, and what the replay did with it."""

    kind: Kind
    method: str
    path: str
    body: Any
    index: int | None = None
    status: int | None = None
    message: str = ""
    response: Any = None
    rule: str | None = None      # the protocol rule id of a refused request (kind "api_error")

    def __post_init__(self) -> None:
        # Genuine evidence (course.evidence) only when the replay itself created it: frame 2 is the creator.
        if sys._getframe(2).f_globals.get("__name__") in _ISSUERS:
            evidence.issue(self, _seal(self))


_ISSUERS = frozenset({__name__, f"{__package__}.live"})


def _seal(e: Any) -> tuple[Any, ...]:
    """The fields of a log entry that never change once the replay wrote it."""
    return (e.kind, e.method, e.path, id(e.body), e.index, e.status, e.message, id(e.response))


def _audit(session: Any) -> list[str]:
    """Why ``session``'s log cannot be trusted (see course.evidence); [] when every entry is genuine."""
    log = list(getattr(session, "log", None) or ())
    real = [e for e in log if evidence.genuine(e, _seal)]
    played = {e.index for e in real if e.kind == "played"}
    if len(real) != len(log) or not set(getattr(session, "played", ())) <= played:
        return ["the replay log holds entries the replay did not write (forged evidence)"]
    return []


@dataclass
class Plan:
    """What the transport should send back."""

    status: int
    headers: dict[str, str]
    json: Any = None
    sse: list[dict[str, Any]] | None = None
    latency_ms: float = 0.0


@dataclass
class ReplaySession:
    """The state of one scenario being replayed: cursor, log, pacing."""

    recording: Recording
    time_scale: float = 0.0
    cursor: int = 0
    log: list[Exchange] = field(default_factory=list)
    played: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _expected: dict[int, Any] = field(default_factory=dict, repr=False)
    _history: protocol.History | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        evidence.track(self, _audit)

    @property
    def name(self) -> str:
        return self.recording.name

    @property
    def finished(self) -> bool:
        """True once every recorded model call has been played."""
        return len(self.played) == len(self.recording.interactions)

    def requests(self, *kinds: Kind) -> list[dict[str, Any]]:
        """Request bodies as sent, for the given outcome kinds (default: played ones)."""
        wanted = kinds or ("played", "live")
        return [e.body for e in self.log if e.kind in wanted]

    def kinds(self) -> list[str]:
        return [e.kind for e in self.log]

    @property
    def history(self) -> protocol.History:
        """What the API would remember between this session's requests (Responses ids, store, reasoning)."""
        if self._history is None:
            self._history = protocol.History(self._calls_of_response)
        return self._history

    def handle(self, method: str, path: str, raw: bytes) -> Plan:
        """Decide the answer to one request; raises ReplayMismatch when it is off the recording."""
        with self._lock:
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = None
            if not isinstance(body, dict):
                return self._mismatch(method, path, raw.decode(errors="replace"), None, "the request body is not a JSON object")
            err = protocol.check(path, body, self.history)
            if err is not None:
                self.log.append(Exchange("api_error", method, path, body, status=err.status, message=err.message,
                                         rule=err.rule))
                rid = "request-id" if path.endswith("/messages") else "x-request-id"  # the header each SDK reads
                return Plan(err.status, {"content-type": "application/json", rid: "req_replay"}, json=err.body)
            it = self._next(method, path, body)
            self.played.append(it.index)
            if self.recording.order == "strict":
                self.cursor = it.index + 1
            resp = it.response
            self.history.record(path, body, resp.final_body)
            self.log.append(Exchange("played", method, path, body, it.index, resp.status, it.note, resp.final_body))
            return Plan(resp.status, dict(resp.headers), resp.json, resp.sse, it.latency_ms)

    def _next(self, method: str, path: str, body: dict[str, Any]) -> Interaction:
        inters = self.recording.interactions
        if self.recording.order == "strict":
            if self.cursor >= len(inters):
                self._exhausted(method, path, body)
            it = inters[self.cursor]
            if self._same(it, method, path, body):
                return it
            return self._mismatch(method, path, body, it)
        pending = [it for it in inters if it.index not in self.played]
        for it in pending:
            if self._same(it, method, path, body):
                return it
        if not pending:
            self._exhausted(method, path, body)
        near = next((it for it in pending if it.path == path), pending[0])
        return self._mismatch(method, path, body, near)

    def _mismatch(self, method: str, path: str, body: Any, it: Interaction | None, why: str = "") -> Any:
        rec = self.recording
        n = len(rec.interactions)
        where = f"model call #{it.index + 1} of {n}" if it else f"call #{self.cursor + 1} of {n}"
        lines = [f"[replay] scenario '{rec.name}' ({rec.file.name}): {where} does not match your request."]
        refusal = protocol.unemulated(path, body) if isinstance(body, dict) else None
        if refusal:
            lines.append(refusal)
        if it is not None and it.note:
            lines.append(f"This call: {it.note}")
        if why:
            lines.append(why)
        elif it is not None and (it.method, it.path) != (method, path):
            lines.append(f"The recording expects {it.method} {it.path}; your code sent {method} {path}.")
        elif it is not None:
            mode = it.tool_output
            want, sent = normalise(path, it.request, mode, it.ignore), normalise(path, body, mode, it.ignore)
            lines += ["Keys that differ (after normalising both sides):"]
            lines += [f"  {k}" for k in key_diff(want, sent)]
            lines += [
                "Differences after normalising both sides (nulls dropped, JSON arguments parsed, tool results "
                "compared as a set by id):",
                body_diff(want, sent),
            ]
        msg = bounded("\n".join(lines))
        self.log.append(Exchange("mismatch", method, path, body, it.index if it else None, message=msg))
        raise mismatch_class(rec.provider)(msg)

    def _exhausted(self, method: str, path: str, body: Any) -> None:
        rec = self.recording
        last = rec.interactions[-1].response.final_body or {}
        msg = (
            f"[replay] scenario '{rec.name}' ({rec.file.name}): all {len(rec.interactions)} recorded model call(s) "
            f"were already played, yet your code sent another request.\n{_stop_hint(rec.interactions[-1].path, last)}"
        )
        self.log.append(Exchange("exhausted", method, path, body, message=msg))
        raise mismatch_class(rec.provider, exhausted=True)(msg)

    def _same(self, it: Interaction, method: str, path: str, body: dict[str, Any]) -> bool:
        if (it.method, it.path) != (method, path):
            return False
        if it.index not in self._expected:
            self._expected[it.index] = normalise(path, it.request, it.tool_output, it.ignore)
        return self._expected[it.index] == normalise(path, body, it.tool_output, it.ignore)

    def _calls_of_response(self, response_id: str) -> list[str] | None:
        for it in self.recording.interactions:
            final = it.response.final_body
            if isinstance(final, dict) and final.get("id") == response_id:
                return [o.get("call_id") for o in final.get("output", []) if o.get("type") == "function_call"]
        return None




def _stop_hint(path: str, last: dict[str, Any]) -> str:
    if path.endswith("/chat/completions"):
        reason = (last.get("choices") or [{}])[0].get("finish_reason")
        return (f"The last recorded response ended with finish_reason={reason!r} and no tool_calls: the model was "
                "done. Does your loop return when finish_reason is 'stop' (no tool_calls left to answer)?")
    if path.endswith("/responses"):
        return ("The last recorded response had no function_call items in its output: the model was done. Does "
                "your loop return when a response carries no function_call items?")
    return (f"The last recorded message ended with stop_reason={last.get('stop_reason')!r}: Claude was done. Does "
            "your loop return when stop_reason is not 'tool_use'?")


class _EventStream(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    """Recorded SSE events as a byte stream, paced by ``dt_ms × time_scale``."""

    def __init__(self, events: list[dict[str, Any]], scale: float) -> None:
        self.events, self.scale = events, scale

    def __iter__(self) -> Iterator[bytes]:
        for ev in self.events:
            if self.scale > 0 and ev.get("dt_ms"):
                time.sleep(ev["dt_ms"] / 1000 * self.scale)
            yield sse.encode_event(ev)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for ev in self.events:
            if self.scale > 0 and ev.get("dt_ms"):
                await asyncio.sleep(ev["dt_ms"] / 1000 * self.scale)
            yield sse.encode_event(ev)


class ReplayTransport(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """An ``httpx2`` transport (sync and async) that answers from a :class:`ReplaySession`."""

    def __init__(self, session: ReplaySession) -> None:
        self.session = session

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        plan = self.session.handle(request.method, request.url.path, request.read())
        if plan.latency_ms and self.session.time_scale > 0:
            time.sleep(plan.latency_ms / 1000 * self.session.time_scale)
        return self._response(plan, request)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        plan = self.session.handle(request.method, request.url.path, await request.aread())
        if plan.latency_ms and self.session.time_scale > 0:
            await asyncio.sleep(plan.latency_ms / 1000 * self.session.time_scale)
        return self._response(plan, request)

    def _response(self, plan: Plan, request: httpx2.Request) -> httpx2.Response:
        if plan.sse is not None:
            headers = {"content-type": "text/event-stream; charset=utf-8", **plan.headers}
            return httpx2.Response(plan.status, headers=headers, stream=_EventStream(plan.sse, self.session.time_scale),
                                   request=request)
        content = json.dumps(plan.json).encode()
        headers = {**plan.headers, "content-type": "application/json"}
        return httpx2.Response(plan.status, headers=headers, content=content, request=request)


def session_of(client: Any) -> ReplaySession:
    """The replay session behind a course client (or behind its ``httpx2`` client)."""
    if isinstance(client, ReplaySession):
        return client
    http = getattr(client, "_client", client)
    transport = getattr(http, "_transport", None)
    session = getattr(transport, "session", None)
    if session is None:
        raise TypeError("this client was not made by course.clients, so it has no replay session")
    return session
