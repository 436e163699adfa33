"""Instructor record mode against a stand-in server on loopback, with planted fake keys."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from course import recording, sse
from course.authoring import REGISTRY, catalog  # noqa: F401
from course.authoring.build import record_live
from course.record import SecretFound

PLANTED_KEY = "sk-proj-PLANTEDfakeKEY0123456789abcdefXYZ"


def _server(recorded: str, plant_in_body: str | None = None):
    """Serve a recording's responses in order, with cookies and org headers a recorder must drop."""
    rec = recording.load(recorded)
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):  # keep test output quiet
            pass

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            seen.append({"auth": self.headers.get("authorization"), "body": body})
            resp = rec.interactions[len(seen) - 1].response
            self.send_response(resp.status)
            self.send_header("set-cookie", "__cf_bm=SECRETCOOKIE; path=/")
            self.send_header("openai-organization", "org-SECRETORG")
            self.send_header("x-request-id", "req_standin")
            if resp.sse is not None:
                self.send_header("content-type", "text/event-stream; charset=utf-8")
                self.end_headers()
                for ev in resp.sse:
                    self.wfile.write(sse.encode_event(ev))
                    self.wfile.flush()
                    time.sleep(0.01)
            else:
                data = json.dumps(resp.json)
                if plant_in_body:
                    data = data.replace("149.5 JPY", f"149.5 JPY ({plant_in_body})")
                payload = data.encode()
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


@pytest.fixture
def record_env(monkeypatch):
    monkeypatch.setenv("COURSE_MODE", "record")
    monkeypatch.setenv("OPENAI_API_KEY", PLANTED_KEY)


def test_recording_keeps_streams_and_drops_every_secret(tmp_path, record_env):
    server, seen = _server("chat_weather_parallel_stream")
    try:
        path = record_live(REGISTRY["chat_weather_parallel_stream"], folder=tmp_path,
                           base_url=f"http://127.0.0.1:{server.server_address[1]}/v1")
    finally:
        server.shutdown()
    text = path.read_text()
    assert seen[0]["auth"] == f"Bearer {PLANTED_KEY}", "the key went to the server..."
    for secret in (PLANTED_KEY, "SECRETCOOKIE", "SECRETORG", "Bearer"):
        assert secret not in text, f"...but {secret!r} must never reach the recording"
    rec = recording.load(str(path))
    assert rec.provenance["kind"] == "captured" and len(rec.interactions) == 2
    events = rec.interactions[0].response.sse
    assert events[-1]["data"] == "[DONE]" and any(ev["dt_ms"] >= 5 for ev in events[1:]), "pacing is kept"
    assert rec.interactions[0].note, "notes are carried over from the authoring module"


def test_a_key_in_a_response_body_refuses_the_save(tmp_path, record_env):
    server, _ = _server("chat_weather_parallel", plant_in_body="sk-ant-api03-PLANTEDfakeKEY0123456789")
    try:
        with pytest.raises(SecretFound, match="refusing to write"):
            record_live(REGISTRY["chat_weather_parallel"], folder=tmp_path,
                        base_url=f"http://127.0.0.1:{server.server_address[1]}/v1")
    finally:
        server.shutdown()
    assert list(tmp_path.iterdir()) == [], "nothing is written when a secret is found"


def test_recording_is_refused_without_opt_in(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", PLANTED_KEY)
    from course.errors import LiveModeError

    with pytest.raises(LiveModeError, match="COURSE_MODE=record"):
        record_live(REGISTRY["chat_weather_parallel"], folder=tmp_path)
