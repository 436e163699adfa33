"""Server-sent events: recorded event lists to wire bytes and back.

Recordings keep a stream as ``[{"event": name?, "data": obj | "[DONE]", "dt_ms": n}, ...]``.
OpenAI Responses and Anthropic name every event; Chat Completions sends bare ``data:``
lines and ends with ``data: [DONE]``.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Iterator


def encode_event(ev: dict[str, Any]) -> bytes:
    """One event as it travels on the wire, blank line included."""
    data = ev["data"]
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    head = f"event: {ev['event']}\n" if ev.get("event") else ""
    return f"{head}data: {text}\n\n".encode()


def decode(chunks: Iterable[bytes]) -> Iterator[dict[str, Any]]:
    """Parse a byte stream into events ``{"event"?, "data"}``; JSON data is decoded."""
    buf = b""
    for chunk in chunks:
        buf += chunk.replace(b"\r\n", b"\n")
        while b"\n\n" in buf:
            block, buf = buf.split(b"\n\n", 1)
            ev = _block(block.decode())
            if ev is not None:
                yield ev
    if buf.strip():
        ev = _block(buf.decode())
        if ev is not None:
            yield ev


def _block(block: str) -> dict[str, Any] | None:
    name, data = None, []
    for line in block.split("\n"):
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
    if not data:
        return None
    text = "\n".join(data)
    try:
        value: Any = json.loads(text)
    except ValueError:
        value = text
    return {"event": name, "data": value} if name else {"data": value}
