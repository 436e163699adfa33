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


# --- secret scanning (course/secret_scan.py): where and what kind, never a character of the secret ----------

import copy  # noqa: E402
import random  # noqa: E402
import string  # noqa: E402

from course import record, secret_scan  # noqa: E402

_RNG = random.Random(20261202)


def _rand(n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(_RNG.choice(alphabet) for _ in range(n))


def _doc(name: str = "chat_weather_parallel_stream") -> dict:
    return json.loads(recording.scenario_path(name).read_text())


def _content_deltas(doc: dict, i: int = 1) -> list[dict]:
    """The events of interaction ``i`` that carry a text content delta."""
    return [ev["data"]["choices"][0]["delta"] for ev in doc["interactions"][i]["response"]["sse"]
            if isinstance(ev["data"], dict) and ev["data"].get("choices")
            and isinstance(ev["data"]["choices"][0]["delta"].get("content"), str)]


def _put(doc: dict, where: str, value) -> None:
    """Set ``doc[a][b]...`` from a dotted path with [n] indices (creating dicts on the way)."""
    keys = [int(k) if k.isdigit() else k for k in where.replace("[", ".").replace("]", "").split(".")]
    for k in keys[:-1]:
        doc = doc.setdefault(k, {}) if isinstance(doc, dict) else doc[k]
    doc[keys[-1]] = value


AWS = "AKIA" + _rand(16, string.ascii_uppercase + string.digits)
GITHUB = "ghp_" + _rand(36)
GOOGLE = "AIza" + _rand(35)
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ" + _rand(40) + "." + _rand(43)
SLACK = "xoxb-" + _rand(12, string.digits) + "-" + _rand(24)
BASIC = "Basic " + __import__("base64").b64encode(b"ada:" + _rand(14).encode()).decode()
PASSWORD = _rand(12)
ENTROPY = _rand(40, string.ascii_letters + string.digits + "/+")
OPENAI = "sk-proj-" + _rand(40)

PLANTS = [  # (field path, value, expected kind)
    ("interactions[0].request.json.messages[0].content", f"my key is {AWS} ok", "AWS access key"),
    ("interactions[1].request.json.messages[1].content", f"token {GITHUB}", "GitHub token"),
    ("interactions[0].request.headers.x-goog-api-key", GOOGLE, "Google API key"),
    ("interactions[0].request.json.metadata.session", JWT, "JSON Web Token"),
    ("interactions[1].request.json.messages[0].content", f"post with {SLACK}", "Slack token"),
    ("interactions[0].request.headers.authorization", BASIC, "Basic auth"),
    ("interactions[0].request.json.metadata.password", PASSWORD, "password"),
    ("interactions[0].response.headers.x-api-key", ENTROPY, "high-entropy value under 'x-api-key'"),
    ("interactions[0].request.json.metadata.client_secret", ENTROPY, "high-entropy value"),
    ("interactions[0].request.json.metadata.token", ENTROPY, "high-entropy value under 'token'"),
    ("interactions[0].request.json.metadata.api_key", ENTROPY, "high-entropy value under 'api_key'"),
    ("interactions[1].request.json.messages[1].content", json.dumps({"user": "ada", "password": PASSWORD}),
     "password"),
]


def _refused(tmp_path, doc) -> record.SecretFound:
    path = tmp_path / "rec.json"
    with pytest.raises(record.SecretFound) as err:
        record.save(path, doc)
    assert not path.exists(), "nothing is written when a secret is found"
    return err.value


def _no_character_of(secret: str, message: str) -> None:
    body = secret.split("_", 1)[-1] if secret.startswith("ghp_") else secret
    for i in range(len(body) - 4):
        assert body[i:i + 5] not in message, f"the refusal shows part of the secret: {body[i:i + 5]!r}"


@pytest.mark.parametrize("where, secret, kind", PLANTS, ids=[p[2] + " @ " + p[0].split(".", 1)[1] for p in PLANTS])
def test_each_kind_of_secret_refuses_the_save_naming_where_and_what(tmp_path, where, secret, kind):
    doc = _doc()
    _put(doc, where, secret)
    err = _refused(tmp_path, doc)
    assert any(where in f.where and kind in f.kind for f in err.findings), err.findings
    assert where in str(err) and kind in str(err)
    for s in (AWS, GITHUB, GOOGLE, JWT, SLACK, BASIC.split()[1], PASSWORD, ENTROPY):
        _no_character_of(s, str(err))


def test_a_key_split_across_two_stream_deltas_is_caught(tmp_path):
    doc = _doc()
    deltas = _content_deltas(doc)
    assert len(deltas) >= 2
    deltas[0]["content"] += AWS[:9]
    deltas[1]["content"] = AWS[9:] + deltas[1]["content"]
    assert not secret_scan.scan(doc), "neither half is a secret on its own"
    err = _refused(tmp_path, doc)
    (f,) = err.findings
    assert f.where.startswith("interactions[1].response.sse") and "joined" in f.where and "AWS" in f.kind
    _no_character_of(AWS, str(err))


def test_a_key_split_across_tool_call_argument_deltas_is_caught(tmp_path):
    doc = _doc()
    events = doc["interactions"][0]["response"]["sse"]
    args = [ev["data"]["choices"][0]["delta"]["tool_calls"][0]["function"] for ev in events
            if isinstance(ev["data"], dict) and ev["data"]["choices"]
            and ev["data"]["choices"][0]["delta"].get("tool_calls")
            and "arguments" in ev["data"]["choices"][0]["delta"]["tool_calls"][0].get("function", {})]
    assert len(args) >= 2
    args[0]["arguments"] = OPENAI[:12]
    args[1]["arguments"] = OPENAI[12:]
    err = _refused(tmp_path, doc)
    assert any("response.sse" in f.where and "API key" in f.kind for f in err.findings), err.findings
    _no_character_of(OPENAI, str(err))


@pytest.mark.parametrize("name", recording.list_scenarios())
def test_shipped_recordings_hold_no_secret(name):
    assert record.find_secrets(_doc(name)) == []


def test_ids_signatures_and_encrypted_content_are_never_flagged():
    b64 = string.ascii_letters + string.digits + "+/"
    doc = {
        "id": "msg_" + _rand(24), "call_id": "call_" + _rand(24), "item": {"id": "fc_" + _rand(48)},
        "tool_use_id": "toolu_" + _rand(24), "reasoning": {"id": "rs_" + _rand(48),
                                                           "encrypted_content": "gAAAAAB" + _rand(3000, b64)},
        "content": [{"type": "thinking", "thinking": "Let me think.", "signature": _rand(800, b64) + "=="}],
        "usage": {"input_tokens": 1234, "output_tokens": 56, "max_tokens": 1024},
        "logprobs": [{"token": "Hello", "logprob": -0.1}],
        "text": "Basic arithmetic first; the task-1234567890abcdefghijk id is fine; a password is needed.",
        "request_id": "req_" + _rand(32), "x-request-id": "req_" + _rand(32),
    }
    for blob in (AWS, GOOGLE, OPENAI):   # even a key-shaped run inside an opaque blob is not read
        doc["content"][0]["signature"] += blob
    assert secret_scan.scan(doc) == []
    assert secret_scan.scan_stream([{"data": {"delta": {"type": "signature_delta", "signature": OPENAI}}}], "s") == []


def test_entropy_and_key_names():
    assert secret_scan.entropy("aaaaaaaa") == 0 and secret_scan.entropy(ENTROPY) > 4
    for name in ("Authorization", "x-api-key", "api_key", "apiKey", "token", "access_token", "client_secret",
                 "password", "Cookie", "private_key"):
        assert secret_scan.key_like(name), name
    for name in ("encrypted_content", "signature", "id", "call_id", "max_tokens", "input_tokens", "tokenizer"):
        assert not secret_scan.key_like(name), name


@pytest.mark.parametrize("name", ["claude_weather_parallel_stream", "responses_sf_sanjose_stream"])
def test_a_key_split_across_text_deltas_is_caught_for_every_provider(tmp_path, name):
    doc = _doc(name)
    texts = []
    for it in doc["interactions"]:
        for ev in it["response"].get("sse") or []:
            d = ev["data"]
            if isinstance(d, dict) and d.get("type") == "content_block_delta" and d["delta"].get("type") == "text_delta":
                texts.append((d["delta"], "text"))
            elif isinstance(d, dict) and d.get("type") == "response.output_text.delta":
                texts.append((d, "delta"))
        if len(texts) >= 2:
            break
    (first, k1), (second, k2) = texts[:2]
    first[k1] += " " + GITHUB[:10]
    second[k2] = GITHUB[10:] + " " + second[k2]
    assert not secret_scan.scan(doc), "neither half is a secret on its own"
    err = _refused(tmp_path, doc)
    assert [f.kind for f in err.findings] == ["a GitHub token"] and "joined" in err.findings[0].where
    _no_character_of(GITHUB, str(err))
