"""Record mode for instructors: turn live exchanges into a recording, safely.

Only allow-listed headers are kept (never ``authorization``, ``x-api-key``, cookies or
organisation headers), and :func:`save` scans the whole file text for anything
key-like, refusing to write it on a hit.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path
from typing import Any

from . import recording, sse

REQUEST_HEADERS = {"content-type", "anthropic-version", "anthropic-beta", "openai-beta"}
RESPONSE_HEADERS = {"content-type", "x-request-id", "request-id", "openai-processing-ms"}
SECRET_PATTERNS = [
    re.compile(r"sk-(?:proj-|ant-|svcacct-)?[A-Za-z0-9_\-]{16,}"),
    re.compile(r"Bearer\s+[A-Za-z0-9._\-]{16,}", re.I),
    re.compile(r"\b(?:x-api-key|authorization|api[_-]?key)\"?\s*[:=]\s*\"?[A-Za-z0-9._\-]{16,}", re.I),
]


class SecretFound(ValueError):
    """A recording would contain something key-like; nothing was written."""


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


def find_secrets(text: str) -> list[str]:
    """Key-like strings in ``text``: known patterns, plus the actual keys in this environment."""
    hits = [m.group(0) for p in SECRET_PATTERNS for m in p.finditer(text)]
    for env in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        key = os.environ.get(env)
        if key and len(key) >= 8 and key in text:
            hits.append(f"the value of ${env}")
    return hits


def save(path: Path, doc: dict[str, Any]) -> Path:
    """Check and write a recording; refuse if it is malformed or holds anything key-like."""
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    hits = find_secrets(text)
    if hits:
        shown = ", ".join(h[:12] + "…" for h in hits[:3])
        raise SecretFound(f"refusing to write {path}: it contains key-like text ({shown}). Nothing was saved.")
    recording.parse(json.loads(text), path)
    path = Path(path)
    path.write_text(text, encoding="utf-8")
    return path
