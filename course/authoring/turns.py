"""What every authored model turn shares: deterministic ids, token estimates, the Turn record."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Callable

CREATED = 1_763_900_000  # a fixed timestamp (2025-11-23): authored files stay byte-reproducible
ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
SNAPSHOTS = {"gpt-4o": "gpt-4o-2024-08-06", "gpt-4o-mini": "gpt-4o-mini-2024-07-18", "gpt-4.1": "gpt-4.1-2025-04-14",
             "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14"}


class Ids:
    """Deterministic, realistic-looking ids (``call_…``, ``resp_…``, ``toolu_…``) for one scenario."""

    def __init__(self, seed: str) -> None:
        self.seed, self.n = seed, 0

    def new(self, prefix: str, length: int = 24) -> str:
        self.n += 1
        digest = hashlib.sha256(f"{self.seed}/{self.n}".encode()).digest()
        num = int.from_bytes(digest, "big")
        chars = []
        for _ in range(length):
            num, r = divmod(num, len(ALPHABET))
            chars.append(ALPHABET[r])
        return prefix + "".join(chars)


def tokens(obj: Any) -> int:
    """A rough, deterministic token estimate (4 characters a token) for authored ``usage``."""
    return max(1, len(json.dumps(obj, ensure_ascii=False)) // 4)


def snapshot(model: str) -> str:
    """The dated model name an API reports for an alias."""
    return SNAPSHOTS.get(model, model)


Builder = Callable[[dict[str, Any], Ids], dict[str, Any]]
Streamer = Callable[[dict[str, Any], dict[str, Any], "Turn"], list[dict[str, Any]]]


@dataclass
class Turn:
    """One authored model response: a builder of the final body, and how to stream it."""

    build: Builder
    stream: Streamer
    note: str = ""
    latency_ms: float = 800.0
    match: dict[str, Any] = field(default_factory=dict)
    usage: tuple[int, int] | None = None
    interleave: bool = False
    status: int = 200
    dt_ms: float = 25.0


def fragments(text: str, n: int = 3) -> list[str]:
    """Split a string into ``n`` roughly equal pieces, as streams deliver JSON arguments."""
    if not text:
        return [""]
    size = max(1, -(-len(text) // n))
    return [text[i:i + size] for i in range(0, len(text), size)]


def weave(groups: list[list[Any]], interleave: bool) -> list[Any]:
    """Concatenate per-call event groups, or round-robin them when ``interleave`` is set."""
    if not interleave:
        return [e for g in groups for e in g]
    out: list[Any] = []
    for i in range(max((len(g) for g in groups), default=0)):
        out.extend(g[i] for g in groups if i < len(g))
    return out
