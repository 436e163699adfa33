"""Record mode for instructors: turn live exchanges into a recording, safely.

Only allow-listed headers are kept (never ``authorization``, ``x-api-key``, cookies or
organisation headers), and :func:`save` scans the whole recording with :mod:`course.secret_scan`
(headers, request and response bodies, and each stream's deltas joined) plus the keys in this
environment, refusing to write it on a hit: :class:`SecretFound` names the field path and the kind of
secret, never any character of it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path
from typing import Any

from . import recording, secret_scan, sse

REQUEST_HEADERS = {"content-type", "anthropic-version", "anthropic-beta", "openai-beta"}
RESPONSE_HEADERS = {"content-type", "x-request-id", "request-id", "openai-processing-ms"}
ENV_KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY")


class SecretFound(ValueError):
    """A recording would contain a secret; nothing was written.  ``findings`` say where and what kind
    (never any character of the secret)."""

    def __init__(self, message: str, findings: list[secret_scan.Finding]) -> None:
        self.findings = findings
        super().__init__(message)


@dataclass
class Recorder:
    """Collects the exchanges of one scenario as they happen."""

    scenario: str
    provider: str
    interactions: list[dict[str, Any]] = field(default_factory=list)

    def add(self, request: Any, response: Any, chunks: list[tuple[float, bytes]], started: float) -> None:
        """Keep one exchange: the parsed request, and the response as JSON or timed SSE events."""
        req = {
            "method": request.method,
            "path": request.url.path,
            "headers": {k: v for k, v in request.headers.items() if k.lower() in REQUEST_HEADERS},
            "json": json.loads(request.content or b"{}"),
        }
        first = chunks[0][0] if chunks else started
        resp: dict[str, Any] = {
            "status": response.status_code,
            "headers": {k: v for k, v in response.headers.items() if k.lower() in RESPONSE_HEADERS},
        }
        raw = b"".join(c for _, c in chunks)
        if "text/event-stream" in response.headers.get("content-type", ""):
            resp["sse"] = _timed_events(chunks)
        else:
            resp["json"] = json.loads(raw or b"null")
        self.interactions.append({"note": "", "request": req, "response": resp,
                                  "latency_ms": round((first - started) * 1000)})

    def document(self, note: str = "", **extra: Any) -> dict[str, Any]:
        """The recording as a dict (``provenance.kind = captured``)."""
        return {
            "format": recording.FORMAT,
            "scenario": self.scenario,
            "provider": self.provider,
            "note": note,
            "provenance": {
                "kind": "captured",
                "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
                "sdk": {"openai": version("openai"), "anthropic": version("anthropic")},
                "models": sorted({i["request"]["json"].get("model", "?") for i in self.interactions}),
            },
            **extra,
            "interactions": self.interactions,
        }

    def save(self, path: Path, note: str = "", **extra: Any) -> Path:
        return save(path, self.document(note, **extra))


def _timed_events(chunks: list[tuple[float, bytes]]) -> list[dict[str, Any]]:
    """Split timed chunks into events, each with the gap since the previous one."""
    events: list[dict[str, Any]] = []
    prev = chunks[0][0] if chunks else 0.0
    for t, chunk in chunks:
        for ev in sse.decode([chunk]):
            ev["dt_ms"] = round((t - prev) * 1000)
            prev = t
            events.append(ev)
    return events


def find_secrets(doc: Any) -> list[secret_scan.Finding]:
    """Secrets in a recording document (:mod:`course.secret_scan`), plus the actual keys in this environment."""
    known = tuple((f"the value of ${env}", os.environ.get(env, "")) for env in ENV_KEYS
                  if len(os.environ.get(env, "")) >= 8)
    return secret_scan.scan_recording(doc, known)


def save(path: Path, doc: dict[str, Any]) -> Path:
    """Check and write a recording; refuse if it is malformed or holds anything key-like."""
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    hits = find_secrets(json.loads(text))
    if hits:
        shown = "; ".join(str(h) for h in hits[:10]) + (f"; and {len(hits) - 10} more" if len(hits) > 10 else "")
        raise SecretFound(f"refusing to write {path}: it contains {len(hits)} secret(s) ({shown}). "
                          "Nothing was saved.", hits)
    recording.parse(json.loads(text), path)
    path = Path(path)
    path.write_text(text, encoding="utf-8")
    return path
