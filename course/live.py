"""Live mode: the real API, opted into with ``COURSE_MODE=live`` (or ``record``) and a key.

The transport forwards to ``httpx2``'s own network transport and logs each request,
so notebook checks that read ``session_of(client).log`` work live too.  In record mode a
:class:`~course.record.Recorder` tees every response (streams stay live) into a recording.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Iterator

import httpx2

from .record import Recorder
from .replay import Exchange
from . import settings


@dataclass
class LiveSession:
    """The log of a live (or recording) run; same reading API as a replay session."""

    name: str
    provider: str
    log: list[Exchange] = field(default_factory=list)
    recorder: Recorder | None = None
    finished: bool = False

    def __post_init__(self) -> None:
        if self.recorder is None and settings.mode() == "record":
            self.recorder = Recorder(self.name, self.provider)

    def requests(self, *kinds: str) -> list[dict[str, Any]]:
        return [e.body for e in self.log if e.kind in (kinds or ("live",))]

    def kinds(self) -> list[str]:
        return [e.kind for e in self.log]


class LiveTransport(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """Forward to the network (or a given upstream transport), logging and optionally recording."""

    def __init__(self, session: LiveSession, async_: bool = False, upstream: Any = None) -> None:
        self.session = session
        self.upstream = upstream or (httpx2.AsyncHTTPTransport() if async_ else httpx2.HTTPTransport())

    def _before(self, request: httpx2.Request, raw: bytes) -> float:
        if self.session.recorder is not None:
            request.headers["accept-encoding"] = "identity"
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = raw.decode(errors="replace")
        self.session.log.append(Exchange("live", request.method, request.url.path, body))
        return time.monotonic()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        started = self._before(request, request.read())
        response = self.upstream.handle_request(request)
        return self._after(request, response, started)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        started = self._before(request, await request.aread())
        response = await self.upstream.handle_async_request(request)
        return self._after(request, response, started)

    def _after(self, request: httpx2.Request, response: httpx2.Response, started: float) -> httpx2.Response:
        rec = self.session.recorder
        if rec is None:
            return response
        tee = _Tee(response.stream, rec, request, response, started)
        return httpx2.Response(response.status_code, headers=response.headers, stream=tee,
                               request=request, extensions=response.extensions)

    def close(self) -> None:
        if hasattr(self.upstream, "close"):
            self.upstream.close()

    async def aclose(self) -> None:
        if hasattr(self.upstream, "aclose"):
            await self.upstream.aclose()


class _Tee(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    """Pass chunks through as they arrive while keeping a timed copy for the recorder."""

    def __init__(self, inner: Any, rec: Recorder, request: httpx2.Request, response: httpx2.Response,
                 started: float) -> None:
        self.inner, self.rec, self.request, self.response, self.started = inner, rec, request, response, started
        self.chunks: list[tuple[float, bytes]] = []
        self.closed = False

    def _keep(self, chunk: bytes) -> bytes:
        self.chunks.append((time.monotonic(), chunk))
        return chunk

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            yield self._keep(chunk)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.inner:
            yield self._keep(chunk)

    def _done(self) -> None:
        if not self.closed:
            self.closed = True
            self.rec.add(self.request, self.response, self.chunks, self.started)

    def close(self) -> None:
        self._done()
        if hasattr(self.inner, "close"):
            self.inner.close()

    async def aclose(self) -> None:
        self._done()
        if hasattr(self.inner, "aclose"):
            await self.inner.aclose()
